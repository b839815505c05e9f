"""Working days (*hari kerja*) and the one SOP step clock.

The SOP counts its time standards in working days (``config.step_days``: verification,
validation, Daftar Data agreement, statements). A working day is Monday to Friday that is
neither an Indonesian public holiday nor a *cuti bersama* day. Public holidays and the national
*cuti bersama* days come from the maintained ``holidays`` package (categories ``public`` and
``government``); a portal adds local days off or corrects the list with two config options
(``ckanext.satudata_blitar.extra_days_off`` and ``…working_days_override``).

Dates are calendar dates in the portal's time zone (WIB, ``Asia/Jakarta``, by default):
a dataset submitted at 23:30 UTC on a Sunday was submitted on Monday in Blitar.

Every due date, every late/on-time verdict and every step duration of the portal comes from
this module: :class:`StepClocks` walks a dataset's audit trail (queue, status, deadlines,
overviews and the annual report all feed it the same rows), :func:`due` turns a start, the
pauses and a step's day count into a due date, :func:`on_time` gives the verdict.
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

import holidays as _holidays

from ckanext.satudata_blitar import config

Pause = tuple[dt.date, Optional[dt.date]]


def timezone() -> ZoneInfo:
    return ZoneInfo(config.timezone_name())


def today() -> dt.date:
    """Today in the portal's time zone (WIB)."""
    return local_date(dt.datetime.now(dt.timezone.utc))


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


