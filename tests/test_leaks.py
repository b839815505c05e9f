"""Leak suite: nothing unpublished reaches anyone who may not see it, on any surface.

A module-wide world holds one dataset of OPD A in every unpublished situation (draft,
submitted, verified, validated, returned, withdrawn) and one published control dataset, all
tagged ``lc-leak`` (and a tag of their own), in the group ``lc-group``, each with an uploaded
CSV that passes its data check, walked through the real gates. Each realises an item of the
agreed Daftar Data of the year (agreed lists are public) and of next year's draft; the
verified, validated, returned and withdrawn ones are covered by real validation letters; OPD A
filed its statement; a report file was generated.

The outsiders are an anonymous visitor, the head of OPD B and a signed-in user without any
role. For them, no response of any GET route of the portal (enumerated from Flask's url_map),
of any action of ours (``logic.action.__all__`` and the harvest plugin) and of any other read
action (CKAN's registry) holds the name, title, id, tag, resource id or resource name of an
unpublished dataset: HTML, JSON, CSV, XLSX (unzipped), PDF (text) and feeds alike. A route or
an action that is neither probed nor on the reviewed allow-lists fails the suite. Positive
controls
(:data:`ENTITLED`): the OPD's members, the Walidata, the Pembina Data and the Sekretariat SDI
see the unpublished datasets where they are entitled to, so an empty answer cannot pass. The
search engine answering is whichever is configured (``satudata_search`` here, Solr
elsewhere).
"""
from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any, Callable, Optional

import pypdf
import pytest

import ckan.model as model
from ckan.logic import NotAuthorized
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle, workdays
from ckanext.satudata_blitar.model.records import ValidationLetter

from lifecycle_support import fresh_world, transition_params, walk
from sop_support import COMPLETE, NIP, make_pdf, record_letter, upload, upload_csv
import revision_support

UNPUBLISHED = ("draft", "submitted", "verified", "validated", "returned", "withdrawn")
OUTSIDERS = ("anonymous", "other_opd", "plain")
INSIDERS = ("opd_editor", "opd_admin", "walidata", "pembina", "sekretariat")
#: the datasets a validation letter covers (the withdrawn one's letter published it once)
LETTERED = ("verified", "validated", "returned", "withdrawn")


@pytest.fixture(scope="module")
def leak_world(reset_db, migrate_db_for):
    for world in fresh_world(reset_db, migrate_db_for):
        yield _populate(world)


def _code(situation: str) -> str:
    """The Daftar Data item a dataset realises."""
    return f"LC.{situation.upper()}"


def _populate(world):
    users = world["users"]
    users["plain"] = factories.UserWithToken(name="lc_plain")
    editor = users["opd_editor"]
    group = factories.Group(name="lc-group", users=[
        {"name": editor["name"], "capacity": "member"}])
    datasets = {}
    for situation in UNPUBLISHED + ("published",):
        dataset = factories.Dataset(
            name=f"rahasia-{situation}", title=f"Rahasiaku {situation}",
            owner_org=world["org_a"]["id"],
            tags=[{"name": "lc-leak"}, {"name": f"rhs-tag-{situation}"}],
            groups=[{"name": group["name"]}], user=editor,
            **dict(COMPLETE, notes="kata kunci rahasiaku", daftar_data_item=_code(situation)))
        resource = upload_csv(dataset["id"], "d.csv", name=f"berkas-{situation}",
                              context={"user": editor["name"]})
        if situation == "returned":
            # returned after a letter covered it: the letter still names it
            walk(dataset["id"], "verified")
            record_letter(world["org_a"]["id"], [dataset["id"]])
            helpers.call_action("satudata_dataset_return", id=dataset["id"],
                                **transition_params("return"))
        elif situation == "verified":
            walk(dataset["id"], "verified")
            record_letter(world["org_a"]["id"], [dataset["id"]])  # recorded, not used yet
        elif situation == "withdrawn":
            walk(dataset["id"], "published")
            helpers.call_action("satudata_dataset_withdraw", id=dataset["id"],
                                **transition_params("withdraw"))
        elif situation == "published":
            # published by a real Walidata (activities of the site user are hidden)
            walk(dataset["id"], "validated")
            helpers.call_action("satudata_dataset_publish",
                                context={"user": users["walidata"]["name"]},
                                id=dataset["id"])
        else:
            walk(dataset["id"], situation)
        activity = helpers.call_action("package_activity_list", id=dataset["id"], context={
            "user": users["sysadmin"]["name"]})[0]
        datasets[situation] = dict(dataset, resource=resource, activity=activity["id"])
    # the OPD B member follows OPD A and the dataset owner: dashboards must not leak either
    for kind, target in (("follow_group", world["org_a"]["id"]),
                         ("follow_user", editor["id"])):
        helpers.call_action(kind, context={"user": users["other_opd"]["name"]}, id=target)
    world["group"] = group
    world["datasets"] = datasets
    # published datasets with a pending revision in every state (issue 15)
    world["revisions"] = revision_support.populate_revisions(world)
    world.update(_records(world))
    return world


def _records(world) -> dict[str, Any]:
    """The SOP records naming the datasets: this year's agreed Daftar Data, next year's
    draft, OPD A's statement, the letters, and a generated report file."""
    today = workdays.today()
    items = [{"code": _code(s), "name": f"Butir uji {n}", "owner_org": "opd-a",
              "frequency": "tahunan", "data_type": "statistik", "unit": "orang",
              "priority": "ya"} for n, s in enumerate(UNPUBLISHED + ("published",), 1)]
    agreed = helpers.call_action("satudata_daftar_data_create", year=today.year, items=items,
                                 title="Daftar Data uji kebocoran")
    helpers.call_action("satudata_daftar_data_agree", id=agreed["id"],
                        agreed_date=today.isoformat(), minute_number="BA/uji/1")
    draft = helpers.call_action("satudata_daftar_data_create", year=today.year + 1,
                                items=items)
    statement = helpers.call_action(
        "satudata_statement_create", daftar_data_id=agreed["id"], owner_org="opd-a",
        items=[{"code": i["code"], "available": True} for i in items],
        number="000.5/pernyataan/uji", letter_date=today.isoformat(),
        signatory_name="Dr. Sri Wahyuni", signatory_nip=NIP,
        signatory_position="Kepala Dinas", upload=upload(make_pdf("Surat pernyataan")))
    letters = [row.id for row in model.Session.query(ValidationLetter)
               .filter(ValidationLetter.owner_org == world["org_a"]["id"])]
    report_file = helpers.call_action("satudata_report_generate", year=today.year,
                                      format="csv", run_now=True)
    return {"year": today.year, "daftar": {"agreed": agreed["id"], "draft": draft["id"]},
            "statement": statement["id"], "letters": letters, "report_file": report_file["id"]}


def _headers(world, who):
    if who == "anonymous":
        return {}
    return {"Authorization": world["users"][who]["token"]}


def _api(app, world, who, action, status=200, **params):
    res = app.post(f"/api/3/action/{action}", json=params, headers=_headers(world, who))
    assert res.status_code == status, (action, who, res.status_code, res.body[:500])
    return res.json.get("result") if status == 200 else res.json


