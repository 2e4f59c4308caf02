#!/usr/bin/env bash
# Echo benchmark: wshub beside its peers, in the same run, on loopback.
#
#   bench/run.sh            every scenario, every server, WSHUB_BENCH_ROUNDS rounds
#   bench/run.sh --smoke    2 s against wshub only: proves the pipeline works end to end
#
# Each server runs pinned to core 0 (taskset -c 0); wshub-bench runs pinned to core 1 with
# one thread, so neither steals the other's core. Rounds interleave the servers, so noise
# from the rest of the host falls on all of them alike; the summary takes the median.
# Results: one JSON line per run in bench/results/echo-<UTC time>.json (the first line
# describes the host and the commands), and a side-by-side table on stdout.
#
# Peers are commands given in the environment, with {port} where the port goes:
#   WSHUB_BENCH_PEER_UWS="/tmp/peers/uws_echo {port}"   (label: uws)
#   WSHUB_BENCH_PEER_<NAME>="..."                        (label: the lowercased NAME)
# The Node `ws` peer (bench/peers/ws_echo.mjs) runs when node and tests/js/node_modules/ws
# are present; WSHUB_BENCH_NODE_WS=0 skips it. A peer not given is skipped with a message.
# The ceiling, tcp-raw, is bench/peers/tcp_echo.cpp (built here into build/tcp_echo): a raw
# TCP echo driven with `wshub-bench --raw`, i.e. what loopback TCP alone costs with the same
# batching. WSHUB_BENCH_TCP_CEILING=0 skips it.
#
# Other knobs: WSHUB_BIN, WSHUB_BENCH_BIN, WSHUB_BENCH_DURATION (10), WSHUB_BENCH_WARMUP (2),
# WSHUB_BENCH_ROUNDS (3), WSHUB_BENCH_SCENARIOS (space-separated names from the list below),
# WSHUB_BENCH_QUIET_WAIT (0): on a shared host, wait up to this many seconds before each run
# for the machine to be idle (under 0.15 cores busy over one second).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"  # commands in the results file are relative to the repository
WSHUB_BIN="${WSHUB_BIN:-build/wshub}"
BENCH_BIN="${WSHUB_BENCH_BIN:-build/wshub-bench}"
SERVER_CPU=0
BENCH_CPU=1

SMOKE=0
[[ "${1:-}" == "--smoke" ]] && SMOKE=1

# name -> wshub-bench arguments
declare -A SCENARIO_ARGS=(
  [small]="--connections 100 --pipeline 16 --size 16"
  [1k-binary]="--connections 100 --pipeline 16 --size 1024 --binary"
  [ping-pong]="--connections 100 --pipeline 1 --size 16"
)
if ((SMOKE)); then
  SCENARIOS=(small)
  DURATION=2
  WARMUP=0.5
  ROUNDS=1
else
  read -r -a SCENARIOS <<<"${WSHUB_BENCH_SCENARIOS:-small 1k-binary ping-pong}"
  DURATION="${WSHUB_BENCH_DURATION:-10}"
  WARMUP="${WSHUB_BENCH_WARMUP:-2}"
  ROUNDS="${WSHUB_BENCH_ROUNDS:-3}"
fi
for s in "${SCENARIOS[@]}"; do
  [[ -n "${SCENARIO_ARGS[$s]:-}" ]] || { echo "run.sh: unknown scenario '$s'" >&2; exit 64; }
done

[[ -x "$BENCH_BIN" ]] || { echo "run.sh: $BENCH_BIN not built (make build)" >&2; exit 1; }
if [[ $(nproc) -lt 2 ]]; then
  echo "run.sh: needs 2 cores (server on core $SERVER_CPU, generator on core $BENCH_CPU)" >&2
  exit 1
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits until something accepts on the port, or the process is gone, or 10 s passed.
wait_listening() {
  local port=$1 pid=$2
  for _ in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

# Busy cores over one second, from /proc/stat (user nice system irq softirq).
host_busy_cores() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat)
  sleep 1
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat)
  awk -v a="$a" -v b="$b" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", (b-a)/hz}'
}

wait_quiet() {
  local limit=${WSHUB_BENCH_QUIET_WAIT:-0} waited=0 busy
  ((limit > 0)) || return 0
  while ((waited < limit)); do
    busy=$(host_busy_cores)
    awk -v b="$busy" 'BEGIN{exit !(b < 0.15)}' && return 0
    waited=$((waited + 1))
  done
  printf '(host still busy: %s cores) ' "$busy"
}

