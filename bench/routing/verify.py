#!/usr/bin/env python3
"""Re-checks Minwon's solutions against their instances without Minwon's code, so a lenient
schedule rule in the solver cannot flatter the benchmark: every job exactly once, travel from
the matrix, service starts inside a window (waiting allowed), breaks inside their windows and
not overlapping anything, back by the end of the working hours, max_tasks, and the summary's
travel equal to the sum of the legs.

    MW_OUT=bench/routing/results/solutions cargo run --release -p domain --example route_bench -- bench/routing/instances
    python3 bench/routing/verify.py bench/routing/instances bench/routing/results/solutions
"""

import glob
import json
import os
import sys


def check(problem, solution):
    m = problem["matrices"]["car"]["durations"]
    jobs = {j["id"]: j for j in problem["jobs"]}
    vehicles = {v["id"]: v for v in problem["vehicles"]}
    seen = []
    total = 0
    for route in solution["routes"]:
        v = vehicles[route["vehicle"]]
        shift = v.get("time_window", [0, 2**62])
        breaks = {b["id"]: b for b in v.get("breaks", [])}
        steps = route["steps"]
        assert steps[0]["type"] == "start" and steps[-1]["type"] == "end"
        here = v["start_index"]
        free_at = steps[0]["arrival"]
        assert free_at >= shift[0], "leaves before the shift"
        travel = 0
        taken = []
        n_jobs = 0
        for st in steps[1:]:
            if st["type"] == "break":
                b = breaks[st["id"]]
                start = max(free_at, st["arrival"] + st["waiting_time"])
                assert st["arrival"] >= free_at
                assert any(s <= start <= e for s, e in b.get("time_windows", [[0, 2**62]])), "break off window"
                free_at = start + b.get("service", 0)
                taken.append(b["id"])
                continue
            to = v["end_index"] if st["type"] == "end" else jobs[st["id"]]["location_index"]
            leg = m[here][to]
            travel += leg
            arrival = free_at + leg
            assert st["arrival"] == arrival, f"arrival {st['arrival']} != {arrival}"
            if st["type"] == "end":
                assert arrival <= shift[1], "back after the shift"
                break
            job = jobs[st["id"]]
            start = arrival + st["waiting_time"]
            windows = job.get("time_windows", [[0, 2**62]])
            assert any(s <= start <= e for s, e in windows), f"job {job['id']} starts {start} off window"
            assert st["waiting_time"] == 0 or any(start == s for s, _ in windows), "needless wait"
            free_at = start + job.get("service", 0)
            here = to
            seen.append(job["id"])
            n_jobs += 1
        assert n_jobs <= v.get("max_tasks", 10**9), "over max_tasks"
        assert sorted(taken) == sorted(breaks), "a break is missing"
        assert travel == route["duration"], "route travel"
        total += travel
    seen += [u["id"] for u in solution["unassigned"]]
    assert sorted(seen) == sorted(jobs), "jobs missing or twice"
    assert total == solution["summary"]["duration"], "summary travel"
    return total


def main():
    instances, solutions = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(solutions, "*.json")))
    for path in files:
        name = os.path.basename(path)
        with open(os.path.join(instances, name)) as f:
            problem = json.load(f)
        with open(path) as f:
            solution = json.load(f)
        check(problem, solution)
    print(f"{len(files)} solutions re-checked: every rule holds")


if __name__ == "__main__":
    main()
