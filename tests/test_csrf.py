"""Every form of the extension checks its CSRF token, whatever CKAN exempts.

test.ini keeps CKAN's default ``ckan.csrf_protection.ignore_extensions = true``, under which
CKAN itself exempts every blueprint of an extension; ``views/csrf.py`` checks ours anyway.
Every POST route of the extension's blueprints is read from the running app's URL map and
must have a case below (a new form without one fails ``test_every_post_route_has_a_case``).
For each case a signed-in user with the right role (a browser session, not an API token)
posts the form twice: without the token the portal answers 400 and nothing changes; with the
token of the form's page the step is done.
"""
from __future__ import annotations

import io
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import helpers

import ckanext.satudata_blitar
from ckanext.satudata_blitar import lifecycle, workdays

from lifecycle_support import fresh_world, make_dataset, state_of
from sop_support import NIP, browser, csrf_token, make_pdf

PASSWORD = "correct123"  # factories.UserWithToken
_years = itertools.count(2000, 2)  # even years: a carried-over list takes the next one
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    yield from fresh_world(reset_db, migrate_db_for)


def _count(sql: str, **params: Any) -> int:
    model.Session.remove()
    return model.Session.execute(sa.text(f"SELECT count(*) FROM {sql}"), params).scalar()


def _today() -> str:
    return workdays.today().isoformat()


def _pdf() -> tuple[io.BytesIO, str]:
    return io.BytesIO(make_pdf()), "surat.pdf"


def _daftar_data(agreed: bool = False, items: bool = True) -> dict[str, Any]:
    rows = [{"code": "DD-1", "name": "Jumlah penduduk", "owner_org": "opd-a",
             "frequency": "tahunan", "data_type": "statistik", "data_standard": "",
             "unit": "orang", "priority": "ya", "notes": ""}] if items else []
    dd = helpers.call_action("satudata_daftar_data_create", year=next(_years), items=rows)
    if agreed:
        dd = helpers.call_action("satudata_daftar_data_agree", id=dd["id"],
                                 agreed_date=_today(), minute_number="BA/01")
    return dd


def _signed(**fields: Any) -> dict[str, Any]:
    """Number, date, signatory and signed PDF of an official letter (the shared form part)."""
    return dict({"number": f"000.5/{next(_numbers)}/410.csrf/2026", "letter_date": _today(),
                 "signatory_name": "Dr. Sri Wahyuni", "signatory_nip": NIP,
                 "signatory_position": "Kepala Dinas", "signatory_acting": "",
                 "upload": _pdf()}, **fields)


@dataclass
class Form:
    """One POST of one form: where it is posted, from which page, by whom, and the fact the
    step changes."""

    url: str
    page: str
    role: str
    data: Callable[[], dict[str, Any]]  # fresh each time (file uploads are read once)
    probe: Callable[[], Any]


def _transition(world: dict[str, Any], state: str, slug: str, role: str,
                **data: str) -> Form:
    dataset = make_dataset(world, state)
    url = f"/satudata/dataset/{dataset['name']}/{slug}"
    return Form(url, url, role, lambda: dict(data), lambda: state_of(dataset["id"]))


def _letter(world: dict[str, Any], url: str) -> Form:
    dataset = make_dataset(world, lifecycle.VERIFIED)
    return Form(url, f"/satudata/letters/new?dataset={dataset['id']}", "opd_admin",
                lambda: _signed(owner_org="opd-a", datasets=[dataset["id"]],
                                subject="Validasi data sektoral"),
                lambda: _count("satudata_blitar_letter_dataset WHERE package_id = :p",
                               p=dataset["id"]))


def _daftar_data_op(op: str) -> Callable[[dict[str, Any]], Form]:
    def make(world: dict[str, Any]) -> Form:
        dd = _daftar_data(agreed=op in ("revise", "carry-over"), items=op != "import")
        data = {
            "import": lambda: {"upload": (io.BytesIO(
                b"kode,nama_data,opd\nDD-9,Data sembilan,opd-a\n"), "dd.csv")},
            "agree": lambda: {"agreed_date": _today(), "minute_number": "BA/02"},
            "revise": lambda: {},
            "carry-over": lambda: {"year": str(dd["year"] + 1)},
        }[op]
        return Form(f"/satudata/daftar-data/{dd['id']}/{op}",
                    f"/satudata/daftar-data/{dd['id']}", "sekretariat", data,
                    lambda: (_count("satudata_blitar_daftar_data"),
                             _count("satudata_blitar_daftar_data_item"),
                             _count("satudata_blitar_daftar_data WHERE status = 'agreed'")))
    return make


def _statement(world: dict[str, Any]) -> Form:
    dd = _daftar_data(agreed=True)
    return Form("/satudata/statements/new",
                f"/satudata/statements/new?daftar_data_id={dd['id']}&owner_org=opd-a",
                "opd_admin",
                lambda: _signed(**{"daftar_data_id": dd["id"], "owner_org": "opd-a",
                                   "item_code": "DD-1", "available_DD-1": "ya"}),
                lambda: _count("satudata_blitar_statement WHERE daftar_data_id = :d",
                               d=dd["id"]))


