"""Property test: malformed calls to every action of the portal never answer 500 and never
change a row.

Hypothesis generates calls to every ``satudata_*`` action (``logic.action.__all__`` and the
harvest plugin's ``satudata_change_feed``), to ``package_search`` and to the core actions the
extension wraps (chained ``package_create``, ``package_update``, the ``bulk_update_*`` trio,
``dcat_datasets_list``; ``package_patch`` goes through the chained ``package_update``). Each
call goes through the real Action API — a JSON POST or a GET with a query string — as
anonymous, as an OPD editor or the Walidata with an API token, or as a sysadmin with a token.

The fields of a ``satudata_*`` action are read from its registered schema
(``schema.SCHEMAS``), falling back to the ``:param`` lines of its docstring; the fields of
the core actions are listed here. Every call carries at least one field with a value that is
malformed for that field (wrong type, list or object for text, NUL characters, unpaired
surrogates, text up to 1 MB, huge, negative or non-finite numbers, dates out of range,
``"maybe"`` for booleans, ids that are numbers or lists), so no call may legitimately write;
the other fields get real ids of a small world, other malformed values, or nothing, and
unknown keys come along. After every call no row of the extension's tables and no
``package(id, state, private, metadata_modified)`` may have changed, and no answer may be a
5xx. The counts are printed at the end of the module (``-s``).
"""
from __future__ import annotations

import collections
import json
import re
import urllib.parse
from typing import Any, Iterator, Optional

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import ckan.model as model
from ckan.tests import helpers

from ckanext.satudata_blitar import lifecycle, workdays
from ckanext.satudata_blitar.harvest import feed
from ckanext.satudata_blitar.logic import action as actions
from ckanext.satudata_blitar.logic import schema

from lifecycle_support import fresh_world, make_dataset
from sop_support import record_letter, upload_csv

MB = 1 << 20

#: every satudata_* action: the blanket's and the harvest plugin's
SATUDATA = sorted([n for n in actions.__all__ if n.startswith("satudata_")]
                  + ["satudata_change_feed"])

#: fields of the core actions, and the one field whose malformed value stops each call
#: before it can write (``None``: the action only reads)
CORE_FIELDS: dict[str, tuple[list[str], Optional[str]]] = {
    "package_search": (["q", "fq", "fq_list", "sort", "rows", "start", "facet",
                        "facet.field", "facet.limit", "facet.mincount", "include_private",
                        "include_drafts", "include_deleted", "use_default_schema"], None),
    "dcat_datasets_list": (["page", "modified_since", "q", "fq"], None),
    "package_create": (["name", "title", "notes", "owner_org", "private", "type", "state",
                        "resources", "tags", "extras", "groups", "frequency",
                        "cakupan_wilayah", "periode_referensi_mulai", "license_id",
                        "maintainer_email"], "name"),
    "package_update": (["id", "name", "title", "notes", "owner_org", "private", "state",
                        "resources", "tags", "extras", "frequency"], "name"),
    "package_patch": (["id", "name", "title", "private", "owner_org", "state", "tags",
                       "frequency"], "name"),
    "bulk_update_public": (["datasets", "org_id"], "datasets"),
    "bulk_update_private": (["datasets", "org_id"], "datasets"),
    "bulk_update_delete": (["datasets", "org_id"], "datasets"),
}
ACTIONS = SATUDATA + sorted(CORE_FIELDS)

#: actions answered on GET (the others must refuse GET without a 500 too)
_FUNCTIONS = dict(actions._ACTIONS, satudata_change_feed=feed.satudata_change_feed)

CALLERS = ("anonymous", "opd_editor", "walidata", "sysadmin")


def _fields(action: str) -> tuple[list[str], Optional[str]]:
    """The fields an action takes, and the field that must be malformed (``None``: any)."""
    if action in CORE_FIELDS:
        return CORE_FIELDS[action]
    if action in schema.SCHEMAS:
        return sorted(k for k in schema.SCHEMAS[action]() if not k.startswith("__")), None
    doc = _FUNCTIONS[action].__doc__ or ""
    return sorted(set(re.findall(r":param (\w+):", doc))), None


def _read_only(action: str) -> bool:
    if action in ("package_search", "dcat_datasets_list"):
        return True
    return bool(getattr(_FUNCTIONS.get(action), "side_effect_free", False))


