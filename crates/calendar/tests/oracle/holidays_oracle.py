#!/usr/bin/env python3
"""Compare our holidays (stdin: JSON array of {"date","name","kind"}, 1990-2100) with PyPI
`holidays` (country KR, public category). Dates are compared, not names (the two name some
days differently: 기독탄신일/성탄절, 석가탄신일/부처님오신날); on a common date, being a
substitute holiday and being an election day must agree too.

Every difference must be in ALLOWED below, with the reason; any other difference fails,
and so does an allowed difference that no longer occurs (so the list stays true)."""
import json
import sys

import holidays as pyholidays

FIRST, LAST = 1990, 2100

# (date, side) -> reason. side "ours" = only we have it, "oracle" = only the oracle has it.
ALLOWED = {
}

ours = {}
for h in json.load(sys.stdin):
    ours.setdefault(h["date"], []).append(f'{h["name"]} ({h["kind"]})')

oracle = {}
for year in range(FIRST, LAST + 1):
    for d, name in pyholidays.KR(years=year, language="ko").items():
        oracle.setdefault(d.isoformat(), []).append(name)

unexpected = []
used = set()
for date in sorted(set(ours) | set(oracle)):
    side = None
    if date in ours and date not in oracle:
        side = "ours"
    elif date in oracle and date not in ours:
        side = "oracle"
    if side is None:
        ours_kinds = " ".join(ours[date])
        oracle_names = " ".join(oracle[date])
        for label, ours_has, oracle_has in (
            ("substitute", "(substitute)" in ours_kinds, "대체" in oracle_names),
            ("election", "(election)" in ours_kinds, "선거" in oracle_names),
        ):
            if ours_has != oracle_has and (date, label) not in ALLOWED:
                unexpected.append(f"{date} {label}? ours {ours[date]} oracle {oracle[date]}")
            elif ours_has != oracle_has:
                used.add((date, label))
        continue
    what = ours.get(date) or oracle.get(date)
    if (date, side) in ALLOWED:
        used.add((date, side))
        print(f"known difference {date} only in {side}: {what} -- {ALLOWED[(date, side)]}")
    else:
        unexpected.append(f"{date} only in {side}: {what}")

stale = [k for k in ALLOWED if k not in used]
for line in unexpected:
    print("UNEXPECTED", line)
for k in stale:
    print("STALE allow-list entry (difference no longer occurs):", k)
total = sum(len(v) for v in ours.values())
print(f"holiday oracle: {total} of our holidays in {FIRST}-{LAST}, "
      f"{len(used)} known differences, {len(unexpected)} unexpected, {len(stale)} stale")
sys.exit(1 if unexpected or stale else 0)
