#!/usr/bin/env bash
# bench/cluster-fanout.sh: what the Redis hop costs. The same fan-out, in one run, through
#   single   one wshub node (memory broker): subscribers and the API publisher on it;
#   cluster  two wshub nodes on one redis-server: subscribers on node A, the API publisher
#            on node B, so every publication crosses Redis (Lua publish script + PUBLISH to
#            node A's subscription) before node A fans it out locally.
# Latency is from the moment the POST is written to each subscriber's receipt (wshub-bench
# fanout --publish-http); deliveries/s, lost and server CPU per delivery as in bench/run.sh.
# Each node: one worker, presence and join/leave off; servers on core 0, generator on core 1
# (redis-server too on core 0: it competes with the nodes, as it would on a small host).
#
#   bash bench/cluster-fanout.sh
#   WSHUB_BENCH_CLUSTER_SUBSCRIBERS=5000 WSHUB_BENCH_CLUSTER_RATES=10,100,0 bash bench/cluster-fanout.sh
#
# Knobs: WSHUB_BENCH_CLUSTER_SUBSCRIBERS (2000), WSHUB_BENCH_CLUSTER_RATES (10,100,500),
# WSHUB_BENCH_CLUSTER_DURATION (5 s per rate). Output: a table on stdout and
# bench/results/cluster-fanout-<UTC stamp>.json (one wshub-bench line per setup and rate).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

SUBSCRIBERS=${WSHUB_BENCH_CLUSTER_SUBSCRIBERS:-2000}
RATES=${WSHUB_BENCH_CLUSTER_RATES:-10,100,500}
DURATION=${WSHUB_BENCH_CLUSTER_DURATION:-5}
WSHUB_BIN=${WSHUB_BIN:-$ROOT/build/wshub}
BENCH_BIN=${WSHUB_BENCH_BIN:-$ROOT/build/wshub-bench}
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
REDIS_CLI=${REDIS_CLI:-/usr/bin/redis-cli}
API_KEY=wshub-dev-api-key
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/cluster-fanout-$STAMP.json"
LOGDIR=$(mktemp -d /tmp/wshub-cluster-fanout.XXXXXX)
SERVER_CPU=0
BENCH_CPU=$(($(nproc) > 1 ? 1 : 0))
for b in "$WSHUB_BIN" "$BENCH_BIN" "$REDIS_SERVER" "$REDIS_CLI"; do
  [[ -x $b ]] || { echo "cluster-fanout: $b is missing (make build; scripts/install-deps.sh)" >&2; exit 69; }
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# start_node LOG [VAR=VALUE...]: a wshub node on a free port; sets NODE_PORT and NODE_PID.
start_node() {
  local log=$1
  shift
  NODE_PORT=$(free_port)
  env -u WSHUB_BENCH_CLUSTER_SUBSCRIBERS -u WSHUB_BENCH_CLUSTER_RATES -u WSHUB_BENCH_CLUSTER_DURATION \
    -u WSHUB_BIN -u WSHUB_BENCH_BIN WSHUB_CHANNELS_PRESENCE=false WSHUB_CHANNELS_JOIN_LEAVE=false WSHUB_LOG_LEVEL=warn "$@" \
    taskset -c $SERVER_CPU "$WSHUB_BIN" --dev --listen "127.0.0.1:$NODE_PORT" --workers 1 >"$LOGDIR/$log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$NODE_PORT/readyz" >/dev/null && return 0; sleep 0.1; done
  echo "cluster-fanout: a node did not start (log: $LOGDIR/$log)" >&2
  exit 1
}

