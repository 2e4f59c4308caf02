#!/usr/bin/env bash
# The benchmark suite: wshub beside its peers, in the same run, on loopback.
#
#   bench/run.sh            every suite (echo fanout idle connect rtt), every server given
#   bench/run.sh --smoke    a few seconds against wshub only: proves the pipeline works end to end
#
# Pinning: every server runs on core 0 (taskset -c 0; wshub's two fan-out workers share it),
# wshub-bench on core 1 (taskset -c 1: its threads, its publisher thread and any processes it
# forks), so neither steals the other's core. Results: JSON Lines per suite in
# bench/results/<suite>-<UTC time>.json (the first line describes the host and the server
# commands), SVG charts beside them (bench/plot.py), and side-by-side tables on stdout.
#
# Suites (WSHUB_BENCH_SUITES, default "echo fanout idle connect rtt"):
#   echo     small, 1k-binary, ping-pong (WSHUB_BENCH_SCENARIOS), WSHUB_BENCH_ROUNDS interleaved
#            rounds; servers started once. As before.
#   fanout   10,000 subscribers (WSHUB_BENCH_FANOUT_SUBSCRIBERS) on one channel, 64-byte
#            payloads, rates WSHUB_BENCH_FANOUT_RATES (1,10,20,50,100,250,1000,0; 0 = open loop,
#            last since it leaves a backlog; the generator spends 0.4-1.5 us per delivery, so one
#            core takes 70-250 publications/s to 10,000 subscribers); wshub with 2 workers (WSHUB_BENCH_FANOUT_WORKERS) on
#            /websocket. Each server fresh. wshub is skipped (with a message) while it does not
#            answer `subscribe` (the hub is on another branch).
#   idle     10,000 and 19,000 held connections (WSHUB_BENCH_IDLE_COUNTS); server RSS and kernel
#            memory per connection. Each server fresh for each count.
#   connect  10,000 plain connects (WSHUB_BENCH_CONNECT_COUNT) and 2,000 TLS connects
#            (WSHUB_BENCH_CONNECT_TLS_COUNT), 100 at a time. Each server fresh. wshub also on
#            /websocket, anonymous and with a JWT on every upgrade (connect-session, connect-jwt).
#   rtt      wshub only (the peers do not speak its protocol): 1 and 10 clients
#            (WSHUB_BENCH_RTT_COUNTS) of the C++ client (clients/cpp), each publishing to its own
#            channel and waiting for the ack and its own delivery; publish->ack and
#            publish->delivery latency, round trips/s, server CPU per round trip. wshub as in the
#            fanout suite; fresh for each count; WSHUB_BENCH_RTT_DURATION (5), _WARMUP (1).
#
# Peers are commands given in the environment, with {port} where the port goes:
#   WSHUB_BENCH_PEER_UWS="/tmp/peers/uws_echo {port}"                   echo, idle, connect (label uws)
#   WSHUB_BENCH_PEER_PUBSUB_UWS="/tmp/peers/uws_pubsub {port} {apikey}" fanout
#   WSHUB_BENCH_PEER_TLS_UWS="/tmp/peers/uws_echo_tls {port} {cert} {key}" connect --tls
# (WSHUB_BENCH_PEER_<NAME> in general; the label is the lowercased NAME.) The Node `ws` peers
# (bench/peers/ws_echo.mjs, ws_pubsub.mjs) run when node and tests/js/node_modules/ws are
# present; WSHUB_BENCH_NODE_WS=0 skips them. A peer not given is skipped with a message.
# The echo ceiling, tcp-raw, is bench/peers/tcp_echo.cpp (built here into build/tcp_echo);
# WSHUB_BENCH_TCP_CEILING=0 skips it.
#
# Other knobs: WSHUB_BIN, WSHUB_BENCH_BIN, WSHUB_BENCH_DURATION (10), WSHUB_BENCH_WARMUP (2),
# WSHUB_BENCH_ROUNDS (3), WSHUB_BENCH_FANOUT_DURATION (5), WSHUB_BENCH_QUIET_WAIT (0): on a
# shared host, wait up to this many seconds before each run for the machine to be idle.
# WSHUB_BENCH_FANOUT_PUBLISH=http publishes through POST /api/publish (the servers' API key is
# {apikey} in their commands; "ws http" runs both; WSHUB_BENCH_FANOUT_HTTP_PIPELINE: requests
# in flight per connection, 1; _HTTP_CONNECTIONS: connections, 1); WSHUB_BENCH_FANOUT_ROUNDS (1) repeats the fanout suite's servers round after
# round; WSHUB_BENCH_AUTOGROUP_NICE=-10 gives the run the CPU first on a shared host (below).
# WSHUB_BENCH_CONNECT_HEADER="Authorization: Bearer <jwt>" adds a header to every connect. WSHUB_BENCH_SMOKE_FANOUT=1 makes the smoke run's wshub fanout mandatory (it is run only when
# wshub answers `subscribe` otherwise).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"  # commands in the results files are relative to the repository
WSHUB_BIN="${WSHUB_BIN:-build/wshub}"
BENCH_BIN="${WSHUB_BENCH_BIN:-build/wshub-bench}"
SERVER_CPU=0
BENCH_CPU=1
API_KEY=wshub-dev-api-key  # the key of `wshub --dev`; the peers take any key ({apikey})