def _report(path: str, table: str, **data: str) -> Callable[[dict[str, Any]], Form]:
    return lambda world: Form(f"/satudata/laporan/2025/{path}", "/satudata/laporan?year=2025",
                              "sekretariat", lambda: dict(data),
                              lambda: _count(f"{table} WHERE year = 2025"))


def _standard(world: dict[str, Any]) -> Form:
    name = f"standar-csrf-{next(_numbers)}"
    schema = {"fields": [{"name": "kode_wilayah", "type": "string"},
                         {"name": "jumlah", "type": "integer"}]}
    return Form("/standar-data/baru", "/standar-data/baru", "walidata",
                lambda: {"name": name, "title": "Standar CSRF", "schema": json.dumps(schema)},
                lambda: _count("satudata_blitar_standard WHERE name = :n", n=name))


#: (endpoint, case id) → how to build the case; every POST endpoint needs at least one
CASES: dict[tuple[str, str], Callable[[dict[str, Any]], Form]] = {
    ("satudata_workflow.transition", "submit"): lambda w: _transition(
        w, lifecycle.DRAFT, "ajukan", "opd_editor"),
    ("satudata_workflow.transition", "verify"): lambda w: _transition(
        w, lifecycle.SUBMITTED, "verifikasi", "walidata", note="Sesuai standar"),
    ("satudata_workflow.transition", "return"): lambda w: _transition(
        w, lifecycle.SUBMITTED, "kembalikan", "walidata", reason_category="lainnya",
        reason="Lengkapi definisi."),
    ("satudata_workflow.transition", "publish"): lambda w: _transition(
        w, lifecycle.VALIDATED, "publikasikan", "walidata"),
    ("satudata_records.daftar_data_list", "create"): lambda w: Form(
        "/satudata/daftar-data", "/satudata/daftar-data", "sekretariat",
        (lambda year=next(_years): {"year": str(year), "title": "Daftar Data CSRF"}),
        lambda: _count("satudata_blitar_daftar_data")),
    ("satudata_records.daftar_data_op", "import"): _daftar_data_op("import"),
    ("satudata_records.daftar_data_op", "agree"): _daftar_data_op("agree"),
    ("satudata_records.daftar_data_op", "revise"): _daftar_data_op("revise"),
    ("satudata_records.daftar_data_op", "carry-over"): _daftar_data_op("carry-over"),
    ("satudata_records.statement_new", "statement"): _statement,
    ("satudata_records.letter_new", "letter"): lambda w: _letter(w, "/satudata/letters/new"),
    ("satudata_records.letter_old_url", "former address"): lambda w: _letter(
        w, "/satudata/surat-validasi/baru"),
    ("satudata_report.generate", "file"): _report("buat", "satudata_blitar_report_file",
                                                  format="csv"),
    ("satudata_report.note", "note"): _report("catatan", "satudata_blitar_report_note",
                                              section="umum", text="Catatan evaluasi."),
    ("satudata_report.delivery", "delivery"): _report(
        "penyerahan", "satudata_blitar_report_delivery", delivered_date="2026-01-20",
        letter_number="000.5/9/410.csrf/2026", recipient="Wali Kota Blitar", copies="1"),
    ("satudata_standards.standard_new", "standard"): _standard,
    ("satudata_revisions.start", "revision"): lambda w: _revision_start(w),
    ("satudata_revisions.discard", "revision"): lambda w: _revision_discard(w),
    ("satudata_notices.mark_read", "all"): lambda w: _notices_read(w),
    ("satudata_notices.preferences", "digest"): lambda w: Form(
        "/satudata/notices/preferences", "/satudata/notices/preferences", "opd_editor",
        lambda: {"mode": "digest", "lang": "en"},
        lambda: _count("satudata_blitar_notify_pref WHERE mode = 'digest'")),
}


def _notices_read(world: dict[str, Any]) -> Form:
    """A submitted dataset told the Walidata (a notice); the Walidata marks all as read."""
    make_dataset(world, lifecycle.SUBMITTED)
    walidata = world["users"]["walidata"]["id"]
    return Form("/satudata/notices/read", "/satudata/notices", "walidata",
                lambda: {"all": "true"},
                lambda: _count("satudata_blitar_notice WHERE user_id = :u AND read_at IS NULL",
                               u=walidata))


def _revision_start(world: dict[str, Any]) -> Form:
    """The producer starts a revision of a published dataset (docs/revisions.md)."""
    dataset = make_dataset(world, lifecycle.PUBLISHED)
    return Form(f"/dataset/{dataset['name']}/revisi", f"/dataset/{dataset['name']}",
                "opd_editor", lambda: {},
                lambda: _count("satudata_blitar_revision WHERE package_id = :p",
                               p=dataset["id"]))


