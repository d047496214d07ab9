# syntax=docker/dockerfile:1
# kaizen-gateway container image.
#
#   build:   docker build -t kaizen-gateway .      (or: buildah bud -t kaizen-gateway .)
#   run:     docker run --rm -p 8080:8080 \
#              -e KAIZEN_REDIS_URL=redis://redis:6379/0 \
#              -e KAIZEN_GITHUB_SECRET_FILE=/run/secrets/github \
#              kaizen-gateway
#
# Stage 1 compiles the gateway; stage 2 is a slim runtime with only the shared
# libraries the binary links, running as a fixed non-root UID/GID (10001).
# No secret is baked in: configure everything through KAIZEN_* variables or
# KAIZEN_*_FILE mounts at run time (see README / SPEC).

ARG DEBIAN_IMAGE=debian:bookworm-slim

############################ build ############################
FROM ${DEBIAN_IMAGE} AS build

ARG DEBIAN_FRONTEND=noninteractive
# `check` is required by the CMake configure step (pkg_check_modules(CHECK
# REQUIRED)) even though no test is built or run here.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      gcc g++ libc6-dev make cmake pkg-config \
      libevent-dev libhiredis-dev libjansson-dev libsimdjson-dev \
      libcurl4-openssl-dev libssl-dev check \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Only the sources the build needs: CMakeLists.txt, gateway/, handlers/,
# templates/ (.dockerignore whitelists exactly these, so directories that do
# not exist yet do not break the build).
COPY . /src/
# Templates are installed into the runtime image even if the directory is
# (still) empty; CMake globs tests/ too, which is absent here: no test targets.
RUN mkdir -p /src/templates /src/handlers \
 && cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build --target kaizen-gateway -- -j"$(nproc)"

############################ runtime ############################
FROM ${DEBIAN_IMAGE}

ARG DEBIAN_FRONTEND=noninteractive
# Runtime shared libraries only (the DT_NEEDED entries of the binary):
#   libevent-2.1.so.7 -> libevent-2.1-7, libhiredis.so.0.14 -> libhiredis0.14,
#   libjansson.so.4 -> libjansson4, libcurl.so.4 -> libcurl4,
#   libcrypto.so.3 -> libssl3, libsimdjson.so.14 -> libsimdjson14 (webhook
#   bodies are parsed by simdjson; libstdc++6 comes with it);
#   ca-certificates for outgoing HTTPS (Slack, PagerDuty).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libevent-2.1-7 libhiredis0.14 libjansson4 libcurl4 libssl3 libsimdjson14 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/log/apt /var/log/dpkg.log \
 && groupadd --system --gid 10001 kaizen \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin kaizen \
 && { find / -xdev -type f -perm /6000 -exec chmod a-s {} + 2>/dev/null || true; }

COPY --from=build /build/kaizen-gateway /usr/local/bin/kaizen-gateway
COPY --from=build /src/templates/ /usr/local/share/kaizen-gateway/templates/

ENV KAIZEN_LISTEN=0.0.0.0:8080 \
    KAIZEN_TEMPLATES_DIR=/usr/local/share/kaizen-gateway/templates

LABEL org.opencontainers.image.title="kaizen-gateway" \
      org.opencontainers.image.description="Webhook-to-chat gateway: GitHub/Alertmanager -> tickets, SLA digests, canary pages"

# The process is stateless (all state in Redis); the runtime user owns no
# file in the image, so it can run with a read-only root filesystem.
WORKDIR /
USER 10001:10001
EXPOSE 8080
STOPSIGNAL SIGTERM
# No HEALTHCHECK: the image has no HTTP client; orchestrators probe
# GET /healthz (liveness) and GET /readyz (readiness) directly.
ENTRYPOINT ["/usr/local/bin/kaizen-gateway"]