SMOKE=0
[[ "${1:-}" == "--smoke" ]] && SMOKE=1

# On a shared host with autogroup scheduling (/proc/sys/kernel/sched_autogroup_enabled = 1),
# `nice` only orders processes within one session: other sessions' builds get the same share
# of a core as the server under test, however niced they are. WSHUB_BENCH_AUTOGROUP_NICE=-10
# runs the suite in a session of its own whose autogroup has that nice value (root only for
# a negative one), so the servers and the generator get their cores first; every server of
# the run gets the same treatment.
if [[ -n "${WSHUB_BENCH_AUTOGROUP_NICE:-}" ]]; then
  if [[ -z "${WSHUB_BENCH_IN_SESSION:-}" ]]; then
    export WSHUB_BENCH_IN_SESSION=1
    exec setsid --wait bash "${BASH_SOURCE[0]}" "$@"
  fi
  if echo "$WSHUB_BENCH_AUTOGROUP_NICE" 2>/dev/null >/proc/self/autogroup; then
    echo "run.sh: $(cat /proc/self/autogroup)"
  else
    echo "run.sh: could not set the autogroup's nice to $WSHUB_BENCH_AUTOGROUP_NICE (running as before)"
  fi
fi

# name -> wshub-bench arguments
declare -A SCENARIO_ARGS=(
  [small]="--connections 100 --pipeline 16 --size 16"
  [1k-binary]="--connections 100 --pipeline 16 --size 1024 --binary"
  [ping-pong]="--connections 100 --pipeline 1 --size 16"
)
if ((SMOKE)); then
  SUITES=(echo fanout idle connect rtt)
  SCENARIOS=(small)
  DURATION=1.5
  WARMUP=0.5
  ROUNDS=1
  FANOUT_SUBSCRIBERS=100
  FANOUT_RATES=50
  FANOUT_DURATION=0.5
  FANOUT_WARMUP=0.2
  FANOUT_DRAIN=0.5
  IDLE_COUNTS=(300)
  IDLE_WARMUP=20
  CONNECT_COUNT=300
  CONNECT_TLS_COUNT=30
  RTT_COUNTS=(4)
  RTT_DURATION=1
  RTT_WARMUP=0.2
else
  read -r -a SUITES <<<"${WSHUB_BENCH_SUITES:-echo fanout idle connect rtt}"
  read -r -a SCENARIOS <<<"${WSHUB_BENCH_SCENARIOS:-small 1k-binary ping-pong}"
  DURATION="${WSHUB_BENCH_DURATION:-10}"
  WARMUP="${WSHUB_BENCH_WARMUP:-2}"
  ROUNDS="${WSHUB_BENCH_ROUNDS:-3}"
  FANOUT_SUBSCRIBERS="${WSHUB_BENCH_FANOUT_SUBSCRIBERS:-10000}"
  FANOUT_RATES="${WSHUB_BENCH_FANOUT_RATES:-1,10,20,50,100,250,1000,0}"
  FANOUT_DURATION="${WSHUB_BENCH_FANOUT_DURATION:-5}"
  FANOUT_WARMUP="${WSHUB_BENCH_FANOUT_WARMUP:-1}"
  FANOUT_DRAIN="${WSHUB_BENCH_FANOUT_DRAIN:-2}"
  read -r -a IDLE_COUNTS <<<"${WSHUB_BENCH_IDLE_COUNTS:-10000 19000}"
  IDLE_WARMUP="${WSHUB_BENCH_IDLE_WARMUP:-200}"
  CONNECT_COUNT="${WSHUB_BENCH_CONNECT_COUNT:-10000}"
  CONNECT_TLS_COUNT="${WSHUB_BENCH_CONNECT_TLS_COUNT:-2000}"
  read -r -a RTT_COUNTS <<<"${WSHUB_BENCH_RTT_COUNTS:-1 10}"
  RTT_DURATION="${WSHUB_BENCH_RTT_DURATION:-5}"
  RTT_WARMUP="${WSHUB_BENCH_RTT_WARMUP:-1}"
