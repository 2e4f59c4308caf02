#!/usr/bin/env bash
# bench/cluster-hold.sh: several wshub nodes on one redis-server hold 100,000+ messaging
# connections in total on this machine, all subscribed to one channel, and a publication on
# one node reaches every one of them (issue #3, "toward 1,000,000 connections per node").
#
# Why a script of its own and not a run.sh suite: it measures a cluster, not a server
# against its peers (no peer has a cluster to compare), and it needs several generator
# processes at once, one per node: the open-files limit is 20,000 per process and cannot be
# raised, so each node takes at most ~19,000 connections and each generator holds one node's.
#
#   bash bench/cluster-hold.sh                    6 nodes x 17,000 = 102,000 connections
#   WSHUB_BENCH_CLUSTER_NODES=4 WSHUB_BENCH_CLUSTER_PER_NODE=5000 bash bench/cluster-hold.sh
#
# Knobs: WSHUB_BENCH_CLUSTER_NODES (6), WSHUB_BENCH_CLUSTER_PER_NODE (17000, at most 19000),
# WSHUB_BENCH_CLUSTER_PUBLICATIONS (10), WSHUB_BIN, WSHUB_BENCH_BIN.
# Output: a table on stdout and bench/results/cluster-hold-<UTC stamp>.json (one JSON line
# per node from wshub-bench idle, then one line for the cluster).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

NODES=${WSHUB_BENCH_CLUSTER_NODES:-6}
PER_NODE=${WSHUB_BENCH_CLUSTER_PER_NODE:-17000}
PUBLICATIONS=${WSHUB_BENCH_CLUSTER_PUBLICATIONS:-10}
WSHUB_BIN=${WSHUB_BIN:-$ROOT/build/wshub}
BENCH_BIN=${WSHUB_BENCH_BIN:-$ROOT/build/wshub-bench}
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
REDIS_CLI=${REDIS_CLI:-/usr/bin/redis-cli}
API_KEY=wshub-dev-api-key
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/cluster-hold-$STAMP.json"
LOGDIR=$(mktemp -d /tmp/wshub-cluster-hold.XXXXXX)
TOTAL=$((NODES * PER_NODE))
((PER_NODE <= 19000)) || { echo "cluster-hold: at most 19000 connections per node (open files)" >&2; exit 64; }
for b in "$WSHUB_BIN" "$BENCH_BIN" "$REDIS_SERVER" "$REDIS_CLI"; do
  [[ -x $b ]] || { echo "cluster-hold: $b is missing (make build; scripts/install-deps.sh)" >&2; exit 69; }
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# node_metric PORT NAME: the value of an unlabelled metric on one node's /metrics.
node_metric() {
  local text
  text=$(curl -sf "http://127.0.0.1:$1/metrics") || { echo 0; return; }
  awk -v n="$2" '$1 == n { print $2; exit }' <<<"$text"
}
cluster_sum() {
  local name=$1
  for port in "${PORTS[@]}"; do node_metric "$port" "$name"; done | awk '{ s += $1 } END { printf "%d\n", s }'
}
kernel_kib() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
sock_pages() { awk '/^TCP:/ { for (i = 1; i <= NF; i++) if ($i == "mem") print $(i + 1) }' /proc/net/sockstat; }

REDIS_PORT=$(free_port)
"$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$LOGDIR/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do "$REDIS_CLI" -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

# Production defaults for a broadcast channel: no presence, no join/leave (100,000 joins
# would be 10^10 join events), one worker per node (the nodes are the parallelism here).
PORTS=()
NODE_PIDS=()
for i in $(seq "$NODES"); do
  port=$(free_port)
  env -u WSHUB_BENCH_CLUSTER_NODES -u WSHUB_BENCH_CLUSTER_PER_NODE -u WSHUB_BENCH_CLUSTER_PUBLICATIONS \
    -u WSHUB_BIN -u WSHUB_BENCH_BIN \
    WSHUB_BROKER_TYPE=redis WSHUB_BROKER_REDIS_ADDRESS="127.0.0.1:$REDIS_PORT" \
    WSHUB_CHANNELS_PRESENCE=false WSHUB_CHANNELS_JOIN_LEAVE=false \
    "$WSHUB_BIN" --dev --listen "127.0.0.1:$port" --workers 1 >"$LOGDIR/node$i.log" 2>&1 &
  PIDS+=($!)
  NODE_PIDS+=($!)
  PORTS+=("$port")
done
for port in "${PORTS[@]}"; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
done

sock_before=$(sock_pages)
slab_before=$(kernel_kib)
redis_before=$("$REDIS_CLI" -p "$REDIS_PORT" info memory | awk -F: '/^used_memory:/ { print $2 + 0 }')
echo "cluster-hold: $NODES nodes x $PER_NODE connections = $TOTAL, redis on $REDIS_PORT, logs in $LOGDIR"

# One generator per node, all at once; each holds its connections long enough for the
# publications below, then reports its node's memory per connection and closes.
OPEN='[{"type":"connect","id":1},{"type":"subscribe","id":2,"channel":"bench:all"}]'
HOLD=$((60 + TOTAL / 2000))
GEN_PIDS=()
started=$(date +%s.%N)
for i in $(seq "$NODES"); do
  "$BENCH_BIN" idle --url "ws://127.0.0.1:${PORTS[$((i - 1))]}/websocket" --connections "$PER_NODE" \
    --open-message "$OPEN" --server-pid "${NODE_PIDS[$((i - 1))]}" --warmup-connections 200 \
    --hold "$HOLD" --label "node$i" --json >"$LOGDIR/gen$i.json" 2>"$LOGDIR/gen$i.log" &
  PIDS+=($!)
  GEN_PIDS+=($!)
