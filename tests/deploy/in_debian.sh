#!/usr/bin/env bash
# Runs one of the checkout's commands in a pristine Debian root, as a fresh
# machine would: CI runs the README's `scripts/test` this way on Debian 13,
# the primary platform (.ci/run), while the host (Debian 12) runs it too.
#
#   tests/deploy/in_debian.sh SUITE COMMAND [ARG...]   e.g. trixie scripts/test
#
# The root is a copy of the cached debootstrap minbase root of SUITE (see
# debian.sh) with the checkout's git-tracked files in /src/kaizen-gateway;
# COMMAND runs there with a clean environment as root, on the host's network,
# and installs what it needs itself. Everything it started is stopped and the
# root deleted afterwards. The deploy checks that make roots and images
# themselves (debootstrap, buildah) are left out of a nested scripts/test:
# the host runs them, for Debian 13 (KAIZEN_TEST_EXCLUDE). So is the fuzz
# build (KAIZEN_FUZZ=0): the host runs it once.
#
# Needs root, debootstrap, git and tar; prints what each step cost. Exit
# status: COMMAND's.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${KAIZEN_SOURCE_DIR:-$(cd "$SCRIPT_DIR/../.." && pwd)}
# shellcheck source=tests/deploy/debian.sh
. "$SCRIPT_DIR/debian.sh"

[ $# -ge 2 ] || fail "usage: $0 SUITE COMMAND [ARG...]"
SUITE=$1
shift
WORK="" ROOT=""
cleanup() {
  local rc=$?
  set +e
  debian_root_remove
  report "$rc" "$* in a pristine Debian $SUITE root"
}
on_exit "cleanup $(printf '%q ' "$@")"

require_root_and "debootstrap, chroot, mount" debootstrap tar chroot mount git
WORK=$(mktemp -d /var/tmp/kaizen-in-debian.XXXXXX)
step "pristine $SUITE root with the checkout in /src/kaizen-gateway"
debian_root "$SUITE"
info "$(. "$ROOT/etc/os-release" && echo "$PRETTY_NAME"), $(du -sxm "$ROOT" | cut -f1) MB"

step "$* (in the root)"
rc=0
chroot "$ROOT" "${CLEAN_ENV[@]}" \
  KAIZEN_TEST_EXCLUDE='^deploy\.test_(container|fresh_install)$' KAIZEN_FUZZ=0 \
  bash -c 'cd /src/kaizen-gateway && exec "$@"' bash "$@" || rc=$?
step "$* exited $rc"
exit "$rc"
