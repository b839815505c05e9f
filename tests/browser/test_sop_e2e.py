"""The SOP walked end to end in Debian's Chromium against the real portal.

Six steps, one test each, in order; each later step is skipped when an earlier one failed
(pytest-playwright keeps a screenshot of the failing step in ``test-results/``):

1. a producer creates a dataset through the form, uploads a CSV with a wrong area code, sees
   the Indonesian message naming the row and column, uploads a fixed file and submits;
2. anonymous search and the dataset URL do not show it;
3. the Walidata returns it with a reason; the producer sees the reason, fixes, resubmits;
4. the Walidata verifies; the Kepala OPD records a letter with a PDF; the Walidata publishes;
5. anonymous search finds it and downloads the CSV; the timeline shows every step;
6. the Sekretariat SDI opens the annual report page and downloads the PDF.

Every step goes through the pages with clicks and form fields, never the API.
"""
from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
WRONG_CSV = ROOT / "demo" / "data" / "titik_wifi_publik_kelurahan_2025_salah.csv"
PASSWORD = "SatuData-Blitar-2026"
OPD = "diskominfotik"
PRODUCER = f"{OPD}-produsen"
HEAD = f"{OPD}-kepala"
STAMP = time.strftime("%H%M%S")
TITLE = f"Titik Wifi Uji Alur {STAMP}"
#: what the steps share (dataset name, resource id); ``failed`` stops the later steps
STATE: dict[str, Any] = {"failed": None}


@pytest.fixture(autouse=True)
def _in_order(request: pytest.FixtureRequest):
    """Skip a step when an earlier one failed; remember a failure for the next steps."""
    if STATE["failed"]:
        pytest.skip(f"an earlier step failed: {STATE['failed']}")
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        STATE["failed"] = request.node.name


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wrong CSV (as shipped with the demo), a fixed copy and a small signed-letter PDF."""
    folder = tmp_path_factory.mktemp("sop_e2e")
    wrong = folder / "titik_wifi_publik_kelurahan_2025_salah.csv"
    wrong.write_bytes(WRONG_CSV.read_bytes())
    text = WRONG_CSV.read_text(encoding="utf-8")
    assert "35.72.9," in text
    fixed = folder / "titik_wifi_publik_kelurahan_2025.csv"
    fixed.write_text(text.replace("35.72.9,", "35.72.02.1007,"), encoding="utf-8")
    pdf = folder / "surat_validasi.pdf"
    pdf.write_bytes(_letter_pdf(f"Surat validasi {STAMP}"))
    return {"wrong": wrong, "fixed": fixed, "pdf": pdf}


def _letter_pdf(line: str) -> bytes:
    """A one-page PDF with a correct cross-reference table (what a scanner would give)."""
    content = f"BT /F1 14 Tf 72 760 Td ({line}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


# -- page helpers ---------------------------------------------------------------------------------
def _login(page: Page, user: str) -> None:
    page.context.clear_cookies()
    page.goto("/user/login")
    page.fill("#field-login", user)
    page.fill("#field-password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator(f".account a[href$='/user/{user}']")).to_be_visible(timeout=15000)


def _logout(page: Page) -> None:
    page.context.clear_cookies()


def _confirm(page: Page) -> None:
    """Press the confirmation button of a transition page and wait for the dataset page."""
    page.locator("#satudata-confirm").click()
    page.wait_for_url(re.compile(r"/dataset/[^/]+$"))


def _panel(page: Page):
    """The workflow panel (the dataset page may also hold the revision panel)."""
    return page.locator("section#alur-kerja")


def _nav(page: Page, label: str) -> None:
    """Open a role page from the header's navigation (the breadcrumb may name it too)."""
    page.locator("li.satudata-nav").get_by_role("link", name=label, exact=True).click()


def _my_datasets(page: Page) -> None:
    _nav(page, "Dataset Saya")


