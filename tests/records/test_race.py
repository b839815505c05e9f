"""Concurrent record writes from several processes: the database decides, nothing half-saved.

Forked processes (own database connections, started together by a barrier) stand for several
CKAN web processes on several machines: the same letter number (also in other letter cases),
the same year's Daftar Data drafted, changed, imported and agreed at once, and a validation
letter changed while a dataset it covers is validated with it. Each refused call gets a
readable ``ValidationError``; none fails with a database error.
"""
from __future__ import annotations

import collections
import itertools
import multiprocessing
import os
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.satudata_blitar import lifecycle
from ckanext.satudata_blitar.model import AuditEntry
from ckanext.satudata_blitar.model.records import ValidationLetter
from ckanext.satudata_blitar.records.letters import letter_datasets

from . import support
from sop_support import make_pdf, upload

RACERS = 8

@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    """Two OPDs and the SOP roles in a clean database, once for the module; each test uses
    its own letter numbers, datasets and Daftar Data year."""
    import ckan.plugins

    ckan.plugins.load_all()
    reset_db()
    for plugin in ("activity", "satudata_blitar", "satudata_search"):
        migrate_db_for(plugin)
    yield support.make_world()
    ckan.plugins.unload_non_system_plugins()


def _child(flask_app, action: str, data: dict[str, Any], barrier, queue) -> None:
    model.Session.remove()
    model.meta.engine.dispose(close=False)
    barrier.wait(timeout=60)
    with flask_app.test_request_context():
        try:
            result = tk.get_action(action)({"ignore_auth": True, "user": ""}, dict(data))
            queue.put((action, "ok", result))
        except tk.ValidationError as error:
            queue.put((action, "refused", error.error_dict))
        except Exception as error:  # noqa: BLE001 - reported to the parent
            queue.put((action, "error", repr(error)))
        finally:
            model.Session.remove()


def _race(app, attempts: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str, Any]]:
    """Run every ``(action, data)`` in its own process, all released at once; the results
    as ``(action, "ok" | "refused" | "error", result or error dict)``."""
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(len(attempts))
    queue = ctx.Queue()
    model.Session.remove()
    procs = [ctx.Process(target=_child, args=(app.flask_app, action, data, barrier, queue))
             for action, data in attempts]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    model.Session.remove()
    assert not [r for r in results if r[1] == "error"], results
    return results


def _outcomes(results: list[tuple[str, str, Any]]) -> dict[tuple[str, str], int]:
    """Counts per (action, outcome), printed for the record of the run (``pytest -s``)."""
    counts = collections.Counter((action.replace("satudata_", ""), outcome)
                                 for action, outcome, _ in results)
    print(dict(sorted(counts.items())))
    return counts


def _refusal(app, action: str, **data: Any) -> dict[str, list[str]]:
    """The error dict of one call made alone, in a request as the racers' (same language)."""
    with app.flask_app.test_request_context():
        with pytest.raises(tk.ValidationError) as error:
            helpers.call_action(action, **data)
    model.Session.rollback()
    return error.value.error_dict


def _files() -> int:
    root = os.path.join(tk.config["ckan.storage_path"], "resources")
    return sum(len(f) for _, _, f in os.walk(root)) if os.path.isdir(root) else 0


def _letter(world: dict[str, Any], number: str, datasets: list[str]) -> dict[str, Any]:
    return {"owner_org": world["org_a"]["id"], "number": number,
            "letter_date": "2026-11-02", "subject": "Validasi",
            "signatory_name": "A", "signatory_nip": support.NIP,
            "signatory_position": "Kepala Dinas", "datasets": datasets,
            "upload": upload(make_pdf())}


def _letters_numbered(number: str) -> list[str]:
    return [n for (n,) in model.Session.query(ValidationLetter.number).filter(
        sa.func.lower(ValidationLetter.number) == sa.func.lower(number))]


# -- letter numbers ------------------------------------------------------------------------------
def test_same_letter_number_from_many_processes(app, world):
    pkg = support.dataset(world, lifecycle.VERIFIED)
    files = _files()
    number = "000.5/77/410.111/2026"
    results = _race(app, [("satudata_validation_letter_create",
                           _letter(world, number, [pkg["id"]])) for _ in range(RACERS)])
    _outcomes(results)
    assert [r[1] for r in results].count("ok") == 1
    assert all(sorted(r[2]) == ["number"] for r in results if r[1] == "refused")
    assert _letters_numbered(number) == [number]
    assert _files() == files + 1  # the losers removed the PDFs they had stored


