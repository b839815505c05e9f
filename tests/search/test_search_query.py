"""package_search answered by PostgreSQL: full text, fq, facets, sort, paging, fl."""
from __future__ import annotations

from typing import Any

import pytest

from ckan.tests import helpers

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "satudata_search"),
    pytest.mark.usefixtures("with_plugins"),
]

PUBLIC = {"jumlah-penduduk-2023", "angka-kematian-ibu", "jumlah-sekolah-dasar"}


def names(result: dict[str, Any]) -> list[str]:
    return [r["name"] for r in result["results"]]


def search(**kw: Any) -> dict[str, Any]:
    return helpers.call_action("package_search", **kw)


def test_result_shape_matches_ckan(corpus):
    res = search(q="penduduk", **{"facet.field": '["organization"]'})
    assert set(res) == {"count", "results", "facets", "search_facets", "sort"}
    assert res["sort"] == "score desc, metadata_modified desc"
    first = res["results"][0]
    assert first["id"] == corpus["pop"]["id"]
    # the default fl returns CKAN's validated dataset dict
    assert first["organization"]["name"] == "dukcapil"
    assert first["resources"][0]["format"] == "CSV"
    assert res["facets"]["organization"] == {"dukcapil": 1, "dinkes": 1}
    items = res["search_facets"]["organization"]["items"]
    assert {i["name"]: (i["display_name"], i["count"]) for i in items} == {
        "dukcapil": ("Dinas Kependudukan dan Pencatatan Sipil", 1),
        "dinkes": ("Dinas Kesehatan", 1)}


def test_default_lists_public_active_only(corpus):
    res = search()
    assert res["count"] == 3
    assert set(names(res)) == PUBLIC


def test_full_text_indonesian_case_prefix_accents_and_ranking(corpus):
    # title match ranks above a notes-only match
    assert names(search(q="penduduk")) == ["jumlah-penduduk-2023", "angka-kematian-ibu"]
    assert names(search(q="Kesehatan")) == ["angka-kematian-ibu"]  # via its tag
    assert names(search(q="KEMATIAN ibu")) == ["angka-kematian-ibu"]
    assert names(search(q="pendidik")) == ["jumlah-sekolah-dasar"]  # prefix
    assert names(search(q="pendidikan")) == ["jumlah-sekolah-dasar"]  # "Pèndidikan"
    assert names(search(q="tahunan")) == ["jumlah-penduduk-2023"]  # extras/SDI field
    assert names(search(q='"kota blitar"')) == ["jumlah-penduduk-2023"]
    assert search(q="penduduk -kematian")["count"] == 1
    assert search(q="tidakada")["count"] == 0
    # CKAN's mm "2<-1 5<80%": with three words one may be missing
    assert names(search(q="jumlah sekolah tidakada")) == ["jumlah-sekolah-dasar"]
    assert search(q="jumlah tidakada")["count"] == 0


def test_fielded_q_and_match_all(corpus):
    assert set(names(search(q="*:*"))) == PUBLIC
    assert names(search(q="tags:pendidikan")) == ["jumlah-sekolah-dasar"]
    assert names(search(q="organization:dinkes penduduk")) == ["angka-kematian-ibu"]
    assert names(search(q='title:"kematian ibu"')) == ["angka-kematian-ibu"]
    assert set(names(search(q="title:jumlah"))) == {"jumlah-penduduk-2023",
                                                    "jumlah-sekolah-dasar"}


@pytest.mark.parametrize("fq, expected", [
    ("organization:dinkes", {"angka-kematian-ibu"}),
    ("groups:sosial", {"jumlah-penduduk-2023", "angka-kematian-ibu"}),
    ("tags:statistik", {"jumlah-penduduk-2023", "angka-kematian-ibu"}),
    ("res_format:XLSX", {"angka-kematian-ibu"}),
    ("res_format:csv", set()),  # string fields are exact, as in Solr
    ("license_id:odc-by", {"jumlah-sekolah-dasar"}),
    ("dataset_type:dataset", PUBLIC),
    ("type:dataset", PUBLIC),
    ("name:jumlah-*", {"jumlah-penduduk-2023", "jumlah-sekolah-dasar"}),
    ("extras_sdi_frekuensi:bulanan", {"angka-kematian-ibu"}),
    ("sdi_frekuensi:tahunan", {"jumlah-penduduk-2023"}),
    ("site_id:satudata_test", PUBLIC),
    ("capacity:public", PUBLIC),
    ("private:false", PUBLIC),
    ("num_resources:[2 TO *]", {"angka-kematian-ibu"}),
    ("-organization:dinkes -organization:disdik", {"jumlah-penduduk-2023"}),
    ("tags:(kesehatan OR pendidikan)", {"angka-kematian-ibu", "jumlah-sekolah-dasar"}),
    ("tags:statistik AND NOT groups:kesehatan", {"jumlah-penduduk-2023"}),
    ("extras_sdi_frekuensi:*", {"jumlah-penduduk-2023", "angka-kematian-ibu"}),
    ("metadata_modified:[2020-01-01T00:00:00Z TO NOW]", PUBLIC),
    ("metadata_created:[NOW+1DAY TO *]", set()),
])
def test_fq_fields(corpus, fq, expected):
    assert set(names(search(fq=fq, rows=50))) == expected


