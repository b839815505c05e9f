"""Workbooks the portal must not open: decompression bombs, lying archives, absurd sheets.

Each is refused by the data check and by the Daftar Data import before it is unpacked, in
well under 2 seconds and 100 MB; a large workbook goes to the background job, which reads it
in bounded memory.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
import zipfile

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import spreadsheets
from ckanext.satudata_blitar.checks import runner
from ckanext.satudata_blitar.checks.engine import check_file
from ckanext.satudata_blitar.checks.messages import render
from ckanext.satudata_blitar.checks.reference import load_reference

from . import xlsx_files as xf
from .conftest import call, indonesian, standard, upload

WIFI = "titik-wifi-publik-kelurahan"
SECONDS = 2.0
GROWTH_MB = 100


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Every odd workbook of this module, built once."""
    d = tmp_path_factory.mktemp("workbooks")
    out = {
        "valid": xf.valid(d / "valid.xlsx"),
        # 250 MB of sheet in well under 1 MB: over the 200 MB limit
        "too_large": xf.bomb(d / "too_large.xlsx", 250, level=1),
        # 40 MB of sheet compressed ~300 times: under the size limit, over the ratio
        "ratio": xf.bomb(d / "ratio.xlsx", 40),
        # the same bomb whose central directory claims 5x its compressed size
        "liar": xf.lie_about_size(xf.bomb(d / "liar.xlsx", 40)),
        "dimensions": xf.write(d / "dimensions.xlsx", [xf.row(1, xf.HEADER)],
                               dimension="A1:XFD1048576"),
        "members": xf.write(d / "members.xlsx", [xf.row(1, xf.HEADER)],
                            extra={f"xl/media/part{i}.bin": b"x" for i in range(1200)}),
        "nested_name": xf.write(d / "nested_name.xlsx", [xf.row(1, xf.HEADER)],
                                extra={"xl/embeddings/inner.zip": xf.small_zip()}),
        "nested_magic": xf.write(d / "nested_magic.xlsx", [xf.row(1, xf.HEADER)],
                                 extra={"xl/media/image1.png": xf.small_zip()}),
        "no_content_types": xf.write(d / "no_ct.xlsx", [xf.row(1, xf.HEADER)],
                                     skip=("[Content_Types].xml",)),
        "odd_content_types": xf.write(
            d / "odd_ct.xlsx", [xf.row(1, xf.HEADER)],
            content_types=xf.CONTENT_TYPES.replace("spreadsheetml.sheet.main", "x")),
        # styles.xml is parsed whole by openpyxl (about 20 bytes of memory per byte)
        "big_part": xf.write(d / "big_part.xlsx", [xf.row(1, xf.HEADER)], extra={
            "xl/styles.xml#stored": b"<styleSheet>" + b" " * (5 * xf.MB) + b"</styleSheet>"}),
        "bzip2": xf.write(d / "bzip2.xlsx", [xf.row(1, xf.HEADER)],
                          sheet_compression=zipfile.ZIP_BZIP2),
    }
    return out


EXPECTED = {
    "too_large": "xlsx-too-large",
    "ratio": "xlsx-ratio",
    "liar": "xlsx-damaged",
    "dimensions": "xlsx-dimensions",
    "members": "xlsx-members",
    "nested_name": "xlsx-nested",
    "nested_magic": "xlsx-nested",
    "no_content_types": "xlsx-content-types",
    "odd_content_types": "xlsx-content-types",
    "big_part": "xlsx-part-too-large",
    "bzip2": "xlsx-encrypted",
}


def test_the_bombs_are_what_they_claim(files):
    """The fixtures really are bombs: small files that unpack to a lot."""
    assert os.path.getsize(files["too_large"]) < 2 * xf.MB
    assert spreadsheets.declared_size(files["too_large"]) > 240 * xf.MB
    assert os.path.getsize(files["ratio"]) < xf.MB
    assert spreadsheets.declared_size(files["ratio"]) > 39 * xf.MB
    # the liar's directory looks harmless; its sheet really holds 40 MB
    assert spreadsheets.declared_size(files["liar"]) < 2 * xf.MB
    assert xf.really_unpacks_to(files["liar"], "xl/worksheets/sheet1.xml", 20 * xf.MB)


