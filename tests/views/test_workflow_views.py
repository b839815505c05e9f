"""The workflow pages of each SOP role, through CKAN's test app.

Who may open which page is a ``parametrize`` table; then the dataset-page panel (buttons only
for allowed steps, nothing unpublished for visitors), the transition forms (errors next to the
field, the step done through the action), the letter form, and the Indonesian default with the
English switch (including core strings that CKAN's own Indonesian catalog leaves empty).
"""
from __future__ import annotations

import io
import re
from typing import Any, Iterator, Optional

import pytest

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle

from sop_support import COMPLETE, browser, make_pdf, post_form, walk

ROLES = ("anonymous", "opd_editor", "opd_admin", "other_opd", "walidata", "pembina",
         "sekretariat", "sysadmin")


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    """A clean database once per module; each test makes its own datasets."""
    import ckan.plugins

    ckan.plugins.load_all()
    reset_db()
    for plugin in ("activity", "satudata_blitar", "satudata_search"):
        migrate_db_for(plugin)
    users = {role: factories.UserWithToken(name=f"ui_{role}")
             for role in ROLES if role not in ("anonymous", "sysadmin")}
    users["sysadmin"] = factories.SysadminWithToken(name="ui_sysadmin")
    org_a = factories.Organization(name="opd-ui-a", title="Dinas Uji A", users=[
        {"name": users["opd_editor"]["name"], "capacity": "editor"},
        {"name": users["opd_admin"]["name"], "capacity": "admin"},
    ])
    org_b = factories.Organization(name="opd-ui-b", title="Dinas Uji B", users=[
        {"name": users["other_opd"]["name"], "capacity": "admin"},
    ])
    for role in lifecycle.PORTAL_ROLES:
        helpers.call_action("satudata_role_assign", user=users[role]["name"], role=role)
    yield {"users": users, "org_a": org_a, "org_b": org_b}
    ckan.plugins.unload_non_system_plugins()


def _headers(world: dict[str, Any], role: str) -> dict[str, str]:
    if role == "anonymous":
        return {}
    return {"Authorization": world["users"][role]["token"]}


def _dataset(world: dict[str, Any], state: str = lifecycle.DRAFT, **kwargs: Any) -> dict[str, Any]:
    """A dataset of OPD A with complete SDI metadata, walked to ``state`` through the actions
    (the submit gate and a real validation letter decide: :func:`sop_support.walk`)."""
    dataset = factories.Dataset(owner_org=world["org_a"]["id"],
                                user=world["users"]["opd_editor"], **dict(COMPLETE, **kwargs))
    walk(dataset["id"], state)
    assert lifecycle.get_state(model.Package.get(dataset["id"])) == state
    return dataset


def _get(app, url: str, world: dict[str, Any], role: str, status: Optional[int] = None):
    return app.get(url, headers=_headers(world, role), status=status, follow_redirects=False)


# -- who may open which page ----------------------------------------------------------------------
PAGES: dict[str, set[str]] = {
    # page: the roles that get it (everyone else signed in: 403; anonymous: to the login)
    "/satudata/dataset-saya": {"opd_editor", "opd_admin", "other_opd", "sysadmin"},
    "/satudata/antrean": {"walidata", "sysadmin"},
    "/satudata/letters/new": {"opd_admin", "other_opd", "walidata", "sysadmin"},
    "/satudata/pembina": {"walidata", "pembina", "sekretariat", "sysadmin"},
    "/satudata/sekretariat": {"sekretariat", "pembina", "sysadmin"},
}


