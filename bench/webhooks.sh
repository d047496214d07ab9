#!/usr/bin/env bash
# bench/webhooks.sh: HTTP benchmark of the gateway, with a Node.js baseline.
#
# Starts throwaway redis-servers (free ports, temp dirs, no persistence), the
# gateway (KAIZEN_DRY_RUN=1, KAIZEN_LOG_LEVEL=warn) and a minimal Node.js
# webhook receiver (bench/baseline_receiver.mjs; the Python stdlib one when
# node is missing), then measures with wrk:
#   (a) GET /healthz               gateway and baseline
#   (b) POST /webhooks/github      signed `issues` deliveries, unique
#                                  X-GitHub-Delivery each (gateway: one Redis
#                                  Lua script each; baseline: SET NX + HSET + ZADD)
#   (c) GET /metrics               gateway
#   (d) GET /api/tickets?limit=100 gateway, with $BENCH_TICKETS tickets stored
# Each case runs $BENCH_RUNS times for $BENCH_DURATION s (interleaved, so drift
# on a noisy machine hits every case alike); the summary shows medians of
# requests/s and of the p50/p99 latencies, CPU per request, RSS (VmRSS idle
# and after load, VmHWM peak), total CPU seconds and the binary size, and the
# ratios gateway/baseline. It prints figures only and asserts no timing.
#
# usage: bench/webhooks.sh
# knobs: BENCH_DURATION=4 BENCH_RUNS=3 BENCH_CONNS="2 32" BENCH_READ_CONNS=8
#        BENCH_TICKETS=1000 BENCH_BASELINE=node|python|none KAIZEN_BIN=path
#        BENCH_IDLE=10 (s of idle CPU measured after seeding)
#        BENCH_BIG_BYTES=5000000 BENCH_BIG_COUNTS="1 8" (after the load: that
#        many signed deliveries of about that size at once, peak RSS after each)
# needs: wrk, redis-server + redis-cli (redis-tools), curl, python3; node for
#        the baseline. Defaults take about 2.5 minutes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
here=$root/bench
bin=${KAIZEN_BIN:-$root/build/kaizen-gateway}
DURATION=${BENCH_DURATION:-4}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNS:-"2 32"}
READ_CONNS=${BENCH_READ_CONNS:-8}
TICKETS=${BENCH_TICKETS:-1000}
IDLE=${BENCH_IDLE:-10}
BIG_BYTES=${BENCH_BIG_BYTES:-5000000}
BIG_COUNTS=${BENCH_BIG_COUNTS:-"1 8"}
BASELINE=${BENCH_BASELINE:-node}
SECRET=bench-secret
HZ=$(getconf CLK_TCK)

die() { echo "bench: $*" >&2; exit 1; }
for tool in wrk redis-server redis-cli curl python3; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install -y wrk redis-server redis-tools curl python3)"
done
if [[ $BASELINE == node ]] && ! command -v node >/dev/null; then
  echo "bench: node not found: falling back to the Python stdlib baseline" >&2
  BASELINE=python
fi
if [[ ! -x $bin ]]; then
  cmake -S "$root" -B "$root/build" >/dev/null
  make -C "$root/build" --no-print-directory -s kaizen-gateway >/dev/null
fi

tmp=$(mktemp -d -t kz-bench.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

wait_until() { # wait_until <what> <command...>: up to 10 s
  local what=$1 _
  shift
  for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "$what did not come up"
}

start_redis() { # start_redis NAME -> sets REDIS_PORT
  REDIS_PORT=$(free_port)
  mkdir -p "$tmp/$1"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$tmp/$1" --save '' --appendonly no \
    --logfile "$tmp/$1/redis.log" &
  pids+=($!)
  wait_until "redis $1" redis-cli -p "$REDIS_PORT" ping
}

kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }     # kib PID VmRSS
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }                     # utime + stime
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