# -- the six steps --------------------------------------------------------------------------------
def test_1_producer_creates_uploads_fixes_and_submits(page: Page, files: dict[str, Path]) -> None:
    _login(page, PRODUCER)
    _my_datasets(page)
    page.get_by_role("link", name="Tambah Dataset").click()
    page.fill("#field-title", TITLE)
    name = page.input_value("#field-name")
    if not name:  # the slug module did not run: type the URL ourselves
        name = re.sub(r"[^a-z0-9]+", "-", TITLE.lower()).strip("-")
        page.evaluate("n => document.querySelector('#field-name').value = n", name)
    STATE["name"] = name
    page.fill("#field-notes", "Titik wifi publik per kelurahan (uji alur SOP).")
    page.fill("#field-maintainer", "Pengelola Data Diskominfotik")
    page.fill("#field-maintainer_email", "data@diskominfotik.example.go.id")
    page.select_option("#field-frequency", "tahunan")
    page.fill("#field-periode_referensi_mulai", "2025")
    page.select_option("#field-cakupan_wilayah", ["35.72"])
    page.fill("#field-satuan", "Titik")
    page.fill("#field-konsep", "Akses internet publik")
    page.fill("#field-definisi", "Titik akses wifi gratis yang dikelola Pemerintah Kota Blitar.")
    page.select_option("#field-standar_data", "titik-wifi-publik-kelurahan")
    page.get_by_role("button", name="Berikutnya: Tambah Data").click()

    # the resource stage: upload the file with the wrong area code
    page.locator("#resource-upload-button").click()
    page.set_input_files("#field-resource-upload", str(files["wrong"]))
    page.fill("#field-name", "Titik wifi publik 2025")
    page.locator("button[name=save][value=go-metadata]").click()
    page.wait_for_url(re.compile(rf"/dataset/{re.escape(name)}$"))

    panel = _panel(page)
    expect(panel).to_contain_text("Draf")
    expect(panel).to_contain_text("Baris 15, kolom kode_wilayah")
    expect(panel).to_contain_text("bukan kode wilayah Kota Blitar")
    expect(panel).to_contain_text("Sebelum dataset ini dapat diajukan")
    expect(panel.locator(".satudata-action-submit")).to_have_count(0)

    # the resource page says the same, in Indonesian
    page.locator("a.heading", has_text="Titik wifi publik 2025").first.click()
    expect(page.locator(".satudata-resource-check")).to_contain_text(
        "Baris 15, kolom kode_wilayah: '35.72.9' bukan kode wilayah Kota Blitar")
    STATE["resource"] = page.url.rsplit("/", 1)[-1]

    # upload the fixed file in place of the wrong one
    page.goto(f"/dataset/{name}/resource/{STATE['resource']}/edit")
    page.locator(".btn-remove-url:visible").first.click()
    page.set_input_files("#field-resource-upload", str(files["fixed"]))
    page.fill("#field-name", "Titik wifi publik 2025")
    page.locator("button[name=save][value=go-metadata]").click()
    expect(page.locator(".satudata-resource-check")).to_contain_text("Lolos pemeriksaan")

    page.goto(f"/dataset/{name}")
    panel = _panel(page)
    expect(panel.locator(".satudata-check-errors, .satudata-submit-problems")).to_have_count(0)
    panel.locator(".satudata-action-submit").click()
    expect(page.locator("h1")).to_contain_text("Ajukan untuk diperiksa")
    _confirm(page)
    expect(page.locator(".flash-messages")).to_contain_text("Diajukan")
    expect(_panel(page).locator(".satudata-state")).to_have_text("Diajukan")
    # a submitted dataset is locked: no submit button any more
    expect(_panel(page).locator(".satudata-action-submit")).to_have_count(0)


def test_2_anonymous_cannot_see_the_unpublished_dataset(page: Page) -> None:
    _logout(page)
    page.goto(f"/dataset/?q={STAMP}")
    expect(page.locator("#content")).to_contain_text("Tidak ada dataset")
    assert STATE["name"] not in page.content()
    page.goto("/dataset/?q=wifi")
    assert STATE["name"] not in page.content()
    response = page.goto(f"/dataset/{STATE['name']}")
    assert response is not None and response.status == 404
    response = page.goto(f"/dataset/{STATE['name']}/resource/{STATE['resource']}")
    assert response is not None and response.status in (403, 404)


def test_3_walidata_returns_producer_fixes_and_resubmits(page: Page) -> None:
    name = STATE["name"]
    _login(page, "walidata")
    _nav(page, "Antrean Walidata")
    page.select_option("#field-opd", OPD)
    page.get_by_role("button", name="Saring").click()
    row = page.locator(f"tr[data-dataset='{name}']")
    expect(row).to_contain_text("Diajukan")
    expect(row).to_contain_text("Tenggat")
    row.get_by_role("link", name="Kembalikan ke OPD").click()

    # both fields are required: the errors appear next to them
    page.locator("#satudata-confirm").click()
    expect(page.locator("#error-reason_category")).to_be_visible()
    expect(page.locator("#error-reason")).to_be_visible()
    expect(page.locator("#field-reason")).to_have_attribute("aria-invalid", "true")

    page.select_option("#field-reason_category", "metadata_tidak_lengkap")
    page.fill("#field-reason", "Lengkapi sumber data dan klasifikasi (kelurahan).")
    _confirm(page)
    expect(_panel(page).locator(".satudata-state")).to_have_text("Dikembalikan")

    # the producer sees the reason, fixes the metadata and submits again
    _login(page, PRODUCER)
    _my_datasets(page)
    item = page.locator(f"li[data-dataset='{name}']")
    expect(item).to_contain_text("Dikembalikan oleh Walidata")
    expect(item).to_contain_text("Metadata tidak lengkap")
    expect(item).to_contain_text("Lengkapi sumber data dan klasifikasi")
    page.goto(f"/dataset/edit/{name}")
    page.fill("#field-sumber_data", "Inventaris jaringan Diskominfotik Kota Blitar")
    page.fill("#field-klasifikasi", "Kelurahan")
    page.locator("button[name=save]").last.click()
    page.wait_for_url(re.compile(rf"/dataset/{re.escape(name)}$"))
    _my_datasets(page)
    page.locator(f"li[data-dataset='{name}'] .satudata-action-submit").click()
    _confirm(page)
    expect(_panel(page).locator(".satudata-state")).to_have_text("Diajukan")


