# Sourced by the deploy tests and CI steps that need a pristine Debian root
# (test_container.sh, test_fresh_install.sh, tests/deploy/in_debian.sh):
# output helpers, a free port, the mirror this machine's apt uses, and the
# debootstrap rootfs they share.
#
# debian_rootfs SUITE (needs root, debootstrap, and $WORK for scratch space)
# sets ROOTFS_TAR: a tarball of `debootstrap --variant=minbase SUITE`
# (trixie, the primary platform, or bookworm), slimmed like the official
# debian:*-slim images, whose apt uses the same mirror as this machine. It
# is cached per suite and rebuilt when older than
# KAIZEN_DEBOOTSTRAP_MAX_AGE_DAYS; tests running at once build it once.
#
# Environment (all optional):
#   KAIZEN_DEBIAN_MIRROR / KAIZEN_DEBIAN_SECURITY_MIRROR  (default: the ones apt uses here)
#   KAIZEN_DEBOOTSTRAP_CACHE          rootfs cache dir (default /var/cache/kaizen-debootstrap)
#   KAIZEN_DEBOOTSTRAP_MAX_AGE_DAYS   rebuild the cached rootfs when older (default 7)
# shellcheck shell=bash

CACHE_DIR=${KAIZEN_DEBOOTSTRAP_CACHE:-/var/cache/kaizen-debootstrap}
MAX_AGE_DAYS=${KAIZEN_DEBOOTSTRAP_MAX_AGE_DAYS:-7}

T0=$SECONDS
step() { printf '\n==> [%3ds] %s\n' "$((SECONDS - T0))" "$*"; }
info() { printf '    %s\n' "$*"; }
fail() { printf '\nFAIL: %s\n' "$*" >&2; exit 1; }

# The test's clean-up ($1) runs however it ends; a signal ends it with 128+N.
on_exit() { trap "$1" EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; }
# The last words of a clean-up: PASS or how it failed, the time, and its status.
report() {  # $1 = exit status, $2 = what was checked
  if [ "$1" -eq 0 ]; then
    printf '\nPASS: %s (%ds)\n' "$2" "$((SECONDS - T0))"
  else
    printf '\n%s failed (exit %d) after %ds\n' "$2" "$1" "$((SECONDS - T0))" >&2
  fi
  exit "$1"
}
# $1 = why the test needs root; then the commands it runs.
require_root_and() {
  local why=$1 t missing=()
  shift
  [ "$(id -u)" -eq 0 ] || fail "must run as root ($why); try: sudo $0"
  for t; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
  [ "${#missing[@]}" -eq 0 ] || fail "missing tools: ${missing[*]} (scripts/test installs them: scripts/deps.sh)"
}

# A port below the kernel's ephemeral range that no TCP socket uses right now.
free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + (RANDOM % 12000) ))
    if ! ss -Htan 2>/dev/null | awk '{print $4}' | grep -q ":$p\$"; then echo "$p"; return 0; fi
  done
  return 1
}

