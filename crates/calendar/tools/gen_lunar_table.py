#!/usr/bin/env python3
"""Generate crates/calendar/src/lunar_table.rs, the Korean lunar calendar table.

Sources (documented in docs/calendar.md):
  * lunar years 1899-2049: PyPI `korean-lunar-calendar` (0.4.0), which carries the
    Korea Astronomy and Space Science Institute (KASI, 한국천문연구원) data. We read it
    day by day through its public API and record where each lunar month starts.
  * lunar years 2050-2100: the package stops at solar 2050-12-31, so we derive these years
    ourselves with the traditional rules (시헌력 rules as KASI applies them) in Korean
    Standard Time (UTC+9), from new moons and solar terms computed by PyPI `ephem` (4.2.1):
      - a month starts on the KST calendar day of a new moon;
      - the month containing the winter solstice (solar longitude 270 deg) is month 11;
      - in a solstice-to-solstice span of 13 months, the first month without a principal
        term (중기, a longitude multiple of 30 deg) is the leap month (윤달) and repeats the
        number of the month before it.
    `--check` runs the same derivation over 1950-2049 and compares it with the KASI data,
    to show the method reproduces KASI. The Chinese calendar applies the same rules in
    UTC+8, which is why it differs from the Korean one in some years (see `--compare-chinese`).

Usage: python3 gen_lunar_table.py [--check] [--compare-chinese] [--near-midnight] [> lunar_table.rs]
Needs: pip install korean-lunar-calendar==0.4.0 ephem==4.2.1 (lunardate==0.3.0 for --compare-chinese)
"""
import datetime as dt
import math
import sys

import ephem
from korean_lunar_calendar import KoreanLunarCalendar

FIRST_YEAR = 1899  # solar January 1900 still belongs to lunar 1899
LAST_YEAR = 2100
LAST_KASI_YEAR = 2049  # last lunar year the package covers completely
KST = dt.timedelta(hours=9)


# ---------------------------------------------------------------- KASI data (1899-2049)

def kasi_month_starts(first_solar, last_solar):
    """Yield (solar date, lunar year, month, leap) for each lunar month start in the range."""
    cal = KoreanLunarCalendar()
    d = first_solar
    while d <= last_solar:
        if not cal.setSolarDate(d.year, d.month, d.day):
            raise SystemExit(f"korean-lunar-calendar rejected {d}")
        if cal.lunarDay == 1:
            yield d, cal.lunarYear, cal.lunarMonth, bool(cal.isIntercalation)
        d += dt.timedelta(days=1)


# ---------------------------------------------------------------- astronomical derivation

def to_kst_date(e_date, offset=KST):
    return (ephem.Date(e_date).datetime() + offset).date()


def sun_longitude(e_date):
    """Apparent geocentric ecliptic longitude of the Sun (radians), equinox of date."""
    sun = ephem.Sun()
    sun.compute(e_date, epoch=e_date)
    eq = ephem.Equatorial(sun.g_ra, sun.g_dec, epoch=e_date)
    return float(ephem.Ecliptic(eq, epoch=e_date).lon)


def term_time(target_deg, near):
    """Moment (ephem.Date) when the Sun's longitude is target_deg, searched around `near`."""
    target = math.radians(target_deg)

    def f(t):
        diff = sun_longitude(t) - target
        return (diff + math.pi) % (2 * math.pi) - math.pi

    lo, hi = ephem.Date(near - 20), ephem.Date(near + 20)
    for _ in range(60):  # bisection to well under a second
        mid = ephem.Date((lo + hi) / 2)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return ephem.Date((lo + hi) / 2)


def principal_terms(year, offset):
    """KST dates of the 12 principal terms falling in the Gregorian year."""
    out = []
    for k in range(12):
        deg = (270 + 30 * k) % 360  # 270 deg ~ Dec 21 of the previous year, then monthly
        approx = ephem.Date(dt.datetime(year - 1, 12, 21)) + 30.44 * k
        out.append(to_kst_date(term_time(deg, approx), offset))
    return out