@pytest.mark.parametrize("path", sorted(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_page_permissions(app, world, path: str, role: str) -> None:
    response = _get(app, path, world, role)
    if role == "anonymous":
        assert response.status_code == 302 and "/user/login" in response.headers["Location"]
    elif role in PAGES[path]:
        assert response.status_code == 200, response.body[:500]
    else:
        assert response.status_code == 403


# -- dataset page panel --------------------------------------------------------------------------
def _buttons(body: str) -> set[str]:
    return set(re.findall(r"satudata-action-(\w+)", body))


@pytest.mark.parametrize("role, buttons", [
    ("walidata", {"verify", "return"}),
    ("opd_editor", set()),
    ("opd_admin", set()),
    ("pembina", set()),
    ("sekretariat", set()),
])
def test_panel_shows_only_allowed_steps(app, world, role: str, buttons: set[str]) -> None:
    dataset = _dataset(world, lifecycle.SUBMITTED)
    body = _get(app, f"/dataset/{dataset['name']}", world, role, status=200).body
    assert "satudata-panel" in body
    assert "Diajukan" in body
    assert _buttons(body) == buttons
    assert "satudata-timeline" in body  # insiders see the audit rows


def test_unpublished_dataset_is_hidden_from_visitors_and_other_opds(app, world) -> None:
    dataset = _dataset(world, lifecycle.VERIFIED)
    _get(app, f"/dataset/{dataset['name']}", world, "anonymous", status=404)
    assert _get(app, f"/dataset/{dataset['name']}", world, "other_opd").status_code in (403, 404)


def test_visitors_see_only_the_published_facts(app, world) -> None:
    dataset = _dataset(world, lifecycle.PUBLISHED)
    body = _get(app, f"/dataset/{dataset['name']}", world, "anonymous", status=200).body
    assert "Terpublikasi" in body
    assert "satudata-timeline" not in body
    assert not _buttons(body)
    walidata = _get(app, f"/dataset/{dataset['name']}", world, "walidata", status=200).body
    assert _buttons(walidata) == {"withdraw"}


def test_draft_shows_submit_to_its_producer(app, world) -> None:
    """The SDI gate decides: a complete draft has a submit button, an incomplete one lists
    what is missing instead."""
    dataset = _dataset(world, lifecycle.DRAFT)
    body = _get(app, f"/dataset/{dataset['name']}", world, "opd_editor", status=200).body
    assert "Draf" in body
    assert "submit" in _buttons(body)
    assert "Sebelum dataset ini dapat diajukan" not in body
    incomplete = factories.Dataset(owner_org=world["org_a"]["id"], notes="",
                                   user=world["users"]["opd_editor"])
    body = _get(app, f"/dataset/{incomplete['name']}", world, "opd_editor", status=200).body
    assert "Sebelum dataset ini dapat diajukan" in body
    assert "submit" not in _buttons(body)


# -- transitions -----------------------------------------------------------------------------------
def test_transition_page_refused_to_roles_that_may_not(app, world) -> None:
    dataset = _dataset(world, lifecycle.SUBMITTED)
    for role in ("opd_editor", "opd_admin", "pembina", "sekretariat", "other_opd"):
        assert _get(app, f"/satudata/dataset/{dataset['name']}/verifikasi",
                    world, role).status_code in (403, 404), role
    _get(app, f"/satudata/dataset/{dataset['name']}/entah", world, "walidata", status=404)


def test_return_needs_category_and_reason_next_to_the_fields(app, world) -> None:
    dataset = _dataset(world, lifecycle.SUBMITTED)
    url = f"/satudata/dataset/{dataset['name']}/kembalikan"
    form = _get(app, url, world, "walidata", status=200).body
    assert 'for="field-reason_category"' in form and 'for="field-reason"' in form
    # the Walidata's browser: a session cookie, the form posted with its CSRF token
    walidata = browser(app, world["users"]["walidata"]["name"], "correct123")
    response = post_form(walidata, url, {})
    assert response.status_code == 200
    assert 'id="error-reason_category"' in response.body
    assert 'id="error-reason"' in response.body
    assert 'aria-invalid="true"' in response.body
    assert lifecycle.get_state(model.Package.get(dataset["id"])) == lifecycle.SUBMITTED

    response = post_form(walidata, url, {"reason_category": "kode_wilayah_salah",
                                          "reason": "Baris 15: kode wilayah salah."})
    assert response.status_code == 302
    model.Session.expire_all()
    assert lifecycle.get_state(model.Package.get(dataset["id"])) == lifecycle.DRAFT
    mine = _get(app, "/satudata/dataset-saya", world, "opd_editor", status=200).body
    assert "Dikembalikan oleh Walidata" in mine and "Baris 15: kode wilayah salah." in mine


def test_walidata_queue_lists_and_filters(app, world) -> None:
    submitted = _dataset(world, lifecycle.SUBMITTED)
    validated = _dataset(world, lifecycle.VALIDATED)
    body = _get(app, "/satudata/antrean", world, "walidata", status=200).body
    assert submitted["name"] in body and validated["name"] in body
    assert "Tenggat" in body
    only = _get(app, "/satudata/antrean?state=validated", world, "walidata", status=200).body
    assert validated["name"] in only and f'data-dataset="{submitted["name"]}"' not in only
    other = _get(app, "/satudata/antrean?opd=opd-ui-b", world, "walidata", status=200).body
    assert "data-dataset=" not in other


# -- validation letters ----------------------------------------------------------------------------
def test_head_of_opd_records_a_letter_and_validates(app, world) -> None:
    dataset = _dataset(world, lifecycle.VERIFIED)
    browser = app.test_client()  # one session: the form's CSRF token belongs to it
    form = browser.get("/satudata/letters/new", headers=_headers(world, "opd_admin"),
                       status=200).body
    assert dataset["title"] in form
    data = {"owner_org": "opd-ui-a", "datasets": [dataset["id"]], "number": "000.5/1/UJI/2026",
            "letter_date": "2026-01-05", "subject": "Validasi data",
            "signatory_name": "Kepala Dinas Uji", "signatory_nip": "123",
            "signatory_position": "Kepala Dinas Uji A", "signatory_acting": "",
            "validate_now": "1"}
    csrf = re.search(r'name="_csrf_token"\s+value="([^"]+)"', form)
    if csrf:  # the form's CSRF token, when CSRF protection is on
        data["_csrf_token"] = csrf.group(1)
    # a wrong NIP and no PDF: both errors next to their fields, nothing recorded
    response = browser.post("/satudata/letters/new", data=data,
                            headers=_headers(world, "opd_admin"), status=200)
    assert 'id="error-signatory_nip"' in response.body
    assert 'id="error-upload"' in response.body
    data.update(signatory_nip="197001011990031001",
                upload=(io.BytesIO(make_pdf()), "surat.pdf"))
    response = browser.post("/satudata/letters/new", data=data,
                            headers=_headers(world, "opd_admin"), follow_redirects=False)
    assert response.status_code == 302, response.body[:1000]
    model.Session.expire_all()
    assert lifecycle.get_state(model.Package.get(dataset["id"])) == lifecycle.VALIDATED
    assert "/satudata/letters/" in response.headers["Location"]  # the SOP records page
    page = _get(app, f"/dataset/{dataset['name']}", world, "walidata", status=200).body
    assert "000.5/1/UJI/2026" in page and "publish" in _buttons(page)
    pdf_link = re.search(r'href="(/satudata/letters/[^"]+/pdf)"', page).group(1)
    assert _get(app, pdf_link, world, "walidata", status=200).data.startswith(b"%PDF")


# -- language --------------------------------------------------------------------------------------
def test_indonesian_by_default_with_core_strings_and_english_switch(app, world) -> None:
    _dataset(world, lifecycle.PUBLISHED)
    body = app.get("/dataset/", status=200).body
    assert 'lang="id"' in body
    assert "Urutkan menurut" in body  # core's "Order by", empty in CKAN's id catalog
    assert re.search(r"\d+ dataset ditemukan", body)  # core's plural "{number} datasets found"
    english = app.get("/en/dataset/", status=200).body
    assert "Order by" in english and re.search(r"\d+ datasets? found", english)
    queue = app.get("/en/satudata/antrean", headers=_headers(world, "walidata"), status=200).body
    assert "Walidata Queue" in queue
    assert "Antrean Walidata" in app.get("/satudata/antrean", headers=_headers(
        world, "walidata"), status=200).body


def test_nav_links_follow_the_roles(app, world) -> None:
    editor = _get(app, "/dataset/", world, "opd_editor", status=200).body
    walidata = _get(app, "/dataset/", world, "walidata", status=200).body
    anonymous = _get(app, "/dataset/", world, "anonymous", status=200).body
    assert "/satudata/dataset-saya" in editor and "/satudata/antrean" not in editor
    assert "/satudata/antrean" in walidata and "/satudata/dataset-saya" not in walidata
    assert "satudata-nav" not in anonymous


def test_sekretariat_page_lists_daftar_data_with_item_counts(app, world) -> None:
    """Regression: the list of Daftar Data (summaries without items) rendered a 500."""
    sysadmin = world["users"]["sysadmin"]["name"]
    dd = helpers.call_action(
        "satudata_daftar_data_create", context={"user": sysadmin}, year=2027,
        title="Daftar Data Uji 2027",
        items=[{"code": f"UJ-{n}", "name": f"Data uji {n}", "owner_org": world["org_a"]["name"],
                "frequency": "tahunan"} for n in (1, 2, 3)])
    body = _get(app, "/satudata/sekretariat", world, "sekretariat", status=200).body
    assert "Daftar Data Uji 2027" in body
    row = body[body.index("Daftar Data Uji 2027"):]
    assert "<td>3</td>" in row[:600]
    helpers.call_action("satudata_daftar_data_list", context={"user": sysadmin})
    assert helpers.call_action("satudata_daftar_data_show", id=dd["id"])["item_count"] == 3
