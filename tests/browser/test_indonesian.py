"""Complete Indonesian: every page of the site map, as each role, holds no English UI word.

The site map is walked as an anonymous visitor, an OPD producer, a Kepala OPD, the Walidata,
the Pembina Data, the Sekretariat SDI and a sysadmin. On each page the visible text (and the
``title``, ``placeholder`` and ``aria-label`` texts) is checked with :mod:`english`: a word of an
English UI message that no Indonesian translation uses fails the test, with the page and the
line, and so does a code where a label belongs (report keys, return-reason, state and frequency
codes, "Status active"). The same pages under ``/en/`` stay English (``lang="en"``, CKAN's English navigation).
"""
from __future__ import annotations

import re
from typing import Any

import pytest

from browser import english
from ckanext.satudata_blitar import lifecycle

pytestmark = pytest.mark.browser

PASSWORD = "SatuData-Blitar-2026"
ROLES = ("anonymous", "dispendukcapil-produsen", "dinkes-kepala", "walidata", "pembina",
         "sekretariat", "admin")

#: pages everyone may open
PUBLIC = ["/", "/about", "/dataset/", "/dataset/?q=penduduk", "/organization/", "/group/",
          "/standar-data", "/satudata/laporan/publik", "/halaman-yang-tidak-ada"]
#: pages of signed-in users, by role (the rest of the site map)
SIGNED_IN = ["/dashboard/datasets", "/user/{user}", "/user/edit/{user}", "/satudata/deadlines",
             "/satudata/letters"]
BY_ROLE = {
    "anonymous": ["/user/login", "/user/register", "/user/reset", "/satudata/dataset-saya",
                  "/dataset/new"],
    "dispendukcapil-produsen": ["/satudata/dataset-saya", "/dataset/new"],
    "dinkes-kepala": ["/satudata/dataset-saya", "/satudata/letters/new"],
    "walidata": ["/satudata/antrean", "/satudata/pembina", "/standar-data/baru"],
    "pembina": ["/satudata/pembina", "/satudata/sekretariat"],
    "sekretariat": ["/satudata/sekretariat", "/satudata/daftar-data", "/satudata/statements",
                    "/satudata/laporan"],
    "admin": ["/ckan-admin", "/ckan-admin/config", "/user/", "/satudata/antrean"],
}

_JS_TEXT = """() => {
  const texts = [document.body.innerText];
  for (const el of document.querySelectorAll('[title],[placeholder],[aria-label]')) {
    for (const a of ['title', 'placeholder', 'aria-label']) {
      const v = el.getAttribute(a); if (v) texts.push(v);
    }
  }
  return texts.join('\\n');
}"""


def _login(page, user: str) -> None:
    page.goto("/user/login")
    page.fill("#field-login", user)
    page.fill("#field-password", PASSWORD)
    page.locator("form").filter(has=page.locator("#field-login")).locator(
        "button[type=submit]").click()
    page.wait_for_load_state()


def _api(page, action: str, **params: Any) -> Any:
    response = page.request.get(f"/api/3/action/{action}", params=params)
    assert response.ok, (action, response.status)
    return response.json()["result"]


def _dynamic_pages(page, role: str) -> list[str]:
    """Pages of the demo's records the role may open: a dataset, its resource, activity and
    history; its organization and group; an unpublished dataset, its transition form, a
    letter, a Daftar Data and a statement for those who see them."""
    pages = []
    published = _api(page, "package_search", rows=1, sort="name asc")["results"][0]
    pages += [f"/dataset/{published['name']}", f"/dataset/activity/{published['name']}",
              f"/dataset/{published['name']}/resource/{published['resources'][0]['id']}",
              f"/dataset/{published['name']}/resource/{published['resources'][0]['id']}"
              "/pemeriksaan",
              f"/organization/{published['organization']['name']}",
              f"/organization/about/{published['organization']['name']}"]
    if published.get("groups"):
        pages.append(f"/group/{published['groups'][0]['name']}")
    standards = _api(page, "satudata_standard_list")
    if standards:
        pages.append(f"/standar-data/{standards[0]['name']}")
    if role == "anonymous":
        return pages
    private = _api(page, "package_search", rows=50, include_private="true",
                   include_drafts="true", fq="capacity:private")["results"]
    if private:
        pkg = private[0]
        pages.append(f"/dataset/{pkg['name']}")
        if role in ("dispendukcapil-produsen", "admin"):
            pages.append(f"/dataset/edit/{pkg['name']}")
    if role in ("walidata", "admin"):
        submitted = [p for p in private if p.get("satudata_state") == "submitted"] or private
        if submitted:
            pages.append(f"/satudata/dataset/{submitted[0]['name']}/kembalikan")
    if role in ("dinkes-kepala", "walidata", "pembina", "sekretariat", "admin"):
        letters = page.request.get("/satudata/letters").text()
        match = re.search(r'href="(/satudata/letters/[0-9a-f-]{36})"', letters)
        if match:
            pages.append(match.group(1))
    if role in ("sekretariat", "pembina", "admin"):
        daftar = page.request.get("/satudata/daftar-data").text()
        match = re.search(r'href="(/satudata/daftar-data/[0-9a-f-]{36})"', daftar)
        if match:
            pages.append(match.group(1))
        statements = page.request.get("/satudata/statements").text()
        match = re.search(r'href="(/satudata/statements/[0-9a-f-]{36})"', statements)
        if match:
            pages.append(match.group(1))
    return pages


