"""The audit trail is append-only and hash-chained per dataset.

A chain across the SOP's transitions verifies, and an auditor recomputes it from the CSV
export with nothing but the documented serialisation; the database trigger refuses ``UPDATE``
and ``DELETE`` whoever sends them; a row changed behind the trigger's back (a superuser
disabling it) is reported by ``ckan satudata audit verify`` with exit code 1; a purged dataset
keeps its chain; two processes racing transitions on one dataset leave one linear chain; and
the migration chains rows written before it exactly as the portal does. Datasets go through
the real actions, the real submit gate and real validation letters (``sop_support``).
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import multiprocessing
import re
from typing import Any, Iterator, Optional

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import helpers

from ckanext.satudata_blitar import audit, lifecycle
from ckanext.satudata_blitar.model import AuditEntry

from lifecycle_support import fresh_world, make_dataset, state_of, transition_params

TABLE = "satudata_blitar_audit"
TRIGGER = "satudata_blitar_audit_append_only"
#: the hashed fields, as docs/lifecycle.md lists them for auditors
DOCUMENTED_FIELDS = ("id", "seq", "package_id", "package_name", "owner_org", "transition",
                     "from_state", "to_state", "actor_id", "actor_name", "role", "timestamp",
                     "note", "reason", "reason_category", "letter_ref", "prev_hash")


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    yield from fresh_world(reset_db, migrate_db_for)


def _rows(package_id: str) -> list[AuditEntry]:
    model.Session.expire_all()
    return (model.Session.query(AuditEntry).filter_by(package_id=package_id)
            .order_by(AuditEntry.seq).all())


def _step(world: dict[str, Any], package_id: str, transition: str, role: str,
          **fields: str) -> None:
    helpers.call_action(f"satudata_dataset_{transition}",
                        context={"user": world["users"][role]["name"]}, id=package_id,
                        **dict(transition_params(transition, package_id), **fields))


def _long_history(world: dict[str, Any]) -> dict[str, Any]:
    """Published, withdrawn, submitted again, returned: ten rows in one chain; some texts
    look like spreadsheet formulas (the CSV export neutralises them) or plain numbers."""
    dataset = make_dataset(world, lifecycle.PUBLISHED)
    _step(world, dataset["id"], "withdraw", "walidata", reason="- kolom tahun kosong")
    _step(world, dataset["id"], "submit", "opd_editor", note="+62 812 hubungi kami")
    _step(world, dataset["id"], "return", "walidata", reason='=HYPERLINK("http://x")')
    _step(world, dataset["id"], "submit", "opd_admin", note="-5")
    _step(world, dataset["id"], "verify", "walidata", note="Sesuai — ✓ kode 35.72")
    return dataset


def _verify(cli, *args: str):
    return cli.invoke(ckan_cli, ["satudata", "audit", "verify", *args])


def _cell(cell: str) -> Optional[str]:
    """A CSV cell as docs/lifecycle.md tells auditors to read it (the export's apostrophe
    before formula-like text dropped, an empty cell is null)."""
    rest = cell[1:]
    if (cell.startswith("'") and rest.startswith(("=", "+", "-", "@", "\t", "\r"))
            and not re.match(r"^[+-]?(\d+([.,]\d+)*)?$", rest)):
        cell = rest
    return cell or None


def _auditor_hash(row: dict[str, str]) -> str:
    """What an auditor computes from one CSV row, following docs/lifecycle.md only."""
    obj = {name: _cell(row[name]) for name in DOCUMENTED_FIELDS}
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture
def superuser_sql():
    """Run SQL as the database superuser the tests connect as (what a tamperer needs)."""
    with model.meta.engine.connect() as conn:
        assert conn.execute(sa.text(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()

    def run(sql: str, **params: Any) -> None:
        with model.meta.engine.begin() as conn:
            conn.execute(sa.text(sql), params)
    return run


# -- a chain across the transitions ---------------------------------------------------------------
def test_chain_across_several_transitions_verifies(cli, world):
    dataset = _long_history(world)
    rows = _rows(dataset["id"])
    assert [r.transition for r in rows] == [
        "create", "submit", "verify", "validate", "publish", "withdraw", "submit", "return",
        "submit", "verify"]
    assert [r.seq for r in rows] == list(range(1, 11))
    assert rows[0].prev_hash is None
    for before, row in zip(rows, rows[1:]):
        assert row.prev_hash == before.row_hash
        assert row.from_state == before.to_state  # the chain's order is the state's order
    assert len({r.row_hash for r in rows}) == len(rows)
    assert audit.verify(dataset["id"]).intact
    result = _verify(cli)
    assert result.exit_code == 0, result.output
    assert "audit trail intact" in result.output


def test_auditor_recomputes_the_chain_from_the_csv_export(cli, world, tmp_path):
    dataset = _long_history(world)
    target = tmp_path / "audit.csv"
    result = cli.invoke(ckan_cli, ["satudata", "audit", "export", "--org", "opd-a",
                                   "-o", str(target)])
    assert result.exit_code == 0, result.output
    with open(target, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["package_id"] == dataset["id"]]
    rows.sort(key=lambda r: int(r["seq"]))
    assert len(rows) == 10
    # formula-like text is neutralised in the file, a plain number is not
    assert {"'- kolom tahun kosong", "'=HYPERLINK(\"http://x\")"} <= {r["reason"] for r in rows}
    assert {"'+62 812 hubungi kami", "-5"} <= {r["note"] for r in rows}
    previous = ""
    for row in rows:
        assert row["prev_hash"] == previous
        assert _auditor_hash(row) == row["row_hash"]
        previous = row["row_hash"]
    # the older name of the command writes the same columns
    old = cli.invoke(ckan_cli, ["satudata", "audit-export", "--org", "opd-a"])
    assert old.exit_code == 0 and old.output.splitlines()[0] == target.read_text(
        encoding="utf-8").splitlines()[0]
    assert {"prev_hash", "row_hash", "seq", "actor_id"} <= set(
        old.output.splitlines()[0].split(","))


# -- append-only -------------------------------------------------------------------------------------
@pytest.mark.parametrize("sql", [
    f"UPDATE {TABLE} SET note = 'diubah' WHERE id = :id",
    f"UPDATE {TABLE} SET timestamp = timestamp - interval '1 day' WHERE package_id = :pkg",
    f"DELETE FROM {TABLE} WHERE id = :id",
    f"DELETE FROM {TABLE} WHERE package_id = :pkg",
])
def test_update_and_delete_are_refused_by_the_trigger(world, sql):
    dataset = make_dataset(world, lifecycle.SUBMITTED)
    before = [r.as_dict() for r in _rows(dataset["id"])]
    with model.meta.engine.connect() as conn:  # a raw connection, outside the portal's code
        with pytest.raises(sa.exc.DBAPIError, match="append-only") as error:
            conn.execute(sa.text(sql), {"id": before[-1]["id"], "pkg": dataset["id"]})
        assert error.value.orig.pgcode == "42501"  # insufficient_privilege
    assert [r.as_dict() for r in _rows(dataset["id"])] == before


def test_the_orm_cannot_change_a_row_either(world):
    dataset = make_dataset(world)
    row = _rows(dataset["id"])[0]
    row.note = "diubah lewat ORM"
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        model.Session.commit()
    model.Session.rollback()
    assert _rows(dataset["id"])[0].note is None
    model.Session.delete(_rows(dataset["id"])[0])
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        model.Session.commit()
    model.Session.rollback()
    assert len(_rows(dataset["id"])) == 1


# -- tampering behind the trigger's back ------------------------------------------------------------------
def test_tampering_is_reported_by_audit_verify(cli, world, superuser_sql):
    dataset = _long_history(world)
    rows = [r.as_dict() for r in _rows(dataset["id"])]
    target, following, removed = rows[4], rows[5], rows[7]
    assert _verify(cli).exit_code == 0
    superuser_sql(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
    try:
        # 1. a note changed: the row no longer matches its hash
        superuser_sql(f"UPDATE {TABLE} SET note = 'diubah' WHERE id = :id", id=target["id"])
        forged = audit.row_hash(dict(target, note="diubah", timestamp=_time(target)))
        result = _verify(cli)
        assert result.exit_code == 1, result.output
        broken = [line for line in result.output.splitlines() if line.startswith("BROKEN")]
        assert len(broken) == 1, result.output
        assert target["id"] in broken[0] and dataset["name"] in broken[0]
        assert f"expected {forged}, found {target['row_hash']}" in broken[0]
        assert "NOT intact" in result.output

        # 2. the tamperer also rewrites the row's hash: the next row's link breaks
        superuser_sql(f"UPDATE {TABLE} SET row_hash = :h WHERE id = :id",
                      h=forged, id=target["id"])
        result = _verify(cli, "--dataset", dataset["name"])
        assert result.exit_code == 1
        broken = [line for line in result.output.splitlines() if line.startswith("BROKEN")]
        assert len(broken) == 1, result.output
        assert following["id"] in broken[0] and "prev_hash" in broken[0]
        assert f"expected {forged}, found {target['row_hash']}" in broken[0]

        # 3. a row removed: its successor is out of sequence and its link is broken
        superuser_sql(f"UPDATE {TABLE} SET note = :note, row_hash = :h WHERE id = :id",
                      note=target["note"], h=target["row_hash"], id=target["id"])
        superuser_sql(f"DELETE FROM {TABLE} WHERE id = :id", id=removed["id"])
        result = _verify(cli)
        assert result.exit_code == 1
        text = result.output
        assert rows[8]["id"] in text and "expected #8, found #9" in text
        assert f"expected {rows[6]['row_hash']}, found {removed['row_hash']}" in text

        # 4. the last rows removed: the dataset's state no longer matches its chain's end
        superuser_sql(f"INSERT INTO {TABLE} ({', '.join(removed)}) "
                      f"VALUES ({', '.join(':' + k for k in removed)})",
                      **dict(removed, timestamp=_time(removed)))
        assert _verify(cli).exit_code == 0
        superuser_sql(f"DELETE FROM {TABLE} WHERE id = :id", id=rows[-1]["id"])
        result = _verify(cli)
        assert result.exit_code == 1
        assert "current state is not where its last audit row leads" in result.output
        assert f"expected a last row leading to {lifecycle.VERIFIED}" in result.output
    finally:
        superuser_sql(f"DELETE FROM {TABLE} WHERE package_id = :pkg", pkg=dataset["id"])
        for row in rows:
            superuser_sql(f"INSERT INTO {TABLE} ({', '.join(row)}) "
                          f"VALUES ({', '.join(':' + k for k in row)})",
                          **dict(row, timestamp=_time(row)))
        superuser_sql(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")
    result = _verify(cli)
    assert result.exit_code == 0, result.output


def _time(row: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(row["timestamp"])


# -- purge ------------------------------------------------------------------------------------------------
def test_a_purged_dataset_keeps_its_chain(cli, world):
    dataset = make_dataset(world, lifecycle.SUBMITTED)
    _step(world, dataset["id"], "return", "walidata")
    before = [r.as_dict() for r in _rows(dataset["id"])]
    helpers.call_action("dataset_purge", id=dataset["id"])
    assert model.Package.get(dataset["id"]) is None
    after = [r.as_dict() for r in _rows(dataset["id"])]
    assert after == before and len(after) == 3
    assert {r["package_name"] for r in after} == {dataset["name"]}  # kept in the row
    result = _verify(cli, "--dataset", dataset["id"])
    assert result.exit_code == 0 and "1 datasets, 3 audit rows" in result.output


# -- concurrency -----------------------------------------------------------------------------------------
ROUNDS = 12


def _racer(flask_app, users: dict[str, str], package_id: str, side: int, barrier,
           queue) -> None:
    """Attempt ROUNDS transitions on one dataset, each from the state it reads: draft →
    submit, submitted → verify (side 0) or return (side 1), verified → return."""
    model.Session.remove()
    model.meta.engine.dispose(close=False)  # a forked child must never use the parent's
    outcomes = []
    barrier.wait(timeout=60)
    for _ in range(ROUNDS):
        with flask_app.test_request_context():
            try:
                state = lifecycle.get_state(model.Package.get(package_id))
                name = {lifecycle.DRAFT: "submit", lifecycle.VERIFIED: "return",
                        lifecycle.SUBMITTED: ("verify", "return")[side]}[state]
                user = users["opd_editor" if name == "submit" else "walidata"]
                tk.get_action(f"satudata_dataset_{name}")(
                    {"user": user}, dict(transition_params(name), id=package_id))
                outcomes.append(("ok", name))
            except tk.ValidationError as error:
                outcomes.append(("conflict", sorted(error.error_dict)))
            except Exception as error:  # noqa: BLE001 - reported to the parent
                outcomes.append(("error", repr(error)))
            finally:
                model.Session.remove()
    queue.put(outcomes)


def test_two_processes_racing_keep_one_chain(app, world):
    dataset = make_dataset(world)
    users = {role: world["users"][role]["name"] for role in ("opd_editor", "walidata")}
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    queue = ctx.Queue()
    model.Session.remove()
    procs = [ctx.Process(target=_racer, args=(app.flask_app, users, dataset["id"], side,
                                              barrier, queue)) for side in (0, 1)]
    for proc in procs:
        proc.start()
    outcomes = [o for _ in procs for o in queue.get(timeout=300)]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert all(o[1] == ["state"] for o in outcomes if o[0] == "conflict"), outcomes
    done = [o[1] for o in outcomes if o[0] == "ok"]
    assert len(done) >= ROUNDS  # both processes moved the dataset many times

    rows = _rows(dataset["id"])
    assert len(rows) == 1 + len(done)  # one row per success, none lost, none doubled
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    for before, row in zip(rows, rows[1:]):
        assert row.prev_hash == before.row_hash and row.from_state == before.to_state
    assert rows[-1].to_state == state_of(dataset["id"])
    assert audit.verify(dataset["id"]).intact


# -- the migration ---------------------------------------------------------------------------------------
def test_migration_chains_existing_rows_as_the_portal_does(world, migrate_db_for):
    dataset = _long_history(world)
    written = {r.id: (r.seq, r.prev_hash, r.row_hash) for r in _rows(dataset["id"])}
    model.Session.remove()
    migrate_db_for("satudata_blitar", version="c7a3e91d2f58", forward=False)
    with model.meta.engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns(TABLE)}
        assert not {"seq", "prev_hash", "row_hash"} & columns
        # without the trigger, rows could be changed: exactly what the upgrade closes again
        assert not conn.execute(sa.text(
            "SELECT count(*) FROM pg_trigger WHERE tgname = :t"), {"t": TRIGGER}).scalar()
    migrate_db_for("satudata_blitar")
    rechained = {r.id: (r.seq, r.prev_hash, r.row_hash) for r in _rows(dataset["id"])}
    assert rechained == written
    assert audit.verify().intact
    with model.meta.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError,
                                                             match="append-only"):
        conn.execute(sa.text(f"DELETE FROM {TABLE}"))