# -- what each field is ------------------------------------------------------------------------
KINDS = {
    "id": "id", "package_id": "id", "daftar_data_id": "id", "user": "id", "org_id": "id",
    "owner_org": "text", "organization": "text", "number": "text", "subject": "text",
    "signatory_name": "text", "signatory_position": "text", "title": "text", "notes": "text",
    "note": "text", "reason": "text", "letter_ref": "text", "minute_number": "text",
    "text": "text", "section": "text", "letter_number": "text", "recipient": "text",
    "name": "name", "content": "long_text",
    "year": "year", "horizon": "int", "limit": "int", "copies": "int", "page": "int",
    "rows": "int", "start": "int", "facet.limit": "int", "facet.mincount": "int",
    "all_fields": "bool", "run_now": "bool", "all": "bool", "private": "bool",
    "include_private": "bool", "include_drafts": "bool", "include_deleted": "bool",
    "use_default_schema": "bool", "facet": "bool",
    "letter_date": "date", "agreed_date": "date", "delivered_date": "date",
    "since": "time", "until": "time", "modified_since": "time", "cursor": "cursor",
    "role": "choice", "reason_category": "choice", "format": "choice",
    "signatory_acting": "choice", "event": "choices", "events": "choices",
    "signatory_nip": "nip", "datasets": "ids", "items": "records", "upload": "upload",
    "schema": "json", "version": "int",
    "unread_only": "bool", "mode": "choice", "lang": "choice", "status": "choice",
}

# -- malformed values --------------------------------------------------------------------------
_SHORT = st.text(max_size=12)
NUL = st.tuples(_SHORT, _SHORT).map(lambda p: p[0] + "\x00" + p[1])
SURROGATE = st.tuples(_SHORT, st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"]),
                      _SHORT).map("".join)
HUGE = st.sampled_from([10_001, 100_000, MB]).flatmap(
    lambda n: st.sampled_from(["x", "é", "9", " a"]).map(lambda c: (c * n)[:n]))
OBJECT = st.dictionaries(_SHORT, st.one_of(st.none(), st.integers(), _SHORT, st.lists(_SHORT)),
                         min_size=1, max_size=3)
NESTED = st.lists(st.lists(st.one_of(_SHORT, st.integers()), min_size=1, max_size=3),
                  min_size=1, max_size=3)
NUMBER = st.one_of(
    st.sampled_from([1e308, -1e308, 2**63, -(2**63), 2**64, 10**30, -1, 0.5, 1.5, -0.0,
                     5e-324, 2026.0]),
    st.integers(-(10**20), 10**20), st.floats(allow_nan=False, allow_infinity=False))
NUMBER_TEXT = st.sampled_from(["Infinity", "-Infinity", "NaN", "nan", "1e999", "-1e999",
                               "1e308", "0x10", "12abc", "1_000", "٣", "2026.0", "+-1",
                               "9" * 30, "-0", "1,5"])
MAYBE = st.sampled_from(["maybe", "yes please", "2", "-1", "ya", "benar", "TRUE?", "nil",
                         "null", "undefined", "[]", "{}"])
DATES = st.sampled_from(["0001-01-01T00:00:00+14:00", "2025-01-01garbage", "99999-01-01",
                         "2025-13-01", "2025-02-30", "9999-12-31T23:59:59-14:00",
                         "0000-00-00", "kemarin", "2025-01-01T25:00:00", "-2025-01-01",
                         "20250101", "1999-12-31", "1e308", "0001-01-01", "2025-1-1",
                         "2025-01-01T00:00:00+99:00", "1899-12-31T23:59:59"])
BOOLEAN = st.booleans()
IDS_AS_NUMBERS_OR_LISTS = st.one_of(NUMBER, st.lists(_SHORT, min_size=1, max_size=3),
                                    st.lists(st.integers(), min_size=1, max_size=3))

