"""The fixture year 2025: the JSON document equals a hand-computed answer, and the PDF,
XLSX and CSV carry the same numbers.

Working days are counted in (start, end]. Hand computation of every step (WIB dates):

review (submit → verify), SOP standard 5:
  d6  2024-12-20 → 2025-01-06  23, 24, 27, 30, 31 Dec, 2, 3, 6 Jan
                               (25 Christmas, 26 cuti, 1 Jan New Year)           = 8
  d1  03-26 → 04-09            27 Mar, 8, 9 Apr (28 Mar cuti Nyepi, 31 Mar–1 Apr
                               Idul Fitri, 2–4 and 7 Apr cuti Idul Fitri)         = 3
  d2  05-05 → 05-21, returned 05-07 … resubmitted 05-19: 6, 7 + 20, 21 May       = 4
  d3  07-01 → 07-03                                                               = 2
  d7  08-04 → 08-06                                                               = 2
  d7  08-15 → 08-20            19, 20 Aug (18 Aug cuti Independence Day)          = 2
  d4  12-22 → 12-23                                                               = 1
  sorted 1 2 2 2 3 4 8: median 2.0; p90 at rank 5.4 → 4 + 0.4 × 4 = 5.6; ≤ 5: 6 of 7
validation (verify → validate), SOP standard 5:
  d6  01-06 → 01-08 = 2;  d1  04-09 → 04-14 = 3;  d3  07-03 → 07-04 = 1
  d2  05-21 → 06-04            22, 23, 26, 27, 28 May, 2, 3, 4 Jun
                               (29 May Ascension, 30 May cuti)                    = 8
  d7  verified 08-06, returned 08-08, re-verified 08-20, validated 08-22:
      7, 8 + 21, 22 Aug (the return pauses the clock until the next verify)      = 4
  sorted 1 2 3 4 8: median 3.0; p90 at rank 3.6 → 4 + 0.6 × 4 = 6.4; ≤ 5: 4 of 5
  (d4 is validated on 2026-01-05: outside the year)
publication (validate → publish), no SOP standard:
  d6  01-08 → 01-10 (published 9 Jan 20:00 UTC = 10 Jan WIB) = 2;  d1 = 1;  d3 = 1
  d2  06-04 → 06-10            5, 10 Jun (6 Jun Idul Adha, 9 Jun cuti)            = 2
  sorted 1 1 2 2: median 1.5; p90 at rank 2.7 → 2.0
"""
from __future__ import annotations

import csv
import io
import os

import pytest
from openpyxl import load_workbook

from ckan.tests import helpers

from ckanext.satudata_blitar.report import compute, render

pytestmark = [pytest.mark.usefixtures("with_plugins")]

A = {"name": "dinas-kesehatan", "title": "Dinas Kesehatan"}
B = {"name": "dinas-pendidikan", "title": "Dinas Pendidikan"}
C = {"name": "dinas-sosial", "title": "Dinas Sosial"}