# run_fanout LABEL SUB_PORT API_PORT PID...: the fanout sweep, subscribers on SUB_PORT,
# publications through API_PORT's server API; CPU of the first PID (the delivering node).
run_fanout() {
  local label=$1 sub_port=$2 api_port=$3 pid=$4
  taskset -c $BENCH_CPU "$BENCH_BIN" fanout --url "ws://127.0.0.1:$sub_port/websocket" --connections "$SUBSCRIBERS" \
    --rates "$RATES" --duration "$DURATION" --warmup 1 --drain 2 --publish-http \
    --api-url "http://127.0.0.1:$api_port" --api-key "$API_KEY" --http-pipeline 16 \
    --server-pid "$pid" --label "$label" --json >>"$OUT.tmp"
}

: >"$OUT.tmp"
echo "cluster-fanout: $SUBSCRIBERS subscribers, rates $RATES, ${DURATION}s each; logs in $LOGDIR"

start_node single.log
run_fanout single "$NODE_PORT" "$NODE_PORT" "$NODE_PID"
kill "$NODE_PID"

REDIS_PORT=$(free_port)
taskset -c $SERVER_CPU "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  >"$LOGDIR/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 100); do "$REDIS_CLI" -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
CLUSTER=(WSHUB_BROKER_TYPE=redis "WSHUB_BROKER_REDIS_ADDRESS=127.0.0.1:$REDIS_PORT")
start_node nodeA.log "${CLUSTER[@]}"
A_PORT=$NODE_PORT A_PID=$NODE_PID
start_node nodeB.log "${CLUSTER[@]}"
B_PORT=$NODE_PORT B_PID=$NODE_PID
redis_cpu() { awk '{ print ($14 + $15) / 100 }' "/proc/$REDIS_PID/stat"; }
node_cpu() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; }
redis_before=$(redis_cpu) b_before=$(node_cpu "$B_PID")
calls_before=$("$REDIS_CLI" -p "$REDIS_PORT" info stats | awk -F: '/^total_commands_processed:/ { print $2 + 0 }')
run_fanout cluster "$A_PORT" "$B_PORT" "$A_PID"
redis_after=$(redis_cpu) b_after=$(node_cpu "$B_PID")
calls_after=$("$REDIS_CLI" -p "$REDIS_PORT" info stats | awk -F: '/^total_commands_processed:/ { print $2 + 0 }')

python3 - "$OUT.tmp" "$OUT" "$redis_before" "$redis_after" "$b_before" "$b_after" "$calls_before" "$calls_after" <<'EOF'
import json, sys
tmp, out, rb, ra, bb, ba, cb, ca = sys.argv[1:]
runs = [json.loads(l) for l in open(tmp) if l.strip().startswith("{")]
cluster = [r for r in runs if r.get("label") == "cluster"]
accepted = sum(r.get("publications_acked", r.get("acks", 0)) or 0 for r in cluster)
summary = {"scenario": "cluster-fanout-summary", "redis_cpu_s": round(float(ra) - float(rb), 3),
           "publishing_node_cpu_s": round(float(ba) - float(bb), 3),
           "redis_commands": int(ca) - int(cb), "cluster_publications": accepted}
with open(out, "w") as f:
    for r in runs + [summary]:
        f.write(json.dumps(r) + "\n")
def lat(r, p):
    v = (r.get("latency_us") or {}).get(p)
    return f"{v / 1000:.1f}" if isinstance(v, (int, float)) else "-"
print(f"{'setup':<8} {'rate':>6} {'deliveries/s':>13} {'p50 ms':>7} {'p99 ms':>7} {'lost':>6} {'srv us/deliv':>12}")
for r in runs:
    print(f"{r.get('label'):<8} {str(r.get('rate')):>6} {r.get('deliveries_per_s', 0):>13,.0f} {lat(r, 'p50'):>7} "
          f"{lat(r, 'p99'):>7} {r.get('lost', 0):>6} {r.get('server_cpu_us_per_delivery') or '-':>12}")
print(f"cluster: redis-server {summary['redis_cpu_s']} CPU s, publishing node {summary['publishing_node_cpu_s']} CPU s, "
      f"{summary['redis_commands']} Redis commands for {accepted} publications")
EOF
rm -f "$OUT.tmp"
echo "cluster-fanout: $OUT"
