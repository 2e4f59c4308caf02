#!/usr/bin/env python3
"""SVG charts of a bench/run.sh results file, drawn by gnuplot (Debian's gnuplot-nox).

usage: bench/plot.py bench/results/<suite>-<time>.json [OUT.svg]
       bench/plot.py RESULTS.json RESULTS.json ...   (each chart beside its results file)

Writes OUT.svg (default: the results file with .svg) with one line or bar group per server:
  echo     msg/s and p99 latency per scenario (medians over rounds)
  fanout   deliveries/s, and p50/p99 delivery latency, versus the publication rate achieved
           (log scales; the open-loop point is the rightmost of each server)
  idle     server bytes per connection, and the kernel's slab bytes per connection, versus
           the number of connections
  connect  handshakes/s, and p50/p99 handshake latency, per server, plain and TLS
  rtt      round trips/s, and p99 publish->delivery latency, per run (client count)
Exits 0 without a chart (and says so) when gnuplot is not installed.
"""
import json
import shutil
import statistics
import subprocess
import sys


def load(path):
    runs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                record = json.loads(line)
                if not record.get("meta"):
                    runs.append(record)
    return runs


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def labels_of(runs):
    seen = []
    for r in runs:
        if r["label"] not in seen:
            seen.append(r["label"])
    return seen


def block(name, rows):
    return f"${name} << EOD\n" + "\n".join(" ".join(str(c) for c in row) for row in rows) + "\nEOD\n"


def header(title, panels):
    return (f"set terminal svg size 1000,{420 * panels} dynamic enhanced font 'sans,11' background rgb 'white'\n"
            f"set multiplot layout {panels},1 title \"{title}\"\n"
            "set grid\nset key outside right top\n")


def fanout(runs, title):
    script, plots_d, plots_l = "", [], []
    modes = list(dict.fromkeys(r.get("publish", "ws") for r in runs))
    for r in runs:  # one line per server and publish mode, when there are several modes
        r["series"] = r["label"] if len(modes) == 1 else f"{r['label']} ({r.get('publish', 'ws')})"
    for i, label in enumerate(dict.fromkeys(r["series"] for r in runs)):
        by_rate = {}  # the rate asked for -> its rounds; the chart shows their medians
        for r in runs:
            if r["series"] == label and r.get("pubs_per_s"):
                by_rate.setdefault(r["rate"], []).append(r)
        rows = []
        for rs in by_rate.values():
            lats = [r.get("latency_us") or {} for r in rs]
            rows.append((median([r["pubs_per_s"] for r in rs]), median([r["deliveries_per_s"] for r in rs]),
                         median([lat.get("p50") for lat in lats]) or "NaN",
                         median([lat.get("p99") for lat in lats]) or "NaN"))
        rows.sort()
        name = f"d{i}"
        script += block(name, rows)
        plots_d.append(f"${name} using 1:2 with linespoints linecolor {i + 1} title '{label}'")
        plots_l.append(f"${name} using 1:3 with linespoints linecolor {i + 1} dashtype 2 title '{label} p50'")
        plots_l.append(f"${name} using 1:4 with linespoints linecolor {i + 1} title '{label} p99'")
    script += header(title, 2)
    script += ("set logscale x\nset xlabel 'publications/s (achieved; the last point of each server is open loop)'\n"
               "set ylabel 'deliveries/s'\nset format y '%.0s%c'\n")
    script += "plot " + ", ".join(plots_d) + "\n"
    script += "set logscale y\nset ylabel 'delivery latency (us)'\nset format y '%g'\n"
    script += "plot " + ", ".join(plots_l) + "\nunset multiplot\n"
    return script


def idle(runs, title):
    script, plots_s, plots_k = "", [], []
    for i, label in enumerate(labels_of(runs)):
        # The /echo runs (silent after the upgrade); `connect` runs are in the table.
        rows = sorted((r["connections"], r.get("server_bytes_per_connection") or "NaN",
                       r.get("kernel_slab_bytes_per_connection") or "NaN") for r in runs
                      if r["label"] == label and not r.get("open_message"))
        name = f"d{i}"
        script += block(name, rows)
        plots_s.append(f"${name} using 1:2 with linespoints linecolor {i + 1} title '{label}'")
        plots_k.append(f"${name} using 1:3 with linespoints linecolor {i + 1} title '{label}'")
    script += header(title, 2)
    script += "set xlabel 'connections held'\nset ylabel 'server RSS growth, bytes per connection'\nset yrange [0:*]\n"
    script += "plot " + ", ".join(plots_s) + "\n"
    script += "set ylabel 'kernel slab growth, bytes per connection (both ends)'\n"
    script += "plot " + ", ".join(plots_k) + "\nunset multiplot\n"
    return script


def bars(runs, title, group_key, value_keys, ylabels):
    """Clustered bars: one cluster per group (scenario or plain/TLS), one bar per server."""
    labels = labels_of(runs)
    groups = []
    for r in runs:
        if group_key(r) not in groups:
            groups.append(group_key(r))
    script = ""
    for k, (key, _) in enumerate(value_keys):
        rows = []
        for g in groups:
            row = [f'"{g}"']
            for label in labels:
                row.append(median([key(r) for r in runs if r["label"] == label and group_key(r) == g]) or "NaN")
            rows.append(row)
        script += block(f"v{k}", rows)
    script += header(title, len(value_keys))
    script += "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
    script += "set yrange [0:*]\n"
    for k, (_, ylabel) in enumerate(value_keys):
        script += f"set ylabel '{ylabel}'\n"
        cols = ", ".join(f"$v{k} using {j + 2}:xtic(1) linecolor {j + 1} title '{label}'"
                         for j, label in enumerate(labels))
        script += f"plot {cols}\n"
    script += "unset multiplot\n"
    return script


def main(path, out=None):
    runs = load(path)
    if not runs:
        print("plot: no runs in", path)
        return 0
    if not shutil.which("gnuplot"):
        print("plot: gnuplot is not installed (apt-get install gnuplot-nox): no chart")
        return 0
    out = out or (path[:-5] if path.endswith(".json") else path) + ".svg"
    scenario = runs[0].get("scenario", "echo")
    title = f"wshub-bench {scenario}: {path.split('/')[-1]}"
    if scenario == "fanout":
        script = fanout(runs, title)
    elif scenario == "idle":
        script = idle(runs, title)
    elif scenario == "connect":
        script = bars(runs, title, lambda r: r.get("name", "connect"),
                      [(lambda r: r.get("handshakes_per_s"), "handshakes/s"),
                       (lambda r: (r.get("latency_us") or {}).get("p99"), "handshake p99 (us)")], None)
    elif scenario == "rtt":
        script = bars(runs, title, lambda r: r.get("name", "rtt"),
                      [(lambda r: r.get("round_trips_per_s"), "round trips/s"),
                       (lambda r: (r.get("delivery_latency_us") or {}).get("p99"), "publish->delivery p99 (us)")],
                      None)
    else:
        script = bars(runs, title, lambda r: r.get("name", "echo"),
                      [(lambda r: r.get("msgs_per_s"), "messages/s"),
                       (lambda r: (r.get("latency_us") or {}).get("p99"), "round trip p99 (us)")], None)
    script = script.replace("set multiplot", f"set output '{out}'\nset multiplot", 1)
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print(f"chart: {out}")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 2 and args[1].endswith(".svg"):
        sys.exit(main(args[0], args[1]))
    sys.exit(max([main(path) for path in args] or [0]))