def site_map(page, role: str) -> list[str]:
    user = "" if role == "anonymous" else role
    pages = list(PUBLIC)
    if role != "anonymous":
        pages += [p.format(user=user) for p in SIGNED_IN]
    pages += BY_ROLE.get(role, [])
    pages += _dynamic_pages(page, role)
    return list(dict.fromkeys(pages))


def _license_titles(page) -> list[str]:
    return sorted((lic["title"] for lic in _api(page, "license_list")), key=len, reverse=True)


def _text_without_names(text: str, names: list[str]) -> str:
    for name in names:
        text = text.replace(name, " ")
    return text


#: codes that must reach people as labels: report keys, return-reason codes, "Status active"
_CODE_TEXT = re.compile(r"quality\.indicators\.|summary\.realisation_rate|published_datasets|"
                        r"\bStatus\s+active\b|\b(" + "|".join(
                            c for c in lifecycle.REASON_CATEGORIES if "_" in c) + r")\b")
#: cells, list items and options whose whole text is a code: states and frequencies
_JS_CELLS = """() => Array.from(document.querySelectorAll('td, dd, li, option, .badge'))
  .map(el => el.textContent.trim())"""


def _frequency_codes() -> set[str]:
    import yaml

    schema = yaml.safe_load((english.ROOT / "schemas" / "dataset.yaml").read_text())
    field = next(f for f in schema["dataset_fields"] if f["field_name"] == "frequency")
    return {choice["value"] for choice in field["choices"]}


def codes_on_page(page) -> list[str]:
    """Codes shown where a label belongs."""
    text = page.locator("body").inner_text()
    found = [m.group(0) for m in _CODE_TEXT.finditer(text)]
    codes = set(lifecycle.STATES) | _frequency_codes()
    found += [cell for cell in page.evaluate(_JS_CELLS) if cell in codes]
    return found


def english_on_pages(page, role: str) -> dict[str, list[str]]:
    """``{path: [English lines and codes]}`` of the site map as ``role`` (signed in)."""
    licenses = _license_titles(page)
    found: dict[str, list[str]] = {}
    for path in site_map(page, role):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "id", path
        text = _text_without_names(page.evaluate(_JS_TEXT), licenses)
        lines = english.english_lines(text) + [f"code: {c}" for c in codes_on_page(page)]
        if lines:
            found[path] = lines
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_indonesian(browser, portal_url, role):
    context = browser.new_context(base_url=portal_url, locale="id-ID")
    page = context.new_page()
    try:
        if role != "anonymous":
            _login(page, role)
        found = english_on_pages(page, role)
    finally:
        context.close()
    report = "\n".join(f"{path}:\n    " + "\n    ".join(lines) for path, lines in found.items())
    assert not found, f"English on the Indonesian pages as {role}:\n{report}"


@pytest.mark.parametrize("role", ["anonymous", "walidata"])
def test_english_pages_stay_english(browser, portal_url, role):
    context = browser.new_context(base_url=portal_url, locale="en-GB")
    page = context.new_page()
    try:
        if role != "anonymous":
            _login(page, role)
        for path in ["/", "/about", "/dataset/", "/organization/", "/satudata/deadlines"
                     if role != "anonymous" else "/group/"]:
            page.goto(f"/en{path}")
            assert page.locator("html").get_attribute("lang") == "en", path
            nav = page.locator("header.masthead").inner_text()
            assert "Datasets" in nav and "Organizations" in nav, (path, nav)
            footer = page.locator("footer").inner_text()
            assert "About Satu Data Kota Blitar" in footer, (path, footer)
            assert "Tentang" not in nav + footer, (path, nav, footer)
    finally:
        context.close()
