#!/usr/bin/env python3
"""The same deadline cases as crates/calendar/examples/bench_deadlines.rs, computed in Python
with the PyPI `holidays` package (country KR) for the holiday calendar, and the same rules
(docs/calendar.md) written independently in plain Python. Prints deadlines/s, and checks every
result against the Rust due moment recorded in the case file (a second, independent
implementation of the rules: any mismatch is printed and makes the exit code 1).

Usage: python3 bench/calendar/deadlines.py CASES.jsonl
Needs: pip install holidays==0.109
"""
import datetime as dt
import json
import sys
import time

import holidays

KST = dt.timezone(dt.timedelta(hours=9))
DAY_INTERVALS = ((dt.time(9), dt.time(12)), (dt.time(13), dt.time(18)))
HOUR = dt.timedelta(hours=1)
CLOSE = dt.time(18)


class Rules:
    def __init__(self, first_year, last_year):
        # The holiday calendar: a set of dates from `holidays`, built once (like the Rust
        # WorkCalendar). Local holidays and administrator data are not part of the benchmark.
        self.holidays = set(holidays.KR(years=range(first_year, last_year + 1)).keys())

    def working_day(self, d):
        return d.weekday() < 5 and d not in self.holidays

    def intervals(self, d):
        for s, e in DAY_INTERVALS:
            yield dt.datetime.combine(d, s), dt.datetime.combine(d, e)

    def working_between(self, a, b):
        total = dt.timedelta(0)
        d = a.date()
        while d <= b.date():
            if self.working_day(d):
                for s, e in self.intervals(d):
                    lo, hi = max(s, a), min(e, b)
                    if hi > lo:
                        total += hi - lo
            d += dt.timedelta(days=1)
        return total

    def advance(self, start, amount):
        """Earliest t with `amount` working time in [start, t); amount > 0."""
        d = start.date()
        while True:
            if self.working_day(d):
                for s, e in self.intervals(d):
                    lo = max(s, start)
                    if lo >= e:
                        continue
                    if e - lo >= amount:
                        return lo + amount
                    amount -= e - lo
            d += dt.timedelta(days=1)

    def advance_paused(self, start, amount, spans):
        cursor = start
        for ps, pe in spans:
            if pe <= cursor:
                continue
            if ps > cursor:
                avail = self.working_between(cursor, ps)
                if avail >= amount:
                    break
                amount -= avail
            cursor = max(cursor, pe)
        return self.advance(cursor, amount)

    @staticmethod
    def paused_day(d, days):
        return any(a <= d <= b for a, b in days)

    def nth_counted_day(self, d, n, days):
        while True:
            if self.working_day(d) and not self.paused_day(d, days):
                n -= 1
                if n == 0:
                    return d
            d += dt.timedelta(days=1)

    @staticmethod
    def calendar_end(start, unit, n):
        if unit == "w":
            return start + dt.timedelta(days=7 * n - 1)
        months = n if unit == "m" else 12 * n
        index = start.year * 12 + (start.month - 1) + months
        y, m = divmod(index, 12)
        m += 1
        try:
            return dt.date(y, m, start.day) - dt.timedelta(days=1)
        except ValueError:  # no corresponding day: last day of that month
            nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)

    def calendar_due_day(self, start, unit, n, days):
        length = (self.calendar_end(start, unit, n) - start).days + 1
        d = start
        while True:
            if not self.paused_day(d, days):
                length -= 1
                if length == 0:
                    break
            d += dt.timedelta(days=1)
        while not (self.working_day(d) and not self.paused_day(d, days)):
            d += dt.timedelta(days=1)
        return d

    def deadline(self, received, period, pauses, extensions):
        # Pauses: clipped to receipt, merged; as spans and as inclusive date ranges.
        raw = sorted((max(s, received), e) for s, e in pauses if e >= received)
        spans, days = [], []
        for s, e in raw:
            if spans and s <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], e)
            else:
                spans.append([s, e])
            if days and s.date() <= days[-1][1] + dt.timedelta(days=1):
                days[-1][1] = max(days[-1][1], e.date())
            else:
                days.append([s.date(), e.date()])
        spans = [(s, e) for s, e in spans if e > s]

        if period == "immediate":
            unit, n = "h", 3
        else:
            unit, n = period[-1], int(period[:-1])
        if unit == "h" or (unit == "d" and n <= 5):
            mode = "hours"
            due = self.advance_paused(received, HOUR * (n if unit == "h" else 8 * n), spans)
        elif unit == "d":
            mode = "days"
            due = dt.datetime.combine(self.nth_counted_day(received.date(), n, days), CLOSE)
        else:
            mode = "calendar"
            due = dt.datetime.combine(self.calendar_due_day(received.date(), unit, n, days), CLOSE)
        for ext in extensions:
            k = int(ext[:-1])  # the benchmark's extensions are all `Nd`
            if mode == "hours":
                due = self.advance_paused(due, HOUR * 8 * k, spans)
            else:
                day = self.nth_counted_day(due.date() + dt.timedelta(days=1), k, days)
                due = dt.datetime.combine(day, CLOSE)
        return due


def local(s):
    return dt.datetime.fromisoformat(s).astimezone(KST).replace(tzinfo=None)


def main():
    cases = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
    parsed = [
        (local(c["received"]), c["period"], [(local(s), local(e)) for s, e in c["pauses"]],
         c["extensions"])
        for c in cases
    ]
    t0 = time.perf_counter()
    rules = Rules(2019, 2037)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    results = [rules.deadline(*p) for p in parsed]
    secs = time.perf_counter() - t1
    mismatches = 0
    for case, got in zip(cases, results):
        want = local(case["due"])
        if got != want:
            mismatches += 1
            if mismatches <= 10:
                print(f"MISMATCH {case}: python {got.isoformat()}")
    print(f"python holiday calendar build: {build * 1e3:.1f} ms")
    print(f"cases: {len(cases)}, mismatches with Rust: {mismatches}")
    print(f"time: {secs:.3f} s")
    print(f"python deadlines/s: {len(cases) / secs:.0f}")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