SECRET_NAMES = {f"rahasia-{s}" for s in UNPUBLISHED}


def _names(items):
    return {item["name"] for item in items}


def test_world_is_as_described(leak_world):
    for situation, dataset in leak_world["datasets"].items():
        state = lifecycle.get_state(model.Package.get(dataset["id"]))
        assert state == ("published" if situation == "published" else
                         situation if situation in lifecycle.STATES else "draft")
        assert model.Package.get(dataset["id"]).private is (situation != "published")


# -- action API ------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("situation", UNPUBLISHED)
def test_package_and_resource_show(app, leak_world, who, situation):
    dataset = leak_world["datasets"][situation]
    _api(app, leak_world, who, "package_show", 403, id=dataset["id"])
    _api(app, leak_world, who, "package_show", 403, id=dataset["name"])
    _api(app, leak_world, who, "resource_show", 403, id=dataset["resource"]["id"])
    _api(app, leak_world, who, "satudata_dataset_status_show", 403, id=dataset["id"])


@pytest.mark.parametrize("situation", UNPUBLISHED)
@pytest.mark.parametrize("who", ["opd_editor", "opd_admin", "walidata", "pembina", "sekretariat"])
def test_insiders_see_unpublished(app, leak_world, who, situation):
    dataset = leak_world["datasets"][situation]
    assert _api(app, leak_world, who, "package_show", id=dataset["id"])["private"] is True
    assert _api(app, leak_world, who, "resource_show", id=dataset["resource"]["id"])


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("params", [
    {"q": "rahasiaku"},
    {"q": "rahasiaku", "include_private": True},
    {"q": "rahasiaku", "include_private": True, "include_drafts": True},
    {"q": "*:*", "fq": "tags:lc-leak", "include_private": True},
    {"fq": "satudata_state:submitted", "include_private": True},
    {"fq": "organization:opd-a", "include_private": True, "rows": 1000},
    {"fq": "groups:lc-group", "include_private": True},
    {"q": "name:rahasia-draft", "include_private": True},
])
def test_package_search_results_counts_and_facets(app, leak_world, who, params):
    result = _api(app, leak_world, who, "package_search",
                  **dict(params, **{"facet.field": json.dumps(
                      ["tags", "organization", "groups"]), "facet.limit": -1}))
    names = _names(result["results"])
    assert not names & SECRET_NAMES, names
    assert result["count"] == len(names) <= 1
    for facet in ("tags", "organization", "groups"):
        for item in result["search_facets"].get(facet, {}).get("items", []):
            assert item["count"] <= 1, (facet, item)
    assert result["facets"].get("tags", {}).get("lc-leak", 0) <= 1


def test_package_search_positive_control(app, leak_world):
    params = {"q": "rahasiaku", "include_private": True,
              "facet.field": json.dumps(["tags"]), "rows": 100}
    for who in ("opd_editor", "walidata", "pembina", "sekretariat", "sysadmin"):
        result = _api(app, leak_world, who, "package_search", **params)
        assert _names(result["results"]) == SECRET_NAMES | {"rahasia-published"}, who
        assert result["facets"]["tags"]["lc-leak"] == 7
    result = _api(app, leak_world, "anonymous", "package_search", **params)
    assert _names(result["results"]) == {"rahasia-published"}
    result = _api(app, leak_world, "walidata", "package_search",
                  fq="satudata_state:submitted", include_private=True)
    # (and the submitted revision of a published dataset: tests/revision_support.py)
    assert {n for n in _names(result["results"]) if n.startswith("rahasia-")} == {
        "rahasia-submitted"}


@pytest.mark.parametrize("who", OUTSIDERS)
def test_lists_and_autocomplete(app, leak_world, who):
    assert not set(_api(app, leak_world, who, "package_list")) & SECRET_NAMES
    current = _api(app, leak_world, who, "current_package_list_with_resources", limit=1000)
    assert not _names(current) & SECRET_NAMES
    assert "rahasia-published" in _names(current)
    auto = _api(app, leak_world, who, "package_autocomplete", q="rahasia", limit=100)
    assert not _names(auto) & SECRET_NAMES
    assert "rahasia-published" in _names(auto)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_organization_and_group_show(app, leak_world, who):
    org = _api(app, leak_world, who, "organization_show", id="opd-a", include_datasets=True)
    assert not _names(org["packages"]) & SECRET_NAMES
    assert org["package_count"] == len(org["packages"])
    group = _api(app, leak_world, who, "group_show", id="lc-group", include_datasets=True)
    assert _names(group["packages"]) == {"rahasia-published"}
    assert group["package_count"] == 1
    orgs = _api(app, leak_world, who, "organization_list", all_fields=True)
    counts = {o["name"]: o["package_count"] for o in orgs}
    assert counts["opd-a"] == org["package_count"]
    groups = _api(app, leak_world, who, "group_list", all_fields=True)
    assert {g["name"]: g["package_count"] for g in groups}["lc-group"] == 1


@pytest.mark.parametrize("who", OUTSIDERS)
def test_activity_streams(app, leak_world, who):
    secret_ids = {leak_world["datasets"][s]["id"] for s in UNPUBLISHED}
    for situation in UNPUBLISHED:
        _api(app, leak_world, who, "package_activity_list", 403,
             id=leak_world["datasets"][situation]["id"])
    streams = [
        ("organization_activity_list", {"id": "opd-a", "limit": 100}),
        ("group_activity_list", {"id": "lc-group", "limit": 100}),
        ("user_activity_list", {"id": leak_world["users"]["opd_editor"]["name"], "limit": 100}),
        ("recently_changed_packages_activity_list", {"limit": 100}),
    ]
    if who != "anonymous":
        streams.append(("dashboard_activity_list", {"limit": 100}))
    for action, params in streams:
        activities = _api(app, leak_world, who, action, **params)
        leaked = {a["object_id"] for a in activities} & secret_ids
        assert not leaked, (action, leaked)
    # the published control is visible through its publication activity
    published = _api(app, leak_world, who, "package_activity_list",
                     id=leak_world["datasets"]["published"]["id"])
    assert [a["activity_type"] for a in published] == ["changed package"]


def test_activity_positive_control(app, leak_world):
    for situation in UNPUBLISHED:
        dataset_id = leak_world["datasets"][situation]["id"]
        for who in ("opd_editor", "walidata", "pembina"):
            activities = _api(app, leak_world, who, "package_activity_list", id=dataset_id)
            assert activities and {a["object_id"] for a in activities} == {dataset_id}


# -- HTML pages and downloads ------------------------------------------------------------------------
@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("situation", UNPUBLISHED)
def test_html_pages_and_download(app, leak_world, who, situation):
    dataset = leak_world["datasets"][situation]
    resource = dataset["resource"]
    headers = _headers(leak_world, who)
    for url in (f"/dataset/{dataset['name']}", f"/dataset/{dataset['id']}",
                f"/dataset/{dataset['id']}/resource/{resource['id']}",
                f"/dataset/{dataset['id']}/resource/{resource['id']}/download",
                f"/dataset/{dataset['id']}/resource/{resource['id']}/download/d.csv",
                f"/dataset/activity/{dataset['name']}",
                f"/dataset/edit/{dataset['name']}"):
        res = app.get(url, headers=headers, follow_redirects=False)
        assert res.status_code in (403, 404), (url, res.status_code)
        assert "Rahasiaku" not in res.body


