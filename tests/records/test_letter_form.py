"""The one validation-letter form, ``/satudata/letters/new``, through CKAN's test app.

Who may open it is a ``parametrize`` table; then the OPD each role gets (the Kepala OPD their
own, the Walidata a choice), the datasets offered (the OPD's verified ones), ``?dataset=`` from
a dataset's pages, the links to the form, the values kept after an error with the request to
choose the PDF again, the default date in WIB, the former address, and a letter recorded and
its datasets validated in one step. Datasets are real: complete SDI metadata, walked through
the real gates (``sop_support.walk``).
"""
from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any, Iterator, Optional
from urllib.parse import parse_qs, urlsplit

import pytest
from freezegun import freeze_time

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle, workdays
from ckanext.satudata_blitar.model import AuditEntry
from ckanext.satudata_blitar.model.records import ValidationLetter

from sop_support import COMPLETE, NIP, make_pdf, walk

URL = "/satudata/letters/new"
ROLES = ("anonymous", "other_opd", "opd_editor", "opd_admin", "walidata", "pembina",
         "sekretariat", "sysadmin")
#: who may record a letter, hence open the form (signed-in others: 403; anonymous: login)
ALLOWED = {"other_opd", "opd_admin", "walidata", "sysadmin"}
REFUSED_ID = ("Hanya Kepala OPD (admin organisasi) atau Walidata yang dapat mencatat surat "
              "validasi OPD.")
AGAIN_ID = "Pilih lagi berkas PDF surat yang ditandatangani"
AGAIN_EN = "Choose the signed PDF again"


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    """OPD A (editor, Kepala), OPD B (Kepala ``other_opd``), OPD C; ``two_opds`` heads B and
    C; the SOP roles; verified, draft and published datasets of A, verified ones of B and C.
    The tests that record letters do so in OPD D (Kepala ``head_d``), so that the datasets
    offered in A, B and C stay as built here."""
    import ckan.plugins

    ckan.plugins.load_all()
    reset_db()
    for plugin in ("activity", "satudata_blitar", "satudata_search"):
        migrate_db_for(plugin)
    users = {role: factories.UserWithToken(name=f"lf_{role}")
             for role in ROLES + ("two_opds", "head_d") if role not in ("anonymous", "sysadmin")}
    users["sysadmin"] = factories.SysadminWithToken(name="lf_sysadmin")
    orgs = {
        "a": factories.Organization(name="opd-lf-a", title="Dinas Surat A", users=[
            {"name": users["opd_editor"]["name"], "capacity": "editor"},
            {"name": users["opd_admin"]["name"], "capacity": "admin"}]),
        "b": factories.Organization(name="opd-lf-b", title="Dinas Surat B", users=[
            {"name": users["other_opd"]["name"], "capacity": "admin"},
            {"name": users["two_opds"]["name"], "capacity": "admin"}]),
        "c": factories.Organization(name="opd-lf-c", title="Dinas Surat C", users=[
            {"name": users["two_opds"]["name"], "capacity": "admin"}]),
        "d": factories.Organization(name="opd-lf-d", title="Dinas Surat D", users=[
            {"name": users["head_d"]["name"], "capacity": "admin"}]),
    }
    for role in lifecycle.PORTAL_ROLES:
        helpers.call_action("satudata_role_assign", user=users[role]["name"], role=role)
    world = {"users": users, "orgs": orgs}
    world["datasets"] = {
        "a1": _dataset(world, "a", lifecycle.VERIFIED, "Data Verifikasi Satu"),
        "a2": _dataset(world, "a", lifecycle.VERIFIED, "Data Verifikasi Dua"),
        "a_draft": _dataset(world, "a", lifecycle.DRAFT, "Data Masih Draf"),
        "a_published": _dataset(world, "a", lifecycle.PUBLISHED, "Data Sudah Terbit"),
        "b1": _dataset(world, "b", lifecycle.VERIFIED, "Data Verifikasi OPD B"),
        "c1": _dataset(world, "c", lifecycle.VERIFIED, "Data Verifikasi OPD C"),
    }
    yield world
    ckan.plugins.unload_non_system_plugins()


def _dataset(world: dict[str, Any], org: str, state: str, title: str) -> dict[str, Any]:
    """A dataset of ``org`` with complete SDI metadata, walked to ``state`` by the real gates."""
    dataset = factories.Dataset(owner_org=world["orgs"][org]["id"], title=title,
                                **COMPLETE)
    walk(dataset["id"], state)
    return dataset


