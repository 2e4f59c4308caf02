#!/usr/bin/env python3
"""Side-by-side tables of a bench/run.sh results file (JSON Lines), medians over rounds.

usage: bench/summarize.py bench/results/<suite>-<time>.json [MORE.json ...]

echo: messages/s received; round-trip latency p50/p99 (us); the server's and the
generator's CPU, in cores busy and in microseconds per message; the CPU everything else on
the host used. Then, per scenario, wshub divided by each peer: throughput (above 1 is
better for wshub) and server CPU per message (below 1 is better for wshub).
fanout: per publish mode (ws, http), server and publication rate: deliveries/s, delivery
latency, lost and duplicated deliveries, subscribers dropped, publications refused or
unanswered, CPU per delivery; with several rounds, the spread between them.
idle: per server and connection count: the server's RSS growth per connection, and the
kernel's share (slab, TCP buffers; both ends of each loopback connection).
connect: per server, plain and TLS: handshakes/s, handshake latency, failures, CPU per
handshake.
rtt: per run (client count): round trips/s through the C++ client, publish->ack and
publish->delivery latency, errors, CPU per round trip.
"""
import json
import statistics
import sys


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, spec):
    if value is None:
        width = "".join(ch for ch in spec.split(".")[0] if ch.isdigit())
        return "-".rjust(int(width) if width else 1)
    return format(value, spec)


def load(path):
    meta, runs = None, []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            record = json.loads(line)
            if record.get("meta"):
                meta = record
            else:
                runs.append(record)
    return meta, runs


def groups_of(runs, key):
    groups = {}  # key -> runs, in first-seen order
    for r in runs:
        groups.setdefault(key(r), []).append(r)
    return groups


def cores(rs, key):
    return median([r[key] / r["window_s"] if r.get(key) is not None and r.get("window_s") else None for r in rs])


def stat(rs, key):
    return median([r.get(key) for r in rs])


def latency(rs, key):
    return median([r["latency_us"][key] if r.get("latency_us") else None for r in rs])


def busy_note(runs):
    busy = median([r.get("other_cpu_cores") for r in runs])
    if busy is not None and busy > 0.25:
        print(f"\nThe host was busy (median {busy:.2f} cores used by other processes during the windows):")
        print("compare CPU per message and the ratios; absolute rates and latency are not reliable.")


def ratio(a, b):
    return a / b if a is not None and b else None


def echo_table(runs):
    groups = groups_of(runs, lambda r: (r.get("name", "echo"), r["label"]))
    header = (f"{'scenario':<10} {'server':<8} {'msg/s':>10} {'p50 us':>8} {'p99 us':>8} "
              f"{'srv cores':>9} {'srv us/msg':>10} {'gen cores':>9} {'gen us/msg':>10} {'other':>6} {'errors':>6}")
    print(header)
    print("-" * len(header))
    summary = {}
    for (name, label), rs in groups.items():
        row = {"msgs": stat(rs, "msgs_per_s"), "server_us": stat(rs, "server_cpu_us_per_msg")}
        summary[(name, label)] = row
        print(f"{name:<10} {label:<8} {fmt(row['msgs'], '10.0f')} {fmt(latency(rs, 'p50'), '8.0f')} "
              f"{fmt(latency(rs, 'p99'), '8.0f')} {fmt(cores(rs, 'server_cpu_s'), '9.2f')} "
              f"{fmt(row['server_us'], '10.3f')} {fmt(cores(rs, 'bench_cpu_s'), '9.2f')} "
              f"{fmt(stat(rs, 'bench_cpu_us_per_msg'), '10.3f')} {fmt(stat(rs, 'other_cpu_cores'), '6.2f')} "
              f"{sum(r['errors'] for r in rs):>6}")
    busy_note(runs)
    ratios = []
    for (name, label), row in summary.items():
        ours = summary.get((name, "wshub"))
        if label == "wshub" or not ours or not ours["msgs"] or not row["msgs"]:
            continue
        ratios.append(f"{name:<10} wshub/{label:<8} msg/s x{ours['msgs'] / row['msgs']:.2f}   "
                      f"server CPU per msg x{fmt(ratio(ours['server_us'], row['server_us']), '.2f')}")
    if ratios:
        print("\nwshub / peer (msg/s: above 1 is faster; CPU per msg: below 1 is cheaper)")
        print("\n".join(ratios))