UNIVERSAL = [NUL, SURROGATE, OBJECT, NESTED]
MALFORMED: dict[str, list[st.SearchStrategy[Any]]] = {
    "id": [IDS_AS_NUMBERS_OR_LISTS, BOOLEAN, st.just("x" * 101), HUGE],
    "name": [NUMBER, BOOLEAN, HUGE, st.lists(_SHORT, min_size=1, max_size=2),
             st.sampled_from(["BAD NAME!", "a", "x" * 101, "nama/dengan/garis", "<script>"])],
    "text": [NUMBER, BOOLEAN, HUGE, st.lists(_SHORT, min_size=1, max_size=3)],
    "long_text": [NUMBER, BOOLEAN, st.lists(_SHORT, min_size=1, max_size=3)],
    "year": [NUMBER.filter(lambda n: not 2000 <= n <= 2100), NUMBER_TEXT, DATES, BOOLEAN,
             st.sampled_from(["0001", "99999", "-2026", "20 26"])],
    "int": [NUMBER.filter(lambda n: isinstance(n, float) or not 1 <= n <= 1000),
            NUMBER_TEXT, MAYBE, BOOLEAN, DATES],
    "bool": [MAYBE, DATES, NUMBER.filter(lambda n: n not in (0, 1)),
             st.lists(BOOLEAN, min_size=1, max_size=2)],
    "date": [DATES, NUMBER, BOOLEAN, NUMBER_TEXT],
    "time": [DATES, NUMBER, BOOLEAN, NUMBER_TEXT],
    "cursor": [st.sampled_from(["nonsense", "0001-01-01T00:00:00+14:00|x",
                                "2026-01-01T00:00:00|", "|x", "99999-01-01|x"]),
               NUMBER, BOOLEAN],
    "choice": [st.sampled_from(["bukan-pilihan", "WALIDATA ", "xlsx.exe", "pdf\n", "plt;"]),
               NUMBER, BOOLEAN, st.lists(_SHORT, min_size=1, max_size=2)],
    "choices": [st.sampled_from(["returned", "published,draft", "*"]),
                st.lists(st.one_of(st.integers(), OBJECT), min_size=1, max_size=2),
                NUMBER, BOOLEAN],
    "nip": [st.sampled_from(["1" * 17, "1" * 19, "abcdefghijklmnopqr", "19800101 2005 0110"]),
            NUMBER, BOOLEAN],
    "ids": [NUMBER, BOOLEAN, st.lists(NUL, min_size=1, max_size=2),
            st.lists(st.one_of(st.integers(), OBJECT, st.lists(_SHORT, min_size=1)),
                     min_size=1, max_size=3),
            st.just(["x"] * 1001)],
    "records": [NUMBER, BOOLEAN, st.just("kode,nama"),
                st.sampled_from([[{"code": "A"}, 5], [{"code": ["A"]}], [{"code": "x" * 51}],
                                 [{"code": "a\x00"}], [{}] * 2001,
                                 [{"code": "A", "priority": 1.5}], [[1, 2]],
                                 [{"code": {"a": 1}}]])],
    "upload": [st.sampled_from(["surat.pdf", "../../etc/passwd", "data:application/pdf,x"]),
               NUMBER, BOOLEAN, st.lists(_SHORT, min_size=1, max_size=2)],
    "json": [st.sampled_from(['{"fields": [{"name": "a\\u0000"}]}', '{"x": NaN}',
                              '{"fields": [{"name": "\\ud800"}]}', "[1, 2", "not json",
                              json.dumps({"fields": [{"name": "a"}],
                                          "x": json.loads("[" * 50 + "]" * 50)})]),
             NUMBER, BOOLEAN],
    # a field of no known kind: only what no field accepts
    "unknown": [],
}


def _malformed(field: str) -> st.SearchStrategy[Any]:
    kind = KINDS.get(field, "unknown")
    universal = [s for s in UNIVERSAL if not (kind == "json" and s in (OBJECT, NESTED))]
    return st.one_of(*universal, *MALFORMED[kind])


#: query strings carry text only; what is malformed there, for any field
QUERY_TEXT = st.one_of(
    NUL, SURROGATE, NUMBER_TEXT, MAYBE, DATES,
    st.sampled_from([10_001, 100_000]).map(lambda n: "q" * n),
    st.sampled_from(["[]", "{}", '{"a": 1}', "[1,2]", "1e308", "-1", "x" * 101]),
    NUMBER.map(str))

UNKNOWN_KEYS = st.dictionaries(
    st.one_of(st.sampled_from(["__extras", "__junk", "__proto__", "constructor", "state",
                               "private", "sysadmin", "ignore_auth", "user", "id__",
                               "items[0]", "a.b", "", " "]),
              NUL, SURROGATE, _SHORT),
    st.one_of(NUL, SURROGATE, OBJECT, NESTED, NUMBER, BOOLEAN, st.none(), _SHORT),
    max_size=3)