def _headers(world: dict[str, Any], role: str, token: Optional[str] = None) -> dict[str, str]:
    if role == "anonymous":
        return {}
    return {"Authorization": token or world["users"][role]["token"]}


def _get(app, world, role: str, url: str = URL, status: Optional[int] = None, **kw: Any):
    return app.get(url, headers=_headers(world, role, kw.pop("token", None)), status=status,
                   follow_redirects=False, **kw)


def _post(app, world, role: str, data: dict[str, Any], url: str = URL, client: Any = None,
          **kw: Any):
    """POST the form as ``role`` like a browser: open the page, then send the form with the
    page's CSRF token when it carries one, in one session (``client`` keeps the cookies)."""
    client = client or app.test_client()
    page = client.get(url, headers=_headers(world, role), status=200).body
    token = re.search(r'name="_csrf_token"\s+value="([^"]+)"', page)
    if token:
        data = dict(data, _csrf_token=token.group(1))
    return client.post(url, data=data, headers=_headers(world, role), **kw)


def _checkboxes(body: str) -> dict[str, bool]:
    """Dataset checkboxes of the form: id → ticked."""
    return {m.group(1): "checked" in m.group(0) for m in re.finditer(
        r'<input[^>]*name="datasets" value="([^"]+)"[^>]*>', body)}


def _options(body: str) -> list[str]:
    """Values of the OPD choice (empty when the OPD is fixed)."""
    select = re.search(r'<select[^>]*name="owner_org".*?</select>', body, re.S)
    return re.findall(r'<option value="([^"]+)"', select.group(0)) if select else []


def _selected(body: str) -> Optional[str]:
    select = re.search(r'<select[^>]*name="owner_org".*?</select>', body, re.S)
    chosen = re.search(r'<option value="([^"]+)" selected', select.group(0)) if select else None
    return chosen.group(1) if chosen else None


def _ids(world: dict[str, Any], *keys: str) -> set[str]:
    return {world["datasets"][k]["id"] for k in keys}


def _letter_fields(**extra: Any) -> dict[str, Any]:
    data = {"number": "000.5/7/410.lf/2026", "letter_date": "2026-11-02",
            "subject": "Validasi data sektoral", "signatory_name": "Dr. Sri Wahyuni",
            "signatory_nip": NIP, "signatory_position": "Kepala Dinas Surat A",
            "signatory_acting": ""}
    data.update(extra)
    return data


# -- who may open the form -------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_form(app, world, role: str) -> None:
    response = _get(app, world, role)
    if role == "anonymous":
        assert response.status_code == 302
        assert "/user/login" in response.headers["Location"]
    elif role in ALLOWED:
        assert response.status_code == 200, response.body[:500]
        assert "satudata-letter" in response.body
    else:
        assert response.status_code == 403
        assert REFUSED_ID in response.body


# -- the OPD and the datasets each role gets -------------------------------------------------------
def test_head_of_opd_gets_own_opd_fixed_and_its_verified_datasets(app, world) -> None:
    for url in (URL, URL + "?owner_org=opd-lf-b"):  # another OPD cannot be asked for
        body = _get(app, world, "opd_admin", url, status=200).body
        assert _options(body) == []
        assert 'name="owner_org" value="opd-lf-a"' in body
        assert "Dinas Surat A" in body and "Dinas Surat B" not in body
        assert set(_checkboxes(body)) == _ids(world, "a1", "a2")
    body = _get(app, world, "other_opd", status=200).body
    assert _options(body) == [] and set(_checkboxes(body)) == _ids(world, "b1")


def test_head_of_several_opds_chooses_among_them_only(app, world) -> None:
    body = _get(app, world, "two_opds", status=200).body
    assert _options(body) == ["opd-lf-b", "opd-lf-c"]
    assert _checkboxes(body) == {}  # nothing offered before an OPD is chosen
    body = _get(app, world, "two_opds", URL + "?owner_org=opd-lf-c", status=200).body
    assert _selected(body) == "opd-lf-c" and set(_checkboxes(body)) == _ids(world, "c1")
    body = _get(app, world, "two_opds", URL + "?owner_org=opd-lf-a", status=200).body
    assert _selected(body) is None and _checkboxes(body) == {}


@pytest.mark.parametrize("role", ["walidata", "sysadmin"])
def test_walidata_chooses_the_opd_and_sees_its_verified_datasets(app, world, role) -> None:
    body = _get(app, world, role, status=200).body
    assert _options(body) == ["opd-lf-a", "opd-lf-b", "opd-lf-c", "opd-lf-d"]
    assert "satudata-letter-form" not in body
    body = _get(app, world, role, URL + "?owner_org=opd-lf-b", status=200).body
    assert _selected(body) == "opd-lf-b"
    assert set(_checkboxes(body)) == _ids(world, "b1")
    body = _get(app, world, role, URL + "?owner_org=opd-lf-a", status=200).body
    assert set(_checkboxes(body)) == _ids(world, "a1", "a2")  # no draft, no published one


