"""Availability statements (SOP step 4) and working-day deadlines per role."""
from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.satudata_blitar import lifecycle, workdays
from ckanext.satudata_blitar.model.records import DaftarData

from . import support

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]


@pytest.fixture
def world():
    return support.make_world()


def _agreed(world, day: str = "2026-01-15", year: int = 2026):
    dd = helpers.call_action("satudata_daftar_data_create", year=year, items=[
        support.item_row("DD-001", "dinas-kesehatan"),
        support.item_row("DD-002", "dinas-kesehatan"),
        support.item_row("DD-003", "dinas-pendidikan")])
    return helpers.call_action("satudata_daftar_data_agree", id=dd["id"], agreed_date=day,
                               minute_number="BA/01")


def _statement(world, dd, pdf, **kw):
    data = {"daftar_data_id": dd["id"], "owner_org": "dinas-kesehatan",
            "number": "000.5/3/410.111/2026", "letter_date": dd["agreed_date"],
            "signatory_name": "Sri Wahyuni", "signatory_nip": support.NIP,
            "signatory_position": "Kepala Dinas", "signatory_acting": "plt",
            "items": [{"code": "DD-001", "available": True},
                      {"code": "DD-002", "available": False,
                       "reason": "Belum ada survei"}],
            "upload": pdf()}
    data.update(kw)
    return helpers.call_action("satudata_statement_create", **data)


def _by_kind(entries, kind):
    return [e for e in entries if e["kind"] == kind]


def _deadlines(world, role):
    return helpers.call_action("satudata_deadline_list", context=support.ctx(world, role))


# -- statements ---------------------------------------------------------------------------------
def test_statement_late_when_recorded_after_five_working_days(world, pdf):
    dd = _agreed(world, "2026-01-15")
    st = _statement(world, dd, pdf)
    assert st["deadline"] == "2026-01-23"
    assert st["on_time"] is False  # recorded today (after 23 Jan 2026)
    assert st["signatory_acting"] == "plt"
    assert {i["available"] for i in st["items"]} == {True, False}


def test_statement_on_time(world, pdf):
    today = workdays.today()
    dd = _agreed(world, today.isoformat(), year=today.year)
    st = _statement(world, dd, pdf)
    assert st["deadline"] == workdays.add_working_days(today, 5).isoformat()
    assert st["on_time"] is True


@pytest.mark.parametrize("items, message", [
    ([{"code": "DD-001", "available": True}], "missing: DD-002"),
    ([{"code": "DD-001", "available": True}, {"code": "DD-002", "available": False}],
     "reason"),
    ([{"code": "DD-001", "available": True}, {"code": "DD-002", "available": True},
      {"code": "DD-003", "available": True}], "DD-003"),
])
def test_statement_bad_answers_save_nothing(world, pdf, items, message):
    dd = _agreed(world)
    with pytest.raises(tk.ValidationError) as e:
        _statement(world, dd, pdf, items=items)
    assert message in " ".join(e.value.error_dict["items"])
    assert support.count("satudata_blitar_statement") == 0
    assert support.count("satudata_blitar_statement_item") == 0


def test_statement_needs_agreed_list_and_only_one_per_opd(world, pdf):
    draft = helpers.call_action("satudata_daftar_data_create", year=2025, items=[
        support.item_row("DD-001", "dinas-kesehatan")])
    with pytest.raises(tk.ValidationError):
        _statement(world, draft, pdf, letter_date="2025-02-01")
    dd = _agreed(world)
    _statement(world, dd, pdf)
    with pytest.raises(tk.ValidationError):
        _statement(world, dd, pdf)
    assert support.count("satudata_blitar_statement") == 1


# -- calendar -----------------------------------------------------------------------------------
def test_verification_deadline_skips_nyepi_and_idul_fitri_and_pauses_while_returned(world):
    # created Thursday 12 March, submitted Friday 13 March 2026 (09:00 WIB); audit rows are
    # append-only, so each step happens at its time
    with freeze_time(dt.datetime(2026, 3, 12, 2, 0)):
        pkg = support.dataset(world)
    with freeze_time(dt.datetime(2026, 3, 13, 2, 0)):
        helpers.call_action("satudata_dataset_submit", id=pkg["id"])
    entry = _by_kind(_deadlines(world, "walidata"), "verification")[0]
    # 18–19 Mar Nyepi + cuti bersama, 20–24 Mar Idul Fitri cuti bersama: due Fri 27 Mar
    assert entry["due"] == "2026-03-27"
    assert entry["overdue"] is True
    # returned on Tue 17 Mar, submitted again on Wed 25 Mar: the clock stood still meanwhile
    with freeze_time(dt.datetime(2026, 3, 17, 2, 0)):
        helpers.call_action("satudata_dataset_return", id=pkg["id"], reason="Kode wilayah",
                            reason_category="kode_wilayah_salah")
    with freeze_time(dt.datetime(2026, 3, 25, 2, 0)):
        helpers.call_action("satudata_dataset_submit", id=pkg["id"])
    entry = _by_kind(_deadlines(world, "walidata"), "verification")[0]
    # ran Mon 16, Tue 17 (2 days); paused until 25 Mar; then Thu 26, Fri 27, Mon 30: due 30 Mar
    assert entry["due"] == "2026-03-30"


