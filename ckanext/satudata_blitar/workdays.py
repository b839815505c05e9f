"""Working days (*hari kerja*) for SOP deadlines.

The SOP counts its time standards in working days: 5 for verification, 5 for validation,
3 for agreeing the Daftar Data, 5 for availability statements. A working day is Monday to
Friday that is neither an Indonesian public holiday nor a *cuti bersama* day. Public holidays
and the national *cuti bersama* days come from the maintained ``holidays`` package (categories
``public`` and ``government``); a portal adds local days off or corrects the list with two
config options (``ckanext.satudata_blitar.extra_days_off`` and ``…working_days_override``).

Dates are calendar dates in the portal's time zone (WIB, ``Asia/Jakarta``, by default):
a dataset submitted at 23:30 UTC on a Sunday was submitted on Monday in Blitar.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

import holidays as _holidays

import ckan.plugins.toolkit as tk

Pause = tuple[dt.date, Optional[dt.date]]


def timezone() -> ZoneInfo:
    return ZoneInfo(tk.config.get("ckanext.satudata_blitar.timezone") or "Asia/Jakarta")


def local_date(moment: dt.datetime | dt.date) -> dt.date:
    """The calendar date of ``moment`` in the portal's time zone (naive datetimes are UTC)."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        return moment.astimezone(timezone()).date()
    return moment


def _parse_days(values: Iterable[str]) -> dict[dt.date, str]:
    """``["2026-12-31:Cuti Bersama Tahun Baru", "2026-06-02"]`` → {date: name}."""
    days: dict[dt.date, str] = {}
    for value in values:
        value = value.strip()
        if not value:
            continue
        day, _, name = value.partition(":")
        try:
            days[dt.date.fromisoformat(day.strip())] = name.strip() or "Hari libur lokal"
        except ValueError as e:
            raise ValueError(f"Tanggal tidak valid dalam konfigurasi hari libur: {value!r}") from e
    return days


def _config_list(key: str) -> tuple[str, ...]:
    value = tk.config.get(key) or []
    if isinstance(value, str):
        value = value.split()
    return tuple(value)


def days_off(year: int) -> dict[dt.date, str]:
    """Every non-weekend day off in ``year`` with its Indonesian name."""
    return dict(_days_off(
        year,
        _config_list("ckanext.satudata_blitar.extra_days_off"),
        _config_list("ckanext.satudata_blitar.working_days_override"),
    ))


@functools.lru_cache(maxsize=64)
def _days_off(year: int, extra: tuple[str, ...],
              override: tuple[str, ...]) -> tuple[tuple[dt.date, str], ...]:
    national = _holidays.country_holidays(
        "ID", years=year, categories=("public", "government"), language="id")
    days = {day: name for day, name in national.items() if day.year == year}
    days.update({d: n for d, n in _parse_days(extra).items() if d.year == year})
    for day in _parse_days(override):
        days.pop(day, None)
    return tuple(sorted(days.items()))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in days_off(day.year)


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The date ``count`` working days after ``start`` (``start`` itself is not counted).

    A 5-working-day step that starts on Friday 2026-03-13 ends on Friday 2026-03-27:
    Nyepi and its cuti bersama (18–19 Mar) and the Idul Fitri cuti bersama (20–24 Mar)
    are skipped.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    while count:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in ``(start, end]``: 0 when ``end`` is on or before ``start``."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def elapsed_working_days(start: dt.date, end: dt.date, pauses: Iterable[Pause] = ()) -> int:
    """Working days in ``(start, end]`` while the clock ran.

    ``pauses`` are ``(from, until)`` spans in which the clock stood still, e.g. while a dataset
    was returned to its OPD; ``until`` ``None`` means the pause still lasts at ``end``.
    Working days inside ``(from, until]`` are not counted.
    """
    paused: set[dt.date] = set()
    for p_from, p_until in pauses:
        day = p_from
        stop = min(p_until or end, end)
        while day < stop:
            day += dt.timedelta(days=1)
            paused.add(day)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if day not in paused and is_working_day(day):
            count += 1
    return count


def deadline(start: dt.date, count: int, pauses: Iterable[Pause] = (),
             today: Optional[dt.date] = None) -> dt.date:
    """When a step of ``count`` working days that began on ``start`` is due.

    Pauses push the deadline back by the working days they covered; an open pause
    (``until`` ``None``) is counted up to ``today``.
    """
    today = today or local_date(dt.datetime.now(dt.timezone.utc))
    lost = 0
    for p_from, p_until in pauses:
        lost += working_days_between(p_from, p_until or today)
    return add_working_days(start, count + lost)


# -- data freshness (SOP step 5: "sesuai frekuensi data") -----------------------------------------
#: update interval of each frequency of the SDI schema, as (months, days)
FREQUENCY_INTERVALS: dict[str, tuple[int, int]] = {
    "harian": (0, 1),
    "mingguan": (0, 7),
    "bulanan": (1, 0),
    "triwulanan": (3, 0),
    "semesteran": (6, 0),
    "tahunan": (12, 0),
    "dua_tahunan": (24, 0),
}


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
            31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, last))


def next_update_due(frequency: Optional[str], last_update: dt.date,
                    period_end_year: Optional[int] = None) -> Optional[dt.date]:
    """When a dataset's next update is due from its frequency (``None``: no fixed rhythm).

    One interval after the later of the last update and the end of the reference period
    (yearly data for 2025 updated in March 2026 is due again in March 2027), moved to the
    next working day when it falls on a day off. ``insidental`` and
    ``lebih_dari_dua_tahunan`` have no due date.
    """
    interval = FREQUENCY_INTERVALS.get((frequency or "").strip().lower())
    if interval is None:
        return None
    base = last_update
    if period_end_year:
        base = max(base, dt.date(period_end_year, 12, 31))
    months, days = interval
    due = _add_months(base, months) + dt.timedelta(days=days)
    while not is_working_day(due):
        due += dt.timedelta(days=1)
    return due
