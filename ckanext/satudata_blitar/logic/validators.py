"""Validators of satudata_blitar: the SDI dataset form (``schemas/dataset.yaml``) and the
input of every ``satudata_*`` action (``logic/schema.py``).

The SDI form validators check the form of a value only; whether a field is filled in at all is
checked when the dataset is submitted (``checks/submit.py`` ``submit_problems``), so drafts
stay incomplete-able. The action validators accept exactly the types the API documents and refuse
everything else with a readable message before auth and before the database: text without NUL
characters or unpaired surrogates and within a length, ids, strict ISO dates, bounded whole
numbers, true/false, lists of ids, lists of item objects, uploaded files. CKAN's blanket
registers every public function here as a validator; helpers are private.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Callable, Collection, Mapping, Optional

from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

from ckanext.satudata_blitar import workdays

_SDS_RE = re.compile(r"^[A-Z]{1,2}\d{5}\.\d{2}\.\d{2}$")
_PERIOD_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?(/\d{4}(-(0[1-9]|1[0-2]))?)?$")

#: the first year of the portal's records (Daftar Data, letters, reports)
FIRST_YEAR = 2000
#: the first year a filter time (``since``, ``until``) may name, and how far ahead
FILTER_FIRST_YEAR = 1900
FILTER_YEARS_AHEAD = 100
#: lengths of text without a column length of its own: one line, free text, ids and names
SHORT_TEXT = 500
LONG_TEXT = 10_000
ID_LENGTH = 100
#: whole numbers an Integer column holds
INT_MAX = 2**31 - 1
#: nesting depth of a JSON value (Table Schema)
_JSON_DEPTH = 20

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_WHOLE = re.compile(r"[+-]?\d{1,18}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
                   r"(?:Z|[+-]\d{2}:?\d{2})?)?")
_SEPARATORS = re.compile(r"[\s,]+")
_TRUE = frozenset({"true", "t", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "off", "0"})


# -- the SDI dataset form ------------------------------------------------------------------------
def satudata_year(value: Any) -> str:
    """A four-digit year between 1900 and 2100."""
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= 2100:
        raise tk.Invalid(tk._("Enter a year with four digits, e.g. 2025."))
    return text


def satudata_period_end(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                        context: Context) -> None:
    """The last year of the reference period is not before the first year."""
    end = data.get(key)
    start = data.get(key[:-1] + ("periode_referensi_mulai",))
    try:
        if end and start and int(str(end)) < int(str(start)):
            errors[key].append(tk._("The last year cannot be before the first year."))
    except ValueError:
        return


def satudata_sds_code(value: Any) -> Any:
    """A national SDS code like SP00001.00.00 (Peraturan BPS 4/2021), or empty."""
    if value in (None, ""):
        return value
    text = str(value).strip()
    if not _SDS_RE.match(text):
        raise tk.Invalid(tk._("An SDS code looks like SP00001.00.00: 1-2 capital letters, five "
                              "digits, then two groups of two digits."))
    return text


def satudata_period_text(value: Any) -> Any:
    """Period covered by a resource: ``2025``, ``2025-06`` or ``2025-01/2025-06``."""
    if value in (None, ""):
        return value
    text = str(value).strip()
    if not _PERIOD_RE.match(text):
        raise tk.Invalid(tk._("Write the period as 2025, 2025-06 or 2025-01/2025-06."))
    return text


# -- presence ----------------------------------------------------------------------------------
def _blank(value: Any) -> bool:
    return (value is tk.missing or value is None
            or (isinstance(value, str) and not value.strip()))


def satudata_optional(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                      context: Context) -> None:
    """An absent value (missing, null or blank text) is left out; anything else — a number,
    ``false``, a list — goes on to the field's validators (unlike CKAN's ``ignore_empty``,
    which lets ``0`` and ``false`` pass unchecked)."""
    if _blank(data.get(key)):
        data.pop(key, None)
        raise tk.StopOnError


def satudata_default(default: Any) -> Callable[..., None]:
    """An absent value (missing, null or blank text) becomes ``default``, which is not
    checked further; a given value goes on to the field's validators."""
    def validator(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                  context: Context) -> None:
        if _blank(data.get(key)):
            data[key] = default
            raise tk.StopOnError
    return validator


