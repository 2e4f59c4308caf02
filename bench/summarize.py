#!/usr/bin/env python3
"""Side-by-side table of a bench/run.sh results file (JSON Lines), medians over rounds.

usage: bench/summarize.py bench/results/echo-<time>.json

Columns: messages/s received; round-trip latency p50/p99 (us); the server's and the
generator's CPU, in cores busy and in microseconds per message; the CPU everything else on
the host used. Then, per scenario, wshub divided by each peer: throughput (above 1 is
better for wshub) and server CPU per message (below 1 is better for wshub).
"""
import json
import statistics
import sys


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def main(path):
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
    if not runs:
        print("no runs in", path)
        return 1

    groups = {}  # (scenario name, label) -> runs, in first-seen order
    for r in runs:
        groups.setdefault((r.get("name", "echo"), r["label"]), []).append(r)

    def stat(rs, key):
        return median([r.get(key) for r in rs])

    def cores(rs, key):
        return median([r[key] / r["window_s"] if r.get(key) is not None else None for r in rs])

    def latency(rs, key):
        return median([r["latency_us"][key] for r in rs])

    if meta:
        print(f"{meta['cpu']}, {meta['cores']} cores, kernel {meta['kernel']}, git {meta['git']}; "
              f"server on core {meta['server_cpu']}, generator on core {meta['bench_cpu']}; "
              f"{meta['duration_s']} s per run after {meta['warmup_s']} s warm-up; medians of {meta['rounds']} round(s)")
    header = (f"{'scenario':<10} {'server':<8} {'msg/s':>10} {'p50 us':>8} {'p99 us':>8} "
              f"{'srv cores':>9} {'srv us/msg':>10} {'gen cores':>9} {'gen us/msg':>10} {'other':>6} {'errors':>6}")
    print(header)
    print("-" * len(header))
    summary = {}
    for (name, label), rs in groups.items():
        row = {
            "msgs": stat(rs, "msgs_per_s"),
            "server_us": stat(rs, "server_cpu_us_per_msg"),
        }
        summary[(name, label)] = row
        print(f"{name:<10} {label:<8} {fmt(row['msgs'], '10.0f')} {fmt(latency(rs, 'p50'), '8.0f')} "
              f"{fmt(latency(rs, 'p99'), '8.0f')} {fmt(cores(rs, 'server_cpu_s'), '9.2f')} "
              f"{fmt(row['server_us'], '10.3f')} {fmt(cores(rs, 'bench_cpu_s'), '9.2f')} "
              f"{fmt(stat(rs, 'bench_cpu_us_per_msg'), '10.3f')} {fmt(stat(rs, 'other_cpu_cores'), '6.2f')} "
              f"{sum(r['errors'] for r in rs):>6}")

    busy = median([r.get("other_cpu_cores") for r in runs])
    if busy is not None and busy > 0.25:
        print(f"\nThe host was busy (median {busy:.2f} cores used by other processes during the windows):")
        print("compare CPU per message and the ratios; absolute msg/s and latency are not reliable.")

    ratios = []
    for (name, label), row in summary.items():
        ours = summary.get((name, "wshub"))
        if label == "wshub" or not ours or not ours["msgs"] or not row["msgs"]:
            continue
        cpu = (ours["server_us"] / row["server_us"]) if ours["server_us"] and row["server_us"] else None
        ratios.append(f"{name:<10} wshub/{label:<8} msg/s x{ours['msgs'] / row['msgs']:.2f}   "
                      f"server CPU per msg x{fmt(cpu, '.2f')}")
    if ratios:
        print("\nwshub / peer (msg/s: above 1 is faster; CPU per msg: below 1 is cheaper)")
        print("\n".join(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
