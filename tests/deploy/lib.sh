# Sourced by tests/deploy/test_*.sh: a temp dir, background processes killed
# on exit, and fail(). Scripts add their pids to the pids array.
# shellcheck shell=bash
tmp="$(mktemp -d)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
