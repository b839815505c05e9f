"""Leak suite: nothing unpublished reaches anonymous users or members of other OPDs.

A module-wide world holds one dataset of OPD A in every unpublished situation (draft,
submitted, verified, validated, returned, withdrawn) and one published control dataset,
all tagged ``lc-leak`` and in the group ``lc-group``, each with an uploaded CSV that passes
its data check (walked through the real gates). Every endpoint below is checked for
the two outsiders (anonymous, a member of OPD B), with a positive control (an insider sees
them) so that an empty answer cannot pass by accident. The search engine answering is
whichever is configured (``satudata_search`` here, Solr elsewhere).
"""
from __future__ import annotations

import json

import pytest

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle

from lifecycle_support import fresh_world, transition_params, walk
from sop_support import COMPLETE, upload_csv

UNPUBLISHED = ("draft", "submitted", "verified", "validated", "returned", "withdrawn")
OUTSIDERS = ("anonymous", "other_opd")



@pytest.fixture(scope="module")
def leak_world(reset_db, migrate_db_for):
    for world in fresh_world(reset_db, migrate_db_for):
        yield _populate(world)


def _populate(world):
    group = factories.Group(name="lc-group", users=[
        {"name": world["users"]["opd_editor"]["name"], "capacity": "member"}])
    datasets = {}
    for situation in UNPUBLISHED + ("published",):
        dataset = factories.Dataset(
            name=f"rahasia-{situation}", title=f"Rahasiaku {situation}",
            owner_org=world["org_a"]["id"], tags=[{"name": "lc-leak"}],
            groups=[{"name": group["name"]}], user=world["users"]["opd_editor"],
            **dict(COMPLETE, notes="kata kunci rahasiaku"))
        resource = upload_csv(dataset["id"], "d.csv", name=f"berkas-{situation}",
                              context={"user": world["users"]["opd_editor"]["name"]})
        if situation == "returned":
            walk(dataset["id"], "submitted")
            helpers.call_action("satudata_dataset_return", id=dataset["id"],
                                **transition_params("return"))
        elif situation == "withdrawn":
            walk(dataset["id"], "published")
            helpers.call_action("satudata_dataset_withdraw", id=dataset["id"],
                                **transition_params("withdraw"))
        elif situation == "published":
            # published by a real Walidata (activities of the site user are hidden)
            walk(dataset["id"], "validated")
            helpers.call_action("satudata_dataset_publish",
                                context={"user": world["users"]["walidata"]["name"]},
                                id=dataset["id"])
        else:
            walk(dataset["id"], situation)
        datasets[situation] = dict(dataset, resource=resource)
    # the OPD B member follows OPD A and the dataset owner: dashboards must not leak either
    for kind, target in (("follow_group", world["org_a"]["id"]),
                         ("follow_user", world["users"]["opd_editor"]["id"])):
        helpers.call_action(kind, context={"user": world["users"]["other_opd"]["name"]},
                            id=target)
    world["group"] = group
    world["datasets"] = datasets
    return world


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
    assert _names(result["results"]) == {"rahasia-submitted"}


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
    }


@pytest.mark.parametrize("who", OUTSIDERS)
def test_visible_right_after_publish_and_not_after_withdraw(app, leak_world, who):
    dataset = factories.Dataset(name=f"siklus-{who.replace('_', '-')}", title="Siklus",
                                owner_org=leak_world["org_a"]["id"],
                                user=leak_world["users"]["opd_editor"], **COMPLETE)
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