median() { # median of the arguments
  printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# ------------------------------------------------------------------ start
start_redis redis-gateway
GW_REDIS_PORT=$REDIS_PORT
GW_PORT=$(free_port)
env -i PATH="$PATH" KAIZEN_LISTEN="127.0.0.1:$GW_PORT" KAIZEN_REDIS_URL="redis://127.0.0.1:$GW_REDIS_PORT/0" \
  KAIZEN_GITHUB_SECRET="$SECRET" KAIZEN_DRY_RUN=1 KAIZEN_LOG_LEVEL=warn \
  KAIZEN_TEMPLATES_DIR="$root/templates" "$bin" 2>"$tmp/gateway.log" &
GW_PID=$!
pids+=("$GW_PID")
GW=http://127.0.0.1:$GW_PORT
wait_until "gateway" curl -fsS "$GW/readyz"

BL_PID=""
if [[ $BASELINE != none ]]; then
  start_redis redis-baseline
  BL_REDIS_PORT=$REDIS_PORT
  BL_PORT=$(free_port)
  case $BASELINE in
    node) BL_CMD=(node "$here/baseline_receiver.mjs") ;;
    python) BL_CMD=(python3 "$here/baseline_receiver.py") ;;
    *) die "BENCH_BASELINE must be node, python or none" ;;
  esac
  KAIZEN_GITHUB_SECRET="$SECRET" "${BL_CMD[@]}" "$BL_PORT" "$BL_REDIS_PORT" 2>"$tmp/baseline.log" &
  BL_PID=$!
  pids+=("$BL_PID")
  BL=http://127.0.0.1:$BL_PORT
  wait_until "baseline ($BASELINE)" curl -fsS "$BL/healthz"
fi

sleep 1
GW_RSS_IDLE=$(kib "$GW_PID" VmRSS)
[[ -n $BL_PID ]] && BL_RSS_IDLE=$(kib "$BL_PID" VmRSS)

echo "== gateway $("$bin" --version 2>/dev/null || true) (pid $GW_PID), baseline: $BASELINE${BL_PID:+ (pid $BL_PID, $(${BL_CMD[0]} --version 2>&1 | head -1))}"
echo "== $(nproc) CPUs, $(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo); wrk, gateway, baseline and Redis share them"

python3 "$here/github_pool.py" gen "$SECRET" "$TICKETS" "$tmp/pool.txt"
python3 "$here/github_pool.py" seed "$GW/webhooks/github" "$tmp/pool.txt"
[[ -n $BL_PID ]] && python3 "$here/github_pool.py" seed "$BL/webhooks/github" "$tmp/pool.txt"
echo "== seeded $(redis-cli -p "$GW_REDIS_PORT" zcard "{kz}:tickets") tickets (pool of $TICKETS signed issues bodies, $(awk -F'\t' '{n += length($2)} END {printf "%d", n / NR}' "$tmp/pool.txt") bytes each)"

t0=$(ticks "$GW_PID")
sleep "$IDLE"
GW_IDLE_MCPU=$(awk -v t="$(($(ticks "$GW_PID") - t0))" -v hz="$HZ" -v s="$IDLE" 'BEGIN {printf "%.1f", t / hz / s * 1000}')
echo "== gateway idle CPU with $TICKETS tickets: ${GW_IDLE_MCPU} millicores over ${IDLE} s"

gh_accepted() { # accepted GitHub deliveries according to the gateway's /metrics
  curl -fsS "$GW/metrics" | awk '/^kaizen_webhooks_total\{/ && /source="github"/ && /result="accepted"/ {n += $NF} END {printf "%d", n}'
}