def _revision_discard(world: dict[str, Any]) -> Form:
    """The producer discards a draft revision."""
    dataset = make_dataset(world, lifecycle.PUBLISHED)
    rev = helpers.call_action("satudata_revision_start", context={
        "user": world["users"]["opd_editor"]["name"]}, id=dataset["id"])
    return Form(f"/satudata/revisi/{rev['id']}/buang", f"/dataset/{rev['shadow_name']}",
                "opd_editor", lambda: {},
                lambda: _count("satudata_blitar_revision WHERE id = :r AND state = 'open'",
                               r=rev["id"]))


def _our_blueprints(flask_app: Any) -> dict[str, Any]:
    return {name: bp for name, bp in flask_app.blueprints.items()
            if bp.import_name.startswith("ckanext.satudata_blitar.")}


def _post_endpoints(flask_app: Any) -> set[str]:
    ours = _our_blueprints(flask_app)
    return {rule.endpoint for rule in flask_app.url_map.iter_rules()
            if "POST" in rule.methods and rule.endpoint.split(".")[0] in ours}


def test_every_post_route_has_a_case(app):
    endpoints = _post_endpoints(app.flask_app)
    assert endpoints == {endpoint for endpoint, _ in CASES}, (
        "a POST route of the extension without a CSRF case (or a case without a route)")
    # the premise: with test.ini's settings CKAN itself exempts every one of these blueprints
    exempt = app.flask_app.extensions["csrf"]._exempt_blueprints
    assert set(_our_blueprints(app.flask_app).values()) <= exempt


@pytest.mark.parametrize("key", list(CASES), ids=[f"{e}:{c}" for e, c in CASES])
def test_form_refused_without_token_and_done_with_it(app, world, key):
    form = CASES[key](world)
    client = browser(app, world["users"][form.role]["name"], PASSWORD)
    before = form.probe()

    refused = client.post(form.url, data=form.data(), follow_redirects=False)
    assert refused.status_code == 400, refused.get_data(as_text=True)[:500]
    assert form.probe() == before, "a refused POST changed something"
    wrong = client.post(form.url, data=dict(form.data(), _csrf_token="palsu"),
                        follow_redirects=False)
    assert wrong.status_code == 400
    assert form.probe() == before

    token = csrf_token(client, form.page)
    done = client.post(form.url, data=dict(form.data(), _csrf_token=token),
                       follow_redirects=False)
    if done.status_code == 308:  # a form's former address: the browser posts it again there
        done = client.post(done.headers["Location"], data=dict(form.data(), _csrf_token=token),
                           follow_redirects=False)
    assert done.status_code in (200, 302), done.get_data(as_text=True)[:1000]
    assert form.probe() != before, done.get_data(as_text=True)[:1000]


def test_every_post_form_of_the_templates_carries_the_token():
    """A form posts its token only if its template writes it (``h.csrf_input()``)."""
    root = Path(ckanext.satudata_blitar.__file__).parent / "templates"
    forms = 0
    for path in sorted(root.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.finditer(r"<form\b[^>]*>", text, re.IGNORECASE):
            if not re.search(r"""method=["']?post""", tag.group(0), re.IGNORECASE):
                continue
            forms += 1
            body = text[tag.end():text.index("</form>", tag.end())]
            assert "h.csrf_input()" in body, f"{path.relative_to(root)}: {tag.group(0)}"
    assert forms >= 10  # the forms of the workflow, records, report and standards pages


def test_api_token_requests_stay_exempt_as_in_core(app, world):
    """A request signed with an API token (``Authorization`` header) is not a browser's:
    CKAN exempts it from CSRF, and so does the extension."""
    before = _count("satudata_blitar_report_note WHERE year = 2025")
    response = app.post("/satudata/laporan/2025/catatan", data={"text": "Lewat token API."},
                        headers={"Authorization": world["users"]["sekretariat"]["token"]},
                        follow_redirects=False)
    assert response.status_code == 302
    assert _count("satudata_blitar_report_note WHERE year = 2025") == before + 1


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", False)
def test_a_site_that_turns_csrf_off_turns_it_off_here_too(app, world):
    client = browser(app, world["users"]["sekretariat"]["name"], PASSWORD)
    before = _count("satudata_blitar_report_note WHERE year = 2025")
    response = client.post("/satudata/laporan/2025/catatan", data={"text": "Tanpa CSRF."},
                           follow_redirects=False)
    assert response.status_code == 302
    assert _count("satudata_blitar_report_note WHERE year = 2025") == before + 1


def test_core_forms_still_need_their_token(app, world):
    """CSRF is on for the whole site in the tests: core's own forms are checked by core."""
    client = browser(app, world["users"]["opd_editor"]["name"], PASSWORD)
    data = {"name": "tanpa-token", "title": "Tanpa token", "owner_org": world["org_a"]["id"]}
    assert client.post("/dataset/new", data=data, follow_redirects=False).status_code == 400
    assert model.Package.get("tanpa-token") is None