def test_case_variants_of_one_letter_number_from_many_processes(app, world):
    """The number check ignores case, and so does the database: of ten case variants sent
    at once one is recorded; the nine others get the message of the check made alone."""
    pkg = support.dataset(world, lifecycle.VERIFIED)
    files = _files()
    variants = ["".join(chars) + "/78/410.111/2026" for chars in
                itertools.islice(itertools.product(*((c, c.upper()) for c in "svdinkes")), 11)]
    assert len(set(variants)) == 11 and len({v.lower() for v in variants}) == 1
    results = _race(app, [("satudata_validation_letter_create",
                           _letter(world, number, [pkg["id"]])) for number in variants[:10]])
    counts = _outcomes(results)
    assert counts == {("validation_letter_create", "ok"): 1,
                      ("validation_letter_create", "refused"): 9}
    stored = _letters_numbered(variants[0])
    assert len(stored) == 1
    assert stored[0] == next(r[2]["number"] for r in results if r[1] == "ok")
    # the one left over, sent alone, meets the check before the insert: the racers that
    # lost at the unique index got the same readable message
    alone = _refusal(app, "satudata_validation_letter_create",
                     **_letter(world, variants[10], [pkg["id"]]))
    assert alone == {"number": [alone["number"][0]]}
    assert all(r[2] == alone for r in results if r[1] == "refused"), results
    assert _files() == files + 1


def test_letter_number_changed_to_a_case_variant_by_two_letters_at_once(app, world):
    """Two letters renamed at once to case variants of one new number: one keeps it."""
    pkgs = [support.dataset(world, lifecycle.VERIFIED) for _ in range(2)]
    letters = [support.letter(world, [p["id"]]) for p in pkgs]
    results = _race(app, [("satudata_validation_letter_update",
                           {"id": letter["id"], "number": number})
                          for letter, number in zip(letters, ("SV/79/2026", "sv/79/2026"))])
    _outcomes(results)
    assert [r[1] for r in results].count("ok") == 1
    assert len(_letters_numbered("sv/79/2026")) == 1
    (loser,) = [r for r in results if r[1] == "refused"]
    (winner,) = [r[2]["id"] for r in results if r[1] == "ok"]
    (other,) = [x["id"] for x in letters if x["id"] != winner]
    alone = _refusal(app, "satudata_validation_letter_update", id=other, number="Sv/79/2026")
    assert list(alone) == ["number"]
    assert loser[2] == alone


# -- Daftar Data -----------------------------------------------------------------------------------
def test_same_year_daftar_data_from_many_processes(app, world):
    results = _race(app, [("satudata_daftar_data_create", {
        "year": 2026, "items": [support.item_row("DD-1", "dinas-kesehatan")]})
        for _ in range(RACERS)])
    _outcomes(results)
    assert [r[1] for r in results].count("ok") == 1
    assert all(sorted(r[2]) == ["year"] for r in results if r[1] == "refused")
    (dd,) = helpers.call_action("satudata_daftar_data_list", year=2026)
    assert dd["item_count"] == 1


def _codes(dd_id: str) -> set[str]:
    model.Session.expire_all()
    out = helpers.call_action("satudata_daftar_data_show", id=dd_id)
    return {item["code"] for item in out["items"]}


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_daftar_data_update_import_and_agree_at_once(app, world, year):
    """Changes and the agreement of one year's draft sent at once are serialised: what the
    Forum agreed is what is stored (nothing changed after the agreement, no two writers'
    items mixed), and every change that came too late is refused as a change of an agreed
    list."""
    draft = helpers.call_action("satudata_daftar_data_create", year=year, items=[
        support.item_row(f"D{year}-0", "dinas-kesehatan")])
    writes: dict[str, set[str]] = {"": {f"D{year}-0"}}
    attempts: list[tuple[str, dict[str, Any]]] = []
    for k in range(3):
        codes = [f"U{year}-{k}"]
        writes[f"update {k}"] = set(codes)
        attempts.append(("satudata_daftar_data_update", {"id": draft["id"], "items": [
            support.item_row(code, "dinas-kesehatan") for code in codes]}))
        codes = [f"I{year}-{k}"]
        writes[f"import {k}"] = set(codes)
        attempts.append(("satudata_daftar_data_import", {"id": draft["id"], "content": (
            "kode,nama_data,opd\n" + "".join(f"{c},Data {c},dinas-kesehatan\n"
                                             for c in codes))}))
    attempts += [("satudata_daftar_data_agree", {"id": draft["id"], "agreed_date": f"{year}-01-15",
                                                 "minute_number": f"BA/{n}/{year}"})
                 for n in range(2)]
    results = _race(app, attempts)
    counts = _outcomes(results)
    agreed = [r[2] for r in results if r[0].endswith("agree") and r[1] == "ok"]
    assert len(agreed) == 1
    stored = _codes(draft["id"])
    assert stored == {item["code"] for item in agreed[0]["items"]}
    assert stored in writes.values()  # one writer's items, never a mixture
    final = helpers.call_action("satudata_daftar_data_show", id=draft["id"])
    assert final["status"] == "agreed"
    assert final["minute_number"] == agreed[0]["minute_number"]
    message = _refusal(app, "satudata_daftar_data_update", id=draft["id"], title="Terlambat")
    assert list(message) == ["status"]
    refused = [r for r in results if r[1] == "refused"]
    assert all(r[2] == message for r in refused), refused
    assert counts[("daftar_data_agree", "refused")] == 1