def test_4_walidata_verifies_head_records_letter_walidata_publishes(
        page: Page, files: dict[str, Path]) -> None:
    name = STATE["name"]
    _login(page, "walidata")
    page.goto("/satudata/antrean")
    page.locator(f"tr[data-dataset='{name}']").get_by_role("link", name="Verifikasi").click()
    _confirm(page)
    expect(_panel(page).locator(".satudata-state")).to_have_text("Terverifikasi")

    # the Kepala OPD opens the letter form from the dataset: the dataset is ticked, the OPD
    # is the one they head, validating at once is the default
    _login(page, HEAD)
    page.goto(f"/dataset/{name}")
    expect(_panel(page).locator(".satudata-state")).to_have_text("Terverifikasi")
    _panel(page).get_by_role("link", name="Catat surat validasinya").click()
    expect(page).to_have_url(re.compile(r"/satudata/letters/new\?dataset="))
    expect(page.get_by_label(TITLE)).to_be_checked()
    expect(page.locator("select[name=owner_org]")).to_have_count(0)
    expect(page.locator("#field-validate_now")).to_be_checked()
    page.fill("#field-number", f"000.5/{STAMP}/410.108/2026")
    page.fill("#field-subject", "Validasi data titik wifi publik 2025")
    page.fill("#field-signatory_name", "Drs. Kepala Diskominfotik")
    page.fill("#field-signatory_nip", "1970")
    page.fill("#field-signatory_position", "Kepala Dinas Komunikasi, Informatika dan Statistik")
    page.set_input_files("#field-upload", str(files["pdf"]))
    page.get_by_role("button", name="Catat surat").click()

    # a wrong NIP: the values stay, the dataset stays ticked, the PDF must be chosen again
    expect(page.locator("#error-signatory_nip")).to_be_visible()
    expect(page.locator("#field-subject")).to_have_value("Validasi data titik wifi publik 2025")
    expect(page.get_by_label(TITLE)).to_be_checked()
    expect(page.locator("#note-upload")).to_contain_text("Pilih lagi berkas PDF")
    page.fill("#field-signatory_nip", "197001011990031001")
    page.set_input_files("#field-upload", str(files["pdf"]))
    page.get_by_role("button", name="Catat surat").click()
    expect(page.locator(".flash-messages")).to_contain_text("telah dicatat")
    expect(page.locator(".flash-messages")).to_contain_text("telah divalidasi")
    expect(page.locator("#content")).to_contain_text(f"000.5/{STAMP}/410.108/2026")

    _login(page, "walidata")
    page.goto("/satudata/antrean?state=validated")
    page.locator(f"tr[data-dataset='{name}']").get_by_role("link", name="Publikasikan").click()
    _confirm(page)
    expect(_panel(page).locator(".satudata-state")).to_have_text("Terpublikasi")


def test_5_public_finds_and_downloads_and_timeline_is_complete(page: Page) -> None:
    name = STATE["name"]
    _logout(page)
    page.goto("/dataset/")
    page.fill("#field-giant-search", STAMP)
    page.keyboard.press("Enter")
    expect(page.locator("#content")).to_contain_text("1 dataset ditemukan")
    page.get_by_role("link", name=TITLE).click()
    expect(_panel(page).locator(".satudata-state")).to_have_text("Terpublikasi")
    expect(_panel(page)).to_contain_text("000.5/")
    expect(_panel(page).locator(".satudata-timeline")).to_have_count(0)  # insiders only
    page.locator("a.heading", has_text="Titik wifi publik 2025").first.click()
    with page.expect_download() as info:
        page.locator("a.resource-url-analytics").first.click()
    body = Path(info.value.path()).read_text(encoding="utf-8")
    assert "35.72.02.1007,Tanjungsari" in body and "35.72.9," not in body

    _login(page, "walidata")
    page.goto(f"/dataset/{name}")
    timeline = _panel(page).locator(".satudata-timeline li")
    steps = [cls.split("satudata-step-")[1] for cls in
             timeline.evaluate_all("els => els.map(e => e.className)")]
    assert steps == ["create", "submit", "return", "submit", "verify", "validate", "publish"]
    expect(_panel(page)).to_contain_text("Lengkapi sumber data dan klasifikasi")


def test_6_sekretariat_downloads_the_annual_report(page: Page) -> None:
    if importlib.util.find_spec("ckanext.satudata_blitar.views.report") is None:
        pytest.skip("the annual report module (views.report) is not installed yet")
    _login(page, "sekretariat")
    _nav(page, "Daftar Data & Laporan")
    page.get_by_role("link", name="Buka laporan tahunan").click()
    expect(page).to_have_url(re.compile(r"/satudata/laporan"))
    link = page.locator("a[href$='.pdf']").first
    with page.expect_download() as info:
        link.click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"%PDF-")