def test_fq_by_id_and_fq_list(corpus):
    assert names(search(fq=f'id:"{corpus["sd"]["id"]}"')) == ["jumlah-sekolah-dasar"]
    res = search(fq_list=["groups:sosial", "-dataset_type:harvest",
                          "metadata_modified:[2020-01-01T00:00:00Z TO NOW]"])
    assert set(names(res)) == {"jumlah-penduduk-2023", "angka-kematian-ibu"}


def test_state_private_draft_deleted_flags(corpus):
    all_active = PUBLIC | {"cakupan-imunisasi"}
    assert set(names(search(include_private=True))) == all_active
    assert set(names(search(include_drafts=True))) == PUBLIC | {"penduduk-miskin"}
    # ckan.search.remove_deleted_packages (default true) drops deleted datasets
    assert set(names(search(include_deleted=True))) == PUBLIC
    assert search(fq="+state:deleted")["count"] == 0
    assert names(search(fq="+state:draft")) == ["penduduk-miskin"]
    assert names(search(fq="capacity:private", include_private=True)) == [
        "cakupan-imunisasi"]


@pytest.mark.ckan_config("ckan.search.remove_deleted_packages", "false")
def test_include_deleted_when_deleted_datasets_stay_indexed(corpus):
    assert set(names(search(include_deleted=True))) == PUBLIC | {"profil-kesehatan-lama"}
    assert names(search(fq="+state:deleted")) == ["profil-kesehatan-lama"]
    # ... and a harvester's OR still never reaches it
    assert set(names(search(fq="+capacity:public organization:dinkes OR "
                                 "organization:disdik +state:(active)"))) == {
        "angka-kematian-ibu", "jumlah-sekolah-dasar"}


def test_exact_harvester_strings(corpus):
    """ckanext-harvest's fq strings, verbatim (include_private so core adds nothing)."""
    def fq(s: str) -> set[str]:
        return set(names(search(fq=s, include_private=True, rows=100, sort="id asc")))

    assert fq("+capacity:public  +state:(active)") == PUBLIC
    # OR groups only its own terms: never the private dinkes dataset or the deleted one
    assert fq("+capacity:public organization:dinkes OR organization:disdik "
              "+state:(active)") == {"angka-kematian-ibu", "jumlah-sekolah-dasar"}
    assert fq("+capacity:public -organization:dinkes -organization:disdik "
              "+state:(active)") == {"jumlah-penduduk-2023"}
    assert fq("+capacity:public groups:kesehatan OR groups:sosial +state:(active)") == {
        "jumlah-penduduk-2023", "angka-kematian-ibu"}
    # incremental harvest: modified since the last run
    since = corpus["sd"]["metadata_modified"] + "Z"
    assert fq(f"+capacity:public metadata_modified:[{since} TO *] +state:(active)") == {
        "jumlah-sekolah-dasar"}
    assert fq(f"+capacity:public metadata_modified:{{{since} TO *] +state:(active)") == set()
    # the harvester's own paging: sort=id asc, rows/start
    ids = sorted(corpus[k]["id"] for k in ("pop", "aki", "sd"))
    pages = [search(sort="id asc", rows=2, start=s)["results"] for s in (0, 2)]
    assert [d["id"] for page in pages for d in page] == ids


def test_dcat_catalog_query(corpus):
    res = search(q="*:*", fq_list=["-dataset_type:harvest", "-dataset_type:showcase",
                                   "metadata_modified:[2020-01-01T00:00:00Z TO NOW]"],
                 sort="metadata_modified desc")
    assert names(res) == ["jumlah-sekolah-dasar", "angka-kematian-ibu",
                          "jumlah-penduduk-2023"]


