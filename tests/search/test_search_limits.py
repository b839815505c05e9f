"""The search engine's limits: hostile input is an HTTP 400 with the reason, never a 500.

Through the real API and pages of one app (``satudata_search`` alone, three datasets made
once per module): every hostile input of ``limits.py`` is refused with a readable message,
queries near the limits still answer correctly, and a property test throws a few hundred
generated queries and parameters at the API and ``/dataset/`` without a single 500.
"""
from __future__ import annotations

import ast
import datetime
import html
import json
import os
import re
import urllib.parse
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ckan.lib.search.common import SearchQueryError
from ckan.tests import factories

from ckanext.satudata_blitar.search import limits
from ckanext.satudata_blitar.search import parser as qp
from ckanext.satudata_blitar.search.compiler import parse_date

API = "/api/3/action/package_search"
TITLES = {"jumlah-penduduk-2023": "Jumlah Penduduk Kota Blitar 2023",
          "angka-kematian-ibu": "Angka Kematian Ibu",
          "jumlah-sekolah-dasar": "Jumlah Sekolah Dasar"}


@pytest.fixture(scope="module")
def app(reset_db, migrate_db_for) -> Iterator[Any]:
    """One app with ``satudata_search`` alone over three public datasets.

    CKAN restores its config before every test; the plugins loaded here and the app built
    here stay for the whole module, and the test.ini plugins are loaded again after it.
    """
    import ckan.plugins as plugins
    from ckan.common import config
    from ckan.config.middleware import make_app
    from ckan.tests.helpers import CKANTestApp

    config["ckan.plugins"] = "satudata_search"
    plugins.load_all()
    reset_db()
    migrate_db_for("satudata_search")
    dinkes = factories.Organization(name="dinkes", title="Dinas Kesehatan")
    for name, title in TITLES.items():
        factories.Dataset(name=name, title=title, owner_org=dinkes["id"],
                          tags=[{"name": "kesehatan" if "ibu" in name else "statistik"}])
    config["testing"] = True
    yield CKANTestApp(make_app(config))
    plugins.load_all()


def api_error(app: Any, params: dict[str, Any], status: int = 400) -> str:
    res = app.get(API, query_string=params, status=status)
    assert res.json["success"] is False
    if status == 400:
        assert res.json["error"]["__type"] == "Search Query Error"
        return res.json["error"]["message"]
    return json.dumps(res.json["error"])


def names(app: Any, **params: Any) -> set[str]:
    res = app.get(API, query_string=dict(params, rows=50), status=200)
    return {r["name"] for r in res.json["result"]["results"]}


# -- hostile input, answered with HTTP 400 and the reason ------------------------------------

DEEP = "title:" + "(" * 3000 + "penduduk" + ")" * 3000
OR_CHAIN = " OR ".join(f"title:w{i}" for i in range(5000))


