"""Daftar Data (SOP steps 1–3): drafts, agreement, immutability, revisions, carry-over,
CSV/XLSX import and export."""
from __future__ import annotations

import base64
import io

import openpyxl
import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from . import support
from sop_support import upload

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]


@pytest.fixture
def world():
    return support.make_world()


def _draft(world, year=2026, codes=("DD-001", "DD-002")):
    items = [support.item_row(c, world["org_a"]["name"]) for c in codes]
    return helpers.call_action("satudata_daftar_data_create", year=year, items=items)


def _agree(dd, day="2026-01-15", minute="BA/01/FSD/2026"):
    return helpers.call_action("satudata_daftar_data_agree", id=dd["id"], agreed_date=day,
                               minute_number=minute)


def test_draft_agree_then_immutable(world):
    dd = _draft(world)
    assert dd["status"] == "draft" and dd["revision"] == 1
    assert [i["code"] for i in dd["items"]] == ["DD-001", "DD-002"]
    assert dd["items"][0]["owner_org"] == world["org_a"]["id"]
    assert dd["items"][0]["priority"] is True
    changed = helpers.call_action("satudata_daftar_data_update", id=dd["id"],
                                  items=[support.item_row("DD-009", "Dinas Kesehatan")])
    assert [i["code"] for i in changed["items"]] == ["DD-009"]
    agreed = _agree(dd)
    assert agreed["status"] == "agreed"
    assert agreed["agreed_date"] == "2026-01-15"
    assert agreed["minute_number"] == "BA/01/FSD/2026"
    # Forum on Thursday 15 Jan 2026; Isra Mikraj (Fri 16 Jan) is skipped: due Fri 23 Jan
    assert agreed["statement_deadline"] == "2026-01-23"
    for action, extra in (("satudata_daftar_data_update", {"title": "x"}),
                          ("satudata_daftar_data_agree", {"agreed_date": "2026-01-16",
                                                          "minute_number": "x"}),
                          ("satudata_daftar_data_import", {"content": "kode,nama_data,opd\n"})):
        with pytest.raises(tk.ValidationError):
            helpers.call_action(action, id=dd["id"], **extra)
    assert [i["code"] for i in helpers.call_action(
        "satudata_daftar_data_show", id=dd["id"])["items"]] == ["DD-009"]


def test_agreement_rules(world):
    dd = _draft(world)
    with pytest.raises(tk.ValidationError) as e:
        _agree(dd, day="2099-01-01")
    assert "agreed_date" in e.value.error_dict
    with pytest.raises(tk.ValidationError) as e:
        _agree(dd, minute="")
    assert "minute_number" in e.value.error_dict
    empty = helpers.call_action("satudata_daftar_data_create", year=2025)
    with pytest.raises(tk.ValidationError):
        _agree(empty, day="2025-02-03")
    with pytest.raises(tk.ValidationError):  # one list per year: revise instead
        helpers.call_action("satudata_daftar_data_create", year=2026)


def test_revision_keeps_the_old_one_readable(world):
    first = _agree(_draft(world))
    second = helpers.call_action("satudata_daftar_data_revise", id=first["id"])
    assert (second["revision"], second["status"], second["previous_id"]) == (2, "draft",
                                                                            first["id"])
    assert [i["code"] for i in second["items"]] == ["DD-001", "DD-002"]
    with pytest.raises(tk.ValidationError):  # only one open draft
        helpers.call_action("satudata_daftar_data_revise", id=first["id"])
    helpers.call_action("satudata_daftar_data_update", id=second["id"], items=[
        support.item_row("DD-001", "dinas-kesehatan"),
        support.item_row("DD-003", "dinas-pendidikan")])
    # the agreed revision 1 stays in force until revision 2 is agreed
    assert helpers.call_action("satudata_daftar_data_show", year=2026)["id"] == first["id"]
    _agree(second, day="2026-03-02", minute="BA/02/FSD/2026")
    in_force = helpers.call_action("satudata_daftar_data_show", year=2026)
    assert in_force["id"] == second["id"]
    old = helpers.call_action("satudata_daftar_data_show", id=first["id"])
    assert [i["code"] for i in old["items"]] == ["DD-001", "DD-002"]
    assert old["superseded_by"] == second["id"]
    with pytest.raises(tk.ValidationError):  # revise the newest agreed revision only
        helpers.call_action("satudata_daftar_data_revise", id=first["id"])
    assert [d["revision"] for d in helpers.call_action("satudata_daftar_data_list",
                                                       year=2026)] == [2, 1]


def test_carry_over_to_next_year(world):
    agreed = _agree(_draft(world, year=2025), day="2025-02-03", minute="BA/01/2025")
    nxt = helpers.call_action("satudata_daftar_data_carry_over", id=agreed["id"])
    assert (nxt["year"], nxt["revision"], nxt["status"]) == (2026, 1, "draft")
    assert nxt["carried_from_id"] == agreed["id"]
    assert [i["code"] for i in nxt["items"]] == ["DD-001", "DD-002"]
    with pytest.raises(tk.ValidationError):
        helpers.call_action("satudata_daftar_data_carry_over", id=agreed["id"])
    with pytest.raises(tk.ValidationError):  # a draft is not carried over
        helpers.call_action("satudata_daftar_data_carry_over", id=nxt["id"], year=2027)