def expected(world) -> dict:
    orgs = world["orgs"]
    ds = world["datasets"]
    quality_map = compute.INDICATORS
    return {
        "kind": "satudata_report_annual", "version": "1.0", "scope": "full", "year": 2025,
        "organization": None, "region": "Kota Blitar",
        "period": {"start": "2025-01-01", "end": "2025-12-31", "as_of": "2025-12-31",
                   "complete": True},
        "standards": {"review": 5, "validation": 5, "publication": None},
        "summary": {
            "opd_count": 3, "opds_with_items": 2, "items_planned": 5, "items_realised": 2,
            "realisation_rate": 40.0, "datasets_published": 3, "datasets_total": 7,
            "datasets_by_state": {"draft": 2, "submitted": 0, "verified": 1, "validated": 1,
                                  "published": 3},
        },
        "opds": [
            {"id": orgs["a"]["id"], **A, "items_planned": 3, "items_realised": 2,
             "realisation_rate": 66.7,
             # due 30 Jan: 27 Jan Isra Mikraj, 28 cuti Imlek, 29 Imlek are not working days
             "statement": {"status": "on_time", "number": "400/1/410.102/2025",
                           "letter_date": "2025-01-30", "filed": "2025-01-30",
                           "due": "2025-01-30"},
             "datasets": {"submitted": 3, "verified": 3, "validated": 3, "published": 3,
                          "returned": 1, "withdrawn": 1},
             "state_at_end": {"draft": 1, "submitted": 0, "verified": 0, "validated": 0,
                              "published": 2}},
            {"id": orgs["b"]["id"], **B, "items_planned": 2, "items_realised": 0,
             "realisation_rate": 0.0,
             "statement": {"status": "late", "number": "400/2/410.103/2025",
                           "letter_date": "2025-01-31", "filed": "2025-01-31",
                           "due": "2025-01-30"},
             "datasets": {"submitted": 1, "verified": 2, "validated": 1, "published": 1,
                          "returned": 0, "withdrawn": 0},
             "state_at_end": {"draft": 1, "submitted": 0, "verified": 1, "validated": 0,
                              "published": 1}},
            {"id": orgs["c"]["id"], **C, "items_planned": 0, "items_realised": 0,
             "realisation_rate": None, "statement": {"status": "not_required"},
             "datasets": {"submitted": 1, "verified": 1, "validated": 1, "published": 0,
                          "returned": 1, "withdrawn": 0},
             "state_at_end": {"draft": 0, "submitted": 0, "verified": 0, "validated": 1,
                              "published": 0}},
        ],
        "timing": {
            "review": {"standard_days": 5, "count": 7, "median": 2.0, "p90": 5.6,
                       "within_standard": 6, "within_standard_rate": 85.7},
            "validation": {"standard_days": 5, "count": 5, "median": 3.0, "p90": 6.4,
                           "within_standard": 4, "within_standard_rate": 80.0},
            "publication": {"standard_days": None, "count": 4, "median": 1.5, "p90": 2.0,
                            "within_standard": None, "within_standard_rate": None},
        },
        "quality": {
            "published_total": 3, "official_score": False,
            "indicators": {
                # d6 lacks konsep; d6 has no standard, area 35.99 (unknown) and a PDF only;
                # d6 is monthly, published 10 Jan, due again 10 Feb: late; d2 is irregular
                "complete_metadata": {"count": 2, "total": 3, "rate": 66.7,
                                      **quality_map["complete_metadata"]},
                "registered_standard": {"count": 2, "total": 3, "rate": 66.7,
                                        **quality_map["registered_standard"]},
                "reference_codes": {"count": 2, "total": 3, "rate": 66.7,
                                    **quality_map["reference_codes"]},
                "machine_readable": {"count": 2, "total": 3, "rate": 66.7,
                                     **quality_map["machine_readable"]},
                "updated_on_time": {"count": 1, "total": 2, "rate": 50.0,
                                    **quality_map["updated_on_time"]},
            },
            "returns": {"total": 2, "by_reason": {
                "metadata_tidak_lengkap": 1, "standar_data_tidak_sesuai": 1,
                "kode_wilayah_salah": 0, "data_tidak_valid": 0, "duplikasi": 0, "lainnya": 0}},
            # d4's check finished in 2024
            "data_checks": {"checked": 3, "passed": 2, "failed": 1, "pass_rate": 66.7,
                            "principles": ["standar_data"], "epss": ["10101"]},
        },
        "letters": [
            {"number": n, "letter_date": day, "subject": "Validasi data sektoral",
             "organization": org["name"], "organization_title": org["title"],
             "signatory_name": "Dr. Sri Wahyuni", "signatory_position": "Kepala Dinas",
             "datasets": [ds[d]["name"]]}
            for n, day, org, d in (
                ("000.5/1/410.111/2025", "2025-01-08", B, "d6"),
                ("000.5/2/410.111/2025", "2025-04-14", A, "d1"),
                ("000.5/3/410.111/2025", "2025-06-04", A, "d2"),
                ("000.5/4/410.111/2025", "2025-07-04", A, "d3"),
                ("000.5/5/410.111/2025", "2025-08-22", C, "d7"))
        ],
        "published_datasets": [
            {"id": ds["d2"]["id"], "name": "d2-faskes", "title": "Fasilitas Kesehatan 2025",
             "organization": A["name"], "organization_title": A["title"],
             "published_at": "2025-06-10", "frequency": "insidental", "daftar_data_item": "K2",
             "standar_data": "fasilitas-kesehatan-kecamatan"},
            {"id": ds["d1"]["id"], "name": "d1-penduduk", "title": "Jumlah Penduduk 2025",
             "organization": A["name"], "organization_title": A["title"],
             "published_at": "2025-04-15", "frequency": "tahunan", "daftar_data_item": "K1",
             "standar_data": "penduduk-kelurahan-jenis-kelamin"},
            {"id": ds["d6"]["id"], "name": "d6-guru", "title": "Guru Honorer 2024",
             "organization": B["name"], "organization_title": B["title"],
             "published_at": "2025-01-10", "frequency": "bulanan", "daftar_data_item": None,
             "standar_data": None},
        ],
        "epss": compute.EPSS,
        # no dataset of the fixture year was updated through a revision (docs/revisions.md)
        "updates": {"total": {"updates": 0, "on_time": 0, "late": 0, "without_due_date": 0,
                              "median_working_days_submit_to_publish": None},
                    "by_opd": {}},
        "evaluation": {
            "notes": [{"section": "realisasi",
                       "text": "Realisasi Dinas Pendidikan perlu pendampingan.",
                       "created_by": None, "created_at": "2026-01-12T03:00:00"}],
            "deliveries": [{"delivered_date": "2026-01-15",
                            "letter_number": "000.5/12/410.111/2026",
                            "recipient": "Wali Kota Blitar", "copies": 2, "notes": None}],
        },
    }


