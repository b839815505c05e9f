"""Every ``satudata_*`` action checks its input with its schema (``logic/schema.py``) before
auth and before the database.

The table test posts, through the Action API, malformed values into every field every action
declares — text with NUL characters or unpaired surrogates, 1 MB text, -1, 2**63, ``1e999``,
``Infinity`` and ``NaN`` as JSON numbers, nested lists, objects, and per kind of field the
values that used to reach SQL (``{"id": 1}``, ``"datasets": 5``, ``"all_fields": "maybe"``,
``horizon: 10000000000``, ``since: "0001-01-01T00:00:00+14:00"``, ``letter_date:
"2025-01-01garbage"``, year 0001 …) — as anonymous and as a sysadmin. Each answer must be a
409 validation error naming the field; no answer may be a 500, and no row of the
extension's tables may change. The other fields carry well-formed values, so the field under
test is the only thing wrong.

Auth functions are also called directly with odd ids (pages call ``check_access`` without the
schemas): they answer, refuse or say "not found", nothing else.
"""
from __future__ import annotations

import collections
import datetime as dt
import json
import uuid
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import workdays
from ckanext.satudata_blitar.harvest import feed
from ckanext.satudata_blitar.logic import action as actions
from ckanext.satudata_blitar.logic import auth as auths
from ckanext.satudata_blitar.logic import schema

#: every satudata_* action: the blanket's (``logic.action.__all__``) and the harvest plugin's
ACTIONS = sorted([n for n in actions.__all__ if n.startswith("satudata_")]
                 + ["satudata_change_feed"])

_RAW_1E999 = "__raw_1e999__"  # replaced by the JSON number 1e999 in the request body
MB = 1 << 20


# -- what each field is ------------------------------------------------------------------------
#: kind of every field an action declares (a new field needs a kind here)
KINDS = {
    "id": "id", "package_id": "id", "daftar_data_id": "id", "user": "id",
    "owner_org": "text", "organization": "text", "number": "text", "subject": "text",
    "signatory_name": "text", "signatory_position": "text", "title": "text", "notes": "text",
    "note": "text", "reason": "text", "letter_ref": "text", "minute_number": "text",
    "text": "text", "section": "text", "letter_number": "text", "recipient": "text",
    "name": "text", "content": "long_text",
    "year": "year", "horizon": "int", "limit": "int", "copies": "int",
    "all_fields": "bool", "run_now": "bool", "all": "bool",
    "letter_date": "past_date", "agreed_date": "past_date", "delivered_date": "date",
    "since": "time", "until": "time", "cursor": "cursor",
    "role": "choice", "reason_category": "choice", "format": "choice",
    "signatory_acting": "choice", "event": "choices", "events": "choices",
    "signatory_nip": "nip", "datasets": "ids", "items": "records", "upload": "upload",
    "schema": "json",
    "unread_only": "bool", "mode": "choice", "lang": "choice", "status": "choice",
    "version": "int",
}

#: malformed for every field, whatever its kind (name → value)
GENERIC = {
    "NUL": "a\x00b",
    "lone surrogate": "\ud800",
    "1 MB text": "x" * MB,
    "-1": -1,
    "2**63": 2**63,
    "1e999": _RAW_1E999,
    "Infinity": float("inf"),
    "NaN": float("nan"),
    "nested list": [["a", ["b"]]],
    "object": {"a": {"b": 1}},
    "true": True,
    "list of ids": ["a", "b"],
    "1": 1,
}

