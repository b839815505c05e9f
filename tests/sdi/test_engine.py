"""The data-standard check of single files (no database): each check, valid and invalid."""
from __future__ import annotations

import os
import shutil

import openpyxl
import pytest

from ckanext.satudata_blitar.checks.engine import check_file
from ckanext.satudata_blitar.checks.messages import render

from .conftest import fixture_path, standard

WIFI = "titik-wifi-publik-kelurahan"


def _check(name: str, std: str = WIFI, period=(2025, 2025), **kw):
    return check_file(fixture_path(name), standard=standard(std), standard_name=std,
                      period=period, **kw)


def _codes(report, severity="error"):
    return [i["code"] for i in report["issues"] if i["severity"] == severity]


def _english(item):
    return render(item, lambda s: s)


@pytest.mark.parametrize("name, std", [
    ("wifi_valid.csv", WIFI),
    ("wifi_area_bps.csv", WIFI),
    ("wifi_semicolon.csv", WIFI),
    ("wifi_cp1252.csv", WIFI),
    ("penduduk_indonesian_numbers.csv", "penduduk-kelurahan-jenis-kelamin"),
    ("imunisasi_decimal_comma.csv", "imunisasi-dasar-kecamatan"),
])
def test_valid_files_pass(name, std):
    report = _check(name, std)
    assert report["status"] == "passed", report["issues"]
    assert report["valid"] and report["error_count"] == 0
    assert report["rows"] >= 2


@pytest.mark.parametrize("name, code, row, column", [
    ("wifi_area_unknown.csv", "area-code-unknown", 4, "kode_wilayah"),
    ("wifi_area_mixed.csv", "area-code-mixed", 3, "kode_wilayah"),
    ("wifi_area_level.csv", "area-code-level", 3, "kode_wilayah"),
    ("wifi_year_outside.csv", "year-outside-period", 3, "tahun"),
    ("wifi_negative.csv", "negative-count", 2, "titik_wifi"),
    ("wifi_duplicate_key.csv", "duplicate-key", 4, None),
    ("wifi_header_missing.csv", "header-missing-required", None, "titik_wifi"),
    ("wifi_bad_values.csv", "type-error", 2, "titik_wifi"),
    ("wifi_bad_values.csv", "extra-cell", 4, None),
    ("penduduk_mixed_numbers.csv", "number-format-indonesian", 3, "laki_laki"),
    ("wifi_required_missing.csv", "required-missing", 2, "titik_wifi"),
])
def test_invalid_files_name_row_and_column(name, code, row, column):
    std = "penduduk-kelurahan-jenis-kelamin" if name.startswith("penduduk") else WIFI
    report = _check(name, std)
    assert report["status"] == "failed"
    found = [i for i in report["issues"] if i["code"] == code]
    assert found, report["issues"]
    assert found[0].get("row") == row
    assert found[0].get("column") == column


@pytest.mark.parametrize("name, code", [
    ("empty.csv", "file-empty"),
    ("wifi_header_only.csv", "file-no-rows"),
    ("image_renamed.csv", "file-binary"),
    ("wifi_mixed_encoding.csv", "file-encoding-mixed"),
    ("wifi_wrong_delimiter.csv", "file-delimiter-unknown"),
])
def test_bad_input_gets_one_clear_error(name, code):
    report = _check(name)
    assert report["status"] == "failed"
    assert _codes(report) == [code]


def test_example_message_from_the_issue():
    report = _check("wifi_area_unknown.csv")
    item = next(i for i in report["issues"] if i["code"] == "area-code-unknown")
    assert _english(item) == (
        "Row 4, column kode_wilayah: '35.72.9' is not an area code of Kota Blitar. "
        "Use a code from the reference list, for example 35.72.01.1001.")


def test_area_code_system_is_reported():
    assert _check("wifi_valid.csv")["area_code_system"] == "kemendagri"
    assert _check("wifi_area_bps.csv")["area_code_system"] == "bps"
    mixed = _check("wifi_area_mixed.csv")
    item = next(i for i in mixed["issues"] if i["code"] == "area-code-mixed")
    assert "BPS" in _english(item) and "Kemendagri" in _english(item)
    assert "35.72.01.1002" in _english(item)  # the same kelurahan in the file's system