@pytest.mark.parametrize("who", OUTSIDERS)
def test_html_lists(app, leak_world, who):
    headers = _headers(leak_world, who)
    for url in ("/dataset/?q=rahasiaku", "/dataset/?tags=lc-leak", "/organization/opd-a",
                "/group/lc-group", "/organization/activity/opd-a", "/dataset/",
                f"/user/{leak_world['users']['opd_editor']['name']}",
                f"/user/activity/{leak_world['users']['opd_editor']['name']}"):
        res = app.get(url, headers=headers)
        assert res.status_code == 200, url
        for situation in UNPUBLISHED:
            assert f"Rahasiaku {situation}" not in res.body, (url, situation)
            assert f"rahasia-{situation}" not in res.body, (url, situation)
    res = app.get("/dataset/?q=rahasiaku", headers=headers)
    assert "Rahasiaku published" in res.body
    if who != "anonymous":
        res = app.get("/dashboard/", headers=headers)
        assert res.status_code == 200
        for situation in UNPUBLISHED:
            assert f"rahasia-{situation}" not in res.body


def test_html_positive_control(app, leak_world):
    headers = _headers(leak_world, "opd_editor")
    res = app.get("/dataset/rahasia-submitted", headers=headers)
    assert res.status_code == 200 and "Rahasiaku submitted" in res.body
    res = app.get("/organization/opd-a", headers=headers)
    assert "Rahasiaku draft" in res.body
    # the files are real uploads: the published one downloads for everyone, a draft's for
    # its OPD
    for situation, who in (("published", "anonymous"), ("draft", "opd_editor")):
        dataset = leak_world["datasets"][situation]
        res = app.get(f"/dataset/{dataset['id']}/resource/{dataset['resource']['id']}"
                      "/download/d.csv", headers=_headers(leak_world, who))
        assert res.status_code == 200 and "35.72.01.1001" in res.body, (situation, who)


# -- DCAT ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", OUTSIDERS)
def test_dcat_endpoints(app, leak_world, who):
    headers = _headers(leak_world, who)
    for situation in UNPUBLISHED:
        dataset = leak_world["datasets"][situation]
        for fmt in ("ttl", "rdf", "jsonld"):
            res = app.get(f"/dataset/{dataset['id']}.{fmt}", headers=headers)
            assert res.status_code in (403, 404), (situation, fmt, res.status_code)
    for url in ("/catalog.ttl", "/catalog.rdf", "/catalog.jsonld", "/dcat.json",
                "/catalog.ttl?q=rahasiaku"):
        res = app.get(url, headers=headers)
        assert res.status_code == 200, url
        for situation in UNPUBLISHED:
            assert f"Rahasiaku {situation}" not in res.body, (url, situation)
        assert "Rahasiaku published" in res.body, url


# -- publication and withdrawal ------------------------------------------------------------------------
def _visible(app, world, who, dataset) -> dict[str, bool]:
    headers = _headers(world, who)
    search = _api(app, world, who, "package_search", q=f"name:{dataset['name']}",
                  include_private=True)
    org = _api(app, world, who, "organization_show", id="opd-a", include_datasets=True)
    activity = _api(app, world, who, "organization_activity_list", id="opd-a", limit=500)
    return {
        "package_show": app.post("/api/3/action/package_show", json={"id": dataset["id"]},
                                 headers=headers).status_code == 200,
        "resource_show": app.post("/api/3/action/resource_show",
                                  json={"id": dataset["resource"]["id"]},
                                  headers=headers).status_code == 200,
        "search": dataset["name"] in _names(search["results"]),
        "package_list": dataset["name"] in _api(app, world, who, "package_list"),
        "organization_show": dataset["name"] in _names(org["packages"]),
        "activity": dataset["id"] in {a["object_id"] for a in activity},
        "html": app.get(f"/dataset/{dataset['name']}", headers=headers).status_code == 200,
        "dcat": app.get(f"/dataset/{dataset['id']}.ttl", headers=headers).status_code == 200,
        # the public report (cached: a withdrawal changes its data version) and its CSV
        "report": dataset["name"] in {d["name"] for d in _api(
            app, world, who, "satudata_report_public", year=world["year"])["published_datasets"]},
        "report_csv": dataset["title"] in app.get(
            f"/satudata/laporan/publik/{world['year']}.csv", headers=headers).body,
        # the agreed Daftar Data item it realises
        "daftar_data": dataset["name"] in {d["name"] for item in _api(
            app, world, who, "satudata_daftar_data_show", year=world["year"])["items"]
            for d in item["datasets"]},
    }


@pytest.mark.parametrize("who", OUTSIDERS)
def test_visible_right_after_publish_and_not_after_withdraw(app, leak_world, who):
    dataset = factories.Dataset(name=f"siklus-{who.replace('_', '-')}", title=f"Siklus {who}",
                                owner_org=leak_world["org_a"]["id"],
                                user=leak_world["users"]["opd_editor"],
                                **dict(COMPLETE, daftar_data_item=_code("published")))
    dataset["resource"] = upload_csv(
        dataset["id"], "s.csv", context={"user": leak_world["users"]["opd_editor"]["name"]})
    walk(dataset["id"], "validated")
    assert not any(_visible(app, leak_world, who, dataset).values())

    helpers.call_action("satudata_dataset_publish",
                        context={"user": leak_world["users"]["walidata"]["name"]},
                        id=dataset["id"])
    seen = _visible(app, leak_world, who, dataset)
    assert all(seen.values()), seen

    helpers.call_action("satudata_dataset_withdraw",
                        context={"user": leak_world["users"]["walidata"]["name"]},
                        id=dataset["id"], reason="Ditarik untuk koreksi")
    seen = _visible(app, leak_world, who, dataset)
    assert not any(seen.values()), seen


def test_uploaded_file_of_a_draft_is_not_downloadable(app, leak_world):
    from io import BytesIO
    from ckan.tests.pytest_ckan.fixtures import FakeFileStorage
    dataset = factories.Dataset(owner_org=leak_world["org_a"]["id"],
                                user=leak_world["users"]["opd_editor"])
    upload = FakeFileStorage(BytesIO(b"kecamatan,jumlah\n35.72.01,10\n"), "rahasia.csv")
    resource = helpers.call_action(
        "resource_create", context={"user": leak_world["users"]["opd_editor"]["name"]},
        package_id=dataset["id"], url="rahasia.csv", upload=upload)
    assert resource["url_type"] == "upload"
    url = f"/dataset/{dataset['id']}/resource/{resource['id']}/download/rahasia.csv"
    for who in OUTSIDERS:
        res = app.get(url, headers=_headers(leak_world, who))
        assert res.status_code in (403, 404)
        assert "35.72.01" not in res.body
    res = app.get(url, headers=_headers(leak_world, "pembina"))
    assert res.status_code == 200 and "35.72.01" in res.body