def rate_name(rate):
    return "max" if not rate else f"{rate:.0f}"


def spread(rs, key, lat=False):
    """min-max over rounds, as text ("" with one round)."""
    values = [(r["latency_us"] or {}).get(key) if lat else r.get(key) for r in rs]
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return ""
    return f"{min(values):.0f}-{max(values):.0f}"


def fanout_table(runs):
    for publish in dict.fromkeys(r.get("publish", "ws") for r in runs):
        fanout_mode_table([r for r in runs if r.get("publish", "ws") == publish])


def fanout_mode_table(runs):
    groups = groups_of(runs, lambda r: (r["label"], r["rate"]))
    header = (f"{'server':<10} {'rate/s':>7} {'pubs/s':>8} {'deliveries/s':>12} {'p50 us':>8} {'p90 us':>8} "
              f"{'p99 us':>8} {'p99.9 us':>8} {'max us':>9} {'lost':>9} {'dup':>5} {'drops':>6} {'pub err':>7} "
              f"{'srv cores':>9} {'srv us/dlv':>10} {'gen cores':>9} {'gen us/dlv':>10} {'other':>6} {'n':>2}")
    first = runs[0]
    print(f"\nfanout: {first['subscribers']} subscribers on {first['channels']} channel(s), {first['size']}-byte "
          f"payloads, publisher over {first['publish']}; {first['window_s']:.1f} s per rate; medians of n rounds")
    print(header)
    print("-" * len(header))
    summary = {}
    spreads = []
    for (label, rate), rs in groups.items():
        row = {"dps": stat(rs, "deliveries_per_s"), "server_us": stat(rs, "server_cpu_us_per_delivery"),
               "p99": latency(rs, "p99")}
        summary[(label, rate)] = row
        errors = median([(r.get("publish_errors") or 0) + (r.get("http_connection_errors") or 0) for r in rs])
        print(f"{label:<10} {rate_name(rate):>7} {fmt(stat(rs, 'pubs_per_s'), '8.0f')} {fmt(row['dps'], '12.0f')} "
              f"{fmt(latency(rs, 'p50'), '8.0f')} {fmt(latency(rs, 'p90'), '8.0f')} {fmt(row['p99'], '8.0f')} "
              f"{fmt(latency(rs, 'p99_9'), '8.0f')} {fmt(latency(rs, 'max'), '9.0f')} "
              f"{fmt(stat(rs, 'lost'), '9.0f')} {fmt(stat(rs, 'duplicates'), '5.0f')} "
              f"{fmt(stat(rs, 'subscribers_dropped'), '6.0f')} {fmt(errors, '7.0f')} "
              f"{fmt(cores(rs, 'server_cpu_s'), '9.2f')} "
              f"{fmt(row['server_us'], '10.3f')} {fmt(cores(rs, 'bench_cpu_s'), '9.2f')} "
              f"{fmt(stat(rs, 'bench_cpu_us_per_delivery'), '10.3f')} {fmt(stat(rs, 'other_cpu_cores'), '6.2f')} "
              f"{len(rs):>2}")
        if len(rs) > 1:
            spreads.append(f"{label:<10} {rate_name(rate):>7}  deliveries/s {spread(rs, 'deliveries_per_s')}"
                           f"   p50 {spread(rs, 'p50', True)}   p99 {spread(rs, 'p99', True)}"
                           f"   lost {spread(rs, 'lost')}")
    if spreads:
        print("\nspread over rounds (min-max)")
        print("\n".join(spreads))
    busy_note(runs)
    ratios = []
    for (label, rate), row in summary.items():
        ours = summary.get(("wshub", rate))
        if label == "wshub" or not ours:
            continue
        ratios.append(f"{rate_name(rate):>7}/s wshub/{label:<8} deliveries/s x{fmt(ratio(ours['dps'], row['dps']), '.2f')}"
                      f"   p99 x{fmt(ratio(ours['p99'], row['p99']), '.2f')}"
                      f"   server CPU per delivery x{fmt(ratio(ours['server_us'], row['server_us']), '.2f')}")
    if ratios:
        print("\nwshub / peer (deliveries/s: above 1 is better; p99 and CPU: below 1 is better)")
        print("\n".join(ratios))