fi
FANOUT_WORKERS="${WSHUB_BENCH_FANOUT_WORKERS:-2}"
# How the fanout publisher publishes: over a WebSocket (ws), through POST /api/publish (http),
# or both, one after the other on each fresh server ("ws http"). The smoke run does both, and
# its HTTP run has wshub close idle API connections after 200 ms so that the publisher's
# reconnect path runs too (rates 50/s then 3/s).
read -r -a FANOUT_PUBLISH <<<"${WSHUB_BENCH_FANOUT_PUBLISH:-ws}"
((SMOKE)) && FANOUT_PUBLISH=(ws http)
for mode in "${FANOUT_PUBLISH[@]}"; do
  [[ $mode =~ ^(ws|http)$ ]] || { echo "run.sh: WSHUB_BENCH_FANOUT_PUBLISH: unknown mode '$mode'" >&2; exit 64; }
done
FANOUT_HTTP_PIPELINE="${WSHUB_BENCH_FANOUT_HTTP_PIPELINE:-1}"
FANOUT_HTTP_CONNECTIONS="${WSHUB_BENCH_FANOUT_HTTP_CONNECTIONS:-1}"
FANOUT_ROUNDS="${WSHUB_BENCH_FANOUT_ROUNDS:-1}"
# An extra upgrade header for every connect run (e.g. "Authorization: Bearer <jwt>").
CONNECT_ARGS=()
[[ -n "${WSHUB_BENCH_CONNECT_HEADER:-}" ]] && CONNECT_ARGS=(--header "$WSHUB_BENCH_CONNECT_HEADER")
for s in "${SCENARIOS[@]}"; do
  [[ -n "${SCENARIO_ARGS[$s]:-}" ]] || { echo "run.sh: unknown scenario '$s'" >&2; exit 64; }
done
for s in "${SUITES[@]}"; do
  [[ $s =~ ^(echo|fanout|idle|connect|rtt)$ ]] || { echo "run.sh: unknown suite '$s'" >&2; exit 64; }
done

[[ -x "$BENCH_BIN" ]] || { echo "run.sh: $BENCH_BIN not built (make build)" >&2; exit 1; }
if [[ $(nproc) -lt 2 ]]; then
  echo "run.sh: needs 2 cores (server on core $SERVER_CPU, generator on core $BENCH_CPU)" >&2
  exit 1
fi
if [[ ! -x "$WSHUB_BIN" ]]; then
  ((SMOKE)) && { echo "run.sh: $WSHUB_BIN is not built (make build)" >&2; exit 1; }
  echo "run.sh: $WSHUB_BIN is not built: skipping wshub, the peers still run"
fi

# A port below the ephemeral range (32768-60999 here), so no client socket holds it, on which
# nothing listens; the server refuses to start if it is taken after all.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  return 1
}

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

LOGDIR="$(mktemp -d /tmp/wshub-bench.XXXXXX)"
declare -A PID PORT COMMAND
cleanup() {
  local status=$?
  for label in "${!PID[@]}"; do kill "${PID[$label]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ((status != 0)) || rm -rf "$LOGDIR"  # logs are kept only when something failed
}
trap cleanup EXIT

# A certificate for the TLS connects (ECDSA P-256, self-signed; the generator does not verify).
CERT="$LOGDIR/cert.pem"
KEY="$LOGDIR/key.pem"
HAVE_CERT=0
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$KEY" -out "$CERT" \
  -days 2 -subj /CN=localhost >/dev/null 2>&1; then
  HAVE_CERT=1
else
  echo "run.sh: openssl could not make a certificate: skipping TLS connects"
fi