#: malformed for fields of one kind
BY_KIND: dict[str, dict[str, Any]] = {
    "id": {"101 characters": "x" * 101, "ids as list": ["x"]},
    "text": {"number": 5},
    "long_text": {"6 MB text": "x" * (6 * MB)},
    "year": {"year 0001": "0001", "'2026.0'": "2026.0", "2026.0": 2026.0,
             "five years ahead": workdays.today().year + 5, "99999": 99999},
    "int": {"1.0": 1.0, "'1.0'": "1.0", "10**10": 10_000_000_000, "'12abc'": "12abc",
            "0": 0, "30 digits": "9" * 30},
    "bool": {"maybe": "maybe", "2": 2},
    "date": {"garbage after": "2025-01-01garbage", "year 0001": "0001-01-01",
             "month 13": "2025-13-01", "compact": "20250101", "with time": "2025-01-01T08:00",
             "1999": "1999-12-31"},
    "time": {"0001 at +14:00": "0001-01-01T00:00:00+14:00",
             "9999 at -14:00": "9999-12-31T23:59:59-14:00", "kemarin": "kemarin",
             "garbage after": "2025-01-01garbage", "month 13": "2025-13-01"},
    "cursor": {"no bar": "nonsense", "year 0001": "0001-01-01T00:00:00+14:00|x",
               "no event": "2026-01-01T00:00:00|"},
    "choice": {"unknown": "bukan-pilihan"},
    "choices": {"unknown": "returned", "with a number": ["published", 5]},
    "nip": {"17 digits": "1" * 17, "letters": "abcdefghijklmnopqr"},
    "ids": {"number": 5, "NUL inside": ["a\x00"], "1001 ids": ["x"] * 1001,
            "list inside": [["a"]]},
    "records": {"row that is not an object": [{"code": "A"}, 5],
                "list in a cell": [{"code": ["A"]}], "51-character code": [{"code": "x" * 51}],
                "NUL in a cell": [{"code": "a\x00"}], "2001 rows": [{}] * 2001,
                "float in a cell": [{"code": "A", "priority": 1.5}]},
    "upload": {"file name as text": "surat.pdf"},
    "json": {"NUL escape": '{"fields": [{"name": "a\\u0000"}]}',
             "NaN inside": '{"fields": [{"name": "a"}], "x": NaN}',
             "unpaired surrogate escape": '{"fields": [{"name": "\\ud800"}]}',
             "nested 50 deep": json.dumps({"fields": [{"name": "a"}],
                                           "x": json.loads("[" * 50 + "]" * 50)})},
}
BY_KIND["past_date"] = dict(BY_KIND["date"],
                            tomorrow=(workdays.today().replace(day=1).replace(
                                year=workdays.today().year + 1)).isoformat())

#: generic values a kind of field accepts (not malformed for it)
ACCEPTED = {
    "bool": {"true", "1"},
    "int": {"1"},
    "ids": {"list of ids"},
    "long_text": {"1 MB text"},
    "json": {"nested list", "object", "list of ids"},  # JSON: for the Table Schema check
}
#: well-formed for the schema, wrong in content: the action answers after auth, so
#: anonymous is refused (403) and the sysadmin gets the action's 409 on the same field
AFTER_AUTH = {
    "json": {"not a Table Schema": [["a"]], "sdi not an object": {
        "fields": [{"name": "a"}], "sdi": 5}},
}


#: fields that take an uploaded file (absent from the JSON payloads)
FILES = {"upload"}


def _cases(kind: str) -> dict[str, Any]:
    out = {k: v for k, v in GENERIC.items() if k not in ACCEPTED.get(kind, set())}
    out.update(BY_KIND.get(kind, {}))
    return out


# -- the world -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    """An OPD, a sysadmin with a token, a draft dataset with a resource, a draft Daftar Data."""
    import ckan.plugins

    ckan.plugins.load_all()
    reset_db()
    for plugin in ("activity", "satudata_blitar", "satudata_search"):
        migrate_db_for(plugin)
    sysadmin = factories.SysadminWithToken()
    org = factories.Organization(name="opd-skema")
    dataset = factories.Dataset(owner_org=org["id"], name="data-skema")
    resource = factories.Resource(package_id=dataset["id"], url="http://example.com/a.pdf",
                                  format="PDF")
    dd = helpers.call_action("satudata_daftar_data_create", year=workdays.today().year)
    yield {"sysadmin": sysadmin, "org": org, "dataset": dataset, "resource": resource, "dd": dd}
    ckan.plugins.unload_non_system_plugins()


def _well_formed(world: dict[str, Any], action: str) -> dict[str, Any]:
    """A well-formed value for every field the action declares."""
    today = workdays.today().isoformat()
    ids = {"satudata_dataset": world["dataset"]["id"], "satudata_daftar_data": world["dd"]["id"],
           "satudata_resource_check": world["resource"]["id"],
           "satudata_standard": "jumlah-penduduk-kelurahan"}
    record_id = next((v for k, v in ids.items() if action.startswith(k)), str(uuid.uuid4()))
    values = {
        "id": record_id, "package_id": world["dataset"]["id"], "daftar_data_id": world["dd"]["id"],
        "user": world["sysadmin"]["name"], "owner_org": world["org"]["name"],
        "organization": world["org"]["name"], "number": "000.5/1/410.uji/2026",
        "subject": "Validasi data sektoral", "signatory_name": "Dr. Sri Wahyuni",
        "signatory_position": "Kepala Dinas", "title": "Judul", "notes": "Catatan",
        "note": "Catatan", "reason": "Perbaiki definisi.", "letter_ref": "000.5/1/410.uji/2026",
        "minute_number": "BA/1/2026", "text": "Catatan evaluasi", "section": "umum",
        "letter_number": "000/1/2026", "recipient": "Wali Kota Blitar", "name": "standar-skema",
        "content": "kode,nama_data,opd\n", "year": workdays.today().year, "horizon": 30,
        "limit": 10, "copies": 1, "all_fields": True, "run_now": False, "all": False,
        "letter_date": today, "agreed_date": today, "delivered_date": today,
        "since": "2026-01-01", "until": "2026-01-01T08:00:00Z",
        "cursor": "2026-01-01T00:00:00|x", "role": "walidata", "reason_category": "duplikasi",
        "format": "csv", "signatory_acting": "plt", "event": "published", "events": "withdrawn",
        "signatory_nip": "198001012005011001", "datasets": [world["dataset"]["id"]],
        "items": [], "schema": "{}",
        "unread_only": False, "mode": "digest", "lang": "en", "status": "sent",
        "version": 1,
    }
    return {field: values[field] for field in _fields(action) if field != "upload"}


