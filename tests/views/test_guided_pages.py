"""Issue 14, second half, through CKAN's test app: the guided dataset form (sections, the marks
"required for submission" from the submit gate itself, the standard's template, the licence
default, no visibility field), clean dataset and resource pages, Dataset Saya and the queue
with paging, search and filters, and errors that help.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle

from sop_support import COMPLETE, walk

ROLES = ("opd_editor", "opd_admin", "walidata", "pembina", "sekretariat", "nobody")
MARK = re.compile(r'data-field="([^"]+)" data-submit-required="true"')


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    import ckan.plugins

    ckan.plugins.load_all()
    reset_db()
    for plugin in ("activity", "satudata_blitar", "satudata_search"):
        migrate_db_for(plugin)
    users = {role: factories.UserWithToken(name=f"guide_{role}") for role in ROLES}
    users["sysadmin"] = factories.SysadminWithToken(name="guide_sysadmin")
    org = factories.Organization(name="opd-guide", title="Dinas Panduan", users=[
        {"name": users["opd_editor"]["name"], "capacity": "editor"},
        {"name": users["opd_admin"]["name"], "capacity": "admin"},
    ])
    org_b = factories.Organization(name="opd-guide-b", title="Dinas Panduan B")
    for role in lifecycle.PORTAL_ROLES:
        helpers.call_action("satudata_role_assign", user=users[role]["name"], role=role)
    yield {"users": users, "org": org, "org_b": org_b}
    ckan.plugins.unload_non_system_plugins()


def _get(app, url: str, world: dict[str, Any], role: str, status: int = 200) -> str:
    headers = {"Authorization": world["users"][role]["token"]} if role != "anonymous" else {}
    return app.get(url, headers=headers, status=status).get_data(as_text=True)


# -- the guided dataset form -----------------------------------------------------------------------
def test_form_marks_exactly_the_fields_the_submit_gate_asks_for(app, world):
    """The marks come from the gate: a field is marked on the form exactly when the gate
    refuses a complete draft with that one field emptied; a complete draft passes it."""
    from ckanext.scheming.helpers import scheming_get_dataset_schema

    body = _get(app, "/dataset/new", world, "opd_editor")
    marked = MARK.findall(body)
    assert marked, "no field is marked"
    draft = factories.Dataset(owner_org=world["org"]["id"], user=world["users"]["opd_editor"],
                              **COMPLETE)
    pkg = model.Package.get(draft["id"])
    assert not set(lifecycle.submit_problems_by_field(pkg, draft)) - {"resources"}
    asked = set()
    for field in scheming_get_dataset_schema("dataset")["dataset_fields"]:
        name = field["field_name"]
        emptied = dict(draft, **{name: [] if isinstance(draft.get(name), list) else ""})
        if name == "tag_string":
            emptied["tags"] = []
        if name in lifecycle.submit_problems_by_field(pkg, emptied):
            asked.add(name)
    assert set(marked) == asked
    # the mark is in each label a reader (and a screen reader) gets
    for name in marked:
        block = body.split(f'data-field="{name}"', 1)[1].split('class="satudata-form-field', 1)[0]
        assert "wajib untuk pengajuan" in block, name


def test_form_has_sections_folded_bps_blocks_licence_default_and_no_visibility(app, world):
    body = _get(app, "/dataset/new", world, "opd_editor")
    for section in ("section-basic", "section-sdi", "section-bps", "section-source"):
        assert f'id="{section}"' in body
    for block in ("ms_keg", "ms_var", "ms_ind"):
        assert re.search(rf'<details class="satudata-form-fold" id="fold-{block}">', body), block
    assert 'name="private"' not in body
    assert re.search(r'<option value="cc-by"\s+selected', body)
    assert 'href="/standar-data"' in body


def test_new_dataset_saves_the_licence_default_and_edit_form_offers_the_template(app, world):
    dataset = factories.Dataset(owner_org=world["org"]["id"], user=world["users"]["opd_editor"],
                                standar_data="", **COMPLETE)
    assert helpers.call_action("package_show", id=dataset["id"])["license_id"] == "cc-by"
    helpers.call_action("satudata_standard_create", name="standar-panduan",
                        title="Standar Panduan",
                        schema={"fields": [{"name": "kode_wilayah", "type": "string"}]})
    helpers.call_action("package_patch", {"user": world["users"]["sysadmin"]["name"]},
                        id=dataset["id"], standar_data="standar-panduan")
    body = _get(app, f"/dataset/edit/{dataset['name']}", world, "opd_editor")
    assert 'name="private"' not in body
    assert "/standar-data/standar-panduan/template.csv" in body
    assert "/standar-data/standar-panduan/template.xlsx" in body


# -- clean pages -----------------------------------------------------------------------------------
def test_dataset_page_shows_only_filled_fields_and_blocks(app, world):
    empty = factories.Dataset(owner_org=world["org"]["id"], user=world["users"]["opd_editor"],
                              ms_keg=[{"judul_kegiatan": "", "tahun": ""}], **COMPLETE)
    body = _get(app, f"/dataset/{empty['name']}", world, "opd_editor")
    assert "Metadata Kegiatan (MS-Keg)" not in body
    assert "Metadata Variabel (MS-Var)" not in body
    assert 'data-field="kontak_telepon"' not in body  # empty: no bare label
    assert 'data-field="konsep"' in body
    assert not re.search(r'<th[^>]*>\s*(Status|State)\s*</th>', body)
    filled = factories.Dataset(owner_org=world["org"]["id"], user=world["users"]["opd_editor"],
                               ms_keg=[{"judul_kegiatan": "Survei Fasilitas", "tahun": ""}],
                               standar_data="", **COMPLETE)
    body = _get(app, f"/dataset/{filled['name']}", world, "opd_editor")
    block = body.split('data-field="ms_keg"', 1)[1].split("</tr>", 1)[0]
    assert "Survei Fasilitas" in block and "Judul kegiatan" in block
    assert "Tahun" not in block  # the empty subfield is not listed


def test_resource_page_hides_internal_fields(app, world):
    dataset = factories.Dataset(owner_org=world["org"]["id"], user=world["users"]["opd_editor"],
                                **COMPLETE)
    resource = factories.Resource(package_id=dataset["id"], url="https://example.org/a.pdf",
                                  format="PDF", name="Lampiran")
    body = _get(app, f"/dataset/{dataset['name']}/resource/{resource['id']}", world, "opd_editor")
    assert "Lampiran" in body
    for internal in ("Has views", "Mimetype", "Package id", "Url type", "Position", "State"):
        assert f">{internal}<" not in body, internal


# -- Dataset Saya and the queue: paging, search, filters -----------------------------------------
@pytest.fixture(scope="module")
def many(world) -> dict[str, Any]:
    """25 drafts of the OPD (one about 'irigasi'), and 3 submitted datasets of OPD B."""
    drafts = [factories.Dataset(owner_org=world["org"]["id"], user=world["users"]["opd_editor"],
                                name=f"draf-panduan-{i:02d}",
                                title=f"Draf Panduan {i:02d}" + (" Irigasi" if i == 7 else ""))
              for i in range(25)]
    submitted = []
    for i in range(3):
        pkg = factories.Dataset(owner_org=world["org_b"]["id"], name=f"ajuan-panduan-{i}",
                                title=f"Ajuan Panduan {i}", **COMPLETE)
        walk(pkg["id"], lifecycle.SUBMITTED)
        submitted.append(pkg)
    return {"drafts": drafts, "submitted": submitted}


def _names(body: str) -> set[str]:
    return set(re.findall(r'data-dataset="([^"]+)"', body))


def test_dataset_saya_pages_searches_and_filters(app, world, many):
    first = _get(app, "/satudata/dataset-saya?state=draft", world, "opd_editor")
    second = _get(app, "/satudata/dataset-saya?state=draft&page=2", world, "opd_editor")
    drafts = {p["name"] for p in many["drafts"]}
    assert len(_names(first) & drafts) == 20
    assert (_names(first) | _names(second)) >= drafts
    assert not _names(first) & _names(second)
    assert 'data-count="' in first and "page=2" in first
    found = _get(app, "/satudata/dataset-saya?q=irigasi", world, "opd_editor")
    assert _names(found) == {"draf-panduan-07"}
    none = _get(app, "/satudata/dataset-saya?state=published&q=draf", world, "opd_editor")
    assert not _names(none) & drafts


@pytest.mark.parametrize("query", ["state=bogus", "page=0", "page=abc", "page=99999999999",
                                   "opd=opd-guide-b", "q=" + "x" * 300])
def test_dataset_saya_bad_query_says_why(app, world, many, query):
    body = _get(app, f"/satudata/dataset-saya?{query}", world, "opd_editor", status=400)
    assert "satudata-query-problems" in body


def test_queue_pages_searches_and_filters_by_opd_and_state(app, world, many):
    body = _get(app, "/satudata/antrean?opd=opd-guide-b&state=submitted", world, "walidata")
    assert _names(body) >= {p["name"] for p in many["submitted"]}
    body = _get(app, "/satudata/antrean?q=ajuan+panduan+1", world, "walidata")
    assert "ajuan-panduan-1" in _names(body) and "ajuan-panduan-0" not in _names(body)
    body = _get(app, "/satudata/antrean?opd=opd-guide", world, "walidata")
    assert not _names(body) & {p["name"] for p in many["submitted"]}
    for query in ("state=draft", "page=-1", "opd=tidak-ada"):
        body = _get(app, f"/satudata/antrean?{query}", world, "walidata", status=400)
        assert "satudata-query-problems" in body
    _get(app, "/satudata/antrean?q=x", world, "opd_editor", status=403)


# -- errors that help ----------------------------------------------------------------------------
@pytest.mark.parametrize("typed, meant", [
    ("3572.03", "35.72.03"), ("35.7203", "35.72.03"), ("357202", "35.72.02"),
    ("35.72.01.1010", "35.72.01.1001"), ("35.72.9", None), ("99.99", None)])
def test_area_code_error_suggests_the_nearest_valid_code(typed, meant):
    from ckanext.satudata_blitar.checks import messages
    from ckanext.satudata_blitar.checks.reference import load_reference

    assert load_reference().nearest(typed) == meant
    issue = messages.issue("area-code-unknown", row=3, column="kode_wilayah", value=typed,
                           region="Kota Blitar", example="35.72.01.1001",
                           **({"suggestion": meant} if meant else {}))
    text = messages.render(issue, gettext=lambda s: s)
    assert (f"Did you mean {meant}?" in text) == bool(meant)


def test_reference_list_of_area_codes_is_public_and_linked(app, world):
    body = _get(app, "/standar-data/referensi/kode-wilayah", world, "anonymous")
    assert "35.72.03" in body and "3572020001" in body
    assert "/standar-data/referensi/kode-wilayah" in _get(app, "/standar-data", world,
                                                          "anonymous")


def test_report_pdf_breaks_words_only_at_hyphenation_points(app, world):
    """A long OPD name in the narrow columns of the PDF: a word split over two lines ends the
    first line with a hyphen (CSS hyphens with the document's lang), never mid-word bare."""
    import io

    from pypdf import PdfReader

    from ckanext.satudata_blitar import workdays

    title = ("Dinas Ketenagakerjaan Perindustrian Perdagangan Penanaman Modal dan Pelayanan "
             "Terpadu Satu Pintu")
    factories.Organization(name="opd-panjang", title=title)
    year = workdays.today().year
    response = app.get(f"/satudata/laporan/{year}.pdf",
                       headers={"Authorization": world["users"]["sysadmin"]["token"]})
    assert response.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    words = {w for w in title.split() if len(w) >= 8}
    lines = [line.split() for line in text.splitlines() if line.split()]
    seen = 0
    for before, after in zip(lines, lines[1:]):
        tail, head = before[-1], after[0]
        if tail[-1] in "-\u2010\u00ad" and tail[:-1] + head in words:
            seen += 1  # hyphenated at a hyphenation point: allowed
        assert tail + head not in words, f"'{tail + head}' broken mid-word without a hyphen"
    assert seen or all(w in text for w in words), text[:2000]