def test_encoding_detected_and_reported():
    assert _check("wifi_valid.csv")["encoding"] == "utf-8"
    legacy = _check("wifi_cp1252.csv")
    assert legacy["encoding"] == "cp1252"
    assert "file-encoding-legacy" in _codes(legacy, "warning")
    mixed = _check("wifi_mixed_encoding.csv")
    assert "Line 3" in _english(mixed["issues"][0])


def test_indonesian_separators_are_read_as_numbers():
    report = _check("penduduk_indonesian_numbers.csv", "penduduk-kelurahan-jenis-kelamin")
    assert report["number_format"] == "indonesian"
    assert report["delimiter"] == ";"
    assert "number-format-detected" in _codes(report, "info")
    assert "file-delimiter" in _codes(report, "warning")


def test_header_typo_gets_a_suggestion():
    report = _check("wifi_header_unknown.csv")
    item = next(i for i in report["issues"] if i["code"] == "header-unknown-suggest")
    assert item["column"] == "Titik Wifi"
    assert "Did you mean titik_wifi?" in _english(item)
    assert "header-unknown" in _codes(report)  # keterangan: no close match


def test_year_check_needs_a_period():
    assert _check("wifi_year_outside.csv", period=(None, None))["status"] == "passed"
    assert _check("wifi_year_outside.csv", period=(2019, 2025))["status"] == "passed"


def test_without_standard_general_checks_still_run():
    report = check_file(fixture_path("wifi_area_unknown.csv"), standard=None)
    assert "no-standard" in _codes(report, "warning")
    assert "area-code-unknown" in _codes(report)


def test_error_limit_truncates_and_says_so(tmp_path):
    path = tmp_path / "many.csv"
    rows = "".join(f"35.72.9,X,{i},2025\n" for i in range(50))
    path.write_text("kode_wilayah,kelurahan,titik_wifi,tahun\n" + rows)
    report = check_file(str(path), standard=standard(WIFI), standard_name=WIFI, limit_errors=10)
    assert report["error_count"] == 10 and report["truncated"]
    assert "too-many-errors" in _codes(report, "warning")


def test_the_file_is_never_modified(tmp_path):
    for name in ("wifi_area_unknown.csv", "image_renamed.csv", "wifi_mixed_encoding.csv"):
        copy = tmp_path / name
        shutil.copy(fixture_path(name), copy)
        before = copy.read_bytes()
        check_file(str(copy), standard=standard(WIFI), standard_name=WIFI)
        assert copy.read_bytes() == before


# -- XLSX -------------------------------------------------------------------------------------