def _fields(action: str) -> list[str]:
    return sorted(k for k in schema.SCHEMAS[action]() if not k.startswith("__"))


def _fingerprint() -> dict[str, str]:
    """md5 of every row of every table of the extension (rows added, changed or removed)."""
    model.Session.remove()
    tables = [r[0] for r in model.Session.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE tablename LIKE 'satudata_blitar_%' "
        "ORDER BY tablename"))]
    out = {t: model.Session.execute(sa.text(
        f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
        f"FROM {t} t")).scalar() for t in tables}
    model.Session.remove()
    return out


def _body(payload: dict[str, Any]) -> str:
    return json.dumps(payload).replace(f'"{_RAW_1E999}"', "1e999")


# -- the table test --------------------------------------------------------------------------------
def test_every_action_has_a_schema():
    """A new action without ``@schema.validate`` (or a field without a kind here) fails."""
    functions = dict(actions._ACTIONS, satudata_change_feed=feed.satudata_change_feed)
    missing = [name for name in ACTIONS
               if getattr(functions[name], "satudata_schema", None) is not schema.SCHEMAS.get(name)
               or name not in schema.SCHEMAS]
    assert missing == []
    assert sorted(schema.SCHEMAS) == ACTIONS


def test_every_field_has_a_kind(with_request_context):
    unknown = {(a, f) for a in ACTIONS for f in _fields(a) if f not in KINDS}
    assert unknown == set()


def test_malformed_input_is_a_409_and_changes_nothing(app, world, capsys):
    users = {"anonymous": {}, "sysadmin": {"Authorization": world["sysadmin"]["token"]}}
    statuses: collections.Counter[int] = collections.Counter()
    problems: list[str] = []
    calls = 0
    with app.flask_app.test_request_context():
        plan = {action: (_well_formed(world, action), _fields(action)) for action in ACTIONS}
    for action, (base, fields) in plan.items():
        before = _fingerprint()
        # the well-formed payload alone, as anonymous: an answer, a refusal or "not found"
        res = app.post(f"/api/3/action/{action}", data=_body(base),
                       content_type="application/json")
        if res.status_code not in (200, 403, 404, 409):
            problems.append(f"{action} well-formed as anonymous: {res.status_code} "
                            f"{res.body[:200]}")
        for who, headers in users.items():
            for field in fields:
                kind = KINDS[field]
                after_auth = AFTER_AUTH.get(kind, {})
                for case, value in dict(_cases(kind), **after_auth).items():
                    payload = dict(base, **{field: value})
                    res = app.post(f"/api/3/action/{action}", data=_body(payload),
                                   headers=headers, content_type="application/json")
                    calls += 1
                    statuses[res.status_code] += 1
                    where = f"{action} {field}={case} as {who}"
                    if case in after_auth and who == "anonymous" and res.status_code == 403:
                        continue
                    if res.status_code != 409:
                        problems.append(f"{where}: {res.status_code} {res.body[:200]}")
                        continue
                    error = res.json["error"]
                    # a required file cannot travel in JSON: its "missing" may come along
                    named = sorted(k for k in error if k != "__type"
                                   and not (k in FILES and k != field))
                    if error.get("__type") != "Validation Error" or named != [field]:
                        problems.append(f"{where}: {error.get('__type')} on {named}")
                    elif not all(isinstance(m, str) and m for m in error[field]):
                        problems.append(f"{where}: unreadable message {error[field]!r}")
        if _fingerprint() != before:
            problems.append(f"{action}: rows of the extension's tables changed")
    with capsys.disabled():
        print(f"\n{calls} malformed calls over {len(ACTIONS)} actions: {dict(statuses)}")
    assert not problems, "\n".join(problems)
    assert statuses[500] == 0 and calls > 2000