def test_daftar_data_revise_and_carry_over_at_once(app, world):
    """Revisions of one agreed list and carry-overs into the next year, all at once: one
    new draft each, the others refused with a message."""
    dd = helpers.call_action("satudata_daftar_data_create", year=2021, items=[
        support.item_row("R2021-0", "dinas-kesehatan")])
    helpers.call_action("satudata_daftar_data_agree", id=dd["id"], agreed_date="2021-01-15",
                        minute_number="BA/1/2021")
    results = _race(app, [("satudata_daftar_data_revise", {"id": dd["id"]})] * 4
                    + [("satudata_daftar_data_carry_over", {"id": dd["id"]})] * 4)
    counts = _outcomes(results)
    assert counts[("daftar_data_revise", "ok")] == 1
    assert counts[("daftar_data_carry_over", "ok")] == 1
    assert all(list(r[2]) in (["id"], ["year"]) for r in results if r[1] == "refused")
    revisions = helpers.call_action("satudata_daftar_data_list", year=2021)
    assert sorted((r["revision"], r["status"]) for r in revisions) == [(1, "agreed"),
                                                                       (2, "draft")]
    assert len(helpers.call_action("satudata_daftar_data_list", year=2022)) == 1


# -- a letter changed while it validates ------------------------------------------------------------
def test_letter_update_while_it_validates(app, world):
    """Four datasets validated with one letter while four updates each drop one of them
    from the letter: never a dataset validated with a letter that no longer covers it, and
    no change of the letter once it validated a dataset."""
    pkgs = [support.dataset(world, lifecycle.VERIFIED) for _ in range(4)]
    ids = [p["id"] for p in pkgs]
    letter = support.letter(world, ids)
    attempts: list[tuple[str, dict[str, Any]]] = []
    for k, pkg_id in enumerate(ids):
        attempts.append(("satudata_dataset_validate", {"id": pkg_id,
                                                       "letter_ref": letter["id"]}))
        attempts.append(("satudata_validation_letter_update", {
            "id": letter["id"], "datasets": [i for i in ids if i != pkg_id]}))
    results = _race(app, attempts)
    _outcomes(results)
    model.Session.expire_all()
    covered = set(letter_datasets(letter["id"]))
    validations = model.Session.query(AuditEntry).filter(
        AuditEntry.transition == "validate", AuditEntry.package_id.in_(ids)).all()
    for row in validations:
        assert row.letter_ref == letter["id"]
        assert row.package_id in covered, "validated with a letter that no longer covers it"
    stored = model.Session.get(ValidationLetter, letter["id"])
    if validations:  # no change of the letter after it was used
        assert stored.modified_at <= min(row.timestamp for row in validations)
    validated = {r[2]["package_id"] for r in results
                 if r[0].endswith("validate") and r[1] == "ok"}
    assert validated == {row.package_id for row in validations}
    for pkg in pkgs:
        state = lifecycle.get_state(model.Package.get(pkg["id"]))
        assert state == (lifecycle.VALIDATED if pkg["id"] in validated else lifecycle.VERIFIED)
    # every refusal is the message the same call gets alone in the same situation
    for action, outcome, detail in results:
        if outcome != "refused":
            continue
        if action.endswith("validate"):
            assert list(detail) == ["letter_ref"]
            assert letter["number"] in detail["letter_ref"][0], detail
        else:
            assert validations, detail
            assert detail == _refusal(app, "satudata_validation_letter_update",
                                      id=letter["id"], subject="Terlambat")