# -- every surface: the GET routes and the actions -----------------------------------------------
def _secrets(world) -> dict[str, str]:
    """What must not reach an outsider, each with what it is: the name, title, id, own tag,
    resource id and resource name of every unpublished dataset."""
    out = {}
    for situation in UNPUBLISHED:
        d = world["datasets"][situation]
        out.update({d["name"]: f"{situation}: name", d["title"]: f"{situation}: title",
                    d["id"]: f"{situation}: id", f"rhs-tag-{situation}": f"{situation}: tag",
                    d["resource"]["id"]: f"{situation}: resource id",
                    d["resource"]["name"]: f"{situation}: resource name"})
    out.update(revision_support.revision_secrets(world["revisions"]))
    return out


def _readable(data: bytes) -> str:
    """The text a person or a program reads in a response: the XML parts of an XLSX, the
    text of a PDF, else the body itself."""
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return "\n".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    if data[:5] == b"%PDF-":
        pages = pypdf.PdfReader(io.BytesIO(data)).pages
        return "\n".join(page.extract_text() or "" for page in pages)
    text = data.decode("utf-8", "replace")
    try:  # an action's file as base64 (the Daftar Data XLSX export)
        result = json.loads(text).get("result")
        if isinstance(result, dict) and result.get("encoding") == "base64":
            text += _readable(base64.b64decode(result["content"]))
    except (ValueError, AttributeError):
        pass
    return text


#: the change feed tells harvesters which dataset was withdrawn: its id and the name it had
#: while it was public (public facts, ``harvest/feed.py``); its title and anything newer never
PUBLIC_ONCE = {"/satudata/changes.json", "/satudata/changes.atom", "satudata_change_feed"}


def _found(world, text: str, asked: str, surface: str = "") -> list[str]:
    """The secrets in ``text`` that the request itself did not carry (an echo of what was
    asked, such as an id in a URL, tells nothing). Whitespace is ignored: PDF text breaks
    lines anywhere."""
    if surface in PUBLIC_ONCE:
        withdrawn = world["datasets"]["withdrawn"]
        asked += f" {withdrawn['id']} {withdrawn['name']}"
    flat = "".join(text.split())
    return sorted(f"{what} ({token})" for token, what in _secrets(world).items()
                  if token not in asked and "".join(token.split()) in flat)


def _slug(situation: str) -> str:
    """The URL segment of the step each unpublished dataset waits for."""
    return {"draft": "ajukan", "submitted": "verifikasi", "verified": "validasi",
            "validated": "publikasikan", "returned": "ajukan", "withdrawn": "ajukan"}[situation]


#: GET routes that cannot name a dataset, reviewed one by one; every other GET route is probed
NOT_PROBED: dict[str, str] = {
    "/<path:filename>": "static files of the plugins and CKAN",
    "/webassets/<path:path>": "compiled CSS and JavaScript",
    "/api/<int(min=3, max=3):ver>/action/<logic_function>": "the action API: the actions "
    "are probed one by one below (satudata) and in the tests above (core)",
    "/api/action/<logic_function>": "the same action API without the version",
    "/util/redirect": "redirects to a URL given in the request, on this site only",
    "/user/_logout": "signs out",
    "/user/logged_out_redirect": "the page after signing out",
    "/user/login": "the sign-in form",
    "/user/register": "the registration form",
    "/user/reset": "the password-reset form",
    "/user/reset/<id>": "the password-reset form of a reset key",
    "/no/": "redirect to the default locale", "/no/<path:path>": "the same",
    "/zh_CN/": "the same", "/zh_CN/<path:path>": "the same",
    "/zh_TW/": "the same", "/zh_TW/<path:path>": "the same",
}


