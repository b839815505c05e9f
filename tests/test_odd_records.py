"""No stored record makes a page fail: records that an older portal or a direct import may
have left in the database, next to a normal published dataset, and every page and API that
lists or shows them, for an anonymous visitor, an OPD producer and a sysadmin.

The odd records are written straight into the database and then indexed, as
``ckan search-index rebuild`` would after a migration:

* packages of a type no plugin registers (``laporan``): public with a resource and in a
  group, and private; a public dataset without a type (NULL);
* public datasets without an OPD, with an OPD id that does not exist, of a deleted OPD;
* SDI fields of the wrong shape (area codes that are not a list, a frequency outside the
  choices, a period that is not a year);
* a resource without a format or a name (public, and in a private draft whose edit pages
  list it); a dataset without a title or modification date;
* a status row in a locked state with no audit trail; a status row that says published on a
  package whose flag is private.
"""
from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest

import ckan.lib.search as search
import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.satudata_blitar.model import DatasetStatus

from lifecycle_support import fresh_world, make_dataset

ROLES = ("anonymous", "opd_editor", "sysadmin")


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for):
    for world in fresh_world(reset_db, migrate_db_for):
        world["app"] = helpers._get_test_app()  # one app for the module
        yield _populate(world)


def _insert(name: str, resources: tuple[dict[str, Any], ...] = (), groups: tuple[str, ...] = (),
            **fields: Any) -> str:
    """A package row as an older portal left it (no action, no status row), then indexed."""
    now = datetime.datetime.utcnow()
    values = dict(name=name, title=name, type="dataset", private=False, state="active",
                  metadata_created=now, metadata_modified=now)
    values.update(fields)
    pkg = model.Package(**values)
    model.Session.add(pkg)
    model.Session.flush()
    for resource in resources:
        model.Session.add(model.Resource(package_id=pkg.id, **resource))
    for group_id in groups:
        model.Session.add(model.Member(table_name="package", table_id=pkg.id,
                                       group=model.Group.get(group_id), state="active",
                                       capacity="public"))
    model.Session.commit()
    return pkg.id


def _status_row(package_id: str, state: str) -> None:
    model.Session.add(DatasetStatus(package_id=package_id, state=state,
                                    since=datetime.datetime.utcnow(), updated_by="lama",
                                    last_transition=None))
    model.Session.commit()


def _populate(world: dict[str, Any]) -> dict[str, Any]:
    org_a = world["org_a"]["id"]
    group = factories.Group(name="odd-sektor", users=[
        {"name": world["users"]["opd_editor"]["name"], "capacity": "member"}])
    gone = factories.Organization(name="opd-bubar")
    make_dataset(world, "published", name="normal-terbit", groups=[{"name": "odd-sektor"}])
    no_format = {"url": "", "name": None, "format": None}
    ids = {
        "laporan": _insert("odd-laporan", type="laporan", owner_org=org_a, groups=(group["id"],),
                           resources=({"url": "http://example.com/l.csv", "name": "isi",
                                       "format": "CSV"},)),
        "laporan-private": _insert("odd-laporan-privat", type="laporan", owner_org=org_a,
                                   private=True),
        "null-type": _insert("odd-tanpa-jenis", type=None, owner_org=org_a),
        "no-org": _insert("odd-tanpa-opd", owner_org=None),
        "dangling-org": _insert("odd-opd-hilang", owner_org=str(uuid.uuid4())),
        "deleted-org": _insert("odd-opd-bubar", owner_org=gone["id"]),
        "bad-fields": _insert("odd-isian-salah", owner_org=org_a, groups=(group["id"],)),
        "no-format": _insert("odd-tanpa-format", owner_org=org_a, resources=(no_format,)),
        "no-format-draft": _insert("odd-tanpa-format-draf", owner_org=org_a, private=True,
                                   resources=(no_format,)),
        "no-title": _insert("odd-tanpa-judul", owner_org=org_a, title=None,
                            metadata_modified=None),
        "submitted-no-audit": _insert("odd-diajukan-tanpa-jejak", owner_org=org_a, private=True),
        "published-but-private": _insert("odd-terbit-tapi-privat", owner_org=org_a,
                                         private=True),
    }
    pkg = model.Package.get(ids["bad-fields"])
    for key, value in {"cakupan_wilayah": "bukan daftar", "frequency": "sewindu",
                       "periode_referensi_mulai": "dulu kala"}.items():
        pkg.extras[key] = value
    model.Group.get(gone["id"]).state = "deleted"
    model.Session.commit()
    _status_row(ids["submitted-no-audit"], "submitted")
    _status_row(ids["published-but-private"], "published")
    for package_id in ids.values():
        search.rebuild(package_id)
    world["odd"] = ids
    world["group"] = group
    return world


def _get(world, role, url):
    headers = {"Authorization": world["users"][role]["token"]} if role != "anonymous" else {}
    return world["app"].get(url, headers=headers)


