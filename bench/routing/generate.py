#!/usr/bin/env python3
"""Home-visit round instances in VROOM JSON (issue 18 item 9, SERVICE_ACCESS.md §2).

A 구청 (Mapo-gu office) as depot, stops scattered over about 8 x 8 km around it, travel time =
haversine x 1.3 detour at 25 km/h in whole seconds (the same rule as Minwon's default matrix,
written into the file so both solvers read identical times), 20-minute visits, time windows
30 % 09-12 / 30 % 13-17 / 40 % 09-17, teams capped at 12 visits working 09-18.

    python3 generate.py [--out instances] [--seeds 10] [--first-seed 1] [--lunch]
"""

import argparse
import json
import math
import os
import random

DEPOT = (126.9015, 37.5663)  # [lon, lat] of 마포구청
SIZES = [(20, 3), (35, 4), (50, 5)]
H = 3600
EARTH_RADIUS_M = 6_371_008.8
DETOUR = 1.3
SPEED_KMH = 25.0


def haversine_m(a, b):
    lat1, lat2 = math.radians(a[1]), math.radians(b[1])
    dlat = lat2 - lat1
    dlon = math.radians(b[0] - a[0])
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def seconds(a, b):
    return round(haversine_m(a, b) * DETOUR / (SPEED_KMH * 1000 / 3600))


def instance(visits, teams, seed, lunch=False):
    rng = random.Random(f"{visits}-{teams}-{seed}")
    half_lat = 4000 / 111_195
    half_lon = 4000 / (111_195 * math.cos(math.radians(DEPOT[1])))
    points = [DEPOT]
    jobs = []
    for i in range(visits):
        loc = (
            round(DEPOT[0] + rng.uniform(-half_lon, half_lon), 6),
            round(DEPOT[1] + rng.uniform(-half_lat, half_lat), 6),
        )
        points.append(loc)
        r = rng.random()
        window = [9 * H, 12 * H] if r < 0.3 else [13 * H, 17 * H] if r < 0.6 else [9 * H, 17 * H]
        jobs.append({
            "id": i + 1,
            "location": list(loc),
            "location_index": i + 1,
            "service": 20 * 60,
            "time_windows": [window],
        })
    vehicles = [
        {
            "id": t + 1,
            "start": list(DEPOT),
            "end": list(DEPOT),
            "start_index": 0,
            "end_index": 0,
            "time_window": [9 * H, 18 * H],
            "max_tasks": 12,
            **({"breaks": [{"id": 1, "time_windows": [[11 * H + 1800, 13 * H]], "service": H}]} if lunch else {}),
        }
        for t in range(teams)
    ]
    matrix = [[seconds(a, b) for b in points] for a in points]
    return {"jobs": jobs, "vehicles": vehicles, "matrices": {"car": {"durations": matrix}}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "instances"))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--lunch", action="store_true", help="a one-hour lunch break starting 11:30-13:00 per team")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for visits, teams in SIZES:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            name = f"v{visits:02d}_t{teams}_s{seed:02d}.json"
            with open(os.path.join(args.out, name), "w") as f:
                json.dump(instance(visits, teams, seed, args.lunch), f)
    print(f"{len(SIZES) * args.seeds} instances in {args.out}")


if __name__ == "__main__":
    main()