def _route_probes(world) -> dict[str, list[str]]:
    """Concrete URLs for every GET route (by rule): each dataset route with every unpublished
    dataset, each record with the records that name them, the lists and searches with
    queries that match them."""
    ds = [world["datasets"][s] for s in UNPUBLISHED]
    names = [d["name"] for d in ds]
    res = [(d["name"], d["resource"]["id"]) for d in ds]
    acts = [d["activity"] for d in ds]
    fake = "00000000-0000-0000-0000-000000000000"
    user = world["users"]["opd_editor"]["name"]
    dd, year = world["daftar"], world["year"]
    api_util = {"dataset": "incomplete=rahasia", "group": "q=lc", "organization": "q=opd",
                "resource/format_": "incomplete=c", "tag": "incomplete=rhs",
                "user": "q=lc"}
    probes: dict[str, list[str]] = {
        "/": ["/"], "/about": ["/about"], "/robots.txt": ["/robots.txt"],
        "/testing/primer": ["/testing/primer"],
        "/api/": ["/api/"], "/api/<int(min=1, max=3):ver>": ["/api/3"],
        "/api/i18n/<lang>": ["/api/i18n/id"],
        "/api/<int(min=1, max=2):ver>/i18n/<lang>": ["/api/2/i18n/en"],
        "/api/util/snippet/<snippet_path>": [
            f"/api/util/snippet/follow_button.html?type=dataset&id={n}" for n in names],
        "/api/<int(min=1, max=2):ver>/util/snippet/<snippet_path>": [
            f"/api/2/util/snippet/follow_button.html?type=dataset&id={d['id']}" for d in ds],
        "/catalog.<_format>": ["/catalog.ttl", "/catalog.rdf", "/catalog.jsonld",
                               "/catalog.xml", "/catalog.ttl?q=rahasiaku"],
        "/dcat.json": ["/dcat.json", "/dcat.json?q=rahasiaku"],
        "/ckan-admin/": ["/ckan-admin/"], "/ckan-admin/config": ["/ckan-admin/config"],
        "/ckan-admin/reset_config": ["/ckan-admin/reset_config"],
        "/ckan-admin/trash": ["/ckan-admin/trash"],
        "/dashboard/": ["/dashboard/"], "/dashboard/datasets": ["/dashboard/datasets"],
        "/dashboard/groups": ["/dashboard/groups"],
        "/dashboard/organizations": ["/dashboard/organizations"],
        "/dataset/": ["/dataset/", "/dataset/?q=rahasiaku", "/dataset/?tags=lc-leak",
                      "/dataset/?q=satudata_state:submitted", "/dataset/?organization=opd-a",
                      "/dataset/?groups=lc-group&sort=name+asc"],
        "/dataset/<_id>.<_format>": [f"/dataset/{n}.{f}" for n in names
                                     for f in ("ttl", "jsonld")],
        "/dataset_series/<_id>.<_format>": [f"/dataset_series/{n}.ttl" for n in names],
        "/dataset/new": ["/dataset/new"],
        "/dataset/changes/<id>": [f"/dataset/changes/{a}" for a in acts],
        "/dataset/changes_multiple": [f"/dataset/changes_multiple?new_id={a}&old_id={a}"
                                      for a in acts[-2:]],
        "/dataset/<id>/history/<activity_id>": [
            f"/dataset/{d['name']}/history/{d['activity']}" for d in ds],
        "/dataset/<id>/resources/<resource_id>/history/<activity_id>": [
            f"/dataset/{d['name']}/resources/{d['resource']['id']}/history/{d['activity']}"
            for d in ds[-2:]],
        "/feeds/dataset.atom": ["/feeds/dataset.atom"],
        "/feeds/custom.atom": ["/feeds/custom.atom?q=rahasiaku", "/feeds/custom.atom?tags=lc-leak"],
        "/feeds/group/<string:id>.atom": ["/feeds/group/lc-group.atom"],
        "/feeds/organization/<string:id>.atom": ["/feeds/organization/opd-a.atom"],
        "/feeds/tag/<string:id>.atom": ["/feeds/tag/lc-leak.atom"] + [
            f"/feeds/tag/rhs-tag-{s}.atom" for s in UNPUBLISHED],
        "/group/": ["/group/"], "/group/new": ["/group/new"],
        "/organization/": ["/organization/"], "/organization/new": ["/organization/new"],
        "/group/changes/<id>": [f"/group/changes/{a}" for a in acts[-2:]],
        "/organization/changes/<id>": [f"/organization/changes/{a}" for a in acts[-2:]],
        "/group/changes_multiple": [f"/group/changes_multiple?new_id={a}&old_id={a}"
                                    for a in acts[-2:]],
        "/organization/changes_multiple": [
            f"/organization/changes_multiple?new_id={a}&old_id={a}" for a in acts[-2:]],
        "/user/": ["/user/", "/user/?q=lc"], "/user/edit": ["/user/edit"],
        "/user/me": ["/user/me"],
        "/satudata/antrean": ["/satudata/antrean"],
        "/satudata/mulai": ["/satudata/mulai"],
        "/satudata/dataset-saya": ["/satudata/dataset-saya", "/satudata/dataset-saya?opd=opd-a"],
        "/satudata/pembina": ["/satudata/pembina"],
        "/satudata/sekretariat": ["/satudata/sekretariat"],
        "/satudata/deadlines": ["/satudata/deadlines"],
        "/satudata/dataset/<id>/<action>": [f"/satudata/dataset/{d['name']}/{_slug(s)}"
                                            for s, d in zip(UNPUBLISHED, ds)],
        "/satudata/daftar-data": ["/satudata/daftar-data"],
        "/satudata/daftar-data/<id>": [f"/satudata/daftar-data/{dd['agreed']}",
                                       f"/satudata/daftar-data/{dd['draft']}"],
        "/satudata/daftar-data/<id>/export.<fmt>": [
            f"/satudata/daftar-data/{i}/export.{f}" for i in dd.values() for f in ("csv", "xlsx")],
        "/satudata/statements": ["/satudata/statements"],
        "/satudata/statements/new": [
            f"/satudata/statements/new?daftar_data_id={dd['agreed']}&owner_org=opd-a"],
        "/satudata/statements/<id>": [f"/satudata/statements/{world['statement']}"],
        "/satudata/statements/<id>/pdf": [f"/satudata/statements/{world['statement']}/pdf"],
        "/satudata/letters": ["/satudata/letters"],
        "/satudata/letters/new": ["/satudata/letters/new", "/satudata/letters/new?owner_org=opd-a"]
        + [f"/satudata/letters/new?dataset={d['id']}" for d in ds],
        "/satudata/surat-validasi/baru": [f"/satudata/surat-validasi/baru?dataset={ds[2]['id']}"],
        "/satudata/letters/<id>": [f"/satudata/letters/{i}" for i in world["letters"]],
        "/satudata/letters/<id>/pdf": [f"/satudata/letters/{i}/pdf" for i in world["letters"]],
        "/satudata/laporan": ["/satudata/laporan", f"/satudata/laporan?year={year}"],
        "/satudata/laporan/publik": [f"/satudata/laporan/publik?year={year}"],
        "/satudata/laporan/<int:year>.<fmt>": [f"/satudata/laporan/{year}.{f}"
                                               for f in ("json", "csv", "xlsx", "pdf")],
        "/satudata/laporan/publik/<int:year>.<fmt>": [f"/satudata/laporan/publik/{year}.{f}"
                                                      for f in ("json", "csv", "xlsx", "pdf")],
        "/satudata/laporan/berkas/<id>": [f"/satudata/laporan/berkas/{world['report_file']}"],
        "/satudata/changes.json": ["/satudata/changes.json?limit=1000"],
        "/satudata/changes.atom": ["/satudata/changes.atom?limit=1000"],
        "/standar-data": ["/standar-data"], "/standar-data/baru": ["/standar-data/baru"],
        "/standar-data/<name>": ["/standar-data/penduduk-kelurahan-jenis-kelamin"],
        "/standar-data/referensi/kode-wilayah": ["/standar-data/referensi/kode-wilayah"],
        "/standar-data/<name>/template.<fmt>": [
            f"/standar-data/penduduk-kelurahan-jenis-kelamin/template.{f}"
            for f in ("csv", "xlsx")],
        # notifications: each user's own notices only (insiders got some for every dataset)
        "/satudata/notices": ["/satudata/notices"],
        "/satudata/notices/preferences": ["/satudata/notices/preferences"],
        "/satudata/notices/mail-log": ["/satudata/notices/mail-log"],
    }
    for kind, query in api_util.items():
        path = f"util/{kind}autocomplete" if kind.endswith("_") else f"util/{kind}/autocomplete"
        probes[f"/api/{path}"] = [f"/api/{path}?{query}"]
        probes[f"/api/<int(min=1, max=2):ver>/{path}"] = [f"/api/2/{path}?{query}"]
    probes["/api/util/dataset/autocomplete"].append(
        "/api/util/dataset/autocomplete?incomplete=Rahasiaku")
    # every route of one dataset: ours (or with our templates) with each unpublished dataset,
    # core's with a locked one and one that was public once
    two = [UNPUBLISHED.index("verified"), UNPUBLISHED.index("withdrawn")]
    for rule in ("/dataset/<id>", "/dataset/activity/<id>", "/dataset/delete/<id>",
                 "/dataset/edit/<id>", "/dataset/followers/<id>", "/dataset/groups/<id>",
                 "/dataset/resources/<id>", "/dataset/<id>/resource/new"):
        chosen = names if rule == "/dataset/<id>" else [names[i] for i in two]
        probes[rule] = [rule.replace("<id>", n) for n in chosen]
    probes["/dataset/<id>"] += [f"/dataset/{d['id']}" for d in ds]
    for tail in ("", "/delete", "/download", "/download/d.csv", "/edit", "/new_view",
                 "/pemeriksaan", "/view", "/views", f"/view/{fake}", f"/edit_view/{fake}"):
        rule = ("/dataset/<id>/resource/<resource_id>" + tail
                .replace("/d.csv", "/<filename>").replace(fake, "<view_id>"))
        chosen = res if tail in ("", "/pemeriksaan", "/download") else [res[i] for i in two]
        probes[rule] = [f"/dataset/{n}/resource/{r}{tail}" for n, r in chosen]
    # every route of OPD A, the group and the datasets' owner
    for kind, ident in (("group", "lc-group"), ("organization", "opd-a")):
        for page in ("", "about/", "activity/", "admins/", "bulk_process/", "delete/", "edit/",
                     "followers/", "manage_members/", "member_delete/", "member_dump/",
                     "member_new/", "members/"):
            probes[f"/{kind}/{page}<id>"] = [f"/{kind}/{page}{ident}"]
    probes["/organization/<id>"].append("/organization/opd-a?q=rahasiaku")
    for rule in ("/user/<id>", "/user/<id>/api-tokens", "/user/<id>/groups",
                 "/user/<id>/organizations", "/user/activity/<id>", "/user/delete/<id>",
                 "/user/edit/<id>", "/user/followers/<id>"):
        probes[rule] = [rule.replace("<id>", user)]
    revision_support.merge(probes, revision_support.revision_route_probes(world["revisions"]))
    return probes


