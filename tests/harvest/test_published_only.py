"""Published only, everywhere a harvester looks (anonymous API, DCAT pages, feeds)."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.usefixtures("with_plugins")

HIDDEN = ("draft", "validated", "withdrawn")


def _api(app, action: str, **params):
    resp = app.get(f"/api/3/action/{action}", query_string=params)
    return resp


def test_package_search_returns_published_only(app, harvest_world):
    body = _api(app, "package_search", q="*:*", rows=100).json
    assert [d["name"] for d in body["result"]["results"]] == ["penduduk-kelurahan-2025"]
    # the queries ckanext-harvest 1.6.3 sends (see ../shared/STACK.md)
    for fq in ("+capacity:public +state:(active)",
               "organization:dispendukcapil OR organization:nope",
               "groups:kependudukan OR groups:nope",
               "metadata_modified:[2020-01-01T00:00:00Z TO *]"):
        body = _api(app, "package_search", q="*:*", fq=fq, sort="id asc", rows=100,
                    start=0).json
        names = [d["name"] for d in body["result"]["results"]]
        assert names == ["penduduk-kelurahan-2025"], (fq, names)


def test_package_list_and_current_package_list(app, harvest_world):
    assert _api(app, "package_list").json["result"] == ["penduduk-kelurahan-2025"]
    current = _api(app, "current_package_list_with_resources").json["result"]
    assert [d["name"] for d in current] == ["penduduk-kelurahan-2025"]


def test_package_show_refuses_unpublished(app, harvest_world):
    assert _api(app, "package_show", id="penduduk-kelurahan-2025").json["success"]
    for key in HIDDEN:
        resp = app.get("/api/3/action/package_show",
                       query_string={"id": harvest_world[key]["id"]}, status=403)
        assert not resp.json["success"]


def test_dcat_pages_and_feeds_hide_unpublished(app, harvest_world):
    texts = [app.get(url).get_data(as_text=True) for url in (
        "/catalog.ttl", "/catalog.rdf", "/catalog.jsonld", "/dcat.json",
        "/feeds/dataset.atom", "/feeds/organization/dispendukcapil.atom")]
    for key in HIDDEN:
        for text in texts:
            assert harvest_world[key]["id"] not in text
            assert harvest_world[key]["name"] not in text
    for key in HIDDEN:
        for fmt in ("ttl", "rdf", "jsonld"):
            resp = app.get(f"/dataset/{harvest_world[key]['id']}.{fmt}")
            assert resp.status_code in (403, 404), (key, fmt, resp.status_code)
    assert len(json.loads(texts[3])) == 1


def test_more_harvester_queries_on_the_embedded_backend(app, harvest_world):
    # ckanext-harvest: exclusions of organizations; ckanext-dcat: modified_since → [X TO NOW]
    # (ckanext-dcat appends 'Z' to isoformat(): pass modified_since without a zone)
    body = _api(app, "package_search", q="*:*", sort="id asc", rows=100,
                fq="+capacity:public -organization:nope -organization:nope2 +state:(active)").json
    assert [d["name"] for d in body["result"]["results"]] == ["penduduk-kelurahan-2025"]
    body = _api(app, "package_search", q="*:*", fq="-organization:dispendukcapil").json
    assert body["result"]["count"] == 0
    text = app.get("/catalog.ttl?modified_since=2020-01-01T00:00:00").get_data(as_text=True)
    assert harvest_world["published"]["id"] in text
    text = app.get("/catalog.ttl?modified_since=2999-01-01T00:00:00").get_data(as_text=True)
    assert harvest_world["published"]["id"] not in text
    items = json.loads(app.get("/dcat.json?modified_since=2020-01-01").get_data(as_text=True))
    assert [i["identifier"] for i in items] == [harvest_world["published"]["id"]]


def test_unparseable_fq_fails_loudly(app, harvest_world):
    resp = app.get("/api/3/action/package_search",
                   query_string={"fq": "metadata_modified:[2020-01-01T00:00:00Z TO"})
    assert resp.status_code in (400, 409), resp.status_code
    assert not resp.json["success"]