def kind_of(run):
    """echo: upgraded and silent; connect: after one answered request (--open-message)."""
    return "connect" if run.get("open_message") else "echo"


def idle_table(runs):
    groups = groups_of(runs, lambda r: (kind_of(r), r["connections"], r["label"]))
    header = (f"{'kind':<8} {'conns':>6} {'server':<10} {'open':>6} {'srv B/conn':>10} {'anon B/conn':>11} "
              f"{'rss before':>10} {'rss after':>10} "
              f"{'settle s':>8} {'kern slab B':>11} {'tcp buf B':>9} {'sockets':>8} {'clean close':>11} {'errors':>6}")
    print("idle: the server's RSS growth per held connection; the kernel's share is host-wide (both ends)")
    print(header)
    print("-" * len(header))
    summary = {}
    for (kind, count, label), rs in groups.items():
        row = stat(rs, "server_bytes_per_connection")
        anon = stat(rs, "server_anon_bytes_per_connection")
        summary[(kind, count, label)] = (row, anon)
        print(f"{kind:<8} {count:>6} {label:<10} {fmt(stat(rs, 'open'), '6.0f')} {fmt(row, '10.0f')} "
              f"{fmt(anon, '11.0f')} "
              f"{fmt(stat(rs, 'server_rss_before_kib'), '10.0f')} {fmt(stat(rs, 'server_rss_after_kib'), '10.0f')} "
              f"{fmt(stat(rs, 'settle_s'), '8.1f')} {fmt(stat(rs, 'kernel_slab_bytes_per_connection'), '11.0f')} "
              f"{fmt(stat(rs, 'kernel_tcp_buffer_bytes_per_connection'), '9.0f')} "
              f"{fmt(stat(rs, 'sockets_delta'), '8.0f')} {fmt(stat(rs, 'clean_closes'), '11.0f')} "
              f"{sum(r.get('errors', 0) for r in rs):>6}")
    ratios = []
    for (kind, count, label), (row, anon) in summary.items():
        ours = summary.get((kind, count, "wshub"))
        if label == "wshub" or ours is None:
            continue
        ratios.append(f"{kind:<8} {count:>6} wshub/{label:<8} server bytes per connection x{fmt(ratio(ours[0], row), '.2f')}"
                      f"   anon x{fmt(ratio(ours[1], anon), '.2f')}")
    if ratios:
        print("\nwshub / peer (below 1 is leaner)")
        print("\n".join(ratios))


def connect_table(runs):
    groups = groups_of(runs, lambda r: (r.get("name", "connect"), r["label"]))
    header = (f"{'run':<15} {'server':<10} {'conns':>6} {'hs/s':>8} {'p50 us':>8} {'p99 us':>8} {'failed':>6} "
              f"{'srv cores':>9} {'srv us/hs':>9} {'gen cores':>9} {'gen us/hs':>9} {'other':>6}")
    print("connect: open, upgrade and close; handshake latency from socket() to the 101 (TLS included)")
    print(header)
    print("-" * len(header))
    summary = {}
    for (name, label), rs in groups.items():
        row = {"hs": stat(rs, "handshakes_per_s"), "server_us": stat(rs, "server_cpu_us_per_handshake")}
        summary[(name, label)] = row
        print(f"{name:<15} {label:<10} {fmt(stat(rs, 'upgraded'), '6.0f')} {fmt(row['hs'], '8.0f')} "
              f"{fmt(latency(rs, 'p50'), '8.0f')} {fmt(latency(rs, 'p99'), '8.0f')} "
              f"{sum(r.get('errors', 0) for r in rs):>6} {fmt(cores(rs, 'server_cpu_s'), '9.2f')} "
              f"{fmt(row['server_us'], '9.1f')} {fmt(cores(rs, 'bench_cpu_s'), '9.2f')} "
              f"{fmt(stat(rs, 'bench_cpu_us_per_handshake'), '9.1f')} {fmt(stat(rs, 'other_cpu_cores'), '6.2f')}")
    busy_note(runs)
    ratios = []
    for (name, label), row in summary.items():
        ours = summary.get((name, "wshub"))
        if label == "wshub" or not ours:
            continue
        ratios.append(f"{name:<12} wshub/{label:<8} handshakes/s x{fmt(ratio(ours['hs'], row['hs']), '.2f')}"
                      f"   server CPU per handshake x{fmt(ratio(ours['server_us'], row['server_us']), '.2f')}")
    if ratios:
        print("\nwshub / peer (handshakes/s: above 1 is faster; CPU: below 1 is cheaper)")
        print("\n".join(ratios))