def _get_rules(app) -> set[str]:
    return {r.rule for r in app.flask_app.url_map.iter_rules() if "GET" in r.methods}


def test_every_get_route_is_probed_or_reviewed(app, leak_world):
    rules = _get_rules(app)
    probes = _route_probes(leak_world)
    assert not set(probes) & set(NOT_PROBED)
    assert sorted(rules - set(probes) - set(NOT_PROBED)) == [], "GET routes not probed"
    assert sorted((set(probes) | set(NOT_PROBED)) - rules) == [], "probes of no route"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_no_route_names_an_unpublished_dataset(app, leak_world, who):
    headers = _headers(leak_world, who)
    problems = []
    for rule, urls in sorted(_route_probes(leak_world).items()):
        for url in urls:
            try:
                res = app.get(url, headers=headers, follow_redirects=False)
            except NotAuthorized:
                # core's activity views (``*/changes_multiple``) let the refusal through as
                # a server error: the visitor reads CKAN's error page, nothing of the dataset
                continue
            text = _readable(res.get_data()) + "\n" + (res.headers.get("Location") or "")
            found = _found(leak_world, text, url, rule)
            if found or res.status_code >= 500:
                problems.append((url, res.status_code, found))
    assert not problems, "\n".join(map(str, problems))


# -- the actions -----------------------------------------------------------------------------------
def _harvest_actions() -> set[str]:
    from ckanext.satudata_blitar.harvest.plugin import SatudataHarvestPlugin
    return set(SatudataHarvestPlugin().get_actions())


def _all_actions() -> set[str]:
    from ckanext.satudata_blitar.logic.action import __all__ as actions
    return set(actions) | _harvest_actions()


#: actions that change records and take no dataset reference, reviewed one by one: their
#: auth refuses the outsiders before anything is read (``tests/logic/test_auth.py``), and
#: what they return is the record they wrote
WRITES_WITHOUT_DATASETS: dict[str, str] = {
    "satudata_daftar_data_create": "Sekretariat SDI; items name OPDs, not datasets",
    "satudata_daftar_data_update": "the same", "satudata_daftar_data_agree": "the same",
    "satudata_daftar_data_revise": "the same", "satudata_daftar_data_carry_over": "the same",
    "satudata_daftar_data_import": "the same",
    "satudata_statement_create": "the OPD's head or the Sekretariat; answers name items",
    "satudata_report_note_create": "Sekretariat SDI; free text", "satudata_report_note_delete":
    "the same", "satudata_report_delivery_create": "the same",
    "satudata_report_generate": "report readers only; a file record (probed: report files)",
    "satudata_standard_create": "Walidata; a Table Schema",
    "satudata_role_assign": "sysadmins; a user and a role", "satudata_role_revoke": "the same",
    "package_create": "chained core action; creates a dataset of the caller's own OPD",
    "satudata_notify_preference_update": "the caller's own choice: a mode and a language",
}


def _letter_fields(**fields: Any) -> dict[str, Any]:
    data = {"owner_org": "opd-b", "number": "000.5/bocor/uji", "letter_date": "2026-01-05",
            "subject": "Uji", "signatory_name": "Kepala", "signatory_nip": NIP,
            "signatory_position": "Kepala Dinas"}
    data.update(fields)
    return data


def _action_probes(world) -> dict[str, list[dict[str, Any]]]:
    """Parameters for each probed action: every reference an outsider could try."""
    ds = [world["datasets"][s] for s in UNPUBLISHED]
    refs = [{"id": d["id"]} for d in ds] + [{"id": d["name"]} for d in ds]
    dd, year = world["daftar"], world["year"]
    probes: dict[str, list[dict[str, Any]]] = {
        "satudata_dataset_status_show": refs,
        "satudata_dataset_history": refs,
        "satudata_dataset_letter_list": refs,
        "satudata_queue_list": [{}],
        "satudata_audit_export": [{}, {"owner_org": world["org_a"]["id"]}]
        + [{"package_id": d["id"]} for d in ds],
        "satudata_role_list": [{}],
        "satudata_daftar_data_show": [{"year": year}, {"id": dd["agreed"]}, {"id": dd["draft"]}],
        "satudata_daftar_data_list": [{}, {"year": year}],
        "satudata_daftar_data_export": [{"id": i, "format": f} for i in dd.values()
                                        for f in ("csv", "xlsx")],
        "satudata_statement_show": [{"id": world["statement"]}],
        "satudata_statement_list": [{}, {"year": year}, {"owner_org": "opd-a"}],
        "satudata_validation_letter_show": [{"id": i} for i in world["letters"]],
        "satudata_validation_letter_list": [{}, {"owner_org": "opd-a"}]
        + [{"package_id": d["id"]} for d in ds],
        "satudata_deadline_list": [{}, {"all": True}, {"horizon": 3650}],
        "satudata_report_annual": [{"year": year}],
        "satudata_report_public": [{"year": year}, {"year": year, "organization": "opd-a"}],
        "satudata_report_file_list": [{}],
        "satudata_report_file_show": [{"id": world["report_file"]}],
        "satudata_resource_check_show": [{"id": d["resource"]["id"]} for d in ds],
        "satudata_resource_check_run": [{"id": d["resource"]["id"]} for d in ds],
        "satudata_standard_list": [{}, {"all_fields": True}],
        "satudata_standard_show": [{"id": "penduduk-kelurahan-jenis-kelamin"}],
        "satudata_change_feed": [{"limit": 1000}, {"event": "withdrawn"}],
        "dcat_datasets_list": [{}, {"q": "rahasiaku"}],
        "package_update": [dict(r, title="Diubah") for r in refs],
        "tag_list": [{}, {"query": "rhs"}, {"all_fields": True}],
        "tag_search": [{"query": "rhs"}, {"query": "rhs", "limit": 2, "offset": 1}],
        "tag_autocomplete": [{"q": "rhs"}, {"q": "tag", "limit": 100}],
        # a letter of OPD B (its head may record one) naming OPD A's datasets, or OPD A's
        "satudata_validation_letter_create": [
            _letter_fields(datasets=[d[key] for d in ds]) for key in ("id", "name")]
        + [_letter_fields(owner_org="opd-a", datasets=[d["id"] for d in ds])],
        "satudata_validation_letter_update": [{"id": i, "datasets": [d["id"] for d in ds]}
                                              for i in world["letters"]],
        "member_list": [{"id": "lc-group", "object_type": "package"}, {"id": "opd-a"}],
        "satudata_notice_list": [{}, {"unread_only": True}, {"limit": 200}],
        "satudata_notice_mark_read": [{"all": False, "id": "x"}, {"all": True}],
        "satudata_notify_preference_show": [{}],
        "satudata_mail_log_list": [{}, {"status": "sent"}, {"limit": 200}],
    }
    probes.update(_core_probes(world))
    transitions = {"submit": {}, "verify": {}, "return": transition_params("return"),
                   "validate": {"letter_ref": world["letters"][0]}, "publish": {},
                   "withdraw": transition_params("withdraw")}
    for name, extra in transitions.items():
        probes[f"satudata_dataset_{name}"] = [dict(r, **extra) for r in refs]
    # the head of OPD B may bulk-update OPD B: naming OPD A's datasets changes nothing there
    for name in ("bulk_update_public", "bulk_update_private", "bulk_update_delete"):
        probes[name] = [{"org_id": world[org]["id"], "datasets": [d["id"] for d in ds]}
                        for org in ("org_b", "org_a")]
    revision_support.merge(probes, revision_support.revision_action_probes(world["revisions"]))
    return probes