# ------------------------------------------------------------------ measure
declare -A RPS P50 P99 ERR REQS TICKS
CASES=()
nonce=0
# measure CASE PID URL CONNS SCRIPT [-- script args]
measure() {
  local case=$1 pid=$2 url=$3 c=$4 script=$5 t0 t1 out line
  shift 5
  t0=$(ticks "$pid")
  out=$(wrk -t "$((c < 2 ? 1 : 2))" -c "$c" -d "${DURATION}s" --timeout 5s -s "$script" "$url" "$@" 2>&1) \
    || { echo "$out" >&2; die "wrk failed for $case"; }
  t1=$(ticks "$pid")
  line=$(grep '^BENCH ' <<<"$out") || { echo "$out" >&2; die "no BENCH line from wrk for $case"; }
  local requests rps p50 p99 errors status
  eval "$(sed 's/^BENCH //; s/\([a-z0-9_]*\)=/local_\1=/g' <<<"$line")"
  # shellcheck disable=SC2154 # set by the eval above
  requests=$local_requests rps=$local_rps p50=$local_p50_us p99=$local_p99_us errors=$local_errors status=$local_status
  [[ -v "RPS[$case]" ]] || CASES+=("$case")
  RPS[$case]+=" $rps" P50[$case]+=" $p50" P99[$case]+=" $p99"
  ERR[$case]=$((${ERR[$case]:-0} + errors + status))
  REQS[$case]=$((${REQS[$case]:-0} + requests))
  TICKS[$case]=$((${TICKS[$case]:-0} + t1 - t0))
  printf '   %-34s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  errors %d\n' "$case" "$rps" \
    "$(awk -v u="$p50" 'BEGIN {print u / 1000}')" "$(awk -v u="$p99" 'BEGIN {print u / 1000}')" "$((errors + status))"
}
webhook() { # webhook CASE PID BASE_URL CONNS
  nonce=$((nonce + 1))
  measure "$1" "$2" "$3/webhooks/github" "$4" "$here/wrk_github.lua" -- "$tmp/pool.txt" "bench$$-$nonce"
}
get() { measure "$1" "$2" "$3" "$4" "$here/wrk_report.lua"; }

# warm-up (not recorded): JIT of the baseline, connection pools, page cache
DURATION_SAVE=$DURATION DURATION=1
webhook warmup "$GW_PID" "$GW" 8 >/dev/null
[[ -n $BL_PID ]] && webhook warmup "$BL_PID" "$BL" 8 >/dev/null
DURATION=$DURATION_SAVE
unset 'RPS[warmup]'
CASES=()

gw_cpu0=$(ticks "$GW_PID")
accepted0=$(gh_accepted)
for run in $(seq "$RUNS"); do
  echo "== run $run/$RUNS (${DURATION} s each)"
  for c in $CONNS; do
    get "gateway GET /healthz c=$c" "$GW_PID" "$GW/healthz" "$c"
    [[ -n $BL_PID ]] && get "baseline GET /healthz c=$c" "$BL_PID" "$BL/healthz" "$c"
    webhook "gateway POST /webhooks/github c=$c" "$GW_PID" "$GW" "$c"
    [[ -n $BL_PID ]] && webhook "baseline POST /webhooks/github c=$c" "$BL_PID" "$BL" "$c"
  done
  get "gateway GET /metrics c=$READ_CONNS" "$GW_PID" "$GW/metrics" "$READ_CONNS"
  get "gateway GET /api/tickets?limit=100 c=$READ_CONNS" "$GW_PID" "$GW/api/tickets?limit=100" "$READ_CONNS"
done
gw_cpu1=$(ticks "$GW_PID")
accepted1=$(gh_accepted)

sleep 1
GW_RSS_LOAD=$(kib "$GW_PID" VmRSS) GW_HWM=$(kib "$GW_PID" VmHWM)
GW_CPU_TOTAL=$(ticks "$GW_PID")
if [[ -n $BL_PID ]]; then
  BL_RSS_LOAD=$(kib "$BL_PID" VmRSS) BL_HWM=$(kib "$BL_PID" VmHWM) BL_CPU_TOTAL=$(ticks "$BL_PID")
fi
BIG_FIGURES=()
for n in $BIG_COUNTS; do
  python3 "$here/github_pool.py" big "$SECRET" "$GW/webhooks/github" "$BIG_BYTES" "$n"
  BIG_FIGURES+=("$n x $BIG_BYTES B at once: VmHWM $(mib "$(kib "$GW_PID" VmHWM)") MiB")
done
strip -o "$tmp/stripped" "$bin" 2>/dev/null || cp "$bin" "$tmp/stripped"

# ------------------------------------------------------------------ summary
sent=0
for case in "${CASES[@]}"; do [[ $case == "gateway POST"* ]] && sent=$((sent + ${REQS[$case]})); done