def test_validate_now_is_ticked_for_the_head_of_opd_only(app, world) -> None:
    ticked = re.compile(r'<input[^>]*id="field-validate_now"[^>]*checked')
    assert ticked.search(_get(app, world, "opd_admin", status=200).body)
    assert not ticked.search(_get(app, world, "walidata", URL + "?owner_org=opd-lf-a",
                                  status=200).body)


# -- opened from a dataset -------------------------------------------------------------------------
@pytest.mark.parametrize("role, key", [("walidata", "name"), ("opd_admin", "id"),
                                       ("sysadmin", "name")])
def test_dataset_argument_ticks_the_dataset_and_selects_its_opd(app, world, role, key) -> None:
    a2 = world["datasets"]["a2"]
    body = _get(app, world, role, f"{URL}?dataset={a2[key]}", status=200).body
    assert 'name="owner_org" value="opd-lf-a"' in body
    if role != "opd_admin":
        assert _selected(body) == "opd-lf-a"
    assert _checkboxes(body) == {a2["id"]: True, world["datasets"]["a1"]["id"]: False}


def test_links_to_the_form_only_for_who_may_record_the_letter(app, world) -> None:
    a2 = world["datasets"]["a2"]
    link = f'href="{URL}?dataset={a2["name"]}"'
    for role, expected in (("opd_admin", True), ("walidata", True), ("opd_editor", False),
                           ("pembina", False), ("sekretariat", False)):
        body = _get(app, world, role, f"/dataset/{a2['name']}", status=200).body
        assert (link in body) is expected, role
    for role, expected in (("opd_admin", True), ("opd_editor", False)):
        mine = _get(app, world, role, "/satudata/dataset-saya", status=200).body
        assert (link in mine) is expected, role
        assert ("satudata-record-letter" in mine) is expected, role
    for role, expected in (("opd_admin", True), ("other_opd", True), ("walidata", True),
                           ("opd_editor", False), ("pembina", False), ("sekretariat", False)):
        letters = _get(app, world, role, "/satudata/letters", status=200).body
        assert (f'href="{URL}"' in letters) is expected, role
    confirm = _get(app, world, "opd_admin", f"/satudata/dataset/{a2['name']}/validasi",
                   status=200).body
    assert link in confirm


# -- after an error --------------------------------------------------------------------------------
@pytest.mark.parametrize("lang, again", [("", AGAIN_ID), ("/en", AGAIN_EN)])
def test_error_keeps_the_values_and_asks_for_the_pdf_again(app, world, lang, again) -> None:
    a1, a2 = world["datasets"]["a1"], world["datasets"]["a2"]
    letters = model.Session.query(ValidationLetter).count()
    data = _letter_fields(owner_org="opd-lf-a", datasets=[a2["id"]], signatory_nip="123",
                          signatory_acting="plt",
                          upload=(io.BytesIO(make_pdf()), "surat.pdf"))
    body = _post(app, world, "opd_admin", data, url=lang + URL, status=200).body
    assert 'id="error-signatory_nip"' in body and 'aria-invalid="true"' in body
    for field in ("number", "subject", "signatory_name", "signatory_position"):
        assert f'name="{field}" value="{data[field]}"' in body, field
    assert 'name="letter_date" value="2026-11-02"' in body
    assert '<option value="plt" selected>' in body
    assert _checkboxes(body) == {a2["id"]: True, a1["id"]: False}
    assert not re.search(r'id="field-validate_now"[^>]*checked', body)  # was left unticked
    note = re.search(r'<div[^>]*id="note-upload"[^>]*>([^<]*)</div>', body)
    assert note and again in note.group(1)
    assert re.search(r'id="field-upload"[^>]*aria-describedby="[^"]*note-upload', body)
    model.Session.expire_all()
    assert model.Session.query(ValidationLetter).count() == letters
    assert lifecycle.get_state(model.Package.get(a2["id"])) == lifecycle.VERIFIED


def test_no_request_to_choose_the_pdf_again_before_an_error(app, world) -> None:
    body = _get(app, world, "opd_admin", status=200).body
    assert 'id="field-upload"' in body and 'id="note-upload"' not in body


