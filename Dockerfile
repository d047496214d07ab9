# syntax=docker/dockerfile:1
# kaizen-gateway container image.
#
#   build:   docker build -t kaizen-gateway .      (or: buildah bud -t kaizen-gateway .)
#   run:     docker run --rm -p 8080:8080 \
#              -e KAIZEN_REDIS_URL=redis://redis:6379/0 \
#              -e KAIZEN_GITHUB_SECRET_FILE=/run/secrets/github \
#              kaizen-gateway
#
# Stage 1 compiles the gateway on Debian 13 (trixie), whose hiredis has TLS
# (rediss://); stage 2 gathers what it needs at run time; stage 3 is FROM
# scratch with only that: the binary (simdjson and the C++ runtime linked
# in), the shared libraries it loads (their closure, found by ldd at build
# time), CA certificates, the templates and a passwd entry for the fixed
# non-root UID/GID 10001. No shell, no package manager, no setuid file
# (~26 MB, most of it libcurl's, OpenSSL's and GnuTLS's libraries: Debian's
# libcurl needs librtmp, which needs GnuTLS).
# No secret is baked in: configure everything through KAIZEN_* variables or
# KAIZEN_*_FILE mounts at run time (docs/configuration.md).

ARG DEBIAN_IMAGE=debian:trixie-slim

############################ build ############################
FROM ${DEBIAN_IMAGE} AS build

ARG DEBIAN_FRONTEND=noninteractive
# `check` is required by the CMake configure step (pkg_check_modules(CHECK
# REQUIRED)) even though no test is built or run here.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      gcc g++ libc6-dev make cmake pkg-config \
      libevent-dev libhiredis-dev libjansson-dev libsimdjson-dev \
      libcurl4-openssl-dev libssl-dev check ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Only the sources the build needs: CMakeLists.txt, gateway/, handlers/,
# templates/ (.dockerignore whitelists exactly these, so directories that do
# not exist yet do not break the build).
COPY . /src/
# Templates are installed into the runtime image even if the directory is
# (still) empty; CMake globs tests/ too, which is absent here: no test targets.
# KAIZEN_TLS=ON: fail rather than build an image that cannot speak to a rediss URL.
RUN mkdir -p /src/templates /src/handlers \
 && cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DKAIZEN_TLS=ON -DKAIZEN_STATIC_CXX=ON \
 && cmake --build /build --target kaizen-gateway -- -j"$(nproc)"

########################### runtime files ###########################
# Everything the runtime image holds, under /rootfs, owned by root and not
# writable by the runtime user. The libraries are the binary's ldd closure
# (its DT_NEEDED entries and theirs, and the dynamic loader) plus glibc's
# NSS modules for host lookups (loaded with dlopen, so ldd cannot see them),
# and the tz database compiled from Debian's tzdata.zi in zic's slim format
# (the zones and their links, about half the size of Debian's files).
FROM build AS rootfs
RUN set -eu; r=/rootfs; \
    mkdir -p "$r/usr/local/bin" "$r/usr/local/share/kaizen-gateway" "$r/etc/ssl/certs" "$r/tmp"; \
    install -m 0755 -s /build/kaizen-gateway "$r/usr/local/bin/kaizen-gateway"; \
    if ldd /build/kaizen-gateway | grep 'not found'; then echo "a library is missing" >&2; exit 1; fi; \
    libs=$(ldd /build/kaizen-gateway | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); \
    for lib in $libs /lib/*-linux-gnu/libnss_files.so.2 /lib/*-linux-gnu/libnss_dns.so.2; do \
      mkdir -p "$r$(dirname "$lib")"; cp -L "$lib" "$r$lib"; \
    done; \
    cp -R /src/templates "$r/usr/local/share/kaizen-gateway/templates"; \
    cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/"; \
    mkdir -p "$r/usr/share/zoneinfo"; \
    zic -b slim -d "$r/usr/share/zoneinfo" /usr/share/zoneinfo/tzdata.zi; \
    echo 'root:x:0:0:root:/nonexistent:/nonexistent' >"$r/etc/passwd"; \
    echo 'kaizen:x:10001:10001:kaizen-gateway:/nonexistent:/nonexistent' >>"$r/etc/passwd"; \
    printf 'root:x:0:\nkaizen:x:10001:\n' >"$r/etc/group"; \
    echo 'hosts: files dns' >"$r/etc/nsswitch.conf"; \
    chmod -R u=rwX,go=rX "$r"; chmod 1777 "$r/tmp"; chown -R 0:0 "$r"; \
    if find "$r" -perm /6000 | grep .; then echo "setuid/setgid files" >&2; exit 1; fi; \
    du -sh "$r"

############################ runtime ############################
FROM scratch

COPY --from=rootfs /rootfs/ /

# SSL_CERT_FILE: the system CA bundle for rediss:// without KAIZEN_REDIS_TLS_CA_FILE
# (OpenSSL's default path, /usr/lib/ssl/cert.pem, is not in the image). The tz
# database (KAIZEN_TIMEZONE, routes' time zones) is in /usr/share/zoneinfo.
ENV KAIZEN_LISTEN=0.0.0.0:8080 \
    KAIZEN_TEMPLATES_DIR=/usr/local/share/kaizen-gateway/templates \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    TZDIR=/usr/share/zoneinfo

LABEL org.opencontainers.image.title="kaizen-gateway" \
      org.opencontainers.image.description="Webhook-to-chat gateway: GitHub/Alertmanager -> tickets, SLA digests, canary pages"

# The process is stateless (all state in Redis); the runtime user owns no
# file in the image, so it can run with a read-only root filesystem.
WORKDIR /
USER 10001:10001
EXPOSE 8080
STOPSIGNAL SIGTERM
# No HEALTHCHECK: the image has no shell and no HTTP client; orchestrators
# probe GET /healthz (or /-/healthy) and GET /readyz (or /-/ready) directly.
ENTRYPOINT ["/usr/local/bin/kaizen-gateway"]
