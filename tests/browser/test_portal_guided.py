"""Issue 14 in Debian's Chromium, as each role: WCAG 2.1 AA (axe-core), phone widths, the guided
dataset form, the report's charts, the letter form after an error, and screenshots.

Every main page is opened at 1280 px and at 375 px: axe-core (``axe-playwright-python``, rules
tagged wcag2a, wcag2aa, wcag21a, wcag21aa) must find no serious or critical violation, and at
375 px the document must not be wider than the screen. A screenshot of each page at both widths
goes to ``screenshots/`` (ignored by git) for a reviewer; ``screenshots/axe-summary.json`` lists
every page with its violation counts.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
PASSWORD = "SatuData-Blitar-2026"
PUBLISHED = "jumlah-penduduk-menurut-kelurahan-dan-jenis-kelamin-2025"
UNPUBLISHED = "jumlah-kepala-keluarga-menurut-kecamatan-2025"
WIDTHS = (1280, 375)
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
#: role (demo user, None: a visitor) -> the main pages it works on
PAGES: dict[str, tuple[str, ...]] = {
    "publik": ("/", "/dataset/", f"/dataset/{PUBLISHED}", "<resource>", "/organization/",
               "/group/", "/standar-data", "/standar-data/referensi/kode-wilayah", "/about",
               "/satudata/laporan/publik", "/user/login"),
    "diskominfotik-produsen": ("/satudata/dataset-saya", "/dataset/new", "/satudata/deadlines"),
    "dinkes-kepala": ("/satudata/letters/new",),
    "walidata": ("/satudata/antrean", f"/dataset/{UNPUBLISHED}"),
    "sekretariat": ("/satudata/sekretariat", "/satudata/laporan"),
    "pembina": ("/satudata/pembina",),
}
SUMMARY: dict[str, Any] = {}


def _login(page: Page, user: str) -> None:
    page.context.clear_cookies()
    if user == "publik":
        return
    page.goto("/user/login")
    page.fill("#field-login", user)
    page.fill("#field-password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator(f".account a[href$='/user/{user}']")).to_be_visible(timeout=15000)


def _serious(page: Page) -> list[dict[str, Any]]:
    result = Axe().run(page, options=AXE_OPTIONS).response
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _shot(page: Page, role: str, path: str, width: int) -> None:
    SHOTS.mkdir(exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "beranda"
    page.screenshot(path=str(SHOTS / f"{role}--{name}--{width}.png"), full_page=True)


@pytest.mark.parametrize("role", list(PAGES))
def test_main_pages_meet_wcag_aa_fit_375px_and_are_photographed(page: Page, role: str):
    _login(page, role)
    problems = []
    for path in PAGES[role]:
        if path == "<resource>":
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"/dataset/{PUBLISHED}")
            path = page.locator("a[href*='/resource/']").first.get_attribute("href")
            path = re.sub(r"^https?://[^/]+", "", path)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(path)
            assert response is not None and response.status == 200, (path, response.status)
            found = _serious(page)
            wide = page.evaluate("document.documentElement.scrollWidth")
            SUMMARY.setdefault(role, {})[f"{path} @{width}"] = {
                "serious_or_critical": len(found), "scroll_width": wide}
            if found:
                problems.append((path, width, found))
            if width == 375 and wide > 375:
                problems.append((path, width, f"document {wide} px wide"))
            _shot(page, role, path, width)
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "axe-summary.json").write_text(json.dumps(SUMMARY, indent=1, ensure_ascii=False))
    assert not problems, problems


def test_workflow_panel_comes_before_the_sidebar_on_a_phone(page: Page):
    _login(page, "walidata")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"/dataset/{UNPUBLISHED}")
    panel = page.locator(".satudata-panel").first.bounding_box()
    sidebar = page.locator("aside.secondary").first.bounding_box()
    assert panel["y"] < sidebar["y"], (panel, sidebar)


def test_guided_form_sections_marks_licence_and_no_visibility(page: Page):
    _login(page, "diskominfotik-produsen")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/dataset/new")
    for title in ("Informasi dasar", "Metadata SDI", "Metadata BPS (MS-Keg, MS-Var, MS-Ind)",
                  "Sumber dan standar data"):
        expect(page.locator("legend", has_text=title)).to_be_visible()
    marked = page.locator("[data-submit-required] label").all_inner_texts()
    assert marked and all("wajib untuk pengajuan" in t for t in marked), marked
    assert page.locator("select[name=private]").count() == 0
    expect(page.locator("#field-license_id")).to_have_value("cc-by")
    keg = page.locator("#fold-ms_keg")
    assert keg.get_attribute("open") is None
    keg.locator("summary").click()
    expect(keg.locator("[name^='ms_keg-0-judul_kegiatan']")).to_be_visible()
    expect(page.get_by_role("link", name="Semua standar data dan templatnya")).to_be_visible()
    # the chosen standard's template links follow the choice
    chosen = page.locator(".satudata-standard-chosen a[data-fmt=csv]")
    expect(chosen).to_be_hidden()
    value = page.locator("#field-standar_data option").nth(1).get_attribute("value")
    page.select_option("#field-standar_data", value)
    expect(chosen).to_be_visible()
    assert chosen.get_attribute("href").endswith(f"/standar-data/{value}/template.csv")


def test_report_charts_keep_every_label_inside_and_say_when_empty(page: Page):
    _login(page, "sekretariat")
    checked = 0
    for url, width in (("/satudata/laporan", 1280), ("/satudata/laporan", 375),
                       ("/satudata/laporan?year=2025", 1280)):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        charts = page.evaluate("""() => [...document.querySelectorAll('svg.satudata-chart')].map(svg => {
            const vb = svg.viewBox.baseVal;
            const boxes = [...svg.querySelectorAll('text')].map(t => { const b = t.getBBox();
                return {x: b.x, y: b.y, w: b.width, h: b.height, text: t.textContent}; });
            return {vb: {w: vb.width, h: vb.height}, boxes}; })""")
        for chart in charts:
            for b in chart["boxes"]:
                assert b["x"] >= 0 and b["y"] >= 0, b
                assert b["x"] + b["w"] <= chart["vb"]["w"] and b["y"] + b["h"] <= chart["vb"]["h"], (b, chart["vb"])
            for i, a in enumerate(chart["boxes"]):
                for b in chart["boxes"][i + 1:]:
                    overlap = (min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]) > 0.5
                               and min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]) > 0.5)
                    assert not overlap, (a, b)
            checked += 1
        # the tables scroll inside their card, never the page
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert checked >= 3
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/satudata/laporan?year=2025")
    expect(page.locator(".satudata-no-data").first).to_have_text("Belum ada data.")


def test_letter_form_after_an_error_asks_for_the_pdf_again_and_errors_are_readable(page: Page,
                                                                                    tmp_path):
    _login(page, "dinkes-kepala")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/satudata/letters/new")
    pdf = tmp_path / "surat.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.fill("#field-number", "000.5/uji/aksesibilitas")
    page.fill("#field-signatory_name", "Kepala Dinas")
    page.fill("#field-signatory_nip", "123")  # wrong: 18 digits are needed
    page.fill("#field-signatory_position", "Kepala Dinas Kesehatan Kota Blitar")
    page.set_input_files("#field-upload", str(pdf))
    page.locator(".satudata-letter-form button[type=submit]").click()
    expect(page.locator("#error-signatory_nip")).to_be_visible()
    expect(page.locator("#note-upload")).to_contain_text("PDF")
    assert page.locator("#field-upload").input_value() == ""  # so it must be asked for again
    found = _serious(page)
    assert not found, found
    _shot(page, "dinkes-kepala", "letters-new-after-error", 1280)