#: core reads that name no dataset, reviewed one by one (the others are probed below)
CORE_WITHOUT_DATASETS: dict[str, str] = {
    "api_token_list": "a user's tokens", "config_option_list": "site configuration",
    "config_option_show": "the same", "get_site_user": "sysadmins; the site user",
    "help_show": "an action's docstring", "job_list": "sysadmins; job queues",
    "job_show": "the same", "license_list": "licences", "member_roles_list": "role names",
    "status_show": "site version and plugins", "task_status_show": "sysadmins; task rows",
    "term_translation_show": "translations of terms", "vocabulary_list": "vocabularies",
    "vocabulary_show": "the same", "scheming_dataset_schema_list": "the dataset schemas",
    "scheming_dataset_schema_show": "the same", "user_list": "users",
    "user_autocomplete": "users", "user_follower_count": "a count of users",
    "user_follower_list": "users", "user_followee_count": "a count of users",
    "user_followee_list": "users", "group_autocomplete": "groups",
    "group_follower_count": "a count of users", "group_follower_list": "users",
    "group_followee_count": "a count of groups", "group_followee_list": "groups",
    "group_list_authz": "groups", "organization_autocomplete": "OPDs",
    "organization_follower_count": "a count of users", "organization_follower_list": "users",
    "organization_followee_count": "a count of OPDs", "organization_followee_list": "OPDs",
    "organization_list_for_user": "OPDs", "am_following_group": "true or false",
    "am_following_user": "true or false", "format_autocomplete": "resource formats",
    "followee_count": "a count", "dashboard_new_activities_count": "a count",
    "package_collaborator_list_for_user": "collaborators are off (tests/test_routes.py)",
}


def _core_reads() -> set[str]:
    """Every read action registered, core and other plugins (``side_effect_free``), but
    ours: CKAN keeps them in its action registry."""
    from ckan import logic
    logic.get_action("package_show")  # fills the registry
    return {name for name, func in logic._actions.items()  # noqa: SLF001
            if getattr(func, "side_effect_free", False)} - _all_actions()


def _core_probes(world) -> dict[str, list[dict[str, Any]]]:
    """Core reads that take a dataset, resource, activity, tag, group or OPD reference, or
    list or search datasets."""
    ds = [world["datasets"][s] for s in UNPUBLISHED]
    user = world["users"]["opd_editor"]["name"]
    acts = [{"id": d["activity"]} for d in ds]
    return {
        "package_show": [{"id": d[key]} for d in ds for key in ("id", "name")],
        "resource_show": [{"id": d["resource"]["id"]} for d in ds],
        "resource_view_list": [{"id": d["resource"]["id"]} for d in ds],
        "resource_view_show": [{"id": d["resource"]["id"]} for d in ds],
        "package_relationships_list": [{"id": d["name"]} for d in ds],
        "package_collaborator_list": [{"id": d["name"]} for d in ds],
        "package_activity_list": [{"id": d["name"]} for d in ds],
        "dataset_follower_list": [{"id": d["name"]} for d in ds],
        "dataset_follower_count": [{"id": d["name"]} for d in ds],
        "am_following_dataset": [{"id": d["name"]} for d in ds],
        "activity_show": acts, "activity_data_show": acts,
        "activity_diff": [dict(a, object_type="package", diff_type="unified") for a in acts],
        "package_search": [{"q": "rahasiaku", "include_private": True, "include_drafts": True,
                            "facet.field": json.dumps(["tags", "name", "res_name"])}],
        "package_list": [{}], "package_autocomplete": [{"q": "rahasia", "limit": 100}],
        "current_package_list_with_resources": [{"limit": 1000}],
        "resource_search": [{"query": "name:berkas"}],
        "dcat_catalog_search": [{"q": "rahasiaku"}], "dcat_catalog_show": [{}],
        "tag_show": [{"id": f"rhs-tag-{s}", "include_datasets": True} for s in UNPUBLISHED],
        "group_show": [{"id": "lc-group", "include_datasets": True}],
        "organization_show": [{"id": "opd-a", "include_datasets": True}],
        "group_package_show": [{"id": "lc-group", "limit": 100}],
        "group_list": [{"all_fields": True, "include_dataset_count": True}],
        "organization_list": [{"all_fields": True, "include_dataset_count": True}],
        "group_activity_list": [{"id": "lc-group", "limit": 100}],
        "organization_activity_list": [{"id": "opd-a", "limit": 100}],
        "user_activity_list": [{"id": user, "limit": 100}],
        "user_show": [{"id": user, "include_datasets": True}],
        "dataset_followee_count": [{"id": user}], "dataset_followee_list": [{"id": user}],
        "followee_list": [{"id": world["users"]["other_opd"]["name"]}],
        "recently_changed_packages_activity_list": [{"limit": 100}],
        "dashboard_activity_list": [{"limit": 100}],
    }


#: core actions that answer some outsiders with a server error, nothing of the dataset
SERVER_ERRORS: dict[str, str] = {
    "package_collaborator_list": "core's auth asserts a signed-in user (anonymous: HTTP 500); "
    "collaborators are off",
}


def _call(app, world, who: str, action: str, params: dict[str, Any]):
    """An action through the API as ``who``; a letter goes with its signed PDF (multipart)."""
    headers = _headers(world, who)
    if action == "satudata_validation_letter_create":
        data = dict(params, datasets=",".join(params["datasets"]),
                    upload=(io.BytesIO(make_pdf()), "surat.pdf"))
        return app.post(f"/api/3/action/{action}", data=data, headers=headers)
    return app.post(f"/api/3/action/{action}", json=params, headers=headers)


