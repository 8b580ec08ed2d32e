#!/usr/bin/env python3
"""Compare our solar->lunar conversion (stdin: "YYYY-MM-DD year month day leap" per line)
with PyPI korean-lunar-calendar (KASI data). Exit 1 on any difference."""
import sys

from korean_lunar_calendar import KoreanLunarCalendar

cal = KoreanLunarCalendar()
bad = 0
count = 0
for line in sys.stdin:
    solar, year, month, day, leap = line.split()
    y, m, d = map(int, solar.split("-"))
    if not cal.setSolarDate(y, m, d):
        print(f"oracle rejects {solar}")
        bad += 1
        continue
    want = (cal.lunarYear, cal.lunarMonth, cal.lunarDay, int(bool(cal.isIntercalation)))
    got = (int(year), int(month), int(day), int(leap))
    count += 1
    if want != got:
        bad += 1
        if bad <= 20:
            print(f"{solar}: ours {got}, korean-lunar-calendar {want}")
print(f"lunar oracle: {count} days compared, {bad} differences")
sys.exit(1 if bad else 0)
