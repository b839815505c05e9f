"""Indexing follows every dataset change; CLI commands; the patch seam; no Solr."""
from __future__ import annotations

from typing import Any

import pysolr
import pytest
import sqlalchemy as sa

import ckan.lib.search as search
import ckan.lib.search.common as search_common
import ckan.model as model
import ckan.plugins as p
from ckan.cli.cli import ckan as ckan_cli
# imported at module load, before any plugin: like ckanext-harvest does
from ckan.lib.search.index import PackageSearchIndex as ImportedIndex
from ckan.tests import factories, helpers

from ckanext.satudata_blitar.search import patch

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "satudata_search"),
    pytest.mark.usefixtures("with_plugins"),
]


def rows() -> dict[str, dict[str, Any]]:
    result = model.Session.execute(sa.text(
        "SELECT id, name, state, private, capacity, permission_labels, organization, "
        "tags, title_string FROM satudata_search_package"))
    return {r.name: dict(r._mapping) for r in result}


def found(**kw: Any) -> list[str]:
    return [r["name"] for r in helpers.call_action("package_search", **kw)["results"]]


def dataset(**kw: Any) -> dict[str, Any]:
    """A dataset in a fresh organisation (test.ini forbids unowned datasets)."""
    kw.setdefault("owner_org", factories.Organization()["id"])
    return factories.Dataset(**kw)


def test_create_update_privacy_delete_follow(clean_db):
    org = factories.Organization(name="dinkes")
    ds = factories.Dataset(name="data-a", title="Data Gizi Buruk", owner_org=org["id"],
                           tags=[{"name": "gizi"}])
    row = rows()["data-a"]
    assert (row["state"], row["private"], row["capacity"], row["organization"],
            row["tags"], row["title_string"]) == (
        "active", False, "public", "dinkes", ["gizi"], "Data Gizi Buruk")
    assert row["permission_labels"] == ["public"]
    assert found(q="gizi") == ["data-a"]

    helpers.call_action("package_patch", id=ds["id"], title="Data Stunting Balita")
    assert found(q="gizi") == ["data-a"]  # still tagged
    assert found(q="stunting") == ["data-a"]
    assert found(q="buruk") == []

    helpers.call_action("package_patch", id=ds["id"], private=True)
    row = rows()["data-a"]
    assert (row["private"], row["capacity"]) == (True, "private")
    assert row["permission_labels"] == [f"member-{org['id']}"]
    assert found(q="stunting") == []
    assert found(q="stunting", include_private=True) == ["data-a"]

    helpers.call_action("package_patch", id=ds["id"], private=False)
    assert found(q="stunting") == ["data-a"]

    helpers.call_action("package_delete", id=ds["id"])
    assert "data-a" not in rows()
    assert found(q="stunting", include_deleted=True) == []


def test_purge_removes_and_bulk_privacy_reindexes(clean_db):
    org = factories.Organization()
    a = factories.Dataset(owner_org=org["id"], name="a-1")
    b = factories.Dataset(owner_org=org["id"], name="b-1")
    helpers.call_action("bulk_update_private", datasets=[a["id"], b["id"]],
                        org_id=org["id"])
    assert found() == []
    assert {r["capacity"] for r in rows().values()} == {"private"}
    helpers.call_action("bulk_update_public", datasets=[a["id"]], org_id=org["id"])
    assert found() == ["a-1"]
    helpers.call_action("dataset_purge", id=a["id"])
    assert set(rows()) == {"b-1"}


def test_tag_show_lists_public_datasets(clean_db):
    dataset(name="x-1", tags=[{"name": "sosial"}])
    factories.Dataset(name="x-2", tags=[{"name": "sosial"}], private=True,
                      owner_org=factories.Organization()["id"])
    tag = helpers.call_action("tag_show", id="sosial", include_datasets=True)
    assert [d["name"] for d in tag["packages"]] == ["x-1"]