@pytest.mark.parametrize("params, reason", [
    # date math: results beyond the years 1..9999, absurd amounts, endless steps
    ({"fq": "metadata_modified:[NOW+99999999YEAR TO *]"}, "years 1 to 9999"),
    ({"fq": "metadata_modified:[NOW-99999999YEAR TO *]"}, "years 1 to 9999"),
    ({"fq": "metadata_modified:[NOW+9999YEAR TO *]"}, "years 1 to 9999"),
    ({"fq": "metadata_modified:[9999-12-31T23:59:59Z+1DAY TO *]"}, "years 1 to 9999"),
    ({"fq": "metadata_modified:[0001-01-01T00:00:00Z-1SECOND TO *]"}, "years 1 to 9999"),
    ({"fq": "metadata_modified:[NOW+99999999999999999999999SECOND TO *]"},
     "at most 16 steps of at most 2147483647 units"),
    ({"fq": "metadata_modified:[NOW" + "+1DAY" * 17 + " TO *]"}, "at most 16 steps"),
    ({"fq": "metadata_created:NOW-" + "9" * 5000 + "DAYS"}, "too much date math"),
    # NUL characters, which PostgreSQL refuses in text
    ({"q": "kota\x00blitar"}, "q contains a NUL character"),
    ({"q": "name:a\x00b"}, "q contains a NUL character"),
    ({"fq": "organization:dinkes\x00"}, "fq contains a NUL character"),
    ({"fq": "sdi_periode:[a\x00 TO b]"}, "fq contains a NUL character"),
    ({"sort": "name\x00 asc"}, "sort contains a NUL character"),
    ({"facet.field": '["tags\\u0000"]'}, "facet.field contains a NUL character"),
    ({"fl": "name\x00"}, "fl contains a NUL character"),
    # nesting and size
    ({"q": DEEP}, "nested too deeply: at most 32"),
    ({"q": "title:" + "(" * 33 + "penduduk" + ")" * 33}, "nested too deeply: at most 32"),
    ({"q": "!" * 3000 + "name:x"}, "nested too deeply: at most 32"),
    ({"fq": "NOT " * 33 + "name:x"}, "nested too deeply: at most 32"),
    ({"q": OR_CHAIN}, "q is too long: 73886 characters, at most 10000"),
    ({"q": "x" * 10_001}, "q is too long: 10001 characters, at most 10000"),
    ({"fq": "x" * 10_000}, "at most 10000"),  # CKAN adds its own filters to fq
    ({"q": "a " * 1025}, "too many terms: at most 1024"),
    ({"q": "tags:(" + " OR ".join(["t"] * 1025) + ")"}, "too many terms: at most 1024"),
    # paging and facets
    ({"start": 100_001}, "start must be from 0 to 100000"),
    ({"start": 10**30}, "start must be from 0 to 100000"),
    ({"facet.limit": 1001}, "facet.limit must be from 0 to 1000"),
    ({"facet.limit": 10**30}, "facet.limit must be from 0 to 1000"),
    ({"facet.field": json.dumps([f"f{i}" for i in range(51)])},
     "facet.field has too many entries: 51, at most 50"),
    ({"facet.field": '["tags"]', "facet.mincount": 10**30},
     "facet.mincount must be from 0 to 2147483647"),
    # sort
    ({"sort": ", ".join(["name asc"] * 17)}, "sort has too many entries: 17, at most 16"),
    ({"sort": "score"}, 'Invalid "sort" parameter'),
    ({"sort": "tags asc"}, 'Invalid "sort" parameter'),
    ({"sort": "name asc; DROP TABLE package"}, 'Invalid "sort" parameter'),
    ({"sort": "lower(name) asc"}, 'Invalid "sort" parameter'),
])
def test_hostile_input_is_http_400_with_the_reason(app, params, reason):
    assert reason in api_error(app, params)


@pytest.mark.parametrize("body, reason", [
    ({"q": "kota \ud800 blitar"}, "q is not valid Unicode (a lone surrogate)"),
    ({"q": "title:\udfff"}, "q is not valid Unicode"),
    ({"fq": "name:\ud800"}, "fq is not valid Unicode"),
    ({"fq_list": ["tags:statistik", "name:\ud800"]}, "fq_list is not valid Unicode"),
    ({"sort": "\ud800 asc"}, "sort is not valid Unicode"),
    ({"facet.field": ["\ud800"]}, "facet.field is not valid Unicode"),
])
def test_lone_surrogates_from_json_are_http_400(app, body, reason):
    """JSON (unlike a URL, which werkzeug decodes with U+FFFD) carries lone surrogates."""
    res = app.post(API, json=body, status=400)
    assert res.json["error"]["__type"] == "Search Query Error"
    assert reason in res.json["error"]["message"]


def test_core_validates_some_values_first(app):
    """What CKAN's own package_search schema refuses never reaches the engine."""
    assert "start" in api_error(app, {"start": "1e30"}, status=409)
    assert "rows" in api_error(app, {"rows": "-1"}, status=409)
    assert "facet.limit" in api_error(app, {"facet.limit": "all"}, status=409)
    assert "q.op" in api_error(app, {"q.op": "OR"})  # not a package_search parameter


@pytest.mark.parametrize("params", [{"start": ""}, {"rows": " "}, {"facet.mincount": ""},
                                    {"facet.limit": ""}])