# The mirror apt uses on this machine: a stanza / line for suite "bookworm"
# (deb822 *.sources or one-line sources.list); security likewise.
apt_uri_for_suite() {  # $1 = suite
  local suite=$1 f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk -v s="$suite" '$1=="deb" { u=""; ok=0
        for (i=2;i<=NF;i++) { if ($i ~ /^https?:\/\//) { u=$i; if ($(i+1)==s) ok=1; break } }
        if (ok) { print u; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk -v s="$suite" '
      function flush() { if (uri != "" && en != "no" && (" " suites " ") ~ (" " s " ") && types ~ /(^| )deb( |$)/) { print uri; found=1 }
                         uri=""; suites=""; en=""; types="" }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); if (found) exit; next }
      { k=tolower($1) }
      k=="uris:"    { uri=$2 }
      k=="suites:"  { $1=""; suites=$0 }
      k=="types:"   { $1=""; types=$0 }
      k=="enabled:" { en=tolower($2) }
      END { if (!found) flush() }' "$f"
  done | sed -n 1p
}
# The mirror for a suite: the one apt uses here for it, else the one it uses
# for this machine's own release (the same archive serves every suite).
mirror_for_suite() {  # $1 = suite ("trixie", "trixie-security")
  local own
  own=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  case "$1" in
    *-security) apt_uri_for_suite "$1" | grep . || apt_uri_for_suite "$own-security" ;;
    *) apt_uri_for_suite "$1" | grep . || apt_uri_for_suite "$own" ;;
  esac
}
debian_rootfs() {  # $1 = suite
  local suite=$1 lock key root extra t
  # One builder at a time: the other test waits and then uses its tarball.
  mkdir -p "$CACHE_DIR"
  exec {lock}>"$CACHE_DIR/.lock"
  flock "$lock"
  # The rootfs's apt uses the same mirror as this machine.
  MIRROR=${KAIZEN_DEBIAN_MIRROR:-$(mirror_for_suite "$suite")}
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  MIRROR=${MIRROR%/}
  SECURITY=${KAIZEN_DEBIAN_SECURITY_MIRROR:-$(mirror_for_suite "$suite-security")}
  SECURITY=${SECURITY%/}
  info "$suite from $MIRROR${SECURITY:+, security: $SECURITY}"
  key=$(printf '%s\n%s\n%s\n' "$MIRROR" "$SECURITY" "v1" | sha256sum | cut -c1-12)
  ROOTFS_TAR="$CACHE_DIR/$suite-minbase-$key.tar"

  if [ -f "$ROOTFS_TAR" ] && [ -z "$(find "$ROOTFS_TAR" -mtime +"$MAX_AGE_DAYS" 2>/dev/null)" ]; then
    info "using cached rootfs $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
  else
    info "no fresh cached rootfs: running debootstrap (about 30 s on a fast mirror)"
    root="$WORK/rootfs"
    extra=()
    case "$MIRROR" in https://*) extra+=(--include=ca-certificates) ;; esac
    t=$SECONDS
    timeout 600 debootstrap --variant=minbase "${extra[@]}" "$suite" "$root" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
      || { tail -n 30 "$WORK/debootstrap.log" >&2; fail "debootstrap failed (log above)"; }
    info "debootstrap took $((SECONDS - t)) s"

    # Slim it the way the official debian:*-slim images are made: no package
    # caches, docs, man pages or locales (now or in later apt-get installs).
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
           "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/tmp/* "$root"/root/.??* \
           "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/groff/* \
           "$root"/usr/share/lintian/* "$root"/usr/share/locale/*
    mkdir -p "$root"/var/lib/apt/lists/partial
    find "$root"/usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
    find "$root"/usr/share/doc -mindepth 1 -type d -empty -delete 2>/dev/null || true
    cat >"$root"/etc/dpkg/dpkg.cfg.d/docker <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
    cat >"$root"/etc/apt/apt.conf.d/docker-clean <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    printf 'Acquire::Languages "none";\n' >"$root"/etc/apt/apt.conf.d/docker-no-languages
    printf 'APT::AutoRemove::SuggestsImportant "false";\n' >"$root"/etc/apt/apt.conf.d/docker-autoremove-suggests
    # apt sources: the same mirror as this machine, with updates and security.
    rm -f "$root"/etc/apt/sources.list
    {
      printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$MIRROR" "$suite" "$suite"
      if [ -n "$SECURITY" ]; then
        printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$SECURITY" "$suite"
      fi
    } >"$root"/etc/apt/sources.list.d/debian.sources
    # No host identity in the image (the runtime provides these).
    : >"$root"/etc/resolv.conf; rm -f "$root"/etc/hostname; : >"$root"/etc/machine-id

    tar --numeric-owner --xattrs -C "$root" -cf "$ROOTFS_TAR.tmp" .
    mv -f "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
    rm -rf "$root"
    info "cached rootfs: $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
  fi
  exec {lock}>&-
}

# ---------------------------------------------------------------- a root to run the checkout in
# debian_root SUITE (needs $WORK and $SRC): a pristine root of SUITE, from the
# cached rootfs, in $WORK/root (sets ROOT), holding a clone of the checkout in
# /src/kaizen-gateway (its history: the upgrade test builds the first release
# from it) with the git-tracked files as they are in the working tree
# (without git: every file but build outputs and local state), the host's
# resolver, as a container runtime provides it, and the host's local CAs;
# /proc, /dev, /dev/pts and a /dev/shm of its own are mounted.
# debian_root_remove undoes all of it.
debian_root() {  # $1 = suite
  debian_rootfs "$1"
  ROOT="$WORK/root"
  mkdir -p "$ROOT"
  tar --numeric-owner --xattrs -C "$ROOT" -xpf "$ROOTFS_TAR"
  mkdir -p "$ROOT/src"
  if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git clone --quiet --no-hardlinks --no-checkout "$SRC" "$ROOT/src/kaizen-gateway"
    git -C "$ROOT/src/kaizen-gateway" checkout --quiet "$(git -C "$SRC" rev-parse HEAD)"
    (cd "$SRC" && git ls-files -z | tar --null -T - --ignore-failed-read -cf -)
  else
    mkdir -p "$ROOT/src/kaizen-gateway"
    tar -C "$SRC" --exclude='./build*' --exclude=./var --exclude=./.git --exclude=__pycache__ -cf - .
  fi | tar -C "$ROOT/src/kaizen-gateway" -xf -
  cat /etc/resolv.conf >"$ROOT/etc/resolv.conf"
  # The machine's own CAs (a network that inspects TLS has one), as its
  # administrator installs them: ca-certificates adds them to the root's
  # bundle when the scripts install it (or now, if it is there already).
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$ROOT/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
    if [ -x "$ROOT/usr/sbin/update-ca-certificates" ]; then
      chroot "$ROOT" update-ca-certificates >/dev/null 2>&1 || true
    fi
  fi
  mount -t proc proc "$ROOT/proc"
  mount --bind /dev "$ROOT/dev"
  mount --bind /dev/pts "$ROOT/dev/pts"
  mount -t tmpfs -o mode=1777 shm "$ROOT/dev/shm"
}
# Commands in the root get a clean environment: only what a login would set.
CLEAN_ENV=(/usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
           HOME=/root LANG=C.UTF-8)
procs_in_root() {  # pids of the processes whose root directory is $ROOT
  local d
  for d in /proc/[0-9]*; do
    [ "$(readlink "$d/root" 2>/dev/null)" = "$ROOT" ] && echo "${d#/proc/}"
  done
  return 0
}
mounts_in_root() { awk -v r="$ROOT" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts; }
# Stops what still runs in $ROOT (TERM, then KILL), unmounts, and deletes
# $WORK, never through a mount (a bind mount of /dev would take the host's).
debian_root_remove() {
  local p m
  if [ -n "${ROOT:-}" ]; then
    for p in $(procs_in_root); do kill -TERM "$p" 2>/dev/null; done
    for _ in $(seq 100); do [ -z "$(procs_in_root)" ] && break; sleep 0.1; done   # they drain
    for p in $(procs_in_root); do kill -KILL "$p" 2>/dev/null; done
    for m in $(mounts_in_root | sort -r); do umount "$m" 2>/dev/null || umount -l "$m"; done
  fi
  if [ -n "${WORK:-}" ]; then
    if [ -n "${ROOT:-}" ] && [ -n "$(mounts_in_root)" ]; then
      echo "still mounted under $ROOT, not removed: $(mounts_in_root | tr '\n' ' ')" >&2
    else
      rm -rf --one-file-system "$WORK"
    fi
  fi
}