echo
echo "== summary: medians of $RUNS runs x ${DURATION} s; latency from wrk; CPU = gateway/baseline process only"
printf '%-40s %10s %9s %9s %12s %7s\n' case "req/s" "p50 ms" "p99 ms" "CPU us/req" errors
printf '%-40s %10s %9s %9s %12s %7s\n' ---- ----- ------ ------ ---------- ------
declare -A MED_RPS MED_P99
for case in "${CASES[@]}"; do
  # shellcheck disable=SC2086 # word splitting of the value lists is intended
  MED_RPS[$case]=$(median ${RPS[$case]})
  # shellcheck disable=SC2086
  MED_P99[$case]=$(median ${P99[$case]})
  # shellcheck disable=SC2086
  printf '%-40s %10.0f %9.2f %9.2f %12.1f %7d\n' "$case" "${MED_RPS[$case]}" \
    "$(awk -v u="$(median ${P50[$case]})" 'BEGIN {print u / 1000}')" \
    "$(awk -v u="${MED_P99[$case]}" 'BEGIN {print u / 1000}')" \
    "$(awk -v t="${TICKS[$case]}" -v n="${REQS[$case]}" -v hz="$HZ" 'BEGIN {print n ? t / hz / n * 1e6 : 0}')" \
    "${ERR[$case]}"
done

if [[ -n $BL_PID ]]; then
  echo
  echo "== gateway / baseline ($BASELINE): req/s ratio (>1: gateway faster), p99 ratio (<1: gateway faster)"
  for c in $CONNS; do
    for what in "GET /healthz" "POST /webhooks/github"; do
      g="gateway $what c=$c" b="baseline $what c=$c"
      printf '%-40s req/s x%-6.2f p99 x%.2f\n' "$what c=$c" \
        "$(awk -v a="${MED_RPS[$g]}" -v b="${MED_RPS[$b]}" 'BEGIN {print a / b}')" \
        "$(awk -v a="${MED_P99[$g]}" -v b="${MED_P99[$b]}" 'BEGIN {print a / b}')"
    done
  done
fi

echo
echo "== process figures"
printf '%-30s %12s %12s\n' "" gateway "baseline"
printf '%-30s %12s %12s\n' "RSS idle (VmRSS, MiB)" "$(mib "$GW_RSS_IDLE")" "${BL_PID:+$(mib "$BL_RSS_IDLE")}"
printf '%-30s %12s %12s\n' "RSS after load (VmRSS, MiB)" "$(mib "$GW_RSS_LOAD")" "${BL_PID:+$(mib "$BL_RSS_LOAD")}"
printf '%-30s %12s %12s\n' "RSS peak (VmHWM, MiB)" "$(mib "$GW_HWM")" "${BL_PID:+$(mib "$BL_HWM")}"
printf '%-30s %12s %12s\n' "CPU seconds (whole run)" "$(awk -v t="$GW_CPU_TOTAL" -v hz="$HZ" 'BEGIN {printf "%.1f", t / hz}')" \
  "${BL_PID:+$(awk -v t="$BL_CPU_TOTAL" -v hz="$HZ" 'BEGIN {printf "%.1f", t / hz}')}"
if [[ -n $BL_PID ]]; then
  printf '%-30s %12s\n' "RSS peak ratio gateway/baseline" "$(awk -v a="$GW_HWM" -v b="$BL_HWM" 'BEGIN {printf "x%.3f", a / b}')"
fi
echo "gateway CPU during the measured runs: $(awk -v t="$((gw_cpu1 - gw_cpu0))" -v hz="$HZ" -v w="$((RUNS * ${#CASES[@]} * DURATION))" 'BEGIN {printf "%.1f s in about %d s of load, including the baseline turns (%.0f%% of one core)", t / hz, w, t / hz / w * 100}')"
echo "gateway idle CPU: ${GW_IDLE_MCPU} millicores"
for f in "${BIG_FIGURES[@]}"; do echo "gateway large deliveries (after the load): $f"; done
echo "gateway binary: $(stat -c %s "$bin") bytes as built ($(basename "$(dirname "$bin")")), $(stat -c %s "$tmp/stripped") bytes stripped"
echo "gateway GitHub deliveries: $sent answered to wrk, $((accepted1 - accepted0)) counted accepted in /metrics"
echo "tickets in Redis: $(redis-cli -p "$GW_REDIS_PORT" zcard "{kz}:tickets"); delivery ids remembered: $(redis-cli -p "$GW_REDIS_PORT" dbsize) keys in total"
if [[ -s $tmp/gateway.log ]]; then
  echo "gateway log (warn and above), last lines:"
  tail -n 5 "$tmp/gateway.log"
fi