def derived_months(first_year, last_year, offset=KST):
    """Labelled lunar months [(start, lunar_year, month, leap)] for lunar years in range."""
    # Principal terms and winter solstices, one year of margin on each side.
    terms = []
    for y in range(first_year - 1, last_year + 3):
        terms.extend(principal_terms(y, offset))
    terms = sorted(set(terms))
    solstices = {}
    for y in range(first_year - 2, last_year + 2):
        solstices[y] = to_kst_date(term_time(270, ephem.Date(dt.datetime(y, 12, 21))), offset)
    # New moon dates.
    moons = []
    t = ephem.Date(dt.datetime(first_year - 2, 11, 1))
    end = ephem.Date(dt.datetime(last_year + 2, 3, 1))
    while t < end:
        t = ephem.next_new_moon(t)
        moons.append(to_kst_date(t, offset))
        t = ephem.Date(t + 1)

    def month_start_containing(day):
        return max(m for m in moons if m <= day)

    labelled = []
    for y in range(first_year - 2, last_year + 1):
        a = moons.index(month_start_containing(solstices[y]))      # month 11 of year y
        b = moons.index(month_start_containing(solstices[y + 1]))  # month 11 of year y+1
        span = moons[a:b + 1]
        leap_index = None
        if b - a == 13:
            for i in range(1, 13):
                start, nxt = span[i], span[i + 1]
                if not any(start <= term < nxt for term in terms):
                    leap_index = i
                    break
            if leap_index is None:
                raise SystemExit(f"no month without a principal term in {y}-{y + 1}")
        elif b - a != 12:
            raise SystemExit(f"unexpected span of {b - a} months in {y}-{y + 1}")
        number = 11
        lunar_year = y
        for i in range(1, b - a):  # months after month 11 up to before the next month 11
            if i == leap_index:
                labelled.append((span[i], lunar_year, number, True))
                continue
            number = number % 12 + 1
            if number == 1:
                lunar_year = y + 1
            labelled.append((span[i], lunar_year, number, False))
    # Each span above labels the months after its month 11 up to the next month 11 (leap
    # months included, even a leap 11th); the month-11 starts themselves are added here.
    for y in range(first_year - 1, last_year + 1):
        labelled.append((month_start_containing(solstices[y]), y, 11, False))
    labelled.sort()
    return [m for m in labelled if first_year <= m[1] <= last_year]


# ---------------------------------------------------------------- table building

def years_from_months(months):
    """{lunar_year: (new_year_solar_date, [month lengths in order], leap_month or 0)}"""
    by_year = {}
    for i, (start, year, month, leap) in enumerate(months[:-1]):
        length = (months[i + 1][0] - start).days
        if length not in (29, 30):
            raise SystemExit(f"month {year}/{month} leap={leap} has {length} days")
        entry = by_year.setdefault(year, [None, [], 0])
        if month == 1 and not leap:
            entry[0] = start
        if leap:
            entry[2] = month
        entry[1].append(length)
    return by_year


def kasi_years(first, last):
    months = list(kasi_month_starts(dt.date(first, 1, 1), dt.date(last + 1, 3, 1)))
    years = years_from_months(months)
    return {y: years[y] for y in range(first, last + 1)}


def check():
    """Compare the derivation with KASI over 1950-2049; print the differences."""
    kasi = kasi_years(1950, 2049)
    ours = years_from_months(derived_months(1950, 2050))
    bad = [y for y in range(1950, 2050) if kasi[y] != ours[y]]
    for y in bad:
        print(f"{y}: KASI {kasi[y]} derived {ours[y]}")
    print(f"{len(bad)} of 100 years differ", file=sys.stderr)
    # Lunar 2050: the package knows months 1..11 starts; they must agree with ours.
    ours2050 = derived_months(2050, 2050)
    kasi2050 = list(kasi_month_starts(dt.date(2050, 1, 1), dt.date(2050, 12, 31)))
    kasi2050 = [m for m in kasi2050 if m[1] == 2050]
    assert ours2050[:len(kasi2050)] == kasi2050, (ours2050, kasi2050)
    print("lunar 2050 month starts agree with KASI", file=sys.stderr)
    return not bad