def test_unknown_opd_and_other_bad_items_save_nothing(world):
    items = [support.item_row("DD-001", "dinas-kesehatan"),
             support.item_row("DD-002", "dinas-tidak-ada"),
             support.item_row("DD-001", "dinas-kesehatan", frequency="sewindu"),
             support.item_row("", "dinas-kesehatan", name="", priority="mungkin")]
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("satudata_daftar_data_create", year=2026, items=items)
    lines = e.value.error_dict["items"]
    assert len(lines) == 3
    assert lines[0].startswith("Row 2:") and "dinas-tidak-ada" in lines[0]
    assert lines[1].startswith("Row 3:") and "sewindu" in lines[1] and "row 1" in lines[1]
    assert lines[2].startswith("Row 4:")
    assert support.count("satudata_blitar_daftar_data") == 0
    assert support.count("satudata_blitar_daftar_data_item") == 0


CSV_OK = ("kode,nama_data,opd,frekuensi,jenis_data,kode_standar_data,satuan,prioritas,catatan\n"
          "DD-101,Jumlah penduduk,dinas-kesehatan,tahunan,statistik,SD-01,jiwa,ya,\n"
          "DD-102,Angka partisipasi sekolah,Dinas Pendidikan,tahunan,statistik,,persen,tidak,"
          "\"catatan, dengan koma\"\n")


def test_import_csv_replaces_items(world):
    dd = _draft(world)
    out = helpers.call_action("satudata_daftar_data_import", id=dd["id"],
                              upload=upload(CSV_OK.encode(), "daftar.csv", "text/csv"))
    assert [i["code"] for i in out["items"]] == ["DD-101", "DD-102"]
    assert out["items"][1]["owner_org"] == world["org_b"]["id"]
    assert out["items"][1]["notes"] == "catatan, dengan koma"
    assert out["items"][1]["priority"] is False


def test_import_with_bad_rows_imports_nothing(world):
    dd = _draft(world)
    bad = CSV_OK + "DD-103,,dinas-kesehatan,tahunan,,,,ya,\nDD-104,X,opd-hantu,,,,,ya,\n"
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("satudata_daftar_data_import", id=dd["id"],
                            upload=upload(bad.encode(), "daftar.csv", "text/csv"))
    lines = e.value.error_dict["items"]
    # spreadsheet row numbers: header is row 1
    assert [line.split(":")[0] for line in lines] == ["Row 4", "Row 5"]
    assert "opd-hantu" in lines[1]
    show = helpers.call_action("satudata_daftar_data_show", id=dd["id"])
    assert [i["code"] for i in show["items"]] == ["DD-001", "DD-002"]


def test_import_refuses_missing_columns_and_semicolons_work(world):
    dd = _draft(world)
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("satudata_daftar_data_import", id=dd["id"],
                            content="kode,nama\nDD-1,x\n")
    assert "nama_data" in e.value.error_dict["upload"][0]
    out = helpers.call_action("satudata_daftar_data_import", id=dd["id"], format="csv",
                              content="kode;nama_data;opd\nDD-7;Data tujuh;dinas-kesehatan\n")
    assert [i["code"] for i in out["items"]] == ["DD-7"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_import_round_trip(world, fmt):
    dd = helpers.call_action("satudata_daftar_data_import", id=_draft(world)["id"],
                             upload=upload(CSV_OK.encode(), "daftar.csv"))
    exported = helpers.call_action("satudata_daftar_data_export", id=dd["id"], format=fmt)
    content = (exported["content"].encode("utf-8") if fmt == "csv"
               else base64.b64decode(exported["content"]))
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        assert sheet["A1"].value == "kode" and sheet["C2"].value == "dinas-kesehatan"
    other = helpers.call_action("satudata_daftar_data_create", year=2025)
    back = helpers.call_action("satudata_daftar_data_import", id=other["id"],
                               upload=upload(content, f"daftar.{fmt}"))
    keys = ("code", "name", "owner_org", "frequency", "data_type", "data_standard", "unit",
            "priority", "notes")
    assert [{k: i[k] for k in keys} for i in back["items"]] == \
        [{k: i[k] for k in keys} for i in dd["items"]]


def test_items_list_realising_datasets(world):
    dd = _draft(world)
    pkg = factories.Dataset(owner_org=world["org_a"]["id"],
                            daftar_data_item="DD-001")
    # a dataset of another OPD naming the code does not realise OPD A's item
    factories.Dataset(owner_org=world["org_b"]["id"],
                      daftar_data_item="DD-001")
    show = helpers.call_action("satudata_daftar_data_show", id=dd["id"])
    assert [d["id"] for d in show["items"][0]["datasets"]] == [pkg["id"]]
    assert show["items"][1]["datasets"] == []
