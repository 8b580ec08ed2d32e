#!/usr/bin/env python3
"""Solves every instance with VROOM (pyvroom) at exploration level 5 on one thread.

    python3 run_vroom.py [instances] > results/vroom.tsv

Prints: file, travel seconds, unassigned, wall seconds, CPU seconds.
"""

import glob
import os
import sys
import time

import vroom


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "instances")
    print("file\ttravel\tunassigned\tseconds\tcpu")
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        problem = vroom.Input.from_json(path)
        began, cpu_began = time.perf_counter(), time.process_time()
        solution = problem.solve(exploration_level=5, nb_threads=1)
        took, cpu = time.perf_counter() - began, time.process_time() - cpu_began
        travel = int(solution.summary.duration)
        unassigned = int(solution.summary.unassigned)
        print(f"{os.path.basename(path)}\t{travel}\t{unassigned}\t{took:.3f}\t{cpu:.2f}", flush=True)


if __name__ == "__main__":
    main()