# -- the world ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    """OPDs, users in every role with tokens, a draft with a passing CSV, a verified dataset
    covered by a real letter, a published dataset, a Daftar Data and a report note."""
    for world in fresh_world(reset_db, migrate_db_for):
        draft = make_dataset(world)
        resource = upload_csv(draft["id"], context={"user": world["users"]["opd_editor"]["name"]})
        verified = make_dataset(world, lifecycle.VERIFIED)
        letter = record_letter(world["org_a"]["id"], [verified["id"]])
        published = make_dataset(world, lifecycle.PUBLISHED)
        year = workdays.today().year
        dd = helpers.call_action("satudata_daftar_data_create", year=year)
        note = helpers.call_action("satudata_report_note_create", year=year, text="Catatan")
        world["ids"] = [draft["id"], draft["name"], verified["id"], published["id"],
                        published["name"], resource["id"], letter["id"], letter["number"],
                        dd["id"], note["id"], world["org_a"]["id"], world["org_b"]["name"],
                        world["users"]["opd_editor"]["name"], "jumlah-penduduk-kelurahan"]
        world["fine"] = {
            "year": year, "text": "Uji", "date": f"{year}-01-02", "time": f"{year}-01-02",
            "int": 5, "bool": True, "choice": "csv", "choices": "published",
            "nip": "198001012005011001", "ids": [published["id"]], "records": [],
            "long_text": "kode,nama_data,opd\n",
        }
        world["fingerprint_sql"] = _fingerprint_sql()
        world["baseline"] = _fingerprint(world)
        yield _World(world)


@pytest.fixture(scope="module")
def api(world) -> Any:
    """One app for the whole module (building CKAN's app per test costs a second)."""
    from ckan.common import config
    from ckan.config.middleware import make_app
    from ckan.tests.helpers import CKANTestApp

    config["testing"] = True
    return CKANTestApp(make_app(config))


class _World(dict):
    """The world, shown briefly in Hypothesis' report of a failing example."""

    def __repr__(self) -> str:
        return "<world>"


def _fingerprint_sql() -> str:
    """One statement: count and md5 of every row of every satudata_blitar_* table, and of
    ``package(id, state, private, metadata_modified)``."""
    tables = [r[0] for r in model.Session.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE tablename LIKE 'satudata\\_blitar\\_%' "
        "ORDER BY tablename"))]
    parts = [f"SELECT '{t}' AS name, count(*) || ':' || coalesce(md5(string_agg(t::text, '|' "
             f"ORDER BY t::text)), '') AS sum FROM {t} t" for t in tables]
    parts.append("SELECT 'package', count(*) || ':' || coalesce(md5(string_agg("
                 "concat_ws(',', id, state, private, metadata_modified), '|' ORDER BY id)), '') "
                 "FROM package")
    return " UNION ALL ".join(parts)


def _fingerprint(world: dict[str, Any]) -> dict[str, str]:
    with model.meta.engine.connect() as conn:
        return dict(conn.execute(sa.text(world["fingerprint_sql"])).fetchall())


# -- generated calls ---------------------------------------------------------------------------
@st.composite
def calls(draw: Any, action: str, world: dict[str, Any]) -> dict[str, Any]:
    """One malformed call: method, caller, and the input (a dict, or another JSON value)."""
    fields, stopper = _fields(action)
    get = _read_only(action) and draw(st.booleans()) or draw(st.integers(0, 19)) == 0
    caller = draw(st.sampled_from(CALLERS))
    if not get and draw(st.integers(0, 24)) == 0:
        # not an object at all
        body = draw(st.one_of(NESTED, NUMBER, _SHORT, st.just(None)))
        return {"method": "post", "caller": caller, "data": body}
    data: dict[str, Any] = {}
    if fields:
        bad = stopper or draw(st.sampled_from(fields))
        data[bad] = draw(QUERY_TEXT if get else _malformed(bad))
        for field in fields:
            if field == bad:
                continue
            how = draw(st.sampled_from(["absent", "absent", "fine", "malformed"]))
            if how == "malformed":
                data[field] = draw(QUERY_TEXT if get else _malformed(field))
            elif how == "fine":
                data[field] = draw(_fine(field, world))
    for key, value in draw(UNKNOWN_KEYS).items():
        if key not in fields:
            data[key] = draw(QUERY_TEXT) if get else value
    return {"method": "get" if get else "post", "caller": caller, "data": data}