def test_facets_limit_mincount(corpus):
    fields = '["organization", "groups", "tags", "res_format", "license_id"]'
    res = search(**{"facet.field": fields})
    assert res["facets"] == {
        "organization": {"dukcapil": 1, "dinkes": 1, "disdik": 1},
        "groups": {"sosial": 2, "kesehatan": 1},
        "tags": {"statistik": 2, "kependudukan": 1, "kesehatan": 1, "pendidikan": 1},
        "res_format": {"CSV": 3, "XLSX": 1},  # a dataset counts once per value
        "license_id": {"cc-by": 2, "odc-by": 1},
    }
    licence_items = res["search_facets"]["license_id"]["items"]
    assert {i["name"] for i in licence_items} == {"cc-by", "odc-by"}
    res = search(**{"facet.field": fields, "facet.limit": 1})
    assert res["facets"]["tags"] == {"statistik": 2}
    assert res["facets"]["res_format"] == {"CSV": 3}
    res = search(**{"facet.field": fields, "facet.mincount": 2})
    assert res["facets"]["groups"] == {"sosial": 2}
    assert res["facets"]["organization"] == {}
    # facets follow the filters
    res = search(fq="tags:kesehatan", **{"facet.field": '["res_format"]'})
    assert res["facets"]["res_format"] == {"CSV": 1, "XLSX": 1}


@pytest.mark.parametrize("sort, expected", [
    ("title_string asc", ["angka-kematian-ibu", "jumlah-penduduk-2023",
                          "jumlah-sekolah-dasar"]),
    ("title_string desc", ["jumlah-sekolah-dasar", "jumlah-penduduk-2023",
                           "angka-kematian-ibu"]),
    ("name asc", ["angka-kematian-ibu", "jumlah-penduduk-2023", "jumlah-sekolah-dasar"]),
    ("name desc", ["jumlah-sekolah-dasar", "jumlah-penduduk-2023", "angka-kematian-ibu"]),
    ("metadata_modified desc", ["jumlah-sekolah-dasar", "angka-kematian-ibu",
                                "jumlah-penduduk-2023"]),
    ("metadata_created asc", ["jumlah-penduduk-2023", "angka-kematian-ibu",
                              "jumlah-sekolah-dasar"]),
    ("license_id asc, name desc", ["jumlah-penduduk-2023", "angka-kematian-ibu",
                                   "jumlah-sekolah-dasar"]),
    ("score desc, metadata_modified desc", ["jumlah-sekolah-dasar", "angka-kematian-ibu",
                                            "jumlah-penduduk-2023"]),
])
def test_sorts(corpus, sort, expected):
    res = search(sort=sort)
    assert res["sort"] == sort
    assert names(res) == expected


def test_sort_id_asc(corpus):
    ids = [r["id"] for r in search(sort="id asc")["results"]]
    assert ids == sorted(ids) and len(ids) == 3


def test_paging(corpus):
    full = names(search(sort="name asc"))
    pages = [search(sort="name asc", rows=1, start=i) for i in range(4)]
    assert [p["count"] for p in pages] == [3, 3, 3, 3]
    assert [n for p in pages for n in names(p)] == full
    assert search(rows=0)["count"] == 3 and search(rows=0)["results"] == []


def test_fl(corpus):
    res = search(fl="id,name", sort="name asc")
    assert res["results"][0] == {"id": corpus["aki"]["id"], "name": "angka-kematian-ibu"}
    res = search(fl="name", sort="name asc", rows=1)
    assert res["results"] == [{"name": "angka-kematian-ibu"}]
    res = search(fl="name,organization,tags,extras_sdi_frekuensi", q="tahunan")
    assert res["results"] == [{"name": "jumlah-penduduk-2023", "organization": "dukcapil",
                               "tags": ["kependudukan", "statistik"],
                               "sdi_frekuensi": "tahunan"}]


def test_use_default_schema_returns_data_dict(corpus):
    res = search(q="name:jumlah-sekolah-dasar", use_default_schema=True)
    assert res["results"][0]["name"] == "jumlah-sekolah-dasar"


def test_autocomplete(corpus):
    res = helpers.call_action("package_autocomplete", q="jumlah")
    assert {r["name"] for r in res} == {"jumlah-penduduk-2023", "jumlah-sekolah-dasar"}
    assert helpers.call_action("package_autocomplete", q="sekol")[0]["name"] == \
        "jumlah-sekolah-dasar"


@pytest.mark.parametrize("params, reason", [
    ({"fq": "organization:(dinkes OR disdik"}, "Missing ')'"),
    ({"fq": "metadata_modified:[kemarin TO *]"}, "Invalid date"),
    ({"q": "title:kesehatan~2"}, "not supported"),
    ({"sort": "metadata_modified sideways"}, "sort"),
])
def test_unparseable_queries_are_http_400(app, corpus, params, reason):
    res = app.get("/api/3/action/package_search", query_string=params, status=400)
    body = res.json
    assert body["success"] is False
    assert body["error"]["__type"] == "Search Query Error"
    assert reason in body["error"]["message"]


def test_api_search_works(app, corpus):
    res = app.get("/api/3/action/package_search",
                  query_string={"fq": "organization:dinkes OR organization:disdik",
                                "sort": "id asc", "rows": 100})
    assert {r["name"] for r in res.json["result"]["results"]} == {
        "angka-kematian-ibu", "jumlah-sekolah-dasar"}
