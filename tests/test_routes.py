"""No route around the review: every way an OPD could make a dataset public or change
published data without the Walidata, tried through the API (API tokens) as the OPD's
producer (``opd_editor``), its head (``opd_admin``, Kepala OPD) and a sysadmin.

* :data:`LOCK_ROUTES` × role × locked state (``submitted``, ``verified``, ``validated``,
  ``published``): refused, and the dataset is exactly as it was (:func:`snapshot`: lifecycle
  state, ``private`` flag, ``metadata_modified``, metadata, tags, resources, views,
  relationships, audit rows).
* :data:`DRAFT_ROUTES` on a draft: producers may change a draft, it stays a private draft.
* :data:`CREATE_CASES`: creation in every form (``private``, ``state``, ``type``, inline
  resources, the web form); types outside the lifecycle are for sysadmins; unknown types are
  refused.
* Group membership is presentation (allowed, the dataset unchanged); collaborators are off,
  and when a site turns them on the lock still holds.

The same table with the reasons, and the threat model: ``docs/security.md``.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle
from ckanext.satudata_blitar.model import AuditEntry, DatasetStatus

from lifecycle_support import fresh_world, make_dataset, walk
from sop_support import COMPLETE, upload_csv

PRODUCERS = ("opd_editor", "opd_admin")
ROLES = PRODUCERS + ("sysadmin",)
_names = itertools.count(1)


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for):
    for world in fresh_world(reset_db, migrate_db_for):
        # one app for the module (an app per test costs seconds); ``ckan_config`` marks
        # still apply, options are read at request time
        world["app"] = helpers._get_test_app()
        ckan.plugins.load("image_view")  # resource views are a route too (after the app,
        # which reloads the plugins of the config)
        yield _populate(world)


def _populate(world: dict[str, Any]) -> dict[str, Any]:
    users = world["users"]
    producers = [{"name": users["opd_editor"]["name"], "capacity": "editor"},
                 {"name": users["opd_admin"]["name"], "capacity": "admin"}]
    # a second OPD where both producers may publish too: the target of moves
    world["org_c"] = factories.Organization(name="opd-c", users=producers)
    world["group"] = factories.Group(name="rute-sektor", users=[
        {"name": users["opd_editor"]["name"], "capacity": "member"},
        {"name": users["opd_admin"]["name"], "capacity": "member"}])
    world["partner"] = make_dataset(world, name="rute-mitra")
    world["datasets"] = {state: _dataset(world, state) for state in lifecycle.LOCKED_STATES}
    return world


def _dataset(world: dict[str, Any], state: str, **kwargs: Any) -> dict[str, Any]:
    """A dataset of OPD A with a checked CSV, a linked PDF, a view of the CSV and a
    relationship to the partner draft, walked to ``state`` through the real gates."""
    editor = world["users"]["opd_editor"]
    dataset = factories.Dataset(name=kwargs.pop("name", f"rute-{next(_names)}-{state}"),
                                owner_org=world["org_a"]["id"], user=editor,
                                tags=[{"name": "rute"}], **dict(COMPLETE, **kwargs))
    csv = upload_csv(dataset["id"], "data.csv", context={"user": editor["name"]})
    as_editor = {"user": editor["name"]}
    link = helpers.call_action("resource_create", context=dict(as_editor),
                               package_id=dataset["id"], name="metadata",
                               url="http://example.com/metadata.pdf", format="PDF")
    view = helpers.call_action("resource_view_create", context=dict(as_editor),
                               resource_id=csv["id"], title="Gambar", view_type="image_view",
                               image_url="http://example.com/a.png")
    helpers.call_action("package_relationship_create", context=dict(as_editor),
                        subject=dataset["id"], object=world["partner"]["id"], type="links_to")
    walk(dataset["id"], state)
    return dict(dataset, csv=csv["id"], link=link["id"], view=view["id"])


# -- what "nothing changed" means ----------------------------------------------------------------
def snapshot(package_id: str) -> dict[str, Any]:
    """Everything a refused route must leave as it was, read from the database."""
    model.Session.expire_all()
    pkg = model.Package.get(package_id)
    resources = sorted(pkg.resources_all, key=lambda r: (r.position or 0, r.id))
    views = (model.Session.query(model.ResourceView)
             .filter(model.ResourceView.resource_id.in_([r.id for r in resources])).all())
    relationships = model.Session.query(model.PackageRelationship).filter(sa.or_(
        model.PackageRelationship.subject_package_id == package_id,
        model.PackageRelationship.object_package_id == package_id)).all()
    return {
        "lifecycle": lifecycle.get_state(pkg),
        "private": pkg.private,
        "state": pkg.state,
        "metadata_modified": pkg.metadata_modified,
        "owner_org": pkg.owner_org,
        "title": pkg.title,
        "extras": dict(pkg.extras),
        "tags": sorted(tag.name for tag in pkg.get_tags()),
        "resources": [(r.id, r.name, r.url, r.format, r.position, r.state, r.metadata_modified)
                      for r in resources],
        "views": sorted((v.id, v.title, v.order) for v in views),
        "relationships": sorted((r.subject_package_id, r.object_package_id, r.type, r.comment,
                                 r.state) for r in relationships),
        "audit": model.Session.query(AuditEntry).filter_by(package_id=package_id).count(),
    }


def _api(world, role, action, params, prefix=""):
    headers = {"Authorization": world["users"][role]["token"]} if role != "anonymous" else {}
    return world["app"].post(f"{prefix}/api/3/action/{action}", json=params, headers=headers)


def _error_text(res) -> str:
    body = res.json
    error = body.get("error", {}) if isinstance(body, dict) else body
    return " ".join(str(value) for value in error.values()) if isinstance(error, dict) else str(error)


def _flip(dataset: dict[str, Any]) -> bool:
    model.Session.expire_all()
    return not model.Package.get(dataset["id"]).private


def _shown(dataset: dict[str, Any]) -> dict[str, Any]:
    return helpers.call_action("package_show", id=dataset["id"])


def _bulk_flip(world, d):
    model.Session.expire_all()
    action = "bulk_update_public" if model.Package.get(d["id"]).private else "bulk_update_private"
    return action, {"org_id": world["org_a"]["id"], "datasets": [d["id"]]}


# -- every route that changes a dataset, the private flag or its place ---------------------------
Route = Callable[[dict[str, Any], dict[str, Any]], tuple[str, dict[str, Any]]]
LOCK_ROUTES: dict[str, Route] = {
    "package_update": lambda w, d: ("package_update", dict(_shown(d), title="Diubah")),
    "package_patch:title": lambda w, d: ("package_patch", {"id": d["id"], "title": "Diubah"}),
    "package_patch:private": lambda w, d: ("package_patch", {"id": d["id"],
                                                             "private": _flip(d)}),
    "package_patch:tags": lambda w, d: ("package_patch", {"id": d["id"],
                                                          "tags": [{"name": "baru"}]}),
    "package_patch:sdi_field": lambda w, d: ("package_patch", {"id": d["id"], "satuan": "jiwa"}),
    "package_patch:extras": lambda w, d: ("package_patch", {
        "id": d["id"], "extras": [{"key": "catatan", "value": "diubah"}]}),
    "package_patch:owner_org": lambda w, d: ("package_patch", {"id": d["id"],
                                                               "owner_org": w["org_c"]["id"]}),
    "package_patch:state": lambda w, d: ("package_patch", {"id": d["id"], "state": "deleted"}),
    "package_patch:resources": lambda w, d: ("package_patch", {"id": d["id"], "resources": []}),
    "package_revise:by_id": lambda w, d: ("package_revise", {
        "match": {"id": d["id"]}, "update": {"title": "Diubah"}}),
    "package_revise:by_name_private": lambda w, d: ("package_revise", {
        "match": {"name": d["name"]}, "update": {"private": _flip(d)}}),
    "package_delete": lambda w, d: ("package_delete", {"id": d["id"]}),
    "package_owner_org_update": lambda w, d: ("package_owner_org_update", {
        "id": d["id"], "organization_id": w["org_c"]["id"]}),
    "bulk_update_public/private": _bulk_flip,
    "bulk_update_delete": lambda w, d: ("bulk_update_delete", {
        "org_id": w["org_a"]["id"], "datasets": [d["id"]]}),
    "resource_create": lambda w, d: ("resource_create", {
        "package_id": d["id"], "url": "http://example.com/baru.pdf", "name": "baru",
        "format": "PDF"}),
    "resource_update": lambda w, d: ("resource_update", {
        "id": d["link"], "url": "http://example.com/lain.pdf", "name": "diubah",
        "format": "PDF"}),
    "resource_patch": lambda w, d: ("resource_patch", {"id": d["link"], "name": "diubah"}),
    "resource_delete": lambda w, d: ("resource_delete", {"id": d["link"]}),
    "package_resource_reorder": lambda w, d: ("package_resource_reorder", {
        "id": d["id"], "order": [d["link"], d["csv"]]}),
    "resource_view_create": lambda w, d: ("resource_view_create", {
        "resource_id": d["csv"], "title": "Baru", "view_type": "image_view",
        "image_url": "http://example.com/b.png"}),
    "resource_view_update": lambda w, d: ("resource_view_update", {
        "id": d["view"], "resource_id": d["csv"], "title": "Diubah",
        "image_url": "http://example.com/c.png"}),
    "resource_view_delete": lambda w, d: ("resource_view_delete", {"id": d["view"]}),
    "resource_view_reorder": lambda w, d: ("resource_view_reorder", {
        "id": d["csv"], "order": [d["view"]]}),
    "resource_create_default_resource_views": lambda w, d: (
        "resource_create_default_resource_views", {"resource": {"id": d["csv"]},
                                                   "package": {"id": d["id"]}}),
    "package_create_default_resource_views": lambda w, d: (
        "package_create_default_resource_views", {"package": _shown(d)}),
    "package_relationship_create": lambda w, d: ("package_relationship_create", {
        "subject": d["id"], "object": w["partner"]["id"], "type": "depends_on"}),
    "package_relationship_update": lambda w, d: ("package_relationship_update", {
        "subject": d["id"], "object": w["partner"]["id"], "type": "links_to",
        "comment": "diubah"}),
    "package_relationship_delete": lambda w, d: ("package_relationship_delete", {
        "subject": d["id"], "object": w["partner"]["id"], "type": "links_to"}),
    "package_collaborator_create": lambda w, d: ("package_collaborator_create", {
        "id": d["id"], "user_id": w["users"]["other_opd"]["id"], "capacity": "editor"}),
    "dataset_purge": lambda w, d: ("dataset_purge", {"id": d["id"]}),
}
#: refused by CKAN itself (not by the lifecycle): collaborators are off, purge is for
#: sysadmins, and an editor may not bulk-update the OPD; the message need not name the dataset
CORE_REFUSALS = {("package_collaborator_create", role) for role in ROLES} | {
    ("dataset_purge", "opd_editor"), ("dataset_purge", "opd_admin"),
    ("bulk_update_public/private", "opd_editor"), ("bulk_update_delete", "opd_editor")}
#: a sysadmin may purge any dataset (its audit trail stays: tests/test_lifecycle.py) and ask
#: for the default views (``ckan.views.default_views``: none here)
NOT_IN_TABLE = {("dataset_purge", "sysadmin"),
                ("resource_create_default_resource_views", "sysadmin"),
                ("package_create_default_resource_views", "sysadmin")}
LOCK_CELLS = [(route, role, state) for route in LOCK_ROUTES for role in ROLES
              for state in lifecycle.LOCKED_STATES if (route, role) not in NOT_IN_TABLE]


def test_the_table_covers_every_route():
    assert len(LOCK_ROUTES) == 31
    assert len(LOCK_CELLS) == (31 * 3 - len(NOT_IN_TABLE)) * 4


@pytest.mark.parametrize("route,role,state", LOCK_CELLS)
def test_locked_dataset_route_is_refused_and_nothing_changes(world, route, role, state):
    dataset = world["datasets"][state]
    before = snapshot(dataset["id"])
    action, params = LOCK_ROUTES[route](world, dataset)
    res = _api(world, role, action, params)
    assert res.status_code in (403, 409), (route, role, state, res.status_code, res.body[:300])
    if (route, role) not in CORE_REFUSALS:
        # refused by the lifecycle, which names the dataset it protects
        assert dataset["name"] in _error_text(res), _error_text(res)
    assert snapshot(dataset["id"]) == before


# -- a draft may change, and stays a private draft ---------------------------------------------
DRAFT_ROUTES: dict[str, tuple[Route, str]] = {
    "package_patch:title": (LOCK_ROUTES["package_patch:title"], "allowed"),
    "package_patch:private": (LOCK_ROUTES["package_patch:private"], "refused"),
    "package_update:private": (lambda w, d: ("package_update", dict(_shown(d),
                                                                    private=False)), "refused"),
    "package_revise:private": (LOCK_ROUTES["package_revise:by_name_private"], "refused"),
    "bulk_update_public": (_bulk_flip, "refused"),
    "package_patch:owner_org": (LOCK_ROUTES["package_patch:owner_org"], "allowed"),
    # moving is for sysadmins in CKAN; producers move a draft through package_patch
    "package_owner_org_update": (LOCK_ROUTES["package_owner_org_update"], "refused"),
    "resource_create": (LOCK_ROUTES["resource_create"], "allowed"),
    "resource_view_create": (LOCK_ROUTES["resource_view_create"], "allowed"),
    "package_relationship_create": (LOCK_ROUTES["package_relationship_create"], "allowed"),
}


@pytest.mark.parametrize("role", PRODUCERS)
@pytest.mark.parametrize("route", list(DRAFT_ROUTES))
def test_draft_routes_keep_the_dataset_a_private_draft(world, route, role):
    dataset = _dataset(world, lifecycle.DRAFT)
    before = snapshot(dataset["id"])
    build, expected = DRAFT_ROUTES[route]
    action, params = build(world, dataset)
    res = _api(world, role, action, params)
    after = snapshot(dataset["id"])
    if expected == "allowed":
        assert res.status_code == 200, (route, role, res.body[:300])
        assert after != before
    else:
        assert res.status_code in (403, 409), (route, role, res.status_code, res.body[:300])
        assert after == before
    assert (after["lifecycle"], after["private"]) == (lifecycle.DRAFT, True)
    assert _api(world, "anonymous", "package_show", {"id": dataset["id"]}).status_code == 403


# -- creation --------------------------------------------------------------------------------------
CREATE_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "private_false": ({"private": False}, "private draft"),
    "private_false_state_active": ({"private": False, "state": "active"}, "private draft"),
    "inline_resources": ({"private": False, "resources": [
        {"url": "http://example.com/d.csv", "name": "d", "format": "CSV"}]}, "private draft"),
    "satudata_state_published": ({"private": False, "satudata_state": "published"},
                                 "private draft"),
    "type_dataset": ({"private": False, "type": "dataset"}, "private draft"),
    "type_unknown": ({"private": False, "type": "laporan"}, "refused:type"),
    "type_not_text": ({"private": False, "type": ["dataset"]}, "refused:type"),
    "type_not_allow_listed": ({"private": False, "type": "harvest"}, "refused:type"),
    "no_owner_org": ({"private": False, "owner_org": ""}, "refused:owner_org"),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", list(CREATE_CASES))
def test_creation_makes_a_private_draft_or_is_refused(world, case, role):
    extra, expected = CREATE_CASES[case]
    name = f"baru-{next(_names)}"
    params = dict(COMPLETE, name=name, title="Data baru", owner_org=world["org_a"]["id"])
    params.update(extra)
    res = _api(world, role, "package_create", params)
    if expected.startswith("refused:"):
        assert res.status_code == 409, res.body[:300]
        assert expected.split(":")[1] in res.json["error"], res.json["error"]
        assert model.Package.get(name) is None
        return
    assert res.status_code == 200, res.body[:300]
    created = snapshot(res.json["result"]["id"])
    assert (created["lifecycle"], created["private"], created["audit"]) == (
        lifecycle.DRAFT, True, 1)
    assert _api(world, "anonymous", "package_show", {"id": name}).status_code == 403
    found = _api(world, "anonymous", "package_search", {"q": f"name:{name}"})
    assert found.json["result"]["count"] == 0


def test_unknown_type_message_is_clear_in_both_languages(world):
    params = dict(COMPLETE, name="laporan-x", owner_org=world["org_a"]["id"], type="laporan")
    for prefix, words in (("", "Jenis dataset tidak dikenal"), ("/en", "Unknown dataset type")):
        res = _api(world, "opd_editor", "package_create", params, prefix)
        assert res.status_code == 409
        message = res.json["error"]["type"][0]
        assert words in message and '"laporan"' in message and "dataset" in message, message


def test_web_form_creation_makes_a_private_draft(world):
    headers = {"Authorization": world["users"]["opd_editor"]["token"]}
    name = f"form-{next(_names)}"
    world["app"].post("/dataset/new", headers=headers, data=dict(
        COMPLETE, name=name, title="Dari formulir", owner_org=world["org_a"]["id"],
        private="False", _ckan_phase="dataset_new_1", save="continue",
        cakupan_wilayah="35.72.01"))
    assert model.Package.get(name) is not None, "the form created nothing"
    world["app"].post(f"/dataset/{name}/resource/new", headers=headers, data={
        "id": "", "url": "http://example.com/d.pdf", "name": "d", "format": "PDF",
        "save": "go-metadata"})
    created = snapshot(model.Package.get(name).id)
    assert (created["lifecycle"], created["private"], created["state"]) == (
        lifecycle.DRAFT, True, "active")
    assert _api(world, "anonymous", "package_show", {"id": name}).status_code == 403


# -- types outside the lifecycle (an explicit allow-list) ------------------------------------------
UNGOVERNED = pytest.mark.ckan_config("ckanext.satudata_blitar.ungoverned_types", "harvest")


def _ungoverned_package(world) -> dict[str, Any]:
    res = _api(world, "sysadmin", "package_create", {
        "name": f"sumber-{next(_names)}", "type": "harvest", "private": False,
        "owner_org": world["org_a"]["id"], "url": "http://example.com/"})
    assert res.status_code == 200, res.body[:300]
    return res.json["result"]


@UNGOVERNED
@pytest.mark.parametrize("role,expected", [("opd_editor", 403), ("opd_admin", 403),
                                           ("sysadmin", 200)])
def test_ungoverned_types_are_created_by_sysadmins_only(world, role, expected):
    name = f"sumber-{next(_names)}"
    res = _api(world, role, "package_create", {
        "name": name, "type": "harvest", "private": False, "owner_org": world["org_a"]["id"]})
    assert res.status_code == expected, res.body[:300]
    pkg = model.Package.get(name)
    if expected != 200:
        assert pkg is None
        assert "harvest" in _error_text(res)
        return
    # outside the lifecycle: public as asked, no status row, no audit trail
    assert pkg.private is False and not lifecycle.is_governed(pkg)
    assert model.Session.get(DatasetStatus, pkg.id) is None
    assert snapshot(pkg.id)["audit"] == 0


UNGOVERNED_CHANGES: dict[str, Route] = {
    "package_patch:title": LOCK_ROUTES["package_patch:title"],
    "package_patch:private": LOCK_ROUTES["package_patch:private"],
    "package_delete": LOCK_ROUTES["package_delete"],
    "package_owner_org_update": LOCK_ROUTES["package_owner_org_update"],
    "bulk_update_public/private": _bulk_flip,
    "resource_create": LOCK_ROUTES["resource_create"],
}


@UNGOVERNED
@pytest.mark.parametrize("role", PRODUCERS)
@pytest.mark.parametrize("route", list(UNGOVERNED_CHANGES))
def test_ungoverned_packages_are_changed_by_sysadmins_only(world, route, role):
    package = _ungoverned_package(world)
    before = snapshot(package["id"])
    action, params = UNGOVERNED_CHANGES[route](world, package)
    res = _api(world, role, action, params)
    assert res.status_code == 403, (route, role, res.status_code, res.body[:300])
    assert snapshot(package["id"]) == before
    res = _api(world, "sysadmin", action, params)
    assert res.status_code == 200, (route, res.body[:300])


def test_without_the_allow_list_every_type_is_governed(world):
    assert lifecycle.is_governed_type("harvest")
    assert lifecycle.is_governed_type("laporan")
    assert lifecycle.is_governed_type(None)


# -- group membership: presentation, not data -----------------------------------------------------
@pytest.mark.parametrize("role", PRODUCERS)
def test_group_membership_of_a_published_dataset_is_presentation(world, role):
    dataset = _dataset(world, lifecycle.PUBLISHED)
    before = snapshot(dataset["id"])
    membership = {"id": world["group"]["id"], "object": dataset["id"], "object_type": "package",
                  "capacity": "public"}
    assert _api(world, role, "member_create", membership).status_code == 200
    shown = _api(world, "anonymous", "group_show",
                 {"id": world["group"]["id"], "include_datasets": True}).json["result"]
    assert dataset["name"] in {p["name"] for p in shown["packages"]}
    assert _api(world, role, "member_delete", membership).status_code == 200
    assert snapshot(dataset["id"]) == before


@pytest.mark.parametrize("role", PRODUCERS)
def test_group_membership_of_an_unpublished_dataset_shows_nothing(world, role):
    dataset = _dataset(world, lifecycle.VALIDATED)
    before = snapshot(dataset["id"])
    assert _api(world, role, "member_create", {
        "id": world["group"]["id"], "object": dataset["id"], "object_type": "package",
        "capacity": "public"}).status_code == 200
    shown = _api(world, "anonymous", "group_show",
                 {"id": world["group"]["id"], "include_datasets": True}).json["result"]
    assert dataset["name"] not in {p["name"] for p in shown["packages"]}
    assert snapshot(dataset["id"]) == before


# -- collaborators: off; when a site turns them on, the lock still holds ---------------------------
@pytest.mark.ckan_config("ckan.auth.allow_dataset_collaborators", "true")
@pytest.mark.parametrize("state", [lifecycle.DRAFT, lifecycle.PUBLISHED])
def test_collaborators_cannot_route_around_the_review(world, state):
    dataset = _dataset(world, state)
    added = _api(world, "opd_admin", "package_collaborator_create", {
        "id": dataset["id"], "user_id": world["users"]["other_opd"]["id"],
        "capacity": "editor"})
    assert added.status_code == 200, added.body[:300]
    before = snapshot(dataset["id"])
    for action, params in (LOCK_ROUTES["package_patch:private"](world, dataset),
                           LOCK_ROUTES["package_revise:by_name_private"](world, dataset),
                           LOCK_ROUTES["resource_delete"](world, dataset)):
        if state == lifecycle.DRAFT and action == "resource_delete":
            continue  # a collaborator may edit a draft; publishing it is what matters
        res = _api(world, "other_opd", action, params)
        assert res.status_code in (403, 409), (action, res.status_code, res.body[:300])
    assert snapshot(dataset["id"]) == before


# -- views: the resource a view belongs to decides ---------------------------------------------------
@pytest.mark.parametrize("role,state", [("other_opd", lifecycle.DRAFT),
                                        ("opd_editor", lifecycle.PUBLISHED)])
def test_a_view_is_changed_through_its_own_resource_only(world, role, state):
    """``resource_view_update`` naming the ``resource_id`` of a dataset the caller may edit
    does not open the view of another dataset (core asks about the ``resource_id`` sent): not
    another OPD's draft, not the caller's own published dataset."""
    dataset = _dataset(world, state)
    org = world["org_b"] if role == "other_opd" else world["org_a"]
    mine = factories.Dataset(owner_org=org["id"], user=world["users"][role])
    my_resource = factories.Resource(package_id=mine["id"], url="http://example.com/x.pdf")
    before = snapshot(dataset["id"])
    res = _api(world, role, "resource_view_update", {
        "id": dataset["view"], "resource_id": my_resource["id"], "title": "Disusupi",
        "image_url": "http://example.com/lain.png"})
    assert res.status_code == 403, res.body[:300]
    assert snapshot(dataset["id"]) == before


# -- what is not loaded -----------------------------------------------------------------------------
@pytest.mark.parametrize("action", ["datastore_create", "datastore_upsert", "datastore_delete"])
def test_datastore_is_not_loaded(world, action):
    """The DataStore would be a route of its own (its writes are authorised as
    ``resource_update``, which the lock covers); this portal does not load it."""
    res = _api(world, "sysadmin", action, {"resource_id": world["datasets"]["published"]["csv"]})
    assert res.status_code == 400 and "not known" in _error_text(res), res.body[:300]