def rtt_table(runs):
    groups = groups_of(runs, lambda r: (r.get("name", "rtt"), r["label"]))
    header = (f"{'run':<10} {'server':<8} {'clients':>7} {'rt/s':>8} {'ack p50':>8} {'ack p99':>8} "
              f"{'dlv p50':>8} {'dlv p90':>8} {'dlv p99':>8} {'dlv p99.9':>9} {'dlv max':>8} {'errors':>6} "
              f"{'srv cores':>9} {'srv us/rt':>9} {'gen cores':>9} {'gen us/rt':>9} {'other':>6}")
    print("rtt: one publication at a time per client through the C++ client (wshub::client): "
          "publish -> ack and publish -> own delivery, latency in us")
    print(header)
    print("-" * len(header))

    def lat(rs, block, key):
        return median([r[block][key] if r.get(block) else None for r in rs])

    for (name, label), rs in groups.items():
        print(f"{name:<10} {label:<8} {fmt(stat(rs, 'subscribed'), '7.0f')} {fmt(stat(rs, 'round_trips_per_s'), '8.0f')} "
              f"{fmt(lat(rs, 'ack_latency_us', 'p50'), '8.0f')} {fmt(lat(rs, 'ack_latency_us', 'p99'), '8.0f')} "
              f"{fmt(lat(rs, 'delivery_latency_us', 'p50'), '8.0f')} {fmt(lat(rs, 'delivery_latency_us', 'p90'), '8.0f')} "
              f"{fmt(lat(rs, 'delivery_latency_us', 'p99'), '8.0f')} {fmt(lat(rs, 'delivery_latency_us', 'p99_9'), '9.0f')} "
              f"{fmt(lat(rs, 'delivery_latency_us', 'max'), '8.0f')} {sum(r.get('errors', 0) for r in rs):>6} "
              f"{fmt(cores(rs, 'server_cpu_s'), '9.2f')} {fmt(stat(rs, 'server_cpu_us_per_round_trip'), '9.1f')} "
              f"{fmt(cores(rs, 'bench_cpu_s'), '9.2f')} {fmt(stat(rs, 'bench_cpu_us_per_round_trip'), '9.1f')} "
              f"{fmt(stat(rs, 'other_cpu_cores'), '6.2f')}")
    busy_note(runs)


def main(path):
    meta, runs = load(path)
    if not runs:
        print("no runs in", path)
        return 1
    if meta:
        print(f"{meta['cpu']}, {meta['cores']} cores, kernel {meta['kernel']}, git {meta['git']}; "
              f"server on core {meta['server_cpu']}, generator on core {meta['bench_cpu']}")
    scenario = runs[0].get("scenario", "echo")
    {"echo": echo_table, "fanout": fanout_table, "idle": idle_table, "connect": connect_table,
     "rtt": rtt_table}[scenario](runs)
    return 0


if __name__ == "__main__":
    status = 0
    for i, path in enumerate(sys.argv[1:]):
        if i:
            print()
        status |= main(path)
    sys.exit(status)