@pytest.fixture(scope="module")
def document(year_world):
    return helpers.call_action("satudata_report_annual", year=2025)


def test_json_equals_hand_computed_answer(year_world, document):
    want = expected(year_world)
    got = dict(document)
    dd = got.pop("daftar_data")
    assert dd["revision"] == 1 and dd["agreed_date"] == "2025-01-20"
    assert dd["minute_number"] == "BA/01/Forum-SD/2025"
    for key in want:  # section by section: a failure names the section
        assert got[key] == want[key], key
    assert set(got) == set(want)


def test_public_summary_has_published_facts_only(year_world):
    doc = helpers.call_action("satudata_report_public", year=2025)
    assert doc["scope"] == "public"
    assert doc["summary"] == {"opd_count": 3, "opds_with_items": 2, "items_planned": 5,
                              "items_realised": 2, "realisation_rate": 40.0,
                              "datasets_published": 3}
    assert [(o["name"], o["published"], o["items_realised"]) for o in doc["opds"]] == [
        ("dinas-kesehatan", 2, 2), ("dinas-pendidikan", 1, 0), ("dinas-sosial", 0, 0)]
    for private in ("timing", "letters", "evaluation", "standards"):
        assert private not in doc
    assert set(doc["quality"]) == {"published_total", "indicators", "official_score"}
    assert "updated_on_time" not in doc["quality"]["indicators"]
    names = {d["name"] for d in doc["published_datasets"]}
    assert names == {"d1-penduduk", "d2-faskes", "d6-guru"}
    text = compute.canonical_json(doc).decode()
    for secret in ("d4-sekolah", "d5-aps", "d7-bansos", "d3-imunisasi", "000.5/",
                   "400/1/", "Wali Kota", "metadata_tidak_lengkap"):
        assert secret not in text


def test_one_organization(year_world):
    doc = helpers.call_action("satudata_report_annual", year=2025,
                              organization="dinas-pendidikan")
    assert doc["organization"]["name"] == "dinas-pendidikan"
    assert doc["summary"]["items_planned"] == 2
    assert doc["summary"]["datasets_total"] == 3
    assert [o["name"] for o in doc["opds"]] == ["dinas-pendidikan"]
    assert doc["timing"]["review"]["count"] == 2  # d6 (8) and d4 (1)
    assert [x["number"] for x in doc["letters"]] == ["000.5/1/410.111/2025"]


