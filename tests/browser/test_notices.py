"""The notices follow a hand-off in the real portal: the bell's unread count in the account bar
and the notice list, through submit → return → resubmit of the demo's returned dataset (the
producer of Dinas Pendidikan and the Walidata, through the pages). It ends returned again, as
the demo left it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "SatuData-Blitar-2026"
PRODUCER = "dindik-produsen"
NAME = "angka-partisipasi-sekolah-2025"
TITLE = "Angka Partisipasi Sekolah menurut Kelompok Umur di Kota Blitar, 2025"


def _login(page: Page, user: str) -> None:
    page.context.clear_cookies()
    page.goto("/user/login")
    page.fill("#field-login", user)
    page.fill("#field-password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator(f".account a[href$='/user/{user}']")).to_be_visible(timeout=15000)


def _unread(page: Page) -> int:
    page.goto("/satudata/notices")
    return int(page.locator(".satudata-unread-count").get_attribute("data-unread") or "0")


def _step(page: Page, action: str, **fields: str) -> None:
    page.goto(f"/satudata/dataset/{NAME}/{action}")
    if "reason_category" in fields:
        page.select_option("#field-reason_category", fields["reason_category"])
        page.fill("#field-reason", fields["reason"])
    page.locator("#satudata-confirm").click()
    page.wait_for_url(re.compile(r"/dataset/[^/]+$"))


def test_badge_and_notice_list_follow_submit_return_resubmit(page: Page) -> None:
    # the producer reads the demo's return notice, marks everything read: the bell shows 0
    _login(page, PRODUCER)
    assert _unread(page) >= 1
    returned = page.locator(".satudata-notice[data-event='return']", has_text=TITLE)
    expect(returned).to_contain_text(f"Dikembalikan ke draf: {TITLE}")
    expect(returned).to_contain_text("APS kelompok umur 16-18")  # the demo's reason
    page.get_by_role("button", name="Tandai semua sudah dibaca").click()
    assert _unread(page) == 0
    expect(page.locator(".satudata-notice-unread")).to_have_count(0)

    _login(page, "walidata")
    before = _unread(page)

    _login(page, PRODUCER)
    _step(page, "ajukan")                       # submit → the Walidata is told
    _login(page, "walidata")
    assert _unread(page) == before + 1
    top = page.locator(".satudata-notice").first
    expect(top).to_have_attribute("data-unread", "true")
    expect(top).to_contain_text(f"Diajukan untuk diperiksa: {TITLE}")
    _step(page, "kembalikan", reason_category="data_tidak_valid",
          reason="Periksa kembali APS 16-18 tahun.")   # return → the producer is told

    _login(page, PRODUCER)
    assert _unread(page) == 1
    top = page.locator(".satudata-notice").first
    expect(top).to_contain_text("Periksa kembali APS 16-18 tahun.")
    top.get_by_role("button", name="Perbaiki dataset").click()   # marks it read, opens it
    page.wait_for_url(re.compile(rf"/dataset/{NAME}$"))
    expect(page.locator(".satudata-unread-count")).to_have_attribute("data-unread", "0")
    _step(page, "ajukan")                       # resubmit → the Walidata again

    _login(page, "walidata")
    assert _unread(page) == before + 2
    _step(page, "kembalikan", reason_category="data_tidak_valid",
          reason="APS kelompok umur 16-18 belum sesuai Dapodik.")