def test_index_writes_join_the_session_transaction(clean_db):
    ds = dataset(name="tx-1")
    model.Session.execute(sa.text("DELETE FROM satudata_search_package"))
    model.Session.commit()
    pkg = helpers.call_action("package_show", id=ds["id"])
    ImportedIndex().index_package(dict(pkg), defer_commit=True)
    assert "tx-1" in rows()
    model.Session.rollback()
    assert "tx-1" not in rows()
    ImportedIndex().index_package(dict(pkg), defer_commit=True)
    search.commit()
    model.Session.remove()
    assert "tx-1" in rows()


def test_class_imported_before_plugin_load_uses_postgres(clean_db, no_solr):
    ds = dataset(name="harvested")
    model.Session.execute(sa.text("DELETE FROM satudata_search_package"))
    model.Session.commit()
    ImportedIndex().index_package(helpers.call_action("package_show", id=ds["id"]))
    assert found() == ["harvested"]
    assert no_solr == []


def test_cli_rebuild_clear_check_show(clean_db, search_cli):
    cli = search_cli
    for i in range(3):
        dataset(name=f"ds-{i}", title=f"Data Kecamatan {i}")
    result = cli.invoke(ckan_cli, ["search-index", "clear"])
    assert result.exit_code == 0, result.output
    model.Session.remove()
    assert rows() == {}
    result = cli.invoke(ckan_cli, ["search-index", "check"])
    assert "Packages not indexed = 3 out of 3" in result.output
    result = cli.invoke(ckan_cli, ["search-index", "rebuild", "-q"])
    assert result.exit_code == 0, result.output
    model.Session.remove()
    assert set(rows()) == {"ds-0", "ds-1", "ds-2"}
    assert found(q="kecamatan", sort="name asc") == ["ds-0", "ds-1", "ds-2"]
    result = cli.invoke(ckan_cli, ["search-index", "check"])
    assert "Packages not indexed = 0 out of 3" in result.output
    result = cli.invoke(ckan_cli, ["search-index", "show", "ds-1"])
    assert result.exit_code == 0 and "'name': 'ds-1'" in result.output
    result = cli.invoke(ckan_cli, ["search-index", "clear", "ds-1"])
    assert result.exit_code == 0, result.output
    model.Session.remove()
    assert set(rows()) == {"ds-0", "ds-2"}
    result = cli.invoke(ckan_cli, ["search-index", "rebuild", "--only-missing", "-q"])
    assert result.exit_code == 0, result.output
    model.Session.remove()
    assert set(rows()) == {"ds-0", "ds-1", "ds-2"}
    result = cli.invoke(ckan_cli, ["search-index", "rebuild", "--clear", "-q"])
    assert result.exit_code == 0, result.output
    model.Session.remove()
    assert len(rows()) == 3


def test_show_unknown_dataset_is_a_search_error(clean_db):
    with pytest.raises(search.SearchError):
        search.show("tidak-ada")


def test_startup_check_is_quiet_and_solr_free(caplog, no_solr):
    caplog.set_level("DEBUG", logger="ckan.lib.search")
    assert search.check_solr_schema_version() is False
    assert search.is_available() is True  # answered by PostgreSQL
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
    assert no_solr == []


def test_guard_catches_solr_requests(no_solr):
    """The guard used by every test here really fails when Solr is contacted."""
    with pytest.raises(AssertionError):
        pysolr.Solr("http://127.0.0.1:8983/solr/ckan-test-unreachable").search("*:*")
    assert len(no_solr) == 1
    no_solr.clear()


def test_unload_restores_solr_functions_and_load_reinstalls(clean_db):
    assert patch.installed()
    p.unload("satudata_search")
    try:
        conn = search_common.make_connection()  # delegates and restores CKAN's own
        assert isinstance(conn, pysolr.Solr)
        assert not patch.installed()
        assert search.check_solr_schema_version.__module__ == "ckan.lib.search"
    finally:
        p.load("satudata_search")
    assert patch.installed()
    assert not isinstance(search_common.make_connection(), pysolr.Solr)
