"""Narrow index rows (payloads apart) and whole-index counts cached per index version."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.lib.dictization.model_dictize import get_group_dataset_counts
from ckan.tests import factories, helpers

from ckanext.satudata_blitar.search import backend

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "satudata_search"),
    pytest.mark.usefixtures("with_plugins"),
]


def _columns(table: str) -> set[str]:
    return {r[0] for r in model.Session.execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
        {"t": table})}


def _org_counts() -> dict[str, int]:
    facet = get_group_dataset_counts()["owner_org"]
    return dict(facet.items()) if hasattr(facet, "items") else {}


class _Statements:
    """Counts the search statements (one per search answered by PostgreSQL)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        if statement.startswith("WITH m AS MATERIALIZED"):
            self.count += 1


def test_search_rows_are_narrow_and_payload_follows_the_dataset(clean_db):
    assert not {"doc", "ftext", "data_dict", "validated_data_dict"} & _columns(
        "satudata_search_package")
    org = factories.Organization()
    ds = factories.Dataset(owner_org=org["id"], notes="catatan panjang", extras=[
        {"key": "sdi_frekuensi", "value": "tahunan"}])
    payload = model.Session.execute(sa.text(
        "SELECT doc->>'name', validated_data_dict FROM satudata_search_payload "
        "WHERE id = :id"), {"id": ds["id"]}).one()
    assert payload[0] == ds["name"] and ds["id"] in payload[1]
    # a search on a field without a column of its own reads the stored document
    found = helpers.call_action("package_search", fq="extras_sdi_frekuensi:tahunan")
    assert [r["name"] for r in found["results"]] == [ds["name"]]
    assert found["results"][0]["notes"] == "catatan panjang"
    helpers.call_action("dataset_purge", id=ds["id"])
    assert model.Session.execute(sa.text(
        "SELECT count(*) FROM satudata_search_payload")).scalar() == 0


def test_whole_index_counts_cached_until_the_index_changes(clean_db):
    org = factories.Organization()
    factories.Dataset(owner_org=org["id"])
    assert _org_counts() == {org["id"]: 1}
    seen = _Statements()
    sa.event.listen(model.meta.engine, "before_cursor_execute", seen)
    try:
        assert _org_counts() == {org["id"]: 1}
        assert seen.count == 0  # answered from the cache
        second = factories.Dataset(owner_org=org["id"])  # a commit that indexes
        seen.count = 0
        assert _org_counts() == {org["id"]: 2}
        assert seen.count == 1  # counted again, once
        assert _org_counts() == {org["id"]: 2}
        assert seen.count == 1
        helpers.call_action("package_delete", id=second["id"])
        assert _org_counts() == {org["id"]: 1}
    finally:
        sa.event.remove(model.meta.engine, "before_cursor_execute", seen)


def test_counts_without_redis_are_computed(clean_db, monkeypatch):
    org = factories.Organization()
    factories.Dataset(owner_org=org["id"])

    def down() -> Any:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(backend, "_redis", down)
    assert _org_counts() == {org["id"]: 1}
    factories.Dataset(owner_org=org["id"])  # the version bump fails quietly
    assert _org_counts() == {org["id"]: 2}