json_escape() { local s=${1//\\/\\\\}; printf '%s' "${s//\"/\\\"}"; }

# --- the servers -----------------------------------------------------------------------
LABELS=()
declare -A COMMAND PORT PID EXTRA_ARGS
add_server() {  # label, command template with {port}, extra wshub-bench arguments
  LABELS+=("$1")
  COMMAND[$1]="$2"
  EXTRA_ARGS[$1]="${3:-}"
}
if [[ -x "$WSHUB_BIN" ]]; then
  add_server wshub "$WSHUB_BIN --dev --listen 127.0.0.1:{port} --workers 1"
elif ((SMOKE)); then
  echo "run.sh: $WSHUB_BIN is not built (make build)" >&2
  exit 1
else
  echo "run.sh: $WSHUB_BIN is not built: skipping wshub, the peers still run"
fi
if ((!SMOKE)); then
  found_peer=0
  while IFS='=' read -r var _; do
    [[ $var == WSHUB_BENCH_PEER_* ]] || continue
    name="${var#WSHUB_BENCH_PEER_}"
    add_server "${name,,}" "${!var}"
    found_peer=1
  done < <(env | sort)
  ((found_peer)) || echo "run.sh: no WSHUB_BENCH_PEER_* given: skipping uWebSockets (see bench/README.md)"
  if [[ "${WSHUB_BENCH_NODE_WS:-1}" == 0 ]]; then
    echo "run.sh: WSHUB_BENCH_NODE_WS=0: skipping the Node ws peer"
  elif command -v node >/dev/null && [[ -d "$ROOT/tests/js/node_modules/ws" ]]; then
    add_server node-ws "node bench/peers/ws_echo.mjs {port}"
  else
    echo "run.sh: no node or no tests/js/node_modules/ws (cd tests/js && npm ci): skipping the Node ws peer"
  fi
  if [[ "${WSHUB_BENCH_TCP_CEILING:-1}" == 0 ]]; then
    echo "run.sh: WSHUB_BENCH_TCP_CEILING=0: skipping the raw TCP ceiling"
  elif g++ -std=c++20 -O2 -o build/tcp_echo bench/peers/tcp_echo.cpp; then
    add_server tcp-raw "build/tcp_echo {port}" --raw
  else
    echo "run.sh: could not build bench/peers/tcp_echo.cpp: skipping the raw TCP ceiling"
  fi
fi

LOGDIR="$(mktemp -d /tmp/wshub-bench.XXXXXX)"
cleanup() {
  local status=$?
  for label in "${!PID[@]}"; do kill "${PID[$label]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ((status != 0)) || rm -rf "$LOGDIR"  # logs are kept only when something failed
}
trap cleanup EXIT

UNSET_OURS=()
while IFS='=' read -r var _; do
  [[ $var == WSHUB_BIN || $var == WSHUB_BENCH_* ]] && UNSET_OURS+=(-u "$var")
done < <(env)

STARTED=()
for label in "${LABELS[@]}"; do
  port=$(free_port)
  cmd="${COMMAND[$label]//\{port\}/$port}"
  # Our own WSHUB_BIN and WSHUB_BENCH_* settings are not the server's: wshub refuses any
  # WSHUB_* variable that is not one of its configuration keys.
  # shellcheck disable=SC2086  # the command is a template of words
  env "${UNSET_OURS[@]}" taskset -c $SERVER_CPU $cmd >"$LOGDIR/$label.log" 2>&1 &
  pid=$!
  if wait_listening "$port" "$pid"; then
    PORT[$label]=$port
    PID[$label]=$pid
    COMMAND[$label]="$cmd"
    STARTED+=("$label")
  else
    kill "$pid" 2>/dev/null || true
    echo "run.sh: skipping $label: '$cmd' did not listen on 127.0.0.1:$port (log: $LOGDIR/$label.log)"
    if ((SMOKE)); then
      tail -5 "$LOGDIR/$label.log" >&2 || true
      exit 1
    fi
  fi
done
((${#STARTED[@]} > 0)) || { echo "run.sh: no server started" >&2; exit 1; }

# --- the runs --------------------------------------------------------------------------
mkdir -p "$ROOT/bench/results"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
if ((SMOKE)); then OUT="$LOGDIR/echo-smoke.json"; else OUT="$ROOT/bench/results/echo-$STAMP.json"; fi
{
  printf '{"meta":true,"time":"%s","git":"%s","kernel":"%s","cpu":"%s","cores":%d,' \
    "$STAMP" "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" "$(uname -r)" \
    "$(json_escape "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')")" "$(nproc)"
  printf '"server_cpu":%d,"bench_cpu":%d,"duration_s":%s,"warmup_s":%s,"rounds":%d,"servers":{' \
    "$SERVER_CPU" "$BENCH_CPU" "$DURATION" "$WARMUP" "$ROUNDS"
  sep=""
  for label in "${STARTED[@]}"; do
    printf '%s"%s":"%s"' "$sep" "$label" "$(json_escape "${COMMAND[$label]//${PORT[$label]}/\{port\}}")"
    sep=","
  done
  printf '}}\n'
} >"$OUT"

failures=0
for ((round = 1; round <= ROUNDS; round++)); do
  for scenario in "${SCENARIOS[@]}"; do
    for label in "${STARTED[@]}"; do
      # shellcheck disable=SC2206  # scenario and extra arguments are lists of words
      args=(echo --url "ws://127.0.0.1:${PORT[$label]}/echo" ${SCENARIO_ARGS[$scenario]} ${EXTRA_ARGS[$label]}
        --duration "$DURATION" --warmup "$WARMUP" --threads 1 --server-pid "${PID[$label]}"
        --label "$label" --json)
      printf 'round %d/%d  %-10s %-8s ' "$round" "$ROUNDS" "$scenario" "$label"
      wait_quiet
      if line=$(taskset -c $BENCH_CPU "$BENCH_BIN" "${args[@]}" 2>"$LOGDIR/bench.err"); then
        status=ok
      else
        status="failed: $(head -c 200 "$LOGDIR/bench.err")"
        failures=$((failures + 1))
      fi
      echo "$status"
      if [[ -n "$line" ]]; then
        shown="wshub-bench ${args[*]}"
        shown="${shown//--server-pid ${PID[$label]}/--server-pid \{pid\}}"
        printf '{"round":%d,"name":"%s","command":"taskset -c %d %s",%s\n' "$round" "$scenario" "$BENCH_CPU" \
          "$(json_escape "${shown//${PORT[$label]}/\{port\}}")" "${line#\{}" >>"$OUT"
      fi
    done
  done
done

python3 "$ROOT/bench/summarize.py" "$OUT"
if ((SMOKE)); then
  echo "smoke: ok"
else
  echo "results: ${OUT#"$ROOT"/}"
fi
((failures == 0)) || { echo "run.sh: $failures run(s) failed" >&2; exit 1; }