def compare_chinese():
    """List lunar years 2050-2100 where the Chinese calendar (lunardate) differs."""
    from lunardate import LunarDate
    ours = years_from_months(derived_months(2050, 2100))
    for y in range(2050, 2100):  # lunardate stops at 2099
        new_year, lengths, leap = ours[y]
        diffs = []
        if LunarDate(y, 1, 1).to_solar_date() != new_year:
            diffs.append("new year")
        cn_leap = LunarDate.leap_month_for_year(y) or 0
        if cn_leap != leap:
            diffs.append(f"leap month KR {leap} CN {cn_leap}")
        # compare every month start
        d = new_year
        seq = []
        for i, n in enumerate(lengths):
            is_leap = leap and i == leap
            num = i if leap and i >= leap else i + 1
            seq.append((d, num, bool(is_leap)))
            d += dt.timedelta(days=n)
        for d0, num, is_leap in seq:
            try:
                cn = LunarDate(y, num, 1, is_leap).to_solar_date()
            except ValueError:
                cn = None
            if cn != d0:
                diffs.append(f"{'leap ' if is_leap else ''}month {num}: KR {d0} CN {cn}")
        if diffs:
            print(y, "; ".join(diffs))


def near_midnight():
    """New moons 2050-2101 within 10 minutes of KST midnight: the table is only as sure there
    as the ephemeris (ephem's Moon theory is good to well under a minute in this century)."""
    t = ephem.Date(dt.datetime(2050, 1, 1))
    while t < ephem.Date(dt.datetime(2101, 3, 1)):
        t = ephem.next_new_moon(t)
        local = ephem.Date(t).datetime() + KST
        minutes = local.hour * 60 + local.minute + local.second / 60
        if minutes < 10 or minutes > 1430:
            print(f"new moon at {local:%Y-%m-%d %H:%M:%S} KST")
        t = ephem.Date(t + 1)


def main():
    if "--near-midnight" in sys.argv:
        near_midnight()
        return
    if "--check" in sys.argv:
        sys.exit(0 if check() else 1)
    if "--compare-chinese" in sys.argv:
        compare_chinese()
        return
    years = kasi_years(FIRST_YEAR, LAST_KASI_YEAR)
    years.update(years_from_months(derived_months(LAST_KASI_YEAR + 1, LAST_YEAR + 1)))
    out = []
    out.append("// @generated by crates/calendar/tools/gen_lunar_table.py: do not edit by hand.")
    out.append("// Lunar years 1899-2049: KASI data via PyPI korean-lunar-calendar 0.4.0;")
    out.append("// 2050-2100: derived in KST (UTC+9) from ephem 4.2.1 new moons and solar terms.")
    out.append("//")
    out.append("// One u32 per lunar year:")
    out.append("//   bits 0..=12  month lengths in order (bit i set = month i has 30 days, else 29),")
    out.append("//                a leap year has 13 months, the leap one right after its namesake;")
    out.append("//   bits 13..=16 the leap month's number (0 = no leap month);")
    out.append("//   bits 17..=23 day of the solar year (0 = 1 January) of lunar new year's day.")
    out.append("")
    out.append(f"pub(crate) const FIRST_YEAR: i32 = {FIRST_YEAR};")
    out.append(f"pub(crate) const LAST_YEAR: i32 = {LAST_YEAR};")
    out.append("")
    out.append(f"pub(crate) static YEARS: [u32; {LAST_YEAR - FIRST_YEAR + 1}] = [")
    for y in range(FIRST_YEAR, LAST_YEAR + 1):
        new_year, lengths, leap = years[y]
        if len(lengths) != (13 if leap else 12):
            raise SystemExit(f"{y}: {len(lengths)} months, leap {leap}")
        bits = sum(1 << i for i, n in enumerate(lengths) if n == 30)
        offset = (new_year - dt.date(y, 1, 1)).days
        word = bits | (leap << 13) | (offset << 17)
        out.append(f"    0x{word:08x}, // {y}: new year {new_year}, leap {leap}")
    out.append("];")
    print("\n".join(out))


if __name__ == "__main__":
    main()