def satudata_required(message: Optional[str] = None) -> Callable[..., None]:
    """The value must be given: not missing, null, blank text or an empty list."""
    def validator(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                  context: Context) -> None:
        value = data.get(key)
        if _blank(value) or (isinstance(value, (list, tuple)) and not value):
            errors[key].append(message or tk._("Missing value"))
            raise tk.StopOnError
    return validator


# -- text and ids ------------------------------------------------------------------------------
def _shown(value: Any) -> str:
    """A refused value as it may be echoed in a message (short, storable text only)."""
    if isinstance(value, str) and not _UNSTORABLE.search(value):
        return value if len(value) <= 60 else value[:57] + "..."
    return type(value).__name__ if not isinstance(value, (int, float)) else repr(value)[:30]


def _text(value: Any, max_length: int, strip: bool = True) -> str:
    if not isinstance(value, str):
        raise tk.Invalid(tk._("Must be text (not a number, list or object)."))
    if strip:
        value = value.strip()
    if len(value) > max_length:
        raise tk.Invalid(tk._("Too long: at most {max} characters.").format(max=max_length))
    if _UNSTORABLE.search(value):
        raise tk.Invalid(tk._("Contains a character that cannot be stored (a NUL character "
                              "or an unpaired surrogate)."))
    return value


def satudata_text(max_length: int = SHORT_TEXT, strip: bool = True) -> Callable[[Any], str]:
    """Text of at most ``max_length`` characters, without NUL characters or unpaired
    surrogates (PostgreSQL cannot store them); stripped of surrounding white space."""
    def validator(value: Any) -> str:
        return _text(value, max_length, strip)
    return validator


def satudata_id(value: Any) -> str:
    """An id or name: text of at most 100 characters, taken as given."""
    return _text(value, ID_LENGTH, strip=False)


def satudata_nip(value: Any) -> str:
    """A civil servant's NIP: 18 digits (spaces between groups are dropped)."""
    text = re.sub(r"\s+", "", value) if isinstance(value, str) else ""
    if not re.fullmatch(r"\d{18}", text):
        raise tk.Invalid(tk._(
            "The NIP must be the 18 digits of the signatory's civil-servant number."))
    return text


def satudata_choice(choices: Collection[str], message: Optional[str] = None,
                    lower: bool = False) -> Callable[[Any], str]:
    """One of ``choices`` (text; ``lower`` compares in lower case). ``message`` may name
    ``{value}`` and ``{choices}``."""
    def validator(value: Any) -> str:
        text = value.strip() if isinstance(value, str) else None
        if text is not None and lower:
            text = text.lower()
        if text is None or text not in choices:
            raise tk.Invalid((message or tk._("Choose one of: {choices}.")).format(
                value=_shown(value), choices=", ".join(c for c in choices if c)))
        return text
    return validator


def satudata_choice_list(choices: Collection[str],
                         message: Optional[str] = None) -> Callable[[Any], list[str]]:
    """Several of ``choices``: a list of texts, or one text separated by commas or spaces."""
    def validator(value: Any) -> list[str]:
        if isinstance(value, str):
            values: list[Any] = [v for v in _SEPARATORS.split(value) if v]
        elif isinstance(value, (list, tuple)) and len(value) <= len(choices) * 2:
            values = list(value)
        else:
            values = [value]
        if not values or any(not isinstance(v, str) or v.strip() not in choices for v in values):
            raise tk.Invalid((message or tk._("Choose one of: {choices}.")).format(
                value=_shown(value), choices=", ".join(choices)))
        return [v.strip() for v in values]
    return validator


def satudata_id_list(max_items: int = 500) -> Callable[[Any], list[str]]:
    """A list of ids or names, or one text with ids separated by commas or spaces (as the
    forms send them)."""
    def validator(value: Any) -> list[str]:
        if isinstance(value, str):
            value = [v for v in _SEPARATORS.split(_text(value, max_items * (ID_LENGTH + 1)))
                     if v]
        elif not isinstance(value, (list, tuple)):
            raise tk.Invalid(tk._("Give a list of ids or names, or one text with ids "
                                  "separated by commas."))
        if len(value) > max_items:
            raise tk.Invalid(tk._("Too many values: at most {max}.").format(max=max_items))
        out = []
        for number, item in enumerate(value, start=1):
            try:
                out.append(satudata_id(item))
            except tk.Invalid as e:
                raise tk.Invalid(tk._("Value {number}: {problem}").format(
                    number=number, problem=e.error)) from e
        return out
    return validator