def test_sha256_is_stable(year_world, document):
    again = helpers.call_action("satudata_report_annual", year=2025)
    assert compute.document_sha256(again) == compute.document_sha256(document)


# -- renderings carry the same numbers ----------------------------------------------------------
def test_csv_rows(year_world, document):
    with render.i18n_context():
        data = render.to_csv(document)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    by_first = {r[0]: r for r in rows if r}
    assert by_first["Butir Daftar Data yang direncanakan"][1] == "5"
    assert by_first["Butir terealisasi (terpublikasi)"][1] == "2"
    assert by_first["Tingkat realisasi (%)"][1] == "40.0"
    assert by_first["Dinas Kesehatan"][1:5] == ["3", "2", "66.7", "Tepat waktu (30 Januari 2025)"]
    assert by_first["Dinas Kesehatan"][5:] == ["3", "3", "3", "3", "1", "1"]
    assert by_first["Dinas Pendidikan"][4] == "Terlambat (31 Januari 2025)"
    review = next(r for r in rows if r and r[0].startswith("Pemeriksaan"))
    assert review[1:] == ["5", "7", "2.0", "5.6", "6", "85.7"]
    validation = next(r for r in rows if r and r[0].startswith("Validasi ("))
    assert validation[1:] == ["5", "5", "3.0", "6.4", "4", "80.0"]
    # the report's tables write dates for people (formats.py); the JSON keeps ISO 8601
    assert by_first["000.5/3/410.111/2025"][1] == "4 Juni 2025"


def test_xlsx_cells(year_world, document):
    with render.i18n_context():
        data = render.to_xlsx(document)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:3] == ["Ringkasan", "Realisasi per OPD", "Waktu per tahap (hari kerja)"]
    summary = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(min_row=3, values_only=True)}
    assert summary["Butir Daftar Data yang direncanakan"] == 5
    assert summary["Tingkat realisasi (%)"] == 40.0
    opds = {r[0]: r for r in wb["Realisasi per OPD"].iter_rows(min_row=3, values_only=True)}
    assert opds["Dinas Kesehatan"][1:4] == (3, 2, 66.7)
    timing = list(wb["Waktu per tahap (hari kerja)"].iter_rows(min_row=3, max_row=5,
                                                                values_only=True))
    assert [t[1:] for t in timing] == [(5, 7, 2.0, 5.6, 6, 85.7), (5, 5, 3.0, 6.4, 4, 80.0),
                                        (None, 4, 1.5, 2.0, None, None)]


def test_pdf_text(year_world, document):
    import pypdf

    with render.i18n_context():
        data = render.to_pdf(document, compute.document_sha256(document))
    if os.environ.get("REPORT_PDF_DUMP"):  # look at it: pdftoppm -png FILE page
        with open(os.environ["REPORT_PDF_DUMP"], "wb") as f:
            f.write(data)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    cover = " ".join(reader.pages[0].extract_text().split())
    assert "PEMERINTAH KOTA BLITAR" in cover
    assert "Laporan Penyelenggaraan Statistik Sektoral" in cover.replace("T ahun", "Tahun")
    assert "2025" in cover and compute.document_sha256(document)[:20] in cover
    # pypdf may split words at kerning ("T epat"): compare without any whitespace
    text = "".join("".join(page.extract_text() for page in reader.pages).split())

    def has(phrase: str) -> bool:
        return "".join(phrase.split()) in text

    assert has("Halaman 2 dari")
    # Indonesian numbers: decimal comma
    assert has("Tingkat realisasi (%) 40,0")
    assert has("Dinas Kesehatan 3 2 66,7 Tepat waktu (30 Januari 2025) 3 3 3 3 1 1")
    assert has("5 7 2,0 5,6 6 85,7")
    assert has("5 5 3,0 6,4 4 80,0")
    assert has("000.5/12/410.111/2026")
    assert has("bukan skor resmi EPSS")

