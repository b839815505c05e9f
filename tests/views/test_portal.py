"""The city's site: home and About pages, header and footer, where each role starts after
signing in, the header's count of what waits, CKAN's dates and labels in the portal's form.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterator

import pytest

import ckan.model as model
from ckan.lib.helpers import helper_functions as core_helpers
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import formats, lifecycle, portal

from sop_support import COMPLETE, browser, walk

ROLES = ("opd_editor", "opd_admin", "walidata", "pembina", "sekretariat", "sysadmin", "nobody")

#: CKAN's placeholders that must never show (home, About, footer)
PLACEHOLDERS = ("Welcome to CKAN", "This is a featured section", "nice introductory paragraph",
                "placeholder-420x220", "ckan-logo", "Powered by", "CKAN Association",
                "world’s leading open-source", "What are Organizations")


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    import ckan.plugins

    ckan.plugins.load_all()
    reset_db()
    for plugin in ("activity", "satudata_blitar", "satudata_search"):
        migrate_db_for(plugin)
    users = {role: factories.UserWithToken(name=f"site_{role}")
             for role in ROLES if role != "sysadmin"}
    users["sysadmin"] = factories.SysadminWithToken(name="site_sysadmin")
    org = factories.Organization(name="opd-site", title="Dinas Situs", users=[
        {"name": users["opd_editor"]["name"], "capacity": "editor"},
        {"name": users["opd_admin"]["name"], "capacity": "admin"},
    ])
    factories.Organization(name="opd-site-b", title="Dinas Situs B")
    group = factories.Group(name="sektor-situs", title="Sektor Situs")
    for role in lifecycle.PORTAL_ROLES:
        helpers.call_action("satudata_role_assign", user=users[role]["name"], role=role)
    datasets = {}
    for state in (lifecycle.PUBLISHED, lifecycle.PUBLISHED, lifecycle.SUBMITTED,
                  lifecycle.VERIFIED, lifecycle.DRAFT):
        pkg = factories.Dataset(owner_org=org["id"], user=users["opd_editor"],
                                groups=[{"name": group["name"]}], **COMPLETE)
        walk(pkg["id"], state)
        datasets.setdefault(state, []).append(pkg)
    yield {"users": users, "org": org, "datasets": datasets}
    ckan.plugins.unload_non_system_plugins()


def _headers(world: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": world["users"][role]["token"]} if role != "anonymous" else {}


def test_home_page_counts_as_the_public_pages_do(app, world):
    body = app.get("/", headers={}).get_data(as_text=True)
    public = {"user": "", "ignore_auth": False}
    search = helpers.call_action("package_search", context=dict(public), rows=0)
    orgs = helpers.call_action("organization_list", context=dict(public))
    assert search["count"] == 2
    assert re.search(r'data-count="published"><span>2</span>', body), body
    assert f'data-count="opds">{len(orgs)}<' in body
    assert 'data-count="sectors">1<' in body
    # the latest published datasets (never an unpublished one), sectors and OPDs
    for pkg in world["datasets"][lifecycle.PUBLISHED]:
        assert pkg["title"] in body
    for state in (lifecycle.SUBMITTED, lifecycle.VERIFIED, lifecycle.DRAFT):
        assert world["datasets"][state][0]["name"] not in body
    assert "Sektor Situs" in body and "Dinas Situs B" in body
    assert 'action="/dataset/"' in body  # search
    # a signed-in insider sees the same public counts
    inside = app.get("/", headers=_headers(world, "walidata")).get_data(as_text=True)
    assert re.search(r'data-count="published"><span>2</span>', inside)


@pytest.mark.parametrize("path", ["/", "/about", "/dataset/", "/en/", "/en/about"])
def test_no_ckan_placeholder_anywhere(app, world, path):
    body = app.get(path).get_data(as_text=True)
    for text in PLACEHOLDERS:
        assert text not in body, (path, text)
    assert "satudata-brand" in body and "Satu Data Kota Blitar" in body
    assert "ckan.ico" not in body and "/satudata/favicon.svg" in body


def test_about_page_explains_the_sop_in_indonesian(app, world):
    body = app.get("/about").get_data(as_text=True)
    assert "Tentang Satu Data Kota Blitar" in body
    for text in ("Walidata", "surat validasi", "5 hari kerja", "Daftar Data", "Wali Kota"):
        assert text in body, text
    english = app.get("/en/about").get_data(as_text=True)
    assert "How a dataset is published" in english


def test_header_logo_slot_from_config(app, world, ckan_config, monkeypatch):
    assert "satudata-brand-logo" not in app.get("/").get_data(as_text=True)
    monkeypatch.setitem(ckan_config, "ckanext.satudata_blitar.logo", "/satudata/logo.png")
    body = app.get("/").get_data(as_text=True)
    assert re.search(r'<img class="satudata-brand-logo" src="[^"]*/satudata/logo.png"', body)
    assert "Logo Kota Blitar" in body


@pytest.mark.parametrize("role, endpoint", [
    ("opd_editor", "/satudata/dataset-saya"),
    ("opd_admin", "/satudata/dataset-saya"),
    ("walidata", "/satudata/antrean"),
    ("sekretariat", "/satudata/sekretariat"),
    ("pembina", "/satudata/pembina"),
    ("sysadmin", "/satudata/pembina"),
    ("nobody", "/dashboard/datasets"),
])
def test_each_role_starts_at_its_work_after_login(app, world, role, endpoint):
    client = app.test_client()
    from sop_support import post_form
    response = post_form(client, "/user/login",
                         {"login": world["users"][role]["name"], "password": "correct123"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/satudata/mulai")
    start = client.get("/satudata/mulai", follow_redirects=False)
    assert start.status_code == 302
    assert start.headers["Location"].endswith(endpoint)
    assert client.get(endpoint).status_code == 200


def test_start_page_of_a_visitor_is_home(app, world):
    response = app.get("/satudata/mulai", follow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("/")


def _header_count(body: str) -> tuple[int, int]:
    match = re.search(r'data-waiting="(\d+)" data-overdue="(\d+)"', body)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


@pytest.mark.parametrize("role", ["opd_editor", "opd_admin", "walidata", "pembina",
                                  "sekretariat"])
def test_header_count_is_the_deadline_page_count(app, world, role):
    client = browser(app, world["users"][role]["name"], "correct123")
    page = client.get("/satudata/deadlines").get_data(as_text=True)
    rows = re.findall(r'<tr class="[^"]*" data-kind="[^"]*"[^>]*data-overdue="(true|false)"',
                      page)
    items = helpers.call_action("satudata_deadline_list",
                                context={"user": world["users"][role]["name"],
                                         "ignore_auth": False})
    assert len(rows) == len(items)
    assert _header_count(page) == (len(items), sum(1 for r in rows if r == "true"))
    # and on any other page
    assert _header_count(client.get("/dataset/").get_data(as_text=True))[0] == len(items)


def test_header_count_names_what_waits(app, world):
    walidata = browser(app, world["users"]["walidata"]["name"], "correct123")
    assert _header_count(walidata.get("/").get_data(as_text=True))[0] >= 1  # one to verify
    kepala = browser(app, world["users"]["opd_admin"]["name"], "correct123")
    assert _header_count(kepala.get("/").get_data(as_text=True))[0] >= 1  # one to validate
    assert "data-waiting" not in app.get("/").get_data(as_text=True)  # visitors: nothing


def test_waiting_is_computed_once_per_request(app, world, monkeypatch):
    calls = []
    original = portal.tk.get_action

    def counting(name):
        if name == "satudata_deadline_list":
            calls.append(name)
        return original(name)

    monkeypatch.setattr(portal.tk, "get_action", counting)
    name = world["users"]["walidata"]["name"]
    with app.flask_app.test_request_context("/"):
        portal._redis().delete(portal._waiting_key(name))
        first = portal.waiting(name)
        second = portal.waiting(name)
    assert first == second == portal.compute_waiting(name)
    assert len(calls) == 2  # once for the request, once here to compare
    # the next page reuses the count kept in Redis; the deadlines page recomputes it
    with app.flask_app.test_request_context("/dataset/"):
        assert portal.waiting(name) == first
    assert len(calls) == 2
    with app.flask_app.test_request_context("/satudata/deadlines"):
        from flask import request
        request.url_rule  # noqa: B018 - routing resolved by the test context
        assert request.endpoint == "satudata_records.deadlines"
        assert portal.waiting(name) == first
    assert len(calls) == 3


def test_core_render_datetime_writes_the_portal_form(app, world):
    moment = dt.datetime(2026, 11, 29, 11, 16)  # UTC, as CKAN stores it
    with app.flask_app.test_request_context("/"):
        render = core_helpers["render_datetime"]
        assert render(moment, with_hours=True) == "29 November 2026, 18.16 WIB"
        assert render(moment) == "29 November 2026"
        assert render("2026-11-29T11:16:00") == formats.format_date("2026-11-29")
        assert render(moment, "%Y-%m-%d") == "29 November 2026"
        assert render(None) == ""
    with app.flask_app.test_request_context("/", environ_base={"CKAN_LANG": "en"}):
        assert core_helpers["render_datetime"](moment, with_hours=True) == \
            formats.format_datetime(moment, "en")


def test_dataset_page_dates_in_the_portal_form(app, world):
    pkg = world["datasets"][lifecycle.PUBLISHED][0]
    body = app.get(f"/dataset/{pkg['name']}").get_data(as_text=True)
    assert "(UTC)" not in body
    assert not re.search(r"\b(January|February|March|April|May|June|July|August|September|"
                         r"October|November|December) \d{1,2}, \d{4}", body)


# -- labels, never codes -------------------------------------------------------------------------
def test_codes_are_shown_as_labels(app, world):
    from ckanext.satudata_blitar import helpers as our_helpers
    from ckanext.satudata_blitar.report import render

    with app.flask_app.test_request_context("/"):
        assert lifecycle.frequency_label("tahunan") == "Tahunan"
        assert lifecycle.frequency_label("tahunan", "en") == "Yearly"
        assert lifecycle.frequency_label("") == ""
        assert our_helpers.satudata_activity_type_label("changed package") == "Dataset diubah"
        assert our_helpers.satudata_field_type_label("string") == "teks"
        evidence = render.evidence_labels()
        assert evidence["quality.indicators.registered_standard"] == \
            "Dataset terpublikasi yang memakai standar data terdaftar"
        from ckanext.satudata_blitar.report import compute
        for item in compute.EPSS:
            for key in item["evidence"]:
                assert key in evidence, key


def test_public_report_names_its_evidence_not_its_keys(app, world):
    body = app.get(f"/satudata/laporan/publik?year={dt.date.today().year}").get_data(
        as_text=True)
    assert "quality.indicators" not in body and "summary.realisation_rate" not in body


def test_activity_filter_and_follow_button_are_translated(app, world):
    pkg = world["datasets"][lifecycle.PUBLISHED][0]
    client = browser(app, world["users"]["opd_editor"]["name"], "correct123")
    body = client.get(f"/dataset/activity/{pkg['name']}").get_data(as_text=True)
    assert "Changed Package" not in body and "Dataset diubah" in body
    page = client.get(f"/dataset/{pkg['name']}").get_data(as_text=True)
    assert re.search(r"</i> Ikuti</a>", page), "the follow button is Indonesian"


@pytest.mark.parametrize("path, code, title", [
    ("/halaman-yang-tidak-ada", 404, "Halaman tidak ditemukan"),
    ("/en/no-such-page", 404, "Page not found"),
])
def test_error_pages_in_the_readers_language(app, world, path, code, title):
    body = app.get(path, status=code).get_data(as_text=True)
    assert title in body
    assert "The requested URL was not found on the server" not in body


def test_core_strings_are_indonesian(app, world):
    pkg = world["datasets"][lifecycle.PUBLISHED][0]
    client = browser(app, world["users"]["opd_editor"]["name"], "correct123")
    page = client.get(f"/dataset/{pkg['name']}").get_data(as_text=True)
    for english in ("Activity Stream", "read more", "License not specified", ">Social<"):
        assert english not in page, english
    search = client.get("/dataset/").get_data(as_text=True)
    for english in (">Formats<", ">Licenses<"):
        assert english not in search, english
    groups = client.get("/organization/").get_data(as_text=True)
    assert "Members" not in groups and "What are Organizations?" not in groups
    assert "News feed" not in client.get("/dashboard/datasets").get_data(as_text=True)