def _resource_id(key: str, world) -> str:
    return model.Package.get(world["odd"][key]).resources[0].id


#: every public list and the pages of each odd record (a format key is filled in per world)
PAGES = [
    "/", "/dataset/", "/dataset/?q=odd", "/dataset/?tags=x&sort=metadata_modified+desc",
    "/organization/", "/organization/opd-a", "/group/", "/group/odd-sektor",
    "/dcat.json", "/catalog.ttl", "/catalog.rdf", "/satudata/changes.json",
    "/satudata/changes.atom", "/satudata/laporan", "/satudata/deadlines",
    "/satudata/dataset-saya", "/api/3/action/package_search?q=*:*&rows=1000",
    "/api/3/action/package_search?include_private=true&rows=1000",
    "/api/3/action/current_package_list_with_resources?limit=1000",
    "/api/3/action/organization_show?id=opd-a&include_datasets=true",
    "/api/3/action/group_show?id=odd-sektor&include_datasets=true",
    "/api/3/action/satudata_queue_list", "/api/3/action/satudata_deadline_list",
    "/dataset/odd-laporan", "/dataset/odd-laporan.ttl", "/dataset/odd-laporan-privat",
    "/dataset/odd-tanpa-jenis", "/dataset/odd-tanpa-opd", "/dataset/odd-opd-hilang",
    "/dataset/odd-opd-bubar", "/dataset/odd-isian-salah", "/dataset/odd-tanpa-format",
    "/dataset/odd-tanpa-format-draf", "/dataset/odd-tanpa-judul",
    "/dataset/odd-diajukan-tanpa-jejak", "/dataset/odd-terbit-tapi-privat",
    "/dataset/edit/odd-laporan-privat", "/dataset/edit/odd-tanpa-format-draf",
    "/dataset/resources/odd-tanpa-format-draf", "/dataset/odd-laporan-privat/resource/new",
    "/dataset/activity/odd-laporan", "/organization/activity/opd-a",
    "/dataset/odd-laporan/resource/{laporan}", "/dataset/odd-tanpa-format/resource/{no-format}",
    "/api/3/action/satudata_dataset_status_show?id=odd-diajukan-tanpa-jejak",
    "/api/3/action/satudata_dataset_status_show?id=odd-laporan",
    "/api/3/action/package_show?id=odd-isian-salah",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_no_page_fails_with_odd_records_stored(world, page, role):
    url = page
    for key in ("laporan", "no-format"):
        url = url.replace("{%s}" % key, _resource_id(key, world))
    res = _get(world, role, url)
    assert res.status_code < 500, (url, role, res.status_code)
    assert res.status_code in (200, 302, 403, 404), (url, role, res.status_code)


@pytest.mark.parametrize("page", ["/dataset/", "/organization/opd-a", "/group/odd-sektor"])
def test_lists_show_the_public_package_of_an_unregistered_type(world, page):
    """It is listed like any other (the migration rule: public and active is published), and
    its link opens the dataset page, which shows it."""
    body = _get(world, "anonymous", page).body
    assert "odd-laporan" in body and 'href="/dataset/odd-laporan"' in body, page
    assert "normal-terbit" in body
    assert _get(world, "anonymous", "/dataset/odd-laporan").status_code == 200


def test_private_odd_records_stay_private(world):
    for name in ("odd-laporan-privat", "odd-tanpa-format-draf", "odd-diajukan-tanpa-jejak",
                 "odd-terbit-tapi-privat"):
        assert _get(world, "anonymous", f"/dataset/{name}").status_code == 404, name
        assert _get(world, "opd_editor", f"/dataset/{name}").status_code == 200, name
    found = _get(world, "anonymous", "/api/3/action/package_search?q=*:*&rows=1000").json
    names = {p["name"] for p in found["result"]["results"]}
    assert "odd-laporan" in names and "normal-terbit" in names
    assert not names & {"odd-laporan-privat", "odd-tanpa-format-draf",
                        "odd-diajukan-tanpa-jejak", "odd-terbit-tapi-privat"}


@pytest.mark.ckan_config("ckanext.satudata_blitar.ungoverned_types", "laporan")
@pytest.mark.parametrize("role", ROLES)
def test_an_allow_listed_type_without_pages_does_not_fail_the_catalogue(world, role):
    assert _get(world, role, "/dataset/").status_code == 200
    assert _get(world, role, "/dataset/odd-laporan").status_code == 200


def test_a_link_to_an_unknown_page_still_fails_loudly(world):
    """The fallback repairs links of stored package types only, not every unknown endpoint."""
    import flask
    from werkzeug.routing import BuildError

    with world["app"].flask_app.test_request_context():
        assert flask.url_for("laporan.read", id="odd-laporan") == "/dataset/odd-laporan"
        with pytest.raises(BuildError):
            flask.url_for("tidak_ada.read", id="odd-laporan")
