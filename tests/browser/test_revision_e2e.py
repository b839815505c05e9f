"""Living data walked end to end in Chromium (issue 15, docs/revisions.md).

On the demo's published "Jumlah Fasilitas Kesehatan" (two versions already): the producer
starts a revision and uploads next month's file; the Walidata sees the diff (file replaced,
rows changed by the standard's key) and verifies; the Kepala OPD records the letter and
validates; the Walidata publishes. The public downloaded the old file until the end and the
new one after, under the same dataset URL; the version list shows every version.
Steps in order; a later step is skipped when an earlier one failed.
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from browser.test_sop_e2e import _confirm, _letter_pdf, _login, _logout, _panel

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DATASET = "jumlah-fasilitas-kesehatan-menurut-kecamatan-2025"
OPD = "dinkes"
STAMP = time.strftime("%H%M%S")
STATE: dict[str, Any] = {"failed": None}


@pytest.fixture(autouse=True)
def _in_order(request: pytest.FixtureRequest):
    if STATE["failed"]:
        pytest.skip(f"an earlier step failed: {STATE['failed']}")
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        STATE["failed"] = request.node.name


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("revision_e2e")
    current = (ROOT / "demo" / "data" / "fasilitas_kesehatan_kecamatan_2025_revisi.csv")
    text = current.read_text(encoding="utf-8")
    assert "35.72.01,Kepanjenkidul,3,1,4,58," in text
    nxt = folder / "fasilitas_kesehatan_kecamatan_2025.csv"
    nxt.write_text(text.replace("35.72.01,Kepanjenkidul,3,1,4,58,",
                                "35.72.01,Kepanjenkidul,3,1,4,61,"), encoding="utf-8")
    pdf = folder / "surat_validasi_revisi.pdf"
    pdf.write_bytes(_letter_pdf(f"Surat validasi revisi {STAMP}"))
    return {"next": nxt, "pdf": pdf}


def _public_csv(page: Page) -> str:
    """The dataset's CSV as an anonymous visitor downloads it (the download URL of the
    dataset's resource, as the public API and the resource page give it)."""
    _logout(page)
    shown = page.request.get(f"/api/3/action/package_show?id={DATASET}").json()["result"]
    assert [r["url_type"] for r in shown["resources"]] == ["upload"]
    # the path only: the demo's site_url names the default port, the test's portal another
    response = page.request.get(urlparse(shown["resources"][0]["url"]).path)
    assert response.ok, response.status
    return response.text()


def test_1_producer_starts_a_revision_and_uploads_next_months_file(
        page: Page, files: dict[str, Path]) -> None:
    STATE["before"] = _public_csv(page)
    assert "Kepanjenkidul,3,1,4,58," in STATE["before"]
    _login(page, f"{OPD}-produsen")
    page.goto(f"/dataset/{DATASET}")
    page.locator(".satudata-revision-start button").click()
    page.wait_for_url(re.compile(r"/dataset/edit/[^/]+$"))
    shadow = page.url.rsplit("/", 1)[-1]
    assert shadow != DATASET and "-revisi-" in shadow
    STATE["shadow"] = shadow
    page.goto(f"/dataset/{shadow}")
    page.locator("a.heading").first.click()
    resource = page.url.rsplit("/", 1)[-1]
    page.goto(f"/dataset/{shadow}/resource/{resource}/edit")
    page.locator(".btn-remove-url:visible").first.click()
    page.set_input_files("#field-resource-upload", str(files["next"]))
    page.locator("button[name=save][value=go-metadata]").click()
    expect(page.locator(".satudata-resource-check")).to_contain_text("Lolos pemeriksaan")
    page.goto(f"/dataset/{shadow}")
    expect(page.locator("section.satudata-revision")).to_contain_text("Revisi berjalan")
    _panel(page).locator(".satudata-action-submit").click()
    _confirm(page)
    expect(_panel(page).locator(".satudata-state")).to_have_text("Diajukan")


def test_2_public_still_sees_the_published_version(page: Page) -> None:
    assert _public_csv(page) == STATE["before"]
    response = page.goto(f"/dataset/{STATE['shadow']}")
    assert response is not None and response.status == 404
    page.goto("/dataset/?q=fasilitas")
    assert STATE["shadow"] not in page.content()


def test_3_walidata_sees_the_diff_and_verifies(page: Page) -> None:
    _login(page, "walidata")
    page.goto(f"/dataset/{STATE['shadow']}")
    page.locator("a.satudata-revision-diff").click()
    expect(page.locator(".satudata-diff-replace")).to_contain_text("berkas diganti")
    expect(page.locator(".satudata-diff-replace")).to_contain_text("1 diubah")
    expect(page.locator(".satudata-diff-replace")).to_contain_text("kode_wilayah, tahun")
    page.goto(f"/dataset/{STATE['shadow']}")
    _panel(page).locator(".satudata-action-verify").click()
    _confirm(page)
    expect(_panel(page).locator(".satudata-state")).to_have_text("Terverifikasi")


def test_4_head_validates_with_a_letter_and_walidata_publishes(
        page: Page, files: dict[str, Path]) -> None:
    _login(page, f"{OPD}-kepala")
    page.goto(f"/dataset/{STATE['shadow']}")
    _panel(page).get_by_role("link", name="Catat surat validasinya").click()
    page.fill("#field-number", f"000.5/{STAMP}/410.dinkes/2026")
    page.fill("#field-subject", "Validasi pembaruan data fasilitas kesehatan")
    page.fill("#field-signatory_name", "dr. Kepala Dinas Kesehatan")
    page.fill("#field-signatory_nip", "197001011990031001")
    page.fill("#field-signatory_position", "Kepala Dinas Kesehatan")
    page.set_input_files("#field-upload", str(files["pdf"]))
    page.get_by_role("button", name="Catat surat").click()
    expect(page.locator(".flash-messages")).to_contain_text("telah divalidasi")
    # the public still gets the old file while the revision waits for publication
    assert _public_csv(page) == STATE["before"]

    _login(page, "walidata")
    page.goto(f"/dataset/{STATE['shadow']}")
    _panel(page).locator(".satudata-action-publish").click()
    _confirm(page)
    expect(page).to_have_url(re.compile(rf"/dataset/{DATASET}$"))
    expect(_panel(page).locator(".satudata-state")).to_have_text("Terpublikasi")


def test_5_public_gets_the_new_file_and_the_version_list_shows_every_version(
        page: Page) -> None:
    after = _public_csv(page)
    assert "Kepanjenkidul,3,1,4,61," in after and after != STATE["before"]
    response = page.goto(f"/dataset/{STATE['shadow']}")
    assert response is not None and response.status == 404
    _login(page, "walidata")
    page.goto(f"/dataset/{DATASET}/versi")
    rows = page.locator("tr.satudata-version")
    expect(rows).to_have_count(3)  # first publication, the demo's update, this update
    expect(rows.first).to_contain_text("3")
    expect(page.locator("code.satudata-sha256")).to_have_count(3)
