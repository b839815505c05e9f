"""The one way the portal writes a date or a moment for people to read.

Every page, e-mail, PDF and spreadsheet cell a person reads calls these functions, so a date is
written one way everywhere: ``29 November 2026`` and, with the time, ``29 November 2026, 18.16
WIB`` in Indonesian (the default) or ``29 November 2026, 6:16 PM WIB`` under ``/en/``. Moments
are shown in the portal's time zone (``config.timezone_name()``, WIB by default); naive datetimes
are UTC, as CKAN stores them. API responses keep ISO 8601: these functions are for people.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional, Union

import babel.dates

from ckanext.satudata_blitar import config

DateLike = Union[dt.date, dt.datetime, str, None]

#: the abbreviation written after the time, per time zone the portal may run in
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
              "Asia/Jayapura": "WIT"}
_PATTERNS = {"id": ("d MMMM y", "HH.mm"), "en": ("d MMMM y", "h:mm a")}


def current_language() -> str:
    """The language of the current request (``id`` outside a request)."""
    try:
        import ckan.plugins.toolkit as tk
        lang = tk.h.lang() or "id"
    except (RuntimeError, TypeError, AttributeError):
        lang = "id"
    return "en" if str(lang).startswith("en") else "id"


def _language(lang: Optional[str]) -> str:
    lang = lang or current_language()
    return "en" if lang.startswith("en") else "id"


def _parse(value: DateLike) -> Union[dt.date, dt.datetime, None]:
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    text = str(value).strip().replace("Z", "+00:00")
    try:
        if "T" in text or " " in text or ":" in text:
            return dt.datetime.fromisoformat(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _local(moment: dt.datetime) -> dt.datetime:
    from zoneinfo import ZoneInfo
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(ZoneInfo(config.timezone_name()))


def zone_name() -> str:
    name = config.timezone_name()
    return ZONE_NAMES.get(name, name)


def format_date(value: DateLike, lang: Optional[str] = None) -> str:
    """``29 November 2026`` (a moment is first moved to the portal's time zone); '' for none."""
    parsed = _parse(value)
    if parsed is None:
        return "" if value in (None, "") else str(value)
    if isinstance(parsed, dt.datetime):
        parsed = _local(parsed).date()
    lang = _language(lang)
    return babel.dates.format_date(parsed, _PATTERNS[lang][0], locale=lang)


def format_datetime(value: DateLike, lang: Optional[str] = None) -> str:
    """``29 November 2026, 18.16 WIB`` (``6:16 PM WIB`` in English); a bare date stays a date."""
    parsed = _parse(value)
    if parsed is None:
        return "" if value in (None, "") else str(value)
    if not isinstance(parsed, dt.datetime):
        return format_date(parsed, lang)
    lang = _language(lang)
    date_pattern, time_pattern = _PATTERNS[lang]
    local = _local(parsed)
    text = babel.dates.format_datetime(local, f"{date_pattern}, {time_pattern}", locale=lang)
    return f"{text} {zone_name()}"
