"""The public annual report is cached in Redis (``report/cache.py``): a second anonymous
request reads the document, its page tables and its files from the cache instead of building
them; a publish, a withdraw or a Daftar Data agreement makes a new data version, so a
withdrawn dataset is never served again.

What was built is counted by ``cache.BUILDS`` (the real builds, nothing replaced).
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterator

import pytest

from ckan.lib.redis import connect_to_redis
from ckan.tests import helpers

from ckanext.satudata_blitar import lifecycle, workdays
from ckanext.satudata_blitar.report import cache

from lifecycle_support import fresh_world, make_dataset, transition_params

YEAR = workdays.today().year
PAGE = f"/satudata/laporan/publik?year={YEAR}"


def _file(fmt: str) -> str:
    return f"/satudata/laporan/publik/{YEAR}.{fmt}"


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    """OPD A with one published dataset of this year and one draft; an empty Redis."""
    for world in fresh_world(reset_db, migrate_db_for):
        connect_to_redis().flushdb()
        world["published"] = make_dataset(world, lifecycle.PUBLISHED,
                                          title="Jumlah Posyandu Cache")
        world["draft"] = make_dataset(world, title="Rahasia Draf Cache")
        yield world


@pytest.fixture(scope="module")
def api(world) -> Any:
    from ckan.common import config
    from ckan.config.middleware import make_app
    from ckan.tests.helpers import CKANTestApp

    config["testing"] = True
    return CKANTestApp(make_app(config))


def _csv_titles(api: Any) -> str:
    body = api.get(_file("csv"), status=200).get_data()
    return "\n".join(",".join(row) for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _builds() -> dict[str, int]:
    return dict(cache.BUILDS)


def _delta(before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in cache.BUILDS.items() if v != before.get(k, 0)}


def test_second_request_reads_the_cache(api, world):
    connect_to_redis().flushdb()
    before = _builds()
    first = api.get(PAGE, status=200).get_data(as_text=True)
    assert "Jumlah Posyandu Cache" in first and "Rahasia Draf Cache" not in first
    assert _delta(before) == {"document": 1, "page": 1}

    before = _builds()
    second = api.get(PAGE, status=200).get_data(as_text=True)
    assert "Jumlah Posyandu Cache" in second
    assert _delta(before) == {}

    for fmt in ("csv", "xlsx", "json", "pdf"):
        before = _builds()
        data = api.get(_file(fmt), status=200).get_data()
        assert _delta(before) == {fmt: 1}, fmt  # the document came from the cache
        before = _builds()
        assert api.get(_file(fmt), status=200).get_data() == data
        assert _delta(before) == {}, fmt

    # the action answers from the same cache
    before = _builds()
    res = api.get(f"/api/3/action/satudata_report_public?year={YEAR}", status=200)
    assert res.json["result"]["summary"]["datasets_published"] == 1
    assert _delta(before) == {}


def test_the_cache_is_in_redis_with_a_ttl(api, world):
    """Shared by every web process: the keys are in CKAN's Redis and expire."""
    api.get(_file("csv"), status=200)
    redis = connect_to_redis()
    keys = [k.decode() for k in redis.keys("*satudata_blitar:report_public:*")]
    assert any(":document:" in k for k in keys) and any(k.endswith(":csv") for k in keys)
    assert all(0 < redis.ttl(k) <= cache.TTL for k in keys)
    # another process sees the same cache: a fresh counter, no build
    before = _builds()
    cache.BUILDS.clear()
    api.get(_file("csv"), status=200)
    assert dict(cache.BUILDS) == {}
    cache.BUILDS.update(before)


def test_withdraw_and_publish_make_a_new_version(api, world):
    dataset = world["published"]
    assert "Jumlah Posyandu Cache" in _csv_titles(api)
    version = cache.data_version()

    helpers.call_action("satudata_dataset_withdraw", id=dataset["id"],
                        **transition_params("withdraw"))
    assert cache.data_version() != version
    before = _builds()
    assert "Jumlah Posyandu Cache" not in _csv_titles(api)
    assert _delta(before) == {"document": 1, "csv": 1}
    assert "Jumlah Posyandu Cache" not in api.get(PAGE, status=200).get_data(as_text=True)
    res = api.get(f"/api/3/action/satudata_report_public?year={YEAR}", status=200)
    assert res.json["result"]["summary"]["datasets_published"] == 0

    from sop_support import walk
    walk(dataset["id"], lifecycle.PUBLISHED)  # back through the SOP: a new letter
    before = _builds()
    assert "Jumlah Posyandu Cache" in _csv_titles(api)
    # a new version, so a new document; it equals the first one (published again today),
    # so the CSV made from that document's SHA-256 is read from the cache
    assert _delta(before) == {"document": 1}


def test_daftar_data_agreement_makes_a_new_version(api, world):
    api.get(_file("csv"), status=200)
    version = cache.data_version()
    items = [{"code": "CACHE.1", "name": "Posyandu", "owner_org": world["org_a"]["name"],
              "frequency": "tahunan", "data_type": "statistik", "unit": "unit",
              "priority": "ya"}]
    dd = helpers.call_action("satudata_daftar_data_create", year=YEAR, items=items)
    assert cache.data_version() != version
    version = cache.data_version()
    helpers.call_action("satudata_daftar_data_agree", id=dd["id"],
                        agreed_date=workdays.today().isoformat(), minute_number="BA/cache/1")
    assert cache.data_version() != version
    before = _builds()
    document = api.get(f"/api/3/action/satudata_report_public?year={YEAR}",
                       status=200).json["result"]
    assert document["daftar_data"]["id"] == dd["id"]
    assert _delta(before) == {"document": 1}