@pytest.mark.parametrize("action, data, field", [
    ("satudata_validation_letter_show", {"id": 1}, "id"),
    ("satudata_dataset_submit", {"id": ["a", "b"]}, "id"),
    ("satudata_validation_letter_create", {"datasets": 5}, "datasets"),
    ("satudata_standard_list", {"all_fields": "maybe"}, "all_fields"),
    ("satudata_deadline_list", {"horizon": 10_000_000_000}, "horizon"),
    ("satudata_change_feed", {"since": "0001-01-01T00:00:00+14:00"}, "since"),
    ("satudata_change_feed", {"limit": float("inf")}, "limit"),
    ("satudata_validation_letter_create", {"letter_date": "2025-01-01garbage"}, "letter_date"),
    ("satudata_daftar_data_agree", {"agreed_date": "0001-01-01"}, "agreed_date"),
    ("satudata_statement_create", {"number": "9" * MB}, "number"),
])
def test_reported_inputs_are_validation_errors(world, action, data, field):
    """The inputs that reached SQL before (Python callers get the same ValidationError)."""
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action(action, context={"user": world["sysadmin"]["name"]}, **data)
    assert field in err.value.error_dict


def test_messages_exist_in_indonesian(app, world):
    """The schema's messages are translated (Indonesian is the default locale)."""
    res = app.post("/api/3/action/satudata_deadline_list", json={"horizon": "x"},
                   headers={"Authorization": world["sysadmin"]["token"]})
    assert res.status_code == 409
    assert res.json["error"]["horizon"] == ["Tulis bilangan bulat dari 1 sampai 3660."]
    res = app.post("/en/api/3/action/satudata_deadline_list", json={"horizon": "x"},
                   headers={"Authorization": world["sysadmin"]["token"]})
    assert res.json["error"]["horizon"] == ["Write a whole number from 1 to 3660."]


def test_valid_input_is_converted(world, with_request_context):
    """What the actions receive: typed values (the schema converts as well as checks)."""
    data = schema.validated(schema.change_feed, {
        "since": "2026-01-31T15:00:00+07:00", "limit": "5", "event": "published, withdrawn",
        "cursor": "2026-01-31T08:00:00.004112|abc", "unknown": "dropped"}, {})
    assert data == {"since": dt.datetime(2026, 1, 31, 8, 0), "limit": 5,
                    "event": ["published", "withdrawn"],
                    "cursor": (dt.datetime(2026, 1, 31, 8, 0, 0, 4112), "abc")}
    data = schema.validated(schema.validation_letter_create, {
        "owner_org": " opd-skema ", "subject": "S", "number": "1", "letter_date": "2026-01-05",
        "signatory_name": "N", "signatory_nip": "19800101 200501 1 001",
        "signatory_position": "P", "signatory_acting": "PLT", "datasets": "a, b c",
        "upload": b"%PDF-1.4"}, {})
    assert data["owner_org"] == "opd-skema" and data["signatory_nip"] == "198001012005011001"
    assert data["signatory_acting"] == "plt" and data["datasets"] == ["a", "b", "c"]
    assert data["letter_date"] == dt.date(2026, 1, 5)


# -- auth functions called directly ------------------------------------------------------------------
ODD_IDS = {"int": 1, "list": ["x"], "object": {"id": "x"}, "NUL": "a\x00", "surrogate": "\ud800",
           "100 kB": "x" * 100_000, "infinity": float("inf"), "true": True}
AUTH_KEYS = ("id", "owner_org", "package_id", "match", "all")


@pytest.mark.parametrize("who", ["anonymous", "sysadmin"])
def test_auth_functions_refuse_odd_ids_cleanly(world, who):
    """Only an answer, ``NotAuthorized`` or ``ObjectNotFound`` — never another exception."""
    user = "" if who == "anonymous" else world["sysadmin"]["name"]
    crashes = []
    for name in sorted(auths.__all__) + ["satudata_change_feed"]:
        # core's own auth functions (chained for the edit lock) get well-formed ids besides
        base = {} if name.startswith("satudata_") else {
            "id": world["resource" if name.startswith("resource") else "dataset"]["id"],
            "package_id": world["dataset"]["id"], "match": {"id": world["dataset"]["id"]}}
        for key in AUTH_KEYS:
            for case, value in ODD_IDS.items():
                try:
                    helpers.call_auth(name, context={"user": user, "model": model},
                                      **dict(base, **{key: value}))
                except (tk.NotAuthorized, tk.ObjectNotFound):
                    pass
                except Exception as e:  # noqa: BLE001 - the point of the test
                    model.Session.rollback()
                    crashes.append(f"{name} {key}={case}: {type(e).__name__}: {e}"[:200])
    assert not crashes, "\n".join(crashes)