def test_blank_integers_count_as_not_given(app, params):
    """CKAN 2.11's natural_number_validator fails with a 500 on a blank value."""
    res = app.get(API, query_string=params, status=200).json["result"]
    assert res["count"] == 3


@pytest.mark.ckan_config("ckan.search.rows_max", 2)
def test_rows_are_capped_by_core_at_rows_max(app):
    res = app.get(API, query_string={"rows": 10**30}, status=200).json["result"]
    assert res["count"] == 3 and len(res["results"]) == 2


@pytest.mark.parametrize("url, reason", [
    ("/dataset/?q=" + urllib.parse.quote(DEEP), "nested too deeply"),
    ("/dataset/?q=name:a%00b", "q contains a NUL character"),
    ("/dataset/?tags=statistik%00", "fq contains a NUL character"),
    ("/dataset/?q=metadata_modified:%5BNOW%2B99999999YEAR%20TO%20*%5D", "years 1 to 9999"),
    ("/dataset/?page=100000000000000000000000000000", "start must be from 0 to 100000"),
    ("/dataset/?page=5002", "start must be from 0 to 100000"),  # 20 per page
    ("/dataset/?sort=%2C", "sort has an empty key"),
    ("/dataset/?sort=name+asc%2C+", "sort has an empty key"),
    ("/dataset/?sort=score", 'Invalid "sort" parameter'),
    ("/dataset/?q=title:(kota", "Missing ')' for '('"),
    ("/organization/dinkes?_tags_limit=semua", "_tags_limit must be a whole number"),
    ("/api/2/util/dataset/autocomplete?incomplete=%00", "q contains a NUL character"),
], ids=lambda value: value[:60])
def test_pages_show_a_readable_400(app, url, reason):
    """CKAN's 400 page with the reason, in every page that searches (CKAN 2.11's own
    views answer an empty sort key or a non-integer facet limit with a 500)."""
    body = html.unescape(app.get(url, status=400).body)
    assert "Invalid search query:" in body
    assert reason in body


# -- near the limits, queries still answer correctly -----------------------------------------

def test_nesting_up_to_the_limit(app):
    for depth in (10, limits.MAX_DEPTH):
        q = "title:" + "(" * depth + "penduduk" + ")" * depth
        assert names(app, q=q) == {"jumlah-penduduk-2023"}
    q = "NOT " * 31 + "NOT name:angka-kematian-ibu"  # 32 NOTs: an even number
    assert names(app, q=q) == {"angka-kematian-ibu"}


def test_many_terms_below_the_limit(app):
    tags = [f"t{i}" for i in range(99)] + ["kesehatan"]
    assert names(app, fq="tags:(" + " OR ".join(tags) + ")") == {"angka-kematian-ibu"}
    # 1,000 terms plus the filters CKAN adds (site, state, capacity)
    pool = [f"n{i}" for i in range(999)] + ["jumlah-sekolah-dasar"]
    assert names(app, fq="name:(" + " OR ".join(pool) + ")") == {"jumlah-sekolah-dasar"}
    words = "jumlah " + " ".join(f"w{i}" for i in range(999))
    assert names(app, q=words) == set()  # CKAN's mm: 80 % of 1,000 words must match


def test_lengths_paging_facets_and_sort_at_the_limit(app):
    q = "jumlah" + " " * (limits.MAX_QUERY_LENGTH - len("jumlahsekolah")) + "sekolah"
    assert len(q) == limits.MAX_QUERY_LENGTH
    assert names(app, q=q) == {"jumlah-sekolah-dasar"}
    res = app.get(API, query_string={"start": limits.MAX_START}).json["result"]
    assert res["count"] == 3 and res["results"] == []
    fields = ["tags", "organization"] + [f"extras_f{i}" for i in range(48)]
    res = app.get(API, query_string={"facet.field": json.dumps(fields),
                                     "facet.limit": 1000}).json["result"]
    assert res["facets"]["tags"] == {"statistik": 2, "kesehatan": 1}
    sort = ", ".join(["title_string desc"] + ["name asc"] * 15)
    res = app.get(API, query_string={"sort": sort}).json["result"]
    assert [r["name"] for r in res["results"]] == sorted(TITLES, key=TITLES.get,
                                                         reverse=True)


