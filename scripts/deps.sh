# Sourced by scripts/run and scripts/test: installs the Debian 13 (or 12)
# packages a step needs when they are missing (as root; otherwise says what
# to install).
# shellcheck shell=bash

# Every package is named: apt runs with --no-install-recommends, so nothing
# arrives by accident (gcc only recommends libc6-dev, which has crt1.o and
# the C headers).
KAIZEN_BUILD_PKGS="gcc g++ libc6-dev make cmake pkg-config libevent-dev libhiredis-dev libjansson-dev libsimdjson-dev
  libcurl4-openssl-dev libssl-dev check"
KAIZEN_RUN_PKGS="redis-server redis-tools curl ca-certificates tzdata"
KAIZEN_TEST_PKGS="python3 prometheus prometheus-alertmanager python3-feedparser jq
  redis-sentinel debootstrap buildah openssl iproute2 procps git systemd man-db groff-base
  chromium libxml2-utils"
# The fuzz build (tests/fuzz, docs/fuzzing.md): clang and its libFuzzer runtime
# (clang 14 on Debian 12, 19 on Debian 13).
KAIZEN_FUZZ_PKGS="clang libclang-rt-dev"
KAIZEN_BENCH_PKGS="wrk redis-server redis-tools python3 curl openssl"
# Debian 13 packages Valkey (the suites run against it too) and needs netavark
# for buildah, which --no-install-recommends would leave out. Debian 12 has
# neither Valkey nor a hiredis with TLS (libhiredis-dev 0.14).
KAIZEN_DEBIAN_RELEASE=$(. /etc/os-release 2>/dev/null && echo "${VERSION_ID%%.*}")
if [ "${KAIZEN_DEBIAN_RELEASE:-0}" -ge 13 ] 2>/dev/null; then
    KAIZEN_TEST_PKGS="$KAIZEN_TEST_PKGS valkey-server valkey-tools valkey-sentinel netavark"
fi

kaizen_install() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$pkg")
    done
    # Node.js may come from Debian (nodejs + npm) or from NodeSource (nodejs
    # ships npm): only ask apt for npm when no npm is on PATH.
    if [ "${KAIZEN_NEED_NODE:-0}" = 1 ] && ! command -v npm >/dev/null 2>&1; then
        missing+=(nodejs npm)
    fi
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
        return 1
    fi
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