def test_every_action_is_probed_or_reviewed(app, leak_world):
    probed = set(_action_probes(leak_world))
    reviewed = set(WRITES_WITHOUT_DATASETS) | set(CORE_WITHOUT_DATASETS)
    assert not probed & reviewed
    assert sorted(_all_actions() - probed - reviewed) == [], "our actions not probed"
    assert sorted(_core_reads() - probed - reviewed) == [], "read actions not probed"
    assert sorted((probed | reviewed) - _all_actions() - _core_reads()) == [], "stale entries"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_no_action_names_an_unpublished_dataset(app, leak_world, who):
    problems = []
    for action, calls in sorted(_action_probes(leak_world).items()):
        for params in calls:
            res = _call(app, leak_world, who, action, params)
            found = _found(leak_world, _readable(res.get_data()), json.dumps(params), action)
            if found or (res.status_code >= 500 and action not in SERVER_ERRORS):
                problems.append((action, params, res.status_code, found))
    assert not problems, "\n".join(map(str, problems))
    # nothing was changed by the attempts
    for situation in UNPUBLISHED:
        pkg = model.Package.get(leak_world["datasets"][situation]["id"])
        assert (pkg.title, pkg.private, pkg.state) == (f"Rahasiaku {situation}", True, "active")
    assert model.Session.query(ValidationLetter).filter(
        ValidationLetter.number == "000.5/bocor/uji").count() == 0


# -- positive controls: those entitled see the unpublished datasets -------------------------------
def _seen(world, text: str) -> set[str]:
    """The situations whose dataset is named (name or title) in ``text``."""
    return {s for s in UNPUBLISHED + ("published",)
            if f"rahasia-{s}" in text or f"Rahasiaku {s}" in text}


_ALL = frozenset(UNPUBLISHED)
_REVIEWERS = ("walidata", "pembina", "sekretariat")
#: (who, an action and its parameters or a page, the unpublished datasets it names to them)
ENTITLED: list[tuple[str, Callable[[dict], Any], frozenset[str]]] = [
    *[(who, lambda w: ("satudata_daftar_data_show", {"year": w["year"]}), _ALL)
      for who in INSIDERS],
    *[(who, lambda w: f"/satudata/daftar-data/{w['daftar']['agreed']}", _ALL)
      for who in INSIDERS],
    *[(who, lambda w: ("satudata_daftar_data_show", {"id": w["daftar"]["draft"]}), _ALL)
      for who in _REVIEWERS],
    *[(who, lambda w: ("satudata_validation_letter_list", {}), frozenset(LETTERED))
      for who in INSIDERS],
    *[(who, lambda w: ("satudata_audit_export", {}), _ALL) for who in _REVIEWERS],
    ("walidata", lambda w: ("satudata_queue_list", {}), frozenset({"submitted", "validated"})),
    ("opd_editor", lambda w: ("satudata_queue_list", {}),
     frozenset({"draft", "returned", "withdrawn", "verified"})),
    ("opd_admin", lambda w: ("satudata_deadline_list", {}),
     frozenset({"verified", "returned", "withdrawn"})),
    ("walidata", lambda w: ("satudata_deadline_list", {}),
     frozenset({"submitted", "validated"})),
    ("pembina", lambda w: ("satudata_deadline_list", {}), _ALL - {"draft"}),
    ("opd_editor", lambda w: "/satudata/dataset-saya", _ALL),
    ("opd_admin", lambda w: "/satudata/dataset-saya", _ALL),
    ("walidata", lambda w: "/satudata/antrean", frozenset({"submitted", "validated"})),
    ("opd_admin", lambda w: "/satudata/deadlines", frozenset({"verified", "returned",
                                                              "withdrawn"})),
    ("opd_editor", lambda w: "/organization/opd-a", _ALL),
    ("walidata", lambda w: "/dataset/?q=rahasiaku", _ALL),
    # every hand-off told the Walidata of what it must act on (the draft was never submitted)
    ("walidata", lambda w: "/satudata/notices", _ALL - {"draft"}),
]


@pytest.mark.parametrize("who,target,expected", ENTITLED,
                         ids=[f"{n:02d}-{who}" for n, (who, _, _) in enumerate(ENTITLED)])
def test_entitled_see_the_unpublished_datasets(app, leak_world, who, target, expected):
    probe = target(leak_world)
    if isinstance(probe, tuple):
        res = _call(app, leak_world, who, *probe)
    else:
        res = app.get(probe, headers=_headers(leak_world, who))
    assert res.status_code == 200, (probe, res.status_code)
    assert _seen(leak_world, _readable(res.get_data())) - {"published"} == expected, probe


@pytest.mark.parametrize("who", INSIDERS)
def test_insiders_read_each_unpublished_dataset(app, leak_world, who):
    tags = {f"rhs-tag-{s}" for s in UNPUBLISHED + ("published",)}
    assert set(_api(app, leak_world, who, "tag_autocomplete", q="rhs", limit=100)) == tags
    found = _api(app, leak_world, who, "tag_search", query="rhs", limit=3, offset=2)
    assert found["count"] == 7 and len(found["results"]) == 3
    for situation in UNPUBLISHED:
        dataset = leak_world["datasets"][situation]
        status = _api(app, leak_world, who, "satudata_dataset_status_show", id=dataset["name"])
        assert status["name"] == dataset["name"]
        assert _api(app, leak_world, who, "satudata_dataset_history", id=dataset["id"])
        check = _api(app, leak_world, who, "satudata_resource_check_show",
                     id=dataset["resource"]["id"])
        assert check["package_id"] == dataset["id"] and check["status"] == "passed"
        res = app.get(f"/dataset/{dataset['name']}", headers=_headers(leak_world, who))
        assert res.status_code == 200 and dataset["title"] in res.body


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_still_see_what_is_published(app, leak_world, who):
    """The filters hide the unpublished datasets only: the published one is named wherever
    its item, its feed entry or its report line is shown."""
    year, agreed = leak_world["year"], leak_world["daftar"]["agreed"]
    shown = _api(app, leak_world, who, "satudata_daftar_data_show", year=year)
    named = {d["name"] for item in shown["items"] for d in item["datasets"]}
    assert named == {"rahasia-published"}
    assert len(shown["items"]) == 7  # every item of the agreed list, realised or not
    page = app.get(f"/satudata/daftar-data/{agreed}", headers=_headers(leak_world, who))
    assert _seen(leak_world, page.body) == {"published"}
    public = _api(app, leak_world, who, "satudata_report_public", year=year)
    assert "Rahasiaku published" in json.dumps(public)
    feed = _api(app, leak_world, who, "satudata_change_feed", limit=1000)
    withdrawn = [e for e in feed["events"]
                 if e["event"] == "withdrawn" and e["dataset_name"].startswith("rahasia-")]
    assert [(e["dataset_name"], e["public_now"]) for e in withdrawn] == [
        ("rahasia-withdrawn", False)] and "title" not in withdrawn[0]
    tags = _api(app, leak_world, who, "tag_autocomplete", q="rhs", limit=100)
    assert tags == ["rhs-tag-published"]
    # the letter check still names what the head of OPD B may see (a published dataset)
    if who == "other_opd":
        res = _call(app, leak_world, who, "satudata_validation_letter_create", _letter_fields(
            datasets=[leak_world["datasets"]["published"]["id"]]))
        assert res.status_code == 409
        assert "rahasia-published" in res.json["error"]["datasets"][0]