def test_facet_limit_all_means_at_most_the_limit(app):
    """``facet.limit=-1`` from package_search: all values, up to 1,000 per field."""
    res = app.get(API, query_string={"facet.field": '["tags"]', "facet.limit": -1})
    assert res.json["result"]["facets"]["tags"] == {"statistik": 2, "kesehatan": 1}


def test_dates_at_the_edges(app):
    every = set(TITLES)
    assert names(app, fq="metadata_modified:[0001-01-01T00:00:00Z TO "
                         "9999-12-31T23:59:59Z]") == every
    assert names(app, fq="metadata_created:[NOW-2000YEARS/DAY TO NOW+1DAY]") == every
    assert names(app, fq="metadata_created:[NOW" + "-1YEAR" * 16 + " TO *]") == every
    assert names(app, fq="metadata_created:[NOW+2147483647SECONDS TO *]") == set()


def test_a_search_that_runs_too_long_is_cancelled(app, monkeypatch):
    """PostgreSQL cancels a statement after MAX_SEARCH_SECONDS (shrunk here so that a
    thousand JSON-field terms over three datasets exceed it): a 400 with the reason,
    and the savepoint leaves the request's transaction usable for the next search."""
    monkeypatch.setattr(limits, "MAX_SEARCH_SECONDS", 0.05)
    heavy = {"fq": " ".join(f"f{i}:*" for i in range(1000))}
    assert "took too long (more than 0.05 seconds)" in api_error(app, heavy)
    res = app.get("/dataset/", query_string={"q": heavy["fq"]}, status=400)
    assert "took too long" in res.body
    monkeypatch.undo()
    assert names(app, q="sekolah") == {"jumlah-sekolah-dasar"}


# -- the rules themselves, without a request ---------------------------------------------------

def test_clause_budget_is_shared_by_the_query_and_its_filters():
    budget = qp.ClauseBudget()
    qp.parse(" ".join(["a"] * 1000), "AND", budget)
    qp.parse_dismax(" ".join(["b"] * 24), budget)
    with pytest.raises(SearchQueryError, match="at most 1024"):
        qp.parse("c", "AND", budget)
    qp.parse(" ".join(["a"] * 1024))  # a fresh budget for each request


def test_date_math_limits():
    now = datetime.datetime(2026, 11, 25, tzinfo=datetime.timezone.utc)
    assert parse_date("NOW-2025YEARS", now).year == 1
    assert parse_date("NOW+7973YEARS/YEAR", now).year == 9999
    for bad in ("NOW-2026YEARS", "NOW+7974YEARS", "NOW+2147483648SECONDS",
                "NOW" + "+1DAY" * 17, "NOW+٣DAYS"):
        with pytest.raises(SearchQueryError):
            parse_date(bad, now)