def test_validation_deadline_after_verification_over_christmas_2025(world):
    pkg = support.dataset(world, lifecycle.SUBMITTED)
    with freeze_time(dt.datetime(2025, 12, 22, 3, 0)):
        helpers.call_action("satudata_dataset_verify", id=pkg["id"])
    entry = _by_kind(_deadlines(world, "opd_admin"), "validation")[0]
    # Tue 23, Wed 24, (Thu 25 Natal, Fri 26 cuti bersama), Mon 29, Tue 30, Wed 31 Dec 2025
    assert entry["due"] == "2025-12-31"
    assert entry["overdue"] is True and entry["working_days_left"] < 0


def test_agreement_deadline_of_a_draft_over_idul_fitri_2025(world):
    dd = helpers.call_action("satudata_daftar_data_create", year=2025)
    row = model.Session.get(DaftarData, dd["id"])
    row.drafted_at = dt.datetime(2025, 3, 27, 3, 0)  # Thursday
    model.Session.commit()
    entry = _by_kind(_deadlines(world, "sekretariat"), "agreement")[0]
    # Fri 28 Mar cuti Nyepi, 31 Mar–7 Apr Idul Fitri and cuti bersama: Tue 8, Wed 9, Thu 10
    assert entry["due"] == "2025-04-10"


@pytest.mark.parametrize("frequency, last, period, due", [
    ("tahunan", dt.date(2025, 3, 3), None, dt.date(2026, 3, 3)),
    ("tahunan", dt.date(2026, 2, 10), 2026, dt.date(2027, 12, 31)),  # after the period ends
    ("tahunan", dt.date(2026, 1, 2), 2025, dt.date(2027, 1, 4)),  # 2 Jan 2027 is a Saturday
    ("bulanan", dt.date(2026, 2, 20), None, dt.date(2026, 3, 25)),  # 20 Mar cuti → 25 Mar
    ("triwulanan", dt.date(2025, 11, 30), None, dt.date(2026, 3, 2)),
    ("harian", dt.date(2026, 8, 14), None, dt.date(2026, 8, 18)),   # 17 Aug, weekend
    ("insidental", dt.date(2026, 1, 5), None, None),
    (None, dt.date(2026, 1, 5), None, None),
])
def test_next_update_due_from_frequency(frequency, last, period, due):
    assert workdays.next_update_due(frequency, last, period) == due


# -- deadline lists per role ------------------------------------------------------------------
def test_deadline_lists_per_role(world, pdf):
    submitted = support.dataset(world, lifecycle.SUBMITTED)
    verified = support.dataset(world, lifecycle.VERIFIED)
    returned = support.dataset(world, lifecycle.SUBMITTED)
    helpers.call_action("satudata_dataset_return", id=returned["id"], reason="Perbaiki",
                        reason_category="lainnya")
    published = support.dataset(world, lifecycle.VALIDATED, frequency="bulanan")
    with freeze_time(dt.datetime(2026, 1, 5, 3, 0)):
        helpers.call_action("satudata_dataset_publish", id=published["id"])
    other = support.dataset(world, lifecycle.VERIFIED, org="org_b")
    dd = _agreed(world)
    draft = helpers.call_action("satudata_daftar_data_carry_over", id=dd["id"])

    def kinds(role):
        return {(e["kind"], e.get("package_id") or e.get("owner_org") or e.get(
            "daftar_data_id")) for e in _deadlines(world, role)}

    walidata = kinds("walidata")
    assert ("verification", submitted["id"]) in walidata
    assert not {k for k, _ in walidata} & {"validation", "agreement", "statement", "update"}

    for role in ("opd_admin", "opd_editor", "opd_member"):
        opd = kinds(role)
        assert ("validation", verified["id"]) in opd
        assert ("returned", returned["id"]) in opd
        assert ("update", published["id"]) in opd
        assert ("statement", world["org_a"]["id"]) in opd
        assert ("validation", other["id"]) not in opd
        assert ("statement", world["org_b"]["id"]) not in opd
        assert not {k for k, _ in opd} & {"verification", "agreement"}

    sek = kinds("sekretariat")
    assert ("agreement", draft["id"]) in sek
    assert {("statement", world["org_a"]["id"]), ("statement", world["org_b"]["id"])} <= sek
    assert not {k for k, _ in sek} & {"verification", "validation"}

    everything = kinds("pembina")
    assert walidata | kinds("opd_admin") | sek <= everything | {("daftar_data_missing", None)}
    assert kinds("plain_user") == set()

    # a recorded statement leaves the lists
    _statement(world, dd, pdf)
    assert ("statement", world["org_a"]["id"]) not in kinds("sekretariat")
    with pytest.raises(tk.NotAuthorized):
        _deadlines(world, "anonymous")