# Our own WSHUB_BIN and WSHUB_BENCH_* settings are not the server's: wshub refuses any WSHUB_*
# variable that is not one of its configuration keys.
UNSET_OURS=()
while IFS='=' read -r var _; do
  [[ $var == WSHUB_BIN || $var == WSHUB_BENCH_* ]] && UNSET_OURS+=(-u "$var")
done < <(env)

# start_server LABEL TEMPLATE [VAR=VALUE...]: starts the command ({port} {cert} {key} {apikey}
# filled in) on core 0 and waits for it to listen; sets PID, PORT and COMMAND of LABEL.
start_server() {
  local label=$1 template=$2 port cmd pid
  shift 2
  port=$(free_port)
  cmd="${template//\{port\}/$port}"
  cmd="${cmd//\{cert\}/$CERT}"
  cmd="${cmd//\{key\}/$KEY}"
  cmd="${cmd//\{apikey\}/$API_KEY}"
  # shellcheck disable=SC2086  # the command is a template of words
  env "${UNSET_OURS[@]}" "$@" taskset -c $SERVER_CPU $cmd >"$LOGDIR/$label.log" 2>&1 &
  pid=$!
  if wait_listening "$port" "$pid"; then
    PID[$label]=$pid
    PORT[$label]=$port
    COMMAND[$label]="$*${*:+ }$cmd"
    return 0
  fi
  kill "$pid" 2>/dev/null || true
  echo "run.sh: skipping $label: '$cmd' did not listen on 127.0.0.1:$port (log: $LOGDIR/$label.log)"
  ((SMOKE)) && tail -5 "$LOGDIR/$label.log" >&2
  return 1
}

stop_server() {
  local label=$1
  [[ -n "${PID[$label]:-}" ]] || return 0
  kill "${PID[$label]}" 2>/dev/null || true
  wait "${PID[$label]}" 2>/dev/null || true
  unset "PID[$label]"
}

# The servers of each suite: label -> command template, and extra environment.
ECHO_LABELS=()
declare -A ECHO_CMD ECHO_EXTRA
PUBSUB_LABELS=()
declare -A PUBSUB_CMD PUBSUB_PATH
TLS_LABELS=()
declare -A TLS_CMD TLS_ENV
have_node_ws() { [[ "${WSHUB_BENCH_NODE_WS:-1}" != 0 ]] && command -v node >/dev/null && [[ -d "$ROOT/tests/js/node_modules/ws" ]]; }
if [[ -x "$WSHUB_BIN" ]]; then
  ECHO_LABELS+=(wshub)
  ECHO_CMD[wshub]="$WSHUB_BIN --dev --listen 127.0.0.1:{port} --workers 1"
  PUBSUB_LABELS+=(wshub)
  # --dev turns presence and join/leave events on; the peers have neither, and 10,000
  # subscribers joining one channel would be 50 million join events before the first
  # publication: the fanout suite runs wshub with both off, as its production defaults are.
  PUBSUB_CMD[wshub]="env WSHUB_CHANNELS_PRESENCE=false WSHUB_CHANNELS_JOIN_LEAVE=false $WSHUB_BIN --dev --listen 127.0.0.1:{port} --workers $FANOUT_WORKERS"
  TLS_LABELS+=(wshub)
  TLS_CMD[wshub]="$WSHUB_BIN --dev --listen 127.0.0.1:{port} --workers 1"
  TLS_ENV[wshub]="WSHUB_TLS_CERT_FILE={cert} WSHUB_TLS_KEY_FILE={key}"
