"""The limits of the embedded search engine, in one place, and the checks that apply them.

Every search request — ``package_search`` from the API or a page, and CKAN's own internal
queries — goes through these bounds before any SQL is built, so that hostile or
accidental input (NUL bytes, lone surrogates, thousands of parentheses or terms, absurd
dates or offsets) is answered with CKAN's ``SearchQueryError`` (HTTP 400 with the
reason) instead of an exception from Python or PostgreSQL. docs/search.md lists them.
"""
from __future__ import annotations

import datetime
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.common import _
from ckan.lib.search.common import SearchQueryError

#: Characters in ``q`` and in each ``fq``/``fq_list`` entry.
MAX_QUERY_LENGTH = 10_000
#: Nesting of parentheses and ``NOT``/``!`` in one query string.
MAX_DEPTH = 32
#: Terms (field values, words of a dismax query, ranges) in one request, ``q`` and every
#: filter together (Solr's ``maxBooleanClauses``).
MAX_CLAUSES = 1_024
#: Offset of the first result (``start``); deeper paging is refused.
MAX_START = 100_000
#: ``rows``, ``facet.mincount`` and the amount of one date-math step are integers of
#: Solr's size (a Java int). ``package_search`` already caps ``rows`` at
#: ``ckan.search.rows_max`` (default 1,000); CKAN's own internal queries may ask for
#: every dataset (``search-index rebuild -o``).
MAX_INT = 2**31 - 1
#: Values per facet field (``facet.limit``). A negative value means all values: CKAN's
#: ``get_group_dataset_counts`` sends ``-1``; from ``package_search`` it means at most
#: this many.
MAX_FACET_LIMIT = 1_000
#: Fields in ``facet.field``.
MAX_FACET_FIELDS = 50
#: Keys in ``sort``.
MAX_SORT_KEYS = 16
#: Steps of date math in one date (``NOW-1YEAR/DAY`` has two).
MAX_DATE_MATH_STEPS = 16
#: Seconds one SQL statement of a search may run (PostgreSQL's ``statement_timeout``):
#: a plain search takes milliseconds, but some requests within the limits above (a
#: thousand JSON-field terms, fifty facets over extra fields) take tens of seconds on
#: 10,000 datasets.
MAX_SEARCH_SECONDS = 5
#: Years a date may reach, before or after date math.
MIN_YEAR = datetime.MINYEAR
MAX_YEAR = datetime.MAXYEAR


def shown(value: str, width: int = 60) -> str:
    """``value`` shortened for an error message."""
    return value if len(value) <= width else value[:width - 1] + "…"


#: package_search's integer parameters; CKAN 2.11's ``natural_number_validator`` fails
#: with a 500 on a blank one (``start=``).
_NUMBER_PARAMS = ("rows", "start", "facet.limit", "facet.mincount")
#: read by CKAN's ``package_search`` with ``asbool``, which raises on other text
_BOOLEAN_PARAMS = ("include_private", "include_drafts", "include_deleted", "use_default_schema")


def package_search_input(data_dict: dict[str, Any]) -> dict[str, Any]:
    """The limits of a request from outside (``package_search``, its API and pages),
    before CKAN validates it: a blank integer parameter counts as not given, and
    ``facet.limit=-1`` ("all values", as CKAN documents it) means at most
    :data:`MAX_FACET_LIMIT` values; only CKAN's own internal queries get every value.
    A true/false parameter must be a word CKAN reads as one."""
    params = dict(data_dict)
    for key in _BOOLEAN_PARAMS:
        if isinstance(params.get(key), str):
            try:
                tk.asbool(params[key])
            except ValueError:
                raise SearchQueryError(_("The search parameter {name} must be true or "
                                         "false").format(name=key)) from None
    for key in _NUMBER_PARAMS:
        if isinstance(params.get(key), str) and not params[key].strip():
            del params[key]
    if params.get("facet.limit") is not None:
        try:
            limit = tk.get_validator("int_validator")(params["facet.limit"], {})
        except tk.Invalid:
            return params  # CKAN's validation reports it
        if limit is not None:
            params["facet.limit"] = (MAX_FACET_LIMIT if limit < 0 else
                                     integer("facet.limit", limit, 0, MAX_FACET_LIMIT))
    return params


@tk.chained_action
@tk.side_effect_free
def package_search(up_func: Any, context: Any, data_dict: dict[str, Any]) -> Any:
    """CKAN's ``package_search`` with :func:`package_search_input` applied first."""
    return up_func(context, package_search_input(data_dict or {}))


def check_text(name: str, value: Any) -> None:
    """Refuse a parameter value PostgreSQL cannot store in text: a NUL character or a
    lone UTF-16 surrogate (JSON allows ``"\\ud800"``)."""
    if not isinstance(value, str):
        return
    if "\x00" in value:
        raise SearchQueryError(
            _("The search parameter {name} contains a NUL character").format(name=name))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise SearchQueryError(
            _("The search parameter {name} is not valid Unicode (a lone surrogate)")
            .format(name=name))


def check_query(name: str, value: str) -> None:
    """A query string (``q``, ``fq``): text PostgreSQL accepts, at most
    :data:`MAX_QUERY_LENGTH` characters."""
    check_text(name, value)
    if len(value) > MAX_QUERY_LENGTH:
        raise SearchQueryError(
            _("The search parameter {name} is too long: {length} characters, at most "
              "{limit}").format(name=name, length=len(value), limit=MAX_QUERY_LENGTH))


def integer(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an integer from ``low`` to ``high``."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise SearchQueryError(
            _("The search parameter {name} must be a whole number").format(name=name))
    if not low <= number <= high:
        raise SearchQueryError(
            _("The search parameter {name} must be from {low} to {high}").format(
                name=name, low=low, high=high))
    return number


def too_many(name: str, count: int, limit: int) -> SearchQueryError:
    return SearchQueryError(
        _("The search parameter {name} has too many entries: {count}, at most "
          "{limit}").format(name=name, count=count, limit=limit))


def too_deep() -> SearchQueryError:
    return SearchQueryError(
        _("The query is nested too deeply: at most {limit} levels of parentheses or "
          "NOT").format(limit=MAX_DEPTH))


def too_many_clauses() -> SearchQueryError:
    return SearchQueryError(
        _("The search has too many terms: at most {limit} in the query and its "
          "filters together").format(limit=MAX_CLAUSES))


def too_slow() -> SearchQueryError:
    return SearchQueryError(
        _("The search took too long (more than {seconds} seconds): make it simpler")
        .format(seconds=MAX_SEARCH_SECONDS))


def date_out_of_range(value: str) -> SearchQueryError:
    return SearchQueryError(
        _("The date {value} is out of range: dates must fall in the years {low} to "
          "{high}").format(value=shown(value), low=MIN_YEAR, high=MAX_YEAR))


def too_much_date_math(value: str) -> SearchQueryError:
    return SearchQueryError(
        _("The date {value} has too much date math: at most {steps} steps of at most "
          "{amount} units each").format(value=shown(value), steps=MAX_DATE_MATH_STEPS,
                                        amount=MAX_INT))