def _fine(field: str, world: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A well-formed value: a real id of the world, or a plain value of the field's kind."""
    kind = KINDS.get(field, "unknown")
    if kind in ("id", "name") or field in ("owner_org", "organization", "letter_ref"):
        return st.sampled_from(world["ids"])
    return st.just(world["fine"].get(kind, "uji"))


def _query_string(data: dict[str, Any]) -> str:
    """A URL query string; a lone surrogate travels as its (invalid) UTF-8 bytes."""
    pairs = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append(urllib.parse.quote(str(key).encode("utf-8", "surrogatepass"))
                         + "=" + urllib.parse.quote(str(item).encode("utf-8", "surrogatepass")))
    return "&".join(pairs)


COUNTS: collections.Counter = collections.Counter()
STATUSES: collections.Counter = collections.Counter()
SERVER_ERRORS: list[str] = []


def _send(api: Any, world: dict[str, Any], action: str, call: dict[str, Any]) -> Any:
    headers = {}
    if call["caller"] != "anonymous":
        headers["Authorization"] = world["users"][call["caller"]]["token"]
    url = f"/api/3/action/{action}"
    if call["method"] == "get":
        return api.get(url + "?" + _query_string(call["data"]), headers=headers)
    body = json.dumps(call["data"]).encode()  # ensure_ascii: surrogates as \\udXXX escapes
    headers["Content-Type"] = "application/json"
    return api.post(url, data=body, headers=headers)


@pytest.mark.parametrize("action", ACTIONS)
@settings(max_examples=20, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large, HealthCheck.large_base_example,
                                 HealthCheck.filter_too_much])
@given(data=st.data())
def test_malformed_calls_never_500_and_change_nothing(api, world, action, data):
    call = data.draw(calls(action, world), label="call")
    before = world["baseline"]
    res = _send(api, world, action, call)
    COUNTS[action] += 1
    STATUSES[res.status_code] += 1
    event(f"{call['method']} {call['caller']} {res.status_code}")
    if res.status_code >= 500:
        SERVER_ERRORS.append(f"{action} {call!r:.300}")
    assert res.status_code < 500, (action, call)
    after = _fingerprint(world)
    changed = sorted(t for t in after if after[t] != before.get(t))
    assert changed == [], (action, res.status_code, changed, call)
    answer = res.json
    if isinstance(answer, dict):
        assert answer["success"] is (res.status_code == 200), answer
    else:  # CKAN answers a request it cannot read with a JSON string
        assert res.status_code == 400 and isinstance(answer, str), answer


#: the 500s this test found, kept as fixed cases: (action, caller, method, input, status)
FOUND = [
    # core's auth package_create looked the OPD up with NUL text
    ("package_create", "opd_editor", "post", {"name": "\x00", "owner_org": "\x00"}, 409),
    # core's package_update looked the dataset up with an object, or with NUL text
    ("package_update", "anonymous", "post", {"name": {"": None}}, 409),
    ("package_update", "sysadmin", "post", {"id": ["a"], "name": "x"}, 409),
    ("package_update", "anonymous", "post", {"name": "\x00", "tags": "\x00"}, 409),
    # core's bulk update handed a number, text or NUL text to SQL ``IN``
    ("bulk_update_public", "sysadmin", "post", {"datasets": 1e308}, 409),
    ("bulk_update_private", "sysadmin", "post", {"datasets": "abc", "org_id": "opd-a"}, 409),
    ("bulk_update_delete", "opd_editor", "post", {"datasets": "\x00", "org_id": "\x00"}, 409),
    ("bulk_update_delete", "sysadmin", "post", {"datasets": [{"a": 1}], "org_id": "x"}, 409),
    # core's package_search reads these with asbool, which raises on other words
    ("package_search", "anonymous", "get", {"include_private": "\x00"}, 400),
    ("package_search", "anonymous", "get", {"include_drafts": "maybe"}, 400),
    ("package_search", "walidata", "post", {"use_default_schema": "yes please"}, 400),
]


@pytest.mark.parametrize("action, caller, method, data, status", FOUND)
def test_found_cases_are_refused(api, world, action, caller, method, data, status):
    res = _send(api, world, action, {"method": method, "caller": caller, "data": data})
    assert res.status_code == status, (res.status_code, res.json)
    assert res.json["success"] is False
    assert _fingerprint(world) == world["baseline"]


def test_generated_call_count():
    """Every action was called, at least 1,000 calls in all (when the whole module ran)."""
    print(f"\nfuzz: {sum(COUNTS.values())} calls over {len(COUNTS)} actions; "
          f"statuses {dict(sorted(STATUSES.items()))}; 5xx: {len(SERVER_ERRORS)}")
    if set(COUNTS) != set(ACTIONS):
        pytest.skip("only part of the module ran")
    assert sum(COUNTS.values()) >= 1000
    assert SERVER_ERRORS == []