fi
if ((!SMOKE)); then
  while IFS='=' read -r var _; do
    [[ $var == WSHUB_BENCH_PEER_* ]] || continue
    name="${var#WSHUB_BENCH_PEER_}"
    if [[ $name == PUBSUB_* ]]; then
      name="${name#PUBSUB_}"
      PUBSUB_LABELS+=("${name,,}")
      PUBSUB_CMD[${name,,}]="${!var}"
    elif [[ $name == TLS_* ]]; then
      name="${name#TLS_}"
      TLS_LABELS+=("${name,,}")
      TLS_CMD[${name,,}]="${!var}"
    else
      ECHO_LABELS+=("${name,,}")
      ECHO_CMD[${name,,}]="${!var}"
    fi
  done < <(env | sort)
  ((${#ECHO_LABELS[@]} + ${#PUBSUB_LABELS[@]} > 2)) ||
    echo "run.sh: no WSHUB_BENCH_PEER_* given: skipping uWebSockets (see bench/README.md)"
  if have_node_ws; then
    ECHO_LABELS+=(node-ws)
    ECHO_CMD[node-ws]="node bench/peers/ws_echo.mjs {port}"
    PUBSUB_LABELS+=(node-ws)
    PUBSUB_CMD[node-ws]="node bench/peers/ws_pubsub.mjs {port} {apikey}"
    TLS_LABELS+=(node-ws)
    TLS_CMD[node-ws]="node bench/peers/ws_echo.mjs {port} {cert} {key}"
  else
    echo "run.sh: WSHUB_BENCH_NODE_WS=0, or no node or tests/js/node_modules/ws (cd tests/js && npm ci): skipping the Node ws peers"
  fi
fi

mkdir -p "$ROOT/bench/results"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS_DIR="$ROOT/bench/results"
((SMOKE)) && RESULTS_DIR="$LOGDIR"
OUTPUTS=()

# meta_line SUITE LABEL... : the first line of a results file.
meta_line() {
  local suite=$1 sep="" label
  shift
  printf '{"meta":true,"suite":"%s","time":"%s","git":"%s","kernel":"%s","cpu":"%s","cores":%d,' "$suite" \
    "$STAMP" "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" "$(uname -r)" \
    "$(json_escape "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')")" "$(nproc)"
  printf '"server_cpu":%d,"bench_cpu":%d,"duration_s":%s,"warmup_s":%s,"rounds":%d,"servers":{' \
    "$SERVER_CPU" "$BENCH_CPU" "$DURATION" "$WARMUP" "$ROUNDS"
  for label in "$@"; do
    printf '%s"%s":"%s"' "$sep" "$label" "$(json_escape "$(printf '%s' "${SERVER_TEMPLATE[$label]}")")"
    sep=","
  done
  printf '}}\n'
}
declare -A SERVER_TEMPLATE

failures=0
# bench_run OUT ROUND NAME LABEL ARGS...: runs wshub-bench on core 1 and appends each JSON line
# it prints, with the round, the run's name and the command ({port} and {pid} in place).
bench_run() {
  local out=$1 round=$2 name=$3 label=$4 lines status shown line
  shift 4
  printf 'round %d/%d  %-11s %-10s ' "$round" "$SUITE_ROUNDS" "$name" "$label"
  wait_quiet
  if lines=$(taskset -c $BENCH_CPU "$BENCH_BIN" "$@" 2>"$LOGDIR/bench.err"); then
    status=ok
  else
    status="failed: $(head -c 300 "$LOGDIR/bench.err")"
    failures=$((failures + 1))
  fi
  echo "$status"
  shown="wshub-bench$(printf " %q" "$@")"
  shown="${shown//--server-pid ${PID[$label]:-none}/--server-pid \{pid\}}"
  shown="${shown//${PORT[$label]:-none}/\{port\}}"
  while IFS= read -r line; do
    [[ $line == \{* ]] || continue
    printf '{"round":%d,"name":"%s","command":"taskset -c %d %s",%s\n' "$round" "$name" "$BENCH_CPU" \
      "$(json_escape "$shown")" "${line#\{}" >>"$out"
  done <<<"$lines"
}

# --- echo: servers started once, rounds interleaved ------------------------------------------
suite_echo() {
  local out="$RESULTS_DIR/echo-$STAMP.json" started=() label scenario round
  local -A extra=()
  local labels=("${ECHO_LABELS[@]}")
  if ((!SMOKE)) && [[ "${WSHUB_BENCH_TCP_CEILING:-1}" != 0 ]]; then
    if g++ -std=c++20 -O2 -o build/tcp_echo bench/peers/tcp_echo.cpp; then
      labels+=(tcp-raw)
      ECHO_CMD[tcp-raw]="build/tcp_echo {port}"
      extra[tcp-raw]=--raw
    else
      echo "run.sh: could not build bench/peers/tcp_echo.cpp: skipping the raw TCP ceiling"
    fi
  fi
  for label in "${labels[@]}"; do
    start_server "$label" "${ECHO_CMD[$label]}" || { ((SMOKE)) && exit 1; continue; }
    started+=("$label")
    SERVER_TEMPLATE[$label]="${COMMAND[$label]//${PORT[$label]}/\{port\}}"
  done
  ((${#started[@]} > 0)) || { echo "run.sh: no echo server started" >&2; return; }
  meta_line echo "${started[@]}" >"$out"
  for ((round = 1; round <= ROUNDS; round++)); do
    for scenario in "${SCENARIOS[@]}"; do
      for label in "${started[@]}"; do
        # shellcheck disable=SC2206  # scenario and extra arguments are lists of words
        local args=(echo --url "ws://127.0.0.1:${PORT[$label]}/echo" ${SCENARIO_ARGS[$scenario]} ${extra[$label]:-}
          --duration "$DURATION" --warmup "$WARMUP" --threads 1 --server-pid "${PID[$label]}" --label "$label" --json)
        bench_run "$out" "$round" "$scenario" "$label" "${args[@]}"
      done
    done
  done
  for label in "${started[@]}"; do stop_server "$label"; done
  OUTPUTS+=("$out")
}

# Does the server at PORT answer `subscribe`? (wshub does once the hub lands on main.)
answers_subscribe() {
  taskset -c $BENCH_CPU "$BENCH_BIN" fanout --url "ws://127.0.0.1:$1/websocket" --connections 1 --rates 1 \
    --duration 0.1 --warmup 0 --drain 0.2 --subscribe-timeout 1 --json >/dev/null 2>"$LOGDIR/probe.err"
}

# --- fanout: each server fresh, one sweep of rates per publish mode ---------------------------
# With WSHUB_BENCH_FANOUT_ROUNDS > 1 the whole set of servers runs again, round after round
# (wshub, peer, wshub, peer, ...), so noise on the host falls on all of them and the spread
# between rounds shows in the table.
suite_fanout() {
  local out="$RESULTS_DIR/fanout-$STAMP.json" label ran=() mode round rates name extra_env
  local labels=("${PUBSUB_LABELS[@]}")
  if ((SMOKE)) && have_node_ws; then
    labels+=(node-ws)
    PUBSUB_CMD[node-ws]="node bench/peers/ws_pubsub.mjs {port} {apikey}"
  fi
  : >"$out.tmp"
  SUITE_ROUNDS=$FANOUT_ROUNDS
  for ((round = 1; round <= FANOUT_ROUNDS; round++)); do
    for label in "${labels[@]}"; do
      for mode in "${FANOUT_PUBLISH[@]}"; do
        extra_env=()
        rates=$FANOUT_RATES
        if ((SMOKE)) && [[ $mode == http ]]; then
          rates=50,3
          [[ $label == wshub ]] && extra_env=(WSHUB_HTTP_KEEPALIVE_TIMEOUT=200ms)
        fi
        start_server "$label" "${PUBSUB_CMD[$label]}" "${extra_env[@]}" || continue
        if ! answers_subscribe "${PORT[$label]}"; then
          echo "run.sh: $label does not answer subscribe on /websocket: skipping its fanout ($(head -c 200 "$LOGDIR/probe.err"))"
          stop_server "$label"
          if ((SMOKE)) && [[ $label == wshub && "${WSHUB_BENCH_SMOKE_FANOUT:-0}" == 1 ]]; then
            echo "run.sh: WSHUB_BENCH_SMOKE_FANOUT=1 but wshub does not answer subscribe" >&2
            exit 1
          fi
          continue
        fi
        SERVER_TEMPLATE[$label]="${COMMAND[$label]//${PORT[$label]}/\{port\}}"
        SERVER_TEMPLATE[$label]="${SERVER_TEMPLATE[$label]//$API_KEY/\{apikey\}}"
        local publish_args=()
        name=fanout
        if [[ $mode == http ]]; then
          publish_args=(--publish-http --api-key "$API_KEY" --http-pipeline "$FANOUT_HTTP_PIPELINE"
            --http-connections "$FANOUT_HTTP_CONNECTIONS")
          name=fanout-http
        fi
        bench_run "$out.tmp" "$round" "$name" "$label" fanout --url "ws://127.0.0.1:${PORT[$label]}/websocket" \
          --connections "$FANOUT_SUBSCRIBERS" --channels 1 --size 64 --rates "$rates" \
          --duration "$FANOUT_DURATION" --warmup "$FANOUT_WARMUP" --drain "$FANOUT_DRAIN" --subscribe-timeout 60 \
          --threads 1 "${publish_args[@]}" --server-pid "${PID[$label]}" --label "$label" --json
        [[ " ${ran[*]} " == *" $label "* ]] || ran+=("$label")
        stop_server "$label"
      done
    done
  done
  if ((${#ran[@]} > 0)); then
    { meta_line fanout "${ran[@]}"; cat "$out.tmp"; } >"$out"
    OUTPUTS+=("$out")
  fi
  rm -f "$out.tmp"
}

# --- idle: each server fresh for each count ---------------------------------------------------
suite_idle() {
  local out="$RESULTS_DIR/idle-$STAMP.json" label count ran=() extra=()
  ((SMOKE)) && extra=(--processes 2 --sources 2 --settle-timeout 0.5)
  : >"$out.tmp"
  # Two kinds of idle connection: upgraded on /echo and silent; and upgraded on
  # /websocket after one request answered (a wshub `connect`, which an echo peer simply
  # echoes), the state a messaging client idles in. Every server gets the same warm-up
  # (--warmup-connections: code pages and pools first touched by a connection are a fixed
  # cost, read before the baseline).
  local kinds=(echo connect) kind name url_path
  [[ "${WSHUB_BENCH_IDLE_CONNECT:-1}" == 0 ]] && kinds=(echo)
  for count in "${IDLE_COUNTS[@]}"; do
    for kind in "${kinds[@]}"; do
      for label in "${ECHO_LABELS[@]}"; do
        start_server "$label" "${ECHO_CMD[$label]}" || continue
        SERVER_TEMPLATE[$label]="${COMMAND[$label]//${PORT[$label]}/\{port\}}"
        ((SMOKE)) || sleep 0.5  # let the fresh server's start-up allocations finish before the baseline
        local kind_args=()
        if [[ $kind == connect ]]; then
          name="idle-connect-$count" url_path=websocket kind_args=(--open-message '{"type":"connect","id":1}')
        else
          name="idle-$count" url_path=echo
        fi
        bench_run "$out.tmp" 1 "$name" "$label" idle --url "ws://127.0.0.1:${PORT[$label]}/$url_path" \
          --connections "$count" --threads 1 --warmup-connections "$IDLE_WARMUP" "${kind_args[@]}" "${extra[@]}" \
          --server-pid "${PID[$label]}" --label "$label" --json
        [[ " ${ran[*]} " == *" $label "* ]] || ran+=("$label")
        stop_server "$label"
      done
    done
  done
  if ((${#ran[@]} > 0)); then
    { meta_line idle "${ran[@]}"; cat "$out.tmp"; } >"$out"
    OUTPUTS+=("$out")
  fi
  rm -f "$out.tmp"
}

# --- connect: plain then TLS, each server fresh -----------------------------------------------
suite_connect() {
  local out="$RESULTS_DIR/connect-$STAMP.json" label ran=() envs
  : >"$out.tmp"
  for label in "${ECHO_LABELS[@]}"; do
    start_server "$label" "${ECHO_CMD[$label]}" || continue
    SERVER_TEMPLATE[$label]="${COMMAND[$label]//${PORT[$label]}/\{port\}}"
    bench_run "$out.tmp" 1 connect "$label" connect --url "ws://127.0.0.1:${PORT[$label]}/echo" \
      --connections "$CONNECT_COUNT" --concurrency 100 --threads 1 "${CONNECT_ARGS[@]}" --server-pid "${PID[$label]}" \
      --label "$label" --json
    ran+=("$label")
    stop_server "$label"
  done
  # wshub's messaging endpoint, anonymous and then with a JWT on every upgrade (HS256 with
  # the --dev secret, verified before the 101): what a token costs per handshake. The peers
  # have no tokens, so these rows are wshub against itself.
  if [[ " ${ECHO_LABELS[*]} " == *" wshub "* ]] && start_server wshub "${ECHO_CMD[wshub]}"; then
    SERVER_TEMPLATE[wshub]="${COMMAND[wshub]//${PORT[wshub]}/\{port\}}"
    local jwt
    jwt=$(python3 - <<'PY'
import base64, hashlib, hmac, json, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b64(json.dumps({"sub": "bench", "exp": int(time.time()) + 3600}).encode())
key = b"wshub-dev-hmac-secret-for-demos-only-0123"  # server/ConfigLoader.h kDevHmacSecret
print(f"{head}.{body}." + b64(hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()))
PY
)
    bench_run "$out.tmp" 1 connect-session wshub connect --url "ws://127.0.0.1:${PORT[wshub]}/websocket" \
      --connections "$CONNECT_COUNT" --concurrency 100 --threads 1 --server-pid "${PID[wshub]}" --label wshub --json
    bench_run "$out.tmp" 1 connect-jwt wshub connect --url "ws://127.0.0.1:${PORT[wshub]}/websocket" \
      --connections "$CONNECT_COUNT" --concurrency 100 --threads 1 --header "Authorization: Bearer $jwt" \
      --server-pid "${PID[wshub]}" --label wshub --json
    stop_server wshub
  fi
  if ((HAVE_CERT)); then
    for label in "${TLS_LABELS[@]}"; do
      envs="${TLS_ENV[$label]:-}"
      envs="${envs//\{cert\}/$CERT}"
      envs="${envs//\{key\}/$KEY}"
      # shellcheck disable=SC2086  # VAR=VALUE words
      start_server "$label-tls" "${TLS_CMD[$label]}" $envs || continue
      SERVER_TEMPLATE[$label-tls]="${COMMAND[$label-tls]//${PORT[$label-tls]}/\{port\}}"
      SERVER_TEMPLATE[$label-tls]="${SERVER_TEMPLATE[$label-tls]//$LOGDIR/\{tmp\}}"
      bench_run "$out.tmp" 1 connect-tls "$label-tls" connect --url "wss://127.0.0.1:${PORT[$label-tls]}/echo" \
        --connections "$CONNECT_TLS_COUNT" --concurrency 100 --threads 1 "${CONNECT_ARGS[@]}" \
        --server-pid "${PID[$label-tls]}" \
        --label "$label" --json
      ran+=("$label-tls")
      stop_server "$label-tls"
    done
  fi
  if ((${#ran[@]} > 0)); then
    { meta_line connect "${ran[@]}"; cat "$out.tmp"; } >"$out"
    OUTPUTS+=("$out")
  fi
  rm -f "$out.tmp"
}

# --- rtt: wshub only, fresh for each client count ----------------------------------------------
# Round trips through our own C++ client (wshub-bench rtt): the latency an application sees on
# the request/ack path and the publish-to-subscriber path. The peers do not speak the wshub
# protocol, so there is nothing to put beside it; wshub runs as in the fanout suite.
suite_rtt() {
  local out="$RESULTS_DIR/rtt-$STAMP.json" count ran=()
  [[ " ${PUBSUB_LABELS[*]} " == *" wshub "* ]] || { echo "run.sh: wshub is not built: skipping rtt"; return; }
  : >"$out.tmp"
  for count in "${RTT_COUNTS[@]}"; do
    start_server wshub "${PUBSUB_CMD[wshub]}" || { ((SMOKE)) && exit 1; continue; }
    SERVER_TEMPLATE[wshub]="${COMMAND[wshub]//${PORT[wshub]}/\{port\}}"
    bench_run "$out.tmp" 1 "rtt-$count" wshub rtt --url "ws://127.0.0.1:${PORT[wshub]}/websocket" \
      --connections "$count" --duration "$RTT_DURATION" --warmup "$RTT_WARMUP" --threads 1 \
      --server-pid "${PID[wshub]}" --label wshub --json
    ran=(wshub)
    stop_server wshub
  done
  if ((${#ran[@]} > 0)); then
    { meta_line rtt "${ran[@]}"; cat "$out.tmp"; } >"$out"
    OUTPUTS+=("$out")
  fi
  rm -f "$out.tmp"
}

for suite in "${SUITES[@]}"; do
  echo "== $suite"
  SUITE_ROUNDS=1
  [[ $suite == echo ]] && SUITE_ROUNDS=$ROUNDS
  "suite_$suite"
done

if ((${#OUTPUTS[@]} > 0)); then
  echo
  python3 "$ROOT/bench/summarize.py" "${OUTPUTS[@]}"
  python3 "$ROOT/bench/plot.py" "${OUTPUTS[@]}" || echo "run.sh: the charts could not be drawn"
fi
if ((SMOKE)); then
  echo "smoke: ok"
else
  echo
  for out in "${OUTPUTS[@]}"; do echo "results: ${out#"$ROOT"/}"; done
fi
((failures == 0)) || { echo "run.sh: $failures run(s) failed" >&2; exit 1; }
