"""The dates written on SOP records — a letter's ``letter_date``, the Forum's ``agreed_date`` —
are strict: exactly ``YYYY-MM-DD``, a real day, from 2000 (the portal's first record year)
to today in WIB. One table of written dates, through every action that records one; a refused
date leaves nothing behind (no row, no stored PDF, the old value kept on update).
"""
from __future__ import annotations

import datetime as dt
import os
from typing import Any, Iterator

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.satudata_blitar import lifecycle, workdays
from ckanext.satudata_blitar.model.records import DD_AGREED, DaftarData

from . import support
from sop_support import make_pdf, record_letter, upload

_TODAY = workdays.today()
#: written dates each record refuses, by what is wrong with them
REFUSED = {
    "garbage after": "2025-01-01garbage",
    "year 0001": "0001-01-01",
    "year 1999": "1999-12-31",
    "year 9999": "9999-12-31",
    "month 13": "2025-13-01",
    "30 February": "2025-02-30",
    "compact": "20250101",
    "one-digit month and day": "2025-1-5",
    "day first": "05-01-2025",
    "with a time": "2025-01-01T08:00",
    "Arabic-Indic digits": "٢٠٢٥-٠١-٠١",
    "a number": 20250101,
    "tomorrow (WIB)": (_TODAY + dt.timedelta(days=1)).isoformat(),
}
#: the bounds that are accepted
ACCEPTED = {"first day of 2000": "2000-01-01", "today (WIB)": _TODAY.isoformat()}


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    """The records world with a verified dataset, a recorded letter and the Daftar Data
    2026 agreed (items of OPD A)."""
    import ckan.plugins

    ckan.plugins.load_all()
    reset_db()
    for plugin in ("activity", "satudata_blitar", "satudata_search"):
        migrate_db_for(plugin)
    world = support.make_world()
    world["pkg"] = support.dataset(world, lifecycle.VERIFIED)
    world["letter"] = support.letter(world, [world["pkg"]["id"]])
    dd = helpers.call_action("satudata_daftar_data_create", year=2026, items=[
        support.item_row("DD-001", "dinas-kesehatan")])
    world["dd"] = helpers.call_action("satudata_daftar_data_agree", id=dd["id"],
                                      agreed_date="2026-01-15", minute_number="BA/01")
    yield world
    ckan.plugins.unload_non_system_plugins()


def _files() -> int:
    root = os.path.join(tk.config["ckan.storage_path"], "resources")
    return sum(len(f) for _, _, f in os.walk(root)) if os.path.isdir(root) else 0


def _letter_create(world: dict[str, Any], day: Any) -> dict[str, Any]:
    return record_letter(world["org_a"]["id"], [world["pkg"]["id"]], letter_date=day)


def _letter_update(world: dict[str, Any], day: Any) -> dict[str, Any]:
    return helpers.call_action("satudata_validation_letter_update",
                               id=world["letter"]["id"], letter_date=day)


def _statement_create(world: dict[str, Any], day: Any) -> dict[str, Any]:
    return helpers.call_action(
        "satudata_statement_create", daftar_data_id=world["dd"]["id"],
        owner_org="dinas-kesehatan", number="000.5/3/410.111/2026", letter_date=day,
        signatory_name="Sri Wahyuni", signatory_nip=support.NIP,
        signatory_position="Kepala Dinas", items=[{"code": "DD-001", "available": True}],
        upload=upload(make_pdf()))


def _agree(world: dict[str, Any], day: Any) -> dict[str, Any]:
    """Agree a new revision of the Daftar Data 2026 (the newest agreed one is revised)."""
    newest = helpers.call_action("satudata_daftar_data_show", year=2026)
    draft = next((d for d in helpers.call_action("satudata_daftar_data_list", year=2026)
                  if d["status"] == "draft"), None) \
        or helpers.call_action("satudata_daftar_data_revise", id=newest["id"])
    return helpers.call_action("satudata_daftar_data_agree", id=draft["id"], agreed_date=day,
                               minute_number="BA/02")


#: record → (the date's field, how to write it)
RECORDS = {
    "validation letter": ("letter_date", _letter_create),
    "validation letter update": ("letter_date", _letter_update),
    "statement": ("letter_date", _statement_create),
    "Daftar Data agreement": ("agreed_date", _agree),
}


def _state() -> tuple[int, ...]:
    """Letters, statements, agreed revisions, stored PDFs."""
    model.Session.expire_all()
    agreed = model.Session.query(DaftarData).filter(DaftarData.status == DD_AGREED).count()
    return (support.count("satudata_blitar_letter"), support.count("satudata_blitar_statement"),
            agreed, _files())


@pytest.mark.parametrize("written", REFUSED.values(), ids=REFUSED.keys())
@pytest.mark.parametrize("record", RECORDS)
def test_refused_dates_leave_nothing(world, record, written):
    field, write = RECORDS[record]
    before = _state()
    letter_date = helpers.call_action("satudata_validation_letter_show",
                                      id=world["letter"]["id"])["letter_date"]
    with pytest.raises(tk.ValidationError) as error:
        write(world, written)
    assert list(error.value.error_dict) == [field]
    assert _state() == before
    assert helpers.call_action("satudata_validation_letter_show",
                               id=world["letter"]["id"])["letter_date"] == letter_date


@pytest.mark.parametrize("written", ACCEPTED.values(), ids=ACCEPTED.keys())
@pytest.mark.parametrize("record", [r for r in RECORDS if r != "statement"])
def test_bounds_are_accepted(world, record, written):
    field, write = RECORDS[record]
    assert write(world, written)[field] == written


def test_statement_dated_today_is_accepted(world):
    assert _statement_create(world, _TODAY.isoformat())["letter_date"] == _TODAY.isoformat()