# -- numbers and true/false --------------------------------------------------------------------
def _whole(value: Any) -> Optional[int]:
    """A whole number from an int or decimal text; ``None`` for anything else (bools,
    floats — including infinities —, text with more than 18 digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip())
    return None


def satudata_int(minimum: int = 0, maximum: int = INT_MAX) -> Callable[[Any], int]:
    """A whole number from ``minimum`` to ``maximum`` (an int or its digits; not a bool or a
    float such as ``1.0`` or ``1e999``)."""
    def validator(value: Any) -> int:
        number = _whole(value)
        if number is None or not minimum <= number <= maximum:
            raise tk.Invalid(tk._("Write a whole number from {min} to {max}.").format(
                min=minimum, max=maximum))
        return number
    return validator


def satudata_record_year(value: Any) -> int:
    """A year of the portal's records: from 2000 to next year."""
    year = _whole(value)
    if year is None:
        raise tk.Invalid(tk._("Write the year as four digits, e.g. 2026."))
    if not FIRST_YEAR <= year <= workdays.today().year + 1:
        raise tk.Invalid(tk._(
            "The year {year} is outside the range the portal accepts.").format(year=year))
    return year


def satudata_bool(value: Any) -> bool:
    """true or false: a JSON boolean, 0/1, or the words true/false, yes/no, on/off, y/n, t/f."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise tk.Invalid(tk._("Use true or false."))


# -- dates and times ---------------------------------------------------------------------------
def _year_range(year: int, first: int, last: int) -> None:
    if not first <= year <= last:
        raise tk.Invalid(tk._("The year {year} is outside the range the portal accepts "
                              "({first}–{last}).").format(year=year, first=first, last=last))


def satudata_date(allow_future: bool = True) -> Callable[[Any], dt.date]:
    """A date written exactly ``YYYY-MM-DD``, from 2000 to next year; ``allow_future=False``
    also refuses dates after today (WIB)."""
    def validator(value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        elif isinstance(value, str) and _DATE.fullmatch(value.strip()):
            try:
                day = dt.date.fromisoformat(value.strip())
            except ValueError:
                raise tk.Invalid(tk._('Invalid date "{value}": write it as YYYY-MM-DD.').format(
                    value=_shown(value))) from None
        else:
            raise tk.Invalid(tk._("Write the date as YYYY-MM-DD, e.g. 2026-01-15."))
        today = workdays.today()
        _year_range(day.year, FIRST_YEAR, today.year + 1)
        if not allow_future and day > today:
            raise tk.Invalid(tk._("The date {date} is in the future.").format(
                date=day.isoformat()))
        return day
    return validator


def satudata_datetime(value: Any) -> dt.datetime:
    """An ISO 8601 date or time (``2026-01-31``, ``2026-01-31T08:00:00Z``,
    ``2026-01-31T15:00+07:00``) as naive UTC, like the audit trail stores times. Filters may
    name years from 1900 to a century ahead."""
    parsed: Optional[dt.datetime] = None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and _TIME.fullmatch(value.strip()):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    if parsed is None:
        raise tk.Invalid(tk._("Use an ISO 8601 date or time, e.g. 2026-01-31 or "
                              "2026-01-31T08:00:00Z"))
    _year_range(parsed.year, FILTER_FIRST_YEAR, workdays.today().year + FILTER_YEARS_AHEAD)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed


def satudata_feed_cursor(value: Any) -> tuple[dt.datetime, str]:
    """A change-feed cursor (``next_cursor``: ``<time>|<event id>``) as ``(time, id)``."""
    message = tk._("Invalid cursor: pass the value of 'next_cursor' unchanged")
    try:
        text = _text(value, 2 * ID_LENGTH)
    except tk.Invalid:
        raise tk.Invalid(message) from None
    stamp, sep, event_id = text.partition("|")
    if not sep or not event_id:
        raise tk.Invalid(message)
    try:
        return satudata_datetime(stamp), satudata_id(event_id)
    except tk.Invalid:
        raise tk.Invalid(message) from None


# -- structured values -------------------------------------------------------------------------
def satudata_records(max_items: int = 2000, lengths: Optional[Mapping[str, int]] = None,
                     max_length: int = LONG_TEXT) -> Callable[..., None]:
    """A list of objects (e.g. Daftar Data items, statement answers) with text, whole-number,
    true/false or empty values; ``lengths`` limits the text of named fields (names compared
    in lower case), ``max_length`` every other field. Every bad row is reported."""
    limits = {k.lower(): v for k, v in (lengths or {}).items()}

    def validator(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                  context: Context) -> None:
        value = data.get(key)
        if not isinstance(value, (list, tuple)):
            errors[key].append(tk._("Give the items as a list of objects."))
            raise tk.StopOnError
        if len(value) > max_items:
            errors[key].append(tk._("Too many values: at most {max}.").format(max=max_items))
            raise tk.StopOnError
        rows: list[dict[str, Any]] = []
        problems: list[str] = []
        for number, row in enumerate(value, start=1):
            if not isinstance(row, dict) or len(row) > 50:
                problems.append(tk._("Row {row}: must be an object with named fields.").format(
                    row=number))
                continue
            clean: dict[str, Any] = {}
            for name, cell in row.items():
                try:
                    field = _text(name, 100)
                    if cell is None or isinstance(cell, bool):
                        clean[field] = cell
                    elif isinstance(cell, int):
                        clean[field] = satudata_int(-INT_MAX, INT_MAX)(cell)
                    elif isinstance(cell, str):
                        clean[field] = _text(cell, limits.get(field.lower(), max_length),
                                             strip=False)
                    else:
                        raise tk.Invalid(tk._("Must be text, a whole number, true/false or "
                                              "empty."))
                except tk.Invalid as e:
                    problems.append(tk._("Row {row}, {field}: {problem}").format(
                        row=number, field=_shown(name), problem=e.error))
            rows.append(clean)
        if problems:
            errors[key].extend(problems[:20])
            raise tk.StopOnError
        data[key] = rows
    return validator


def satudata_upload(value: Any) -> Any:
    """An uploaded file (a multipart form field; bytes from Python callers)."""
    if isinstance(value, (FileStorage, bytes, bytearray)):
        return value
    raise tk.Invalid(tk._("Upload a file (a multipart form field), not text."))


def _json_problem(value: Any, depth: int = 0) -> Optional[str]:
    if depth > _JSON_DEPTH:
        return tk._("Nested too deeply.")
    if isinstance(value, dict):
        for k, v in value.items():
            problem = _json_problem(k, depth + 1) or _json_problem(v, depth + 1)
            if problem:
                return problem
    elif isinstance(value, (list, tuple)):
        for v in value:
            problem = _json_problem(v, depth + 1)
            if problem:
                return problem
    elif isinstance(value, str):
        if _UNSTORABLE.search(value):
            return tk._("Contains a character that cannot be stored (a NUL character or an "
                        "unpaired surrogate).")
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return tk._("Numbers must be finite (not NaN or Infinity).")
    elif not (value is None or isinstance(value, (bool, int))):
        return tk._("Must be JSON.")
    return None


def satudata_json(max_length: int = 1_000_000) -> Callable[[Any], Any]:
    """A JSON document given as text, an object, or an uploaded ``.json`` file; parsed when it
    is valid JSON (text that is not is kept, so the caller can point at the syntax error).
    Refuses what PostgreSQL cannot store: NUL characters, unpaired surrogates, NaN and
    Infinity, and documents larger than ``max_length`` characters or nested too deeply."""
    def validator(value: Any) -> Any:
        if isinstance(value, FileStorage):
            value = value.stream.read(max_length + 1)
        if isinstance(value, (bytes, bytearray)):
            if len(value) > max_length:
                raise tk.Invalid(tk._("Too long: at most {max} characters.").format(
                    max=max_length))
            return _parsed_json(bytes(value))
        if isinstance(value, str):
            return _parsed_json(_text(value, max_length, strip=False))
        if isinstance(value, (dict, list, tuple)):
            problem = _json_problem(value)
            if problem is None and len(json.dumps(value)) > max_length:
                problem = tk._("Too long: at most {max} characters.").format(max=max_length)
            if problem:
                raise tk.Invalid(problem)
            return value
        raise tk.Invalid(tk._("Must be a JSON object or JSON text."))
    return validator


def _parsed_json(raw: Any) -> Any:
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        parsed = json.loads(text)
    except ValueError:  # not UTF-8 or not JSON: the caller names the problem
        return raw
    except RecursionError:
        raise tk.Invalid(tk._("Nested too deeply.")) from None
    problem = _json_problem(parsed)
    if problem:
        raise tk.Invalid(problem)
    return parsed