def test_every_limit_message_has_an_indonesian_translation():
    """The messages of limits.py and views.py, read from the source, are in the catalog."""
    import gettext

    from ckanext.satudata_blitar import i18n
    from ckanext.satudata_blitar.search import views

    catalog = gettext.translation("ckanext-satudata_blitar",
                                  os.path.dirname(i18n.__file__), languages=["id"])
    msgids = []
    for module in (limits, views):
        with open(module.__file__, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        msgids += [node.args[0].value for node in ast.walk(tree)
                   if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_"
                   and isinstance(node.args[0], ast.Constant)]
    assert len(msgids) >= 10
    assert [m for m in msgids if catalog.gettext(m) == m] == []


# -- no generated input makes a 500 --------------------------------------------------------

_WORDS = st.sampled_from([
    "penduduk", "Kota", "blitar", "kesehatan", "jumlah-penduduk-2023", "ibu", "*", "?",
    "a*b", "\\", "\\:", "AND", "OR", "NOT", "&&", "||", "!", "+", "-", "(", ")", "((",
    "))", '"', '"kota blitar"', ":", "*:*", "^2", "~", "~2", "{", "}", "[", "]", "TO",
    "[* TO *]", "[NOW-1DAY TO NOW]", "{2020-01-01T00:00:00Z TO NOW/DAY]",
    "[NOW+99999999YEAR TO *]", "[0001-01-01T00:00:00Z TO 9999-12-31T23:59:59Z]",
    "[1 TO 5]", "[a TO b]", "[9999-12-31T23:59:59Z+1DAY TO *]", "NOW-1MONTH/DAY",
    "\x00", "\ud800", "\udfff", "\u200b", "ü", "é", "İ", "ß", "漢字", "🙂", "١٢٣",
    "%", "_", "'", ";", "--", "/*", "$1", "{!lucene}", "_query_:", "\n", "\t",
])
_FIELDS = st.sampled_from([
    "title:", "notes:", "text:", "name:", "tags:", "groups:", "organization:",
    "res_format:", "license_id:", "capacity:", "state:", "private:", "id:", "site_id:",
    "metadata_modified:", "metadata_created:", "num_resources:", "num_tags:",
    "extras_sdi_periode:", "sdi_tahun:", "foo_date:", "title_ngram:", "permission_labels:",
    "*:", "", "", "", "",
])
_QUERY = st.lists(st.one_of(_WORDS, st.tuples(_FIELDS, _WORDS).map("".join),
                            st.text(max_size=8)), max_size=24).flatmap(
    lambda parts: st.sampled_from([" ", "", "  "]).map(lambda sep: sep.join(parts)))
_INTEGER = st.one_of(st.integers(-5, 1200), st.integers(-(10**40), 10**40),
                     st.sampled_from(["", "1e30", "abc", "-1", "0", "100000", "100001",
                                      "nan", "\x00", "1000000000000000000000000"]))
_SORT = st.one_of(
    st.sampled_from(["", ",", " , ", "score desc", "score", "name asc", "tags asc",
                     "title_string desc, name asc", "metadata_modified desc",
                     "num_resources asc", "sdi_tahun desc", "private asc", "foo_date asc",
                     "name sideways", "name asc asc", "name\x00 asc", "\ud800 asc",
                     ", ".join(["name asc"] * 20)]),
    st.text(max_size=20))
_FACETS = st.lists(st.one_of(st.sampled_from(["tags", "organization", "groups", "name",
                                              "res_format", "num_resources", "private",
                                              "metadata_modified", "sdi_x", "a b", ""]),
                             st.text(max_size=6)), max_size=60)
_PARAMS = st.fixed_dictionaries({}, optional={
    "q": _QUERY, "fq": _QUERY, "sort": _SORT, "rows": _INTEGER, "start": _INTEGER,
    "facet.limit": _INTEGER, "facet.mincount": _INTEGER, "facet.field": _FACETS,
    "fq_list": st.lists(_QUERY, max_size=3), "include_private": st.booleans(),
})


def _query_string(params: dict[str, Any]) -> bytes:
    """A URL query string; a lone surrogate travels as its (invalid) UTF-8 bytes."""
    pairs = []
    for key, value in params.items():
        if key == "facet.field":
            value = json.dumps(value)
        for item in value if isinstance(value, list) else [value]:
            pairs.append(f"{urllib.parse.quote(key)}="
                         + urllib.parse.quote(str(item).encode("utf-8", "surrogatepass")))
    return "&".join(pairs).encode("ascii")


@settings(max_examples=320, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(params=_PARAMS, how=st.sampled_from(["get", "post", "page"]))
def test_generated_input_never_makes_a_500(app, params, how):
    if how == "post":
        res = app.post(API, json=params)
    elif how == "get":
        res = app.get(API + "?" + _query_string(params).decode())
    else:
        page = {k: v for k, v in params.items() if k in ("q", "sort")}
        page["page"] = params.get("start", 1)
        res = app.get("/dataset/?" + _query_string(page).decode())
    assert res.status_code in (200, 400, 409), (res.status_code, params)
    event(f"{how} {res.status_code}")  # the mix shows with --hypothesis-show-statistics
    if how != "page":
        assert res.json["success"] is (res.status_code == 200)
        if res.status_code == 400:
            assert res.json["error"]["message"]
    elif res.status_code == 400:
        assert re.search(r"Invalid search query|must be a positive integer", res.body)