done

# Every connection open and subscribed (the node subscribed bench:all in Redis once).
deadline=$(($(date +%s) + HOLD - 20))
while :; do
  open=$(cluster_sum wshub_connections)
  ((open >= TOTAL)) && break
  if (($(date +%s) > deadline)); then echo "cluster-hold: only $open of $TOTAL connections opened" >&2; exit 1; fi
  sleep 1
done
open_s=$(python3 -c "import time; print(round(time.time() - $started, 1))")
sleep 3
echo "cluster-hold: $open connections open after ${open_s} s"

# Publications through node 1's API reach every subscriber of every node.
deliveries_before=$(cluster_sum wshub_deliveries_total)
published=$(date +%s.%N)
for n in $(seq "$PUBLICATIONS"); do
  curl -sf --max-time 5 "http://127.0.0.1:${PORTS[0]}/api/publish" -H "Authorization: apikey $API_KEY" \
    -d "{\"channel\":\"bench:all\",\"payload\":{\"n\":$n}}" >/dev/null
done
expected=$((PUBLICATIONS * TOTAL))
delivered=0
deadline=$(($(date +%s) + 30))
while (($(date +%s) < deadline)); do
  delivered=$(($(cluster_sum wshub_deliveries_total) - deliveries_before))
  ((delivered >= expected)) && break
  sleep 0.1
done
delivered_s=$(python3 -c "import time; print(round(time.time() - $published, 2))")
dropped=$(cluster_sum wshub_deliveries_dropped_total)

rss_kib=0
for pid in "${NODE_PIDS[@]}"; do rss_kib=$((rss_kib + $(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"))); done
redis_after=$("$REDIS_CLI" -p "$REDIS_PORT" info memory | awk -F: '/^used_memory:/ { print $2 + 0 }')
sock_after=$(sock_pages)
slab_after=$(kernel_kib)
info=$(curl -sf "http://127.0.0.1:${PORTS[0]}/api/info" -H "Authorization: apikey $API_KEY" -d '{}' || echo '{}')

for pid in "${GEN_PIDS[@]}"; do wait "$pid" || echo "cluster-hold: a generator failed (see $LOGDIR)" >&2; done

mkdir -p "$ROOT/bench/results"
{
  cat "$LOGDIR"/gen*.json
  python3 - "$NODES" "$PER_NODE" "$open" "$open_s" "$PUBLICATIONS" "$expected" "$delivered" "$delivered_s" \
    "$dropped" "$rss_kib" "$redis_before" "$redis_after" "$sock_before" "$sock_after" "$slab_before" "$slab_after" \
    "$(nproc)" "$info" <<'EOF'
import json, sys
a = sys.argv[1:]
nodes, per_node, open_, open_s, pubs, expected, delivered, delivered_s, dropped, rss_kib = a[:10]
redis_b, redis_a, sock_b, sock_a, slab_b, slab_a, cores, info = a[10:]
total = int(nodes) * int(per_node)
print(json.dumps({
    "scenario": "cluster-hold", "nodes": int(nodes), "connections": total, "open": int(open_),
    "open_seconds": float(open_s), "publications": int(pubs), "deliveries_expected": int(expected),
    "deliveries": int(delivered), "deliveries_seconds": float(delivered_s), "deliveries_dropped": int(dropped),
    "nodes_rss_bytes": int(rss_kib) * 1024,
    "redis_used_memory_growth_bytes": int(redis_a) - int(redis_b),
    "kernel_tcp_pages_growth": int(sock_a) - int(sock_b),
    "kernel_slab_growth_bytes_per_connection": round((int(slab_a) - int(slab_b)) * 1024 / total),
    "cores": int(cores), "api_info": json.loads(info or "{}")}))
EOF
} >"$OUT"

python3 - "$OUT" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cluster = lines[-1]
print(f"{'node':<8} {'connections':>11} {'RSS/conn B':>11} {'anon/conn B':>12} {'open s':>7} {'still open':>10}")
for l in lines[:-1]:
    print(f"{l.get('label', '?'):<8} {l.get('open', 0):>11} {l.get('server_bytes_per_connection', '?'):>11} "
          f"{l.get('server_anon_bytes_per_connection', '?'):>12} {l.get('open_s', '?'):>7} "
          f"{l.get('open', 0) - l.get('dropped', 0):>10}")
print(f"cluster: {cluster['open']} of {cluster['connections']} open after {cluster['open_seconds']} s; "
      f"{cluster['deliveries']} of {cluster['deliveries_expected']} deliveries in {cluster['deliveries_seconds']} s "
      f"({cluster['deliveries_dropped']} dropped); nodes' RSS {cluster['nodes_rss_bytes'] / 2**20:.1f} MiB; "
      f"Redis +{cluster['redis_used_memory_growth_bytes']} B; kernel slab "
      f"+{cluster['kernel_slab_growth_bytes_per_connection']} B/connection (both ends)")
EOF
echo "cluster-hold: $OUT"