def test_bombs_are_refused_fast_in_bounded_memory(files):
    """In a fresh interpreter: every file refused with its reason, each in < 2 s, and the
    process's peak RSS grows < 100 MB over all of them."""
    names = list(EXPECTED)
    paths = [files["valid"]] + [files[n] for n in names]
    script = os.path.join(os.path.dirname(__file__), "xlsx_files.py")
    done = subprocess.run([sys.executable, script, *paths], capture_output=True, text=True,
                          timeout=120, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for name in names:
        measured = result["files"][files[name]]
        assert measured["codes"] == [EXPECTED[name]], (name, measured)
        assert measured["seconds"] < SECONDS, (name, measured)
        assert measured["traced_peak_mb"] < GROWTH_MB, (name, measured)
    assert result["rss_growth_mb"] < GROWTH_MB, result


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_refusal_says_what_to_do(files, name):
    report = check_file(files[name], "xlsx", standard=standard(WIFI), standard_name=WIFI)
    assert report["status"] == "failed"
    errors = [i for i in report["issues"] if i["severity"] == "error"]
    assert [i["code"] for i in errors] == [EXPECTED[name]]
    english = render(errors[0], lambda s: s)
    translated = render(errors[0], indonesian)
    assert english != translated  # an Indonesian message exists
    assert "%(" not in english and "%(" not in translated


def test_refusal_messages(files):
    report = check_file(files["too_large"], "xlsx")
    item = next(i for i in report["issues"] if i["code"] == "xlsx-too-large")
    assert render(item, lambda s: s).startswith("The workbook unpacks to 250")
    assert "200 MB" in render(item, lambda s: s)
    report = check_file(files["ratio"], "xlsx")
    item = next(i for i in report["issues"] if i["code"] == "xlsx-ratio")
    assert "xl/worksheets/sheet1.xml" in render(item, indonesian)


def test_the_valid_workbook_passes(files):
    report = check_file(files["valid"], "xlsx", standard=standard(WIFI), standard_name=WIFI,
                        period=(2025, 2025))
    assert report["status"] == "passed", report["issues"]
    assert report["rows"] == 1


def test_limits_are_configurable(files):
    """A workbook within the defaults is refused by a tighter configured size."""
    tight = spreadsheets.Limits(max_uncompressed=1024)
    report = check_file(files["valid"], "xlsx", xlsx_limits=tight)
    assert [i["code"] for i in report["issues"] if i["severity"] == "error"] == [
        "xlsx-too-large"]


def test_row_and_cell_budgets_stop_the_stream(tmp_path):
    """Rows beyond the budget are never read: counted in the archive, or stopped while
    streaming (a sheet without a declared dimension)."""
    rows = [xf.HEADER] + [("35.72.01.1001", "Kepanjenkidul", i, 2025) for i in range(300)]
    path = xf.write(tmp_path / "rows.xlsx", [xf.row(n, r) for n, r in enumerate(rows, 1)])
    few_rows = spreadsheets.Limits(max_rows=100)
    report = check_file(path, "xlsx", xlsx_limits=few_rows)
    assert [i["code"] for i in report["issues"] if i["severity"] == "error"] == [
        "too-many-rows"]
    few_cells = spreadsheets.Limits(max_cells=400)
    report = check_file(path, "xlsx", xlsx_limits=few_cells)
    errors = [i["code"] for i in report["issues"] if i["severity"] == "error"]
    assert errors == ["too-many-cells"]
    assert report["rows"] < 101  # 400 cells of 4 columns: the stream stopped at row 100


def test_a_sheet_that_skips_to_the_last_excel_row_is_read_in_bounded_time(tmp_path):
    """Row numbers far apart make openpyxl yield every row in between: the check stops at its
    error limit instead of reading a million empty rows."""
    path = xf.write(tmp_path / "gap.xlsx", [
        xf.row(1, xf.HEADER), xf.row(2, ("35.72.01.1001", "Kepanjenkidul", 3, 2025)),
        xf.row(1048576, ("35.72.01.1001", "Kepanjenkidul", 3, 2025))])
    started = time.perf_counter()
    report = check_file(path, "xlsx", standard=standard(WIFI), standard_name=WIFI,
                        limit_errors=50)
    assert time.perf_counter() - started < 10
    assert report["truncated"] and report["error_count"] == 50
    rows = {i["row"] for i in report["issues"] if i["severity"] == "error"}
    assert min(rows) == 3 and max(rows) < 100  # the empty rows after row 2, then it stopped


# -- through the actions -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for):
    """One database for the action tests of this module: an OPD and a draft Daftar Data."""
    import ckan.plugins

    ckan.plugins.load_all()  # module fixtures run before the test's with_plugins
    reset_db()
    migrate_db_for("activity")
    migrate_db_for("satudata_blitar")
    migrate_db_for("satudata_search")
    org = factories.Organization(name="dinas-kesehatan")
    dd = helpers.call_action("satudata_daftar_data_create", year=2026)
    return {"org": org, "dd": dd}


#: what the Daftar Data import says (it reads at most 20 MB of unpacked workbook)
IMPORT_REFUSALS = {
    "too_large": "The workbook unpacks to 250",
    "ratio": "The workbook unpacks to 40",
    "liar": "The part xl/worksheets/sheet1.xml of the workbook is damaged",
    "dimensions": "declares 1048576 rows and 16384 columns",
    "nested_name": "contains another archive (xl/embeddings/inner.zip)",
}


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("name", sorted(IMPORT_REFUSALS))
def test_daftar_data_import_refuses_the_bomb(world, files, name):
    dd = world["dd"]
    with open(files[name], "rb") as f:
        data = f.read()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(tk.ValidationError) as error:
            helpers.call_action("satudata_daftar_data_import", id=dd["id"],
                                upload=upload(data, "daftar.xlsx"))
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seconds < SECONDS
    assert peak < GROWTH_MB * xf.MB
    assert IMPORT_REFUSALS[name] in error.value.error_dict["upload"][0]
    assert helpers.call_action("satudata_daftar_data_show", id=dd["id"])["items"] == []


@pytest.mark.usefixtures("with_plugins")
def test_daftar_data_import_limits_rows(world):
    dd, org = world["dd"], world["org"]
    lines = "".join(f"DD-{i},Data {i},{org['name']}\n" for i in range(10_000))
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("satudata_daftar_data_import", id=dd["id"],
                            content="kode,nama_data,opd\n" + lines)
    assert "10000 rows" in error.value.error_dict["upload"][0]


def _dataset(world, name, start="2025", end="2025"):
    return call("package_create", name=name, owner_org=world["org"]["id"], standar_data=WIFI,
                periode_referensi_mulai=start, periode_referensi_selesai=end)


@pytest.mark.usefixtures("with_plugins")
def test_an_uploaded_bomb_is_refused_during_the_upload(world, files):
    """A bomb is refused from its table of contents, so the upload request checks it at once
    (nothing to queue) and the web process never unpacks it."""
    with open(files["too_large"], "rb") as f:
        data = f.read()
    started = time.perf_counter()
    res = call("resource_create", package_id=_dataset(world, "bom")["id"], format="XLSX",
               url="", upload=upload(data, "bom.xlsx"))
    assert time.perf_counter() - started < 5  # the whole resource_create
    check = call("satudata_resource_check_show", id=res["id"])
    assert check["status"] == "failed"
    assert check["report"]["issues"][0]["code"] == "xlsx-too-large"
    assert "200 MB" in check["report"]["issues"][0]["message"]


@pytest.mark.usefixtures("with_plugins", "clean_redis")
@pytest.mark.ckan_config("ckanext.satudata_blitar.checks.sync_max_bytes", "20000")
def test_a_workbook_that_unpacks_beyond_the_sync_size_goes_to_the_job(world, tmp_path):
    """A small workbook that unpacks to 100+ KB is checked by the job, like a 100 KB CSV."""
    kelurahan = [a for a in load_reference().areas if a.level == "kelurahan"]
    rows = [xf.HEADER] + [(a.kemendagri, a.name, 3, year) for year in range(1992, 2026)
                          for a in kelurahan]
    path = xf.write(tmp_path / "big.xlsx", [xf.row(n, r) for n, r in enumerate(rows, 1)])
    assert os.path.getsize(path) < 20000 < spreadsheets.declared_size(path)
    with open(path, "rb") as f:
        res = call("resource_create", package_id=_dataset(world, "big", "1990", "2025")["id"],
                   format="XLSX", url="", upload=upload(f.read(), "big.xlsx"))
    assert call("satudata_resource_check_show", id=res["id"])["status"] == "pending"
    assert runner.run_check_job(res["id"]) == "passed"  # what the worker does
    model.Session.expire_all()
    done = call("satudata_resource_check_show", id=res["id"])
    assert done["report"]["rows"] == len(rows) - 1