def _xlsx(tmp_path, rows, *, sheets=1, merge=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data"
    for r in rows:
        sheet.append(r)
    if merge:
        sheet.merge_cells(merge)
    for n in range(1, sheets):
        book.create_sheet(f"lain{n}").append(["catatan"])
    path = tmp_path / "data.xlsx"
    book.save(path)
    return str(path)


HEADER = ["kode_wilayah", "kelurahan", "titik_wifi", "tahun"]


def test_xlsx_valid(tmp_path):
    path = _xlsx(tmp_path, [HEADER, ["35.72.01.1001", "Kepanjenkidul", 3, 2025],
                            ["35.72.01.1002", "Ngadirejo", 9, 2025]])
    report = check_file(path, "xlsx", standard=standard(WIFI), standard_name=WIFI,
                        period=(2025, 2025))
    assert report["status"] == "passed", report["issues"]
    assert report["sheet"] == "data" and report["rows"] == 2


def test_xlsx_errors_name_the_excel_row(tmp_path):
    path = _xlsx(tmp_path, [HEADER, ["35.72.01.1001", "Kepanjenkidul", -1, 2025],
                            ["35.72.9", "Tanjungsari", 2, 2025]])
    report = check_file(path, "xlsx", standard=standard(WIFI), standard_name=WIFI)
    by_code = {i["code"]: i for i in report["issues"]}
    assert by_code["negative-count"]["row"] == 2
    assert by_code["area-code-unknown"]["row"] == 3


def test_xlsx_several_sheets_warns_which_sheet_was_checked(tmp_path):
    path = _xlsx(tmp_path, [HEADER, ["35.72.01.1001", "Kepanjenkidul", 3, 2025]], sheets=3)
    report = check_file(path, "xlsx", standard=standard(WIFI), standard_name=WIFI)
    assert report["status"] == "passed"
    item = next(i for i in report["issues"] if i["code"] == "xlsx-sheets")
    assert "3 sheets" in _english(item) and "'data'" in _english(item)


def test_xlsx_merged_header_cells_are_refused(tmp_path):
    path = _xlsx(tmp_path, [HEADER, ["35.72.01.1001", "Kepanjenkidul", 3, 2025]], merge="A1:B1")
    report = check_file(path, "xlsx", standard=standard(WIFI), standard_name=WIFI)
    assert _codes(report) == ["xlsx-merged-header"]
    assert "A1:B1" in _english(report["issues"][0])


def test_csv_renamed_xlsx_is_refused(tmp_path):
    path = tmp_path / "data.xlsx"
    shutil.copy(fixture_path("wifi_valid.csv"), path)
    report = check_file(str(path), "xlsx", standard=standard(WIFI), standard_name=WIFI)
    assert _codes(report) == ["file-unreadable"]


def test_xlsx_renamed_csv_is_refused(tmp_path):
    path = _xlsx(tmp_path, [HEADER, ["35.72.01.1001", "Kepanjenkidul", 3, 2025]])
    renamed = os.path.join(tmp_path, "data.csv")
    shutil.copy(path, renamed)
    report = check_file(renamed, "csv", standard=standard(WIFI), standard_name=WIFI)
    assert _codes(report) == ["file-binary"]
    assert "Excel" in _english(report["issues"][0])


# -- formula-like cells -------------------------------------------------------------------------

def test_formula_like_text_is_a_warning_with_row_and_column(tmp_path):
    path = tmp_path / "rumus.csv"
    path.write_text("kode_wilayah,kelurahan,titik_wifi,tahun\n"
                    "35.72.01.1001,Kepanjenkidul,3,2025\n"
                    '35.72.01.1002,"=HYPERLINK(""http://contoh.test"",""klik"")",9,2025\n'
                    "35.72.01.1003,-,4,2025\n"
                    "35.72.01.1004,@SUM(A1),2,2025\n"
                    '35.72.01.1005,"\tTab",2,2025\n', encoding="utf-8")
    report = check_file(str(path), standard=standard(WIFI), standard_name=WIFI,
                        period=(2025, 2025))
    assert report["status"] == "passed"  # a warning, not an error
    found = [(i["row"], i["column"], i["value"]) for i in report["issues"]
             if i["code"] == "formula-like-cell"]
    assert found == [(3, "kelurahan", '=HYPERLINK("http://contoh.test","klik")'),
                     (5, "kelurahan", "@SUM(A1)"), (6, "kelurahan", "\tTab")]
    item = next(i for i in report["issues"] if i["code"] == "formula-like-cell")
    assert item["severity"] == "warning"
    assert _english(item).startswith(
        "Row 3, column kelurahan: '=HYPERLINK(\"http://contoh.test\",\"klik\")' starts with '='")
    from .conftest import indonesian
    assert render(item, indonesian).startswith("Baris 3, kolom kelurahan:")
    assert "diawali '='" in render(item, indonesian)
    tab = [i for i in report["issues"] if i["code"] == "formula-like-cell"][-1]
    assert "starts with a tab" in _english(tab)


def test_formula_like_cells_in_xlsx_and_the_count_beyond_the_list(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for n in range(2, 32):
        sheet.append(["35.72.01.1001", f"=A{n}", n, 2025])
        sheet.cell(row=n, column=2).data_type = "s"  # text typed as '=A2, not a formula
    path = str(tmp_path / "rumus.xlsx")
    book.save(path)
    report = check_file(path, "xlsx")  # no standard: text columns come from the data
    listed = [i for i in report["issues"] if i["code"] == "formula-like-cell"]
    assert len(listed) == 20 and listed[0]["row"] == 2 and listed[0]["column"] == "kelurahan"
    more = next(i for i in report["issues"] if i["code"] == "formula-like-more")
    assert more["params"] == {"count": 30, "shown": 20}
    assert "30 cells" in _english(more)
