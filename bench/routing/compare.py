#!/usr/bin/env python3
"""Joins the two runners' tables: per instance visits, teams, VROOM travel, Minwon travel,
gap %, both wall times; then per size the average and worst gap, mean wall times, and the
slowest Minwon solve in wall and in CPU time (the machine may be shared).

    python3 compare.py results/vroom.tsv results/minwon.tsv
"""

import csv
import statistics
import sys
from collections import defaultdict


def read(path):
    with open(path) as f:
        return {row["file"]: row for row in csv.DictReader(f, delimiter="\t")}


def main():
    vroom, minwon = read(sys.argv[1]), read(sys.argv[2])
    print("| instance | visits | teams | VROOM travel (s) | Minwon travel (s) | gap % | VROOM s | Minwon s |")
    print("|---|---|---|---|---|---|---|---|")
    by_size = defaultdict(list)
    for name in sorted(vroom):
        if name not in minwon:
            continue
        v, m = vroom[name], minwon[name]
        visits, teams = int(name[1:3]), int(name.split("_t")[1].split("_")[0])
        vt, mt = int(v["travel"]), int(m["travel"])
        if v["unassigned"] != "0" or m["unassigned"] != "0":
            note = f" (unassigned: VROOM {v['unassigned']}, Minwon {m['unassigned']})"
        else:
            note = ""
        gap = 100.0 * (mt - vt) / vt
        by_size[(visits, teams)].append((gap, float(m["seconds"]), float(v["seconds"]), float(m.get("cpu") or 0)))
        print(f"| {name[:-5]}{note} | {visits} | {teams} | {vt} | {mt} | {gap:+.2f} | {float(v['seconds']):.3f} | {float(m['seconds']):.3f} |")
    print()
    print("| visits (teams) | instances | average gap % | worst gap % | VROOM mean s | Minwon mean s | Minwon slowest s | Minwon slowest CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    all_gaps = []
    for (visits, teams), rows in sorted(by_size.items()):
        gaps = [r[0] for r in rows]
        all_gaps += gaps
        print(
            f"| {visits} ({teams}) | {len(rows)} | {statistics.mean(gaps):+.2f} | {max(gaps):+.2f} | "
            f"{statistics.mean(r[2] for r in rows):.3f} | {statistics.mean(r[1] for r in rows):.3f} | "
            f"{max(r[1] for r in rows):.3f} | {max(r[3] for r in rows):.2f} |"
        )
    if all_gaps:
        print(f"\nAverage gap over all {len(all_gaps)} instances: {statistics.mean(all_gaps):+.2f} %")


if __name__ == "__main__":
    main()