def days_off(year: int) -> dict[dt.date, str]:
    """Every non-weekend day off in ``year`` with its Indonesian name."""
    return dict(_days_off(
        year,
        config.extra_days_off(),
        config.working_days_override(),
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


class _Calendar:
    """Cumulative count of working days per date, built a year at a time: counting working
    days is one subtraction, adding them one binary search. The first date and the counts
    are replaced together (one tuple), so a concurrent thread never sees one without the
    other."""

    def __init__(self, extra: tuple[str, ...], override: tuple[str, ...]) -> None:
        self.extra, self.override = extra, override
        self.span: tuple[dt.date, list[int]] = (dt.date.max, [])

    def _cover(self, first: dt.date, last: dt.date) -> tuple[dt.date, list[int]]:
        span = self.span
        begin, cum = span
        if cum and begin <= first and (last - begin).days < len(cum):
            return span
        if cum:
            first = min(first, begin)
            last = max(last, begin + dt.timedelta(days=len(cum) - 1))
        start, end = dt.date(first.year, 1, 1), dt.date(last.year, 12, 31)
        off: set[dt.date] = set()
        for year in range(start.year, end.year + 1):
            off.update(d for d, _ in _days_off(year, self.extra, self.override))
        cum, total, day = [], 0, start
        while day <= end:
            if day.weekday() < 5 and day not in off:
                total += 1
            cum.append(total)
            day += dt.timedelta(days=1)
        self.span = (start, cum)
        return self.span

    def count(self, day: dt.date) -> int:
        """Working days from the start of the calendar up to and including ``day``."""
        begin, cum = self._cover(day, day)
        return cum[(day - begin).days]

    def between(self, start: dt.date, end: dt.date) -> int:
        if end <= start:
            return 0
        begin, cum = self._cover(start, end)
        return cum[(end - begin).days] - cum[(start - begin).days]

    def add(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (``start`` when ``count`` is 0)."""
        if count <= 0:
            return start
        begin, cum = self._cover(start, start + dt.timedelta(days=2 * count + 31))
        target = cum[(start - begin).days] + count
        while cum[-1] < target:  # a long stretch of days off: cover one more year
            begin, cum = self._cover(start, begin + dt.timedelta(days=len(cum) + 366))
            target = cum[(start - begin).days] + count
        # counts rise by one on each working day: the first date reaching the target is it
        return begin + dt.timedelta(days=bisect.bisect_left(cum, target,
                                                            (start - begin).days + 1))


@functools.lru_cache(maxsize=8)
def _calendar_for(extra: tuple[str, ...], override: tuple[str, ...]) -> _Calendar:
    return _Calendar(extra, override)


def _calendar() -> _Calendar:
    return _calendar_for(config.extra_days_off(), config.working_days_override())


def is_working_day(day: dt.date) -> bool:
    return _calendar().between(day - dt.timedelta(days=1), day) == 1


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The date ``count`` working days after ``start`` (``start`` itself is not counted).

    A 5-working-day step that starts on Friday 2026-03-13 ends on Friday 2026-03-27:
    Nyepi and its cuti bersama (18–19 Mar) and the Idul Fitri cuti bersama (20–24 Mar)
    are skipped.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    return _calendar().add(start, count)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in ``(start, end]``: 0 when ``end`` is on or before ``start``."""
    return _calendar().between(start, end)


def elapsed_working_days(start: dt.date, end: dt.date, pauses: Iterable[Pause] = ()) -> int:
    """Working days in ``(start, end]`` while the clock ran.

    ``pauses`` are ``(from, until)`` spans in which the clock stood still, e.g. while a dataset
    was returned to its OPD; ``until`` ``None`` means the pause still lasts at ``end``.
    Working days inside ``(from, until]`` are not counted.
    """
    return _elapsed(_calendar(), start, end, pauses)


def _elapsed(calendar: _Calendar, start: dt.date, end: dt.date, pauses: Iterable[Pause]) -> int:
    total = calendar.between(start, end)
    for p_from, p_until in pauses:
        lo, hi = max(p_from, start), min(p_until or end, end)
        total -= calendar.between(lo, hi)
    return total


# -- the step clock --------------------------------------------------------------------------
#: SOP steps measured from the audit trail: (transition that starts it, transition that ends
#: it, the ``config.step_days`` key of its time standard or ``None`` when the SOP sets none)
STEPS: dict[str, tuple[str, str, Optional[str]]] = {
    "verification": ("submit", "verify", "verification"),
    "validation": ("verify", "validate", "validation"),
    "publication": ("validate", "publish", None),
}
#: transitions after which no step is running any more
_RESETS = ("withdraw", "create", "migrate")


def step_days(step: str) -> Optional[int]:
    """The SOP's time standard of a step in working days (``None``: the SOP sets none)."""
    key = STEPS[step][2] if step in STEPS else step
    return config.step_days(key) if key else None


def due(step: str, start: Optional[dt.date], pauses: Iterable[Pause] = (),
        on: Optional[dt.date] = None) -> Optional[dt.date]:
    """When a step that began on ``start`` is due: its working days after ``start``, pushed
    back by the working days of each pause (an open pause counts up to ``on``, default today).
    ``None`` when the step has no start or no time standard."""
    return _due(_calendar(), step, start, pauses, on or today())


def _due(calendar: _Calendar, step: str, start: Optional[dt.date], pauses: Iterable[Pause],
         on: dt.date) -> Optional[dt.date]:
    days = step_days(step)
    if start is None or days is None:
        return None
    lost = sum(calendar.between(p_from, p_until or on) for p_from, p_until in pauses)
    return calendar.add(start, days + lost)


def on_time(finished: dt.date, due_date: Optional[dt.date]) -> bool:
    """The one late/on-time verdict: done on or before the due date (no due date: on time)."""
    return due_date is None or finished <= due_date


def is_overdue(due_date: Optional[dt.date], on: Optional[dt.date] = None) -> bool:
    """Whether a step still open on ``on`` (default today, WIB) is past its due date."""
    return due_date is not None and not on_time(on or today(), due_date)


def days_left(due_date: Optional[dt.date], on: dt.date) -> Optional[int]:
    """Working days until ``due_date`` (negative once it has passed)."""
    if due_date is None:
        return None
    if due_date >= on:
        return working_days_between(on, due_date)
    return -working_days_between(due_date, on)


@dataclass
class Clock:
    """One step's clock: the day it started and the spans it stood still."""

    start: Optional[dt.date] = None
    pauses: list[Pause] = field(default_factory=list)
    paused_since: Optional[dt.date] = None

    def all_pauses(self) -> list[Pause]:
        """Closed pauses plus the open one (``until`` ``None``)."""
        return self.pauses + ([(self.paused_since, None)] if self.paused_since else [])


def step_outcome(step: str, clock: Clock, finished: dt.date) -> tuple[int, bool]:
    """A step that ``finished`` (as :meth:`StepClocks.feed` returns it): the working days it
    took while its clock ran, and whether it was on time, i.e. finished on or before the due
    date the pages showed while it ran (:func:`due`, :func:`on_time`)."""
    assert clock.start is not None
    calendar = _calendar()
    return (_elapsed(calendar, clock.start, finished, clock.pauses),
            on_time(finished, _due(calendar, step, clock.start, clock.pauses, finished)))


class StepClocks:
    """The step clocks of one dataset, fed its audit trail in order.

    A step's clock starts at the first transition that begins it; a ``return`` stops every
    running clock until the transition that begins the step again (the dataset was with its
    OPD); the transition that ends the step stops and clears it; ``withdraw``, ``create`` and
    ``migrate`` clear every clock.
    """

    def __init__(self) -> None:
        self.clocks: dict[str, Clock] = {name: Clock() for name in STEPS}

    def feed(self, transition: str, day: dt.date) -> Optional[tuple[str, Clock]]:
        """Advance by one audit row; returns ``(step, clock)`` when the row ends a running
        step (for durations), else ``None``."""
        if transition == "return":
            for clock in self.clocks.values():
                if clock.start is not None and clock.paused_since is None:
                    clock.paused_since = day
            return None
        if transition in _RESETS:
            self.clocks = {name: Clock() for name in STEPS}
            return None
        finished = None
        for name, (begin, end, _) in STEPS.items():
            clock = self.clocks[name]
            if transition == begin:
                if clock.start is None:
                    clock.start = day
                elif clock.paused_since is not None:
                    clock.pauses.append((clock.paused_since, day))
                    clock.paused_since = None
            elif transition == end:
                if clock.start is not None and clock.paused_since is None:
                    finished = (name, clock)
                self.clocks[name] = Clock()
        return finished

    def running(self, step: str) -> Clock:
        """The clock of ``step`` as it stands now."""
        return self.clocks[step]


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