# -- the default date ------------------------------------------------------------------------------
def test_default_date_is_the_portals_date_in_wib(app, world) -> None:
    # 17:30 UTC is already the next day in WIB (UTC+7). The frozen moment lies after the real
    # one: the API token's issue time comes from a clock freezegun cannot reach, and a token
    # issued "after" the frozen now would be refused as not yet valid.
    moment = dt.datetime.combine(dt.date.today() + dt.timedelta(days=1), dt.time(17, 30))
    wib_day = (moment + dt.timedelta(days=1)).date()
    with freeze_time(moment):
        assert workdays.today() == wib_day
        token = factories.APIToken(user=world["users"]["opd_admin"]["name"])["token"]
        res = _get(app, world, "opd_admin", token=token)
        assert res.status_code == 200, res.headers.get("Location")
        body = res.body
    field = re.search(r'<input[^>]*id="field-letter_date"[^>]*>', body).group(0)
    assert f'value="{wib_day.isoformat()}"' in field and f'max="{wib_day.isoformat()}"' in field


# -- the former address ----------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["anonymous", "opd_admin", "walidata"])
def test_former_address_redirects_with_its_query(app, world, role) -> None:
    response = _get(app, world, role, "/satudata/surat-validasi/baru?owner_org=opd-lf-b"
                    "&dataset=data-x")
    assert response.status_code == 301
    target = urlsplit(response.headers["Location"])
    assert target.path == URL
    assert parse_qs(target.query) == {"owner_org": ["opd-lf-b"], "dataset": ["data-x"]}
    english = _get(app, world, role, "/en/satudata/surat-validasi/baru")
    assert urlsplit(english.headers["Location"]).path == "/en" + URL


# -- recording the letter --------------------------------------------------------------------------
def test_head_of_opd_records_the_letter_and_validates_in_one_step(app, world) -> None:
    first = _dataset(world, "d", lifecycle.VERIFIED, "Data Satu Langkah Pertama")
    second = _dataset(world, "d", lifecycle.VERIFIED, "Data Satu Langkah Kedua")
    data = _letter_fields(owner_org="opd-lf-d", number="000.5/8/410.lf/2026",
                          datasets=[first["id"], second["id"]], validate_now="1",
                          upload=(io.BytesIO(make_pdf("Surat satu langkah")), "surat.pdf"))
    browser = app.test_client()
    response = _post(app, world, "head_d", data, client=browser, follow_redirects=False)
    assert response.status_code == 302, response.body[:1000]
    letter_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    page = browser.get(f"/satudata/letters/{letter_id}", headers=_headers(world, "head_d"),
                       status=200).body  # the letter's page, with the flashed results
    assert "Surat validasi 000.5/8/410.lf/2026 telah dicatat." in page
    for pkg in (first, second):
        assert f"&#34;{pkg['title']}&#34; telah divalidasi" in page or \
            f"&quot;{pkg['title']}&quot; telah divalidasi" in page
        model.Session.expire_all()
        assert lifecycle.get_state(model.Package.get(pkg["id"])) == lifecycle.VALIDATED
        row = (model.Session.query(AuditEntry)
               .filter_by(package_id=pkg["id"], transition="validate").one())
        assert row.letter_ref == letter_id and row.role == lifecycle.OPD_ADMIN


def test_walidata_records_a_letter_without_validating(app, world) -> None:
    pkg = _dataset(world, "d", lifecycle.VERIFIED, "Data Dicatat Walidata")
    data = _letter_fields(owner_org="opd-lf-d", number="000.5/9/410.lf/2026",
                          datasets=[pkg["id"]],
                          upload=(io.BytesIO(make_pdf()), "surat.pdf"))
    response = _post(app, world, "walidata", data, url=URL + "?owner_org=opd-lf-d",
                     follow_redirects=False)
    assert response.status_code == 302, response.body[:1000]
    model.Session.expire_all()
    letter = model.Session.query(ValidationLetter).filter_by(
        number="000.5/9/410.lf/2026").one()
    assert letter.owner_org == world["orgs"]["d"]["id"]
    assert lifecycle.get_state(model.Package.get(pkg["id"])) == lifecycle.VERIFIED


def test_head_of_opd_cannot_record_for_another_opd(app, world) -> None:
    data = _letter_fields(owner_org="opd-lf-b", number="000.5/10/410.lf/2026",
                          datasets=[world["datasets"]["b1"]["id"]],
                          upload=(io.BytesIO(make_pdf()), "surat.pdf"))
    _post(app, world, "opd_admin", data, status=403)
    model.Session.expire_all()
    assert not model.Session.query(ValidationLetter).filter_by(
        number="000.5/10/410.lf/2026").count()
