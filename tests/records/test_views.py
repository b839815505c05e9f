"""Pages of the SOP records, and who may download the signed PDFs."""
from __future__ import annotations

import pytest

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle

from . import support
from sop_support import browser, make_pdf, post_form

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]


@pytest.fixture
def world(pdf):
    world = support.make_world()
    tokens = {}
    for role in support.ROLES:
        if role != "anonymous":
            tokens[role] = factories.APIToken(user=support.user_name(world, role))["token"]
    world["tokens"] = tokens
    dd = helpers.call_action("satudata_daftar_data_create", year=2026, items=[
        support.item_row("DD-001", "dinas-kesehatan")])
    world["dd"] = helpers.call_action("satudata_daftar_data_agree", id=dd["id"],
                                      agreed_date="2026-01-15", minute_number="BA/01")
    world["statement"] = helpers.call_action(
        "satudata_statement_create", daftar_data_id=dd["id"], owner_org="dinas-kesehatan",
        number="1/2026", letter_date="2026-01-20", signatory_name="A",
        signatory_nip=support.NIP, signatory_position="Kepala Dinas",
        items=[{"code": "DD-001", "available": True}], upload=pdf())
    pkg = support.dataset(world, lifecycle.VERIFIED)
    world["letter"] = support.letter(world, [pkg["id"]])
    return world


def _get(app, world, role, url, status):
    headers = {"Authorization": world["tokens"][role]} if role != "anonymous" else {}
    return app.get(url, headers=headers, status=status)


@pytest.mark.parametrize("role, status", [
    ("anonymous", 403), ("plain_user", 403), ("other_opd", 403), ("opd_member", 200),
    ("opd_admin", 200), ("walidata", 200), ("pembina", 200), ("sekretariat", 200),
    ("sysadmin", 200),
])
def test_letter_and_statement_pdf_access(app, world, role, status):
    for url in (f"/satudata/letters/{world['letter']['id']}/pdf",
                f"/satudata/statements/{world['statement']['id']}/pdf"):
        res = _get(app, world, role, url, status)
        if status == 200:
            assert res.data == make_pdf()
            assert res.headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("url", [
    "/satudata/daftar-data", "/satudata/statements", "/satudata/statements/new",
    "/satudata/letters", "/satudata/deadlines",
])
@pytest.mark.parametrize("lang", ["", "/en"])
def test_pages_render_for_sekretariat(app, world, url, lang):
    _get(app, world, "sekretariat", lang + url, 200)


def test_record_pages(app, world):
    dd = world["dd"]
    res = _get(app, world, "anonymous", f"/satudata/daftar-data/{dd['id']}", 200)
    assert "DD-001" in res.body
    res = _get(app, world, "opd_admin", f"/satudata/letters/{world['letter']['id']}", 200)
    assert world["letter"]["pdf_sha256"] in res.body
    _get(app, world, "opd_admin", f"/satudata/statements/{world['statement']['id']}", 200)
    _get(app, world, "other_opd", f"/satudata/letters/{world['letter']['id']}", 403)
    csv_res = _get(app, world, "anonymous", f"/satudata/daftar-data/{dd['id']}/export.csv", 200)
    assert csv_res.data.decode("utf-8-sig").startswith("kode,nama_data,opd")
    _get(app, world, "anonymous", f"/satudata/daftar-data/{dd['id']}/export.xlsx", 200)


def test_create_draft_and_import_through_the_form(app, world):
    # the Sekretariat's browser: a session cookie, each form posted with its page's CSRF token
    sekretariat = browser(app, support.user_name(world, "sekretariat"))
    res = post_form(sekretariat, "/satudata/daftar-data", {"year": "2025", "title": "DD 2025"})
    assert res.status_code == 302
    dd_id = res.headers["Location"].rstrip("/").split("/")[-1]
    import io
    page = f"/satudata/daftar-data/{dd_id}"
    bad = b"kode,nama_data,opd\nDD-1,,dinas-kesehatan\n"
    res = post_form(sekretariat, f"{page}/import", {"upload": (io.BytesIO(bad), "dd.csv")},
                    form_url=page)
    assert res.status_code == 200
    assert "Baris 2" in res.get_data(as_text=True) or "Row 2" in res.get_data(as_text=True)
    good = b"kode,nama_data,opd\nDD-1,Data satu,dinas-kesehatan\n"
    assert post_form(sekretariat, f"{page}/import", {"upload": (io.BytesIO(good), "dd.csv")},
                     form_url=page).status_code == 302
    model.Session.expire_all()
    show = helpers.call_action("satudata_daftar_data_show", id=dd_id)
    assert [i["code"] for i in show["items"]] == ["DD-1"]
    # walidata may not import
    app.post(f"/satudata/daftar-data/{dd_id}/import",
             headers={"Authorization": world["tokens"]["walidata"]},
             data={"upload": (io.BytesIO(good), "dd.csv")}, status=403)


def test_error_summary_links_each_message_to_its_field(app, world):
    """A failed form lists what stopped it as links to the labelled fields, never as the
    fields' internal names."""
    sekretariat = browser(app, support.user_name(world, "sekretariat"))
    res = post_form(sekretariat, "/satudata/daftar-data", {"year": "tahun", "title": ""})
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    summary = html[html.index("alert-danger"):]
    summary = summary[:summary.index("</div>")]
    assert 'href="#field-year"' in summary and 'id="field-year"' in html
    assert "<strong>" not in summary and ">year<" not in summary
