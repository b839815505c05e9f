"""Web pages and dataset counts served by the PostgreSQL backend."""
from __future__ import annotations

import pytest

from ckan.tests import helpers

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "satudata_search"),
    pytest.mark.usefixtures("with_plugins"),
]


def test_home_and_dataset_list(app, corpus):
    assert app.get("/").status_code == 200
    body = app.get("/dataset").body
    for title in ("Jumlah Penduduk Kota Blitar 2023", "Angka Kematian Ibu",
                  "Jumlah Sekolah Dasar per Kecamatan"):
        assert title in body
    assert "Cakupan Imunisasi Balita" not in body  # private
    assert "Data Penduduk Miskin" not in body  # draft
    # facets with organisation titles
    assert "Dinas Kependudukan dan Pencatatan Sipil" in body


def test_dataset_list_filters_and_query(app, corpus):
    body = app.get("/dataset/", query_string={"organization": "dinkes"}).body
    assert "Angka Kematian Ibu" in body and "Jumlah Penduduk" not in body
    body = app.get("/dataset/", query_string={"q": "sekolah"}).body
    assert "Jumlah Sekolah Dasar" in body and "Angka Kematian" not in body
    body = app.get("/dataset/", query_string={"tags": "statistik",
                                              "sort": "title_string asc"}).body
    assert body.index("Angka Kematian Ibu") < body.index("Jumlah Penduduk Kota Blitar")


def test_organization_and_group_pages(app, corpus):
    assert app.get("/organization").status_code == 200
    body = app.get("/organization/dinkes").body
    assert "Angka Kematian Ibu" in body and "Cakupan Imunisasi" not in body
    assert app.get("/group").status_code == 200
    body = app.get("/group/sosial").body
    assert "Angka Kematian Ibu" in body and "Jumlah Penduduk Kota Blitar" in body


def test_group_and_organization_dataset_counts(corpus):
    """``get_group_dataset_counts`` (one facet query for every group and OPD) counts
    active datasets, private included, as core does with Solr; the lists and pages
    count what the reader may see."""
    from ckan.lib.dictization.model_dictize import get_group_dataset_counts

    counts = get_group_dataset_counts()
    assert counts["groups"] == {"kesehatan": 2, "sosial": 2}
    assert counts["owner_org"] == {corpus["dinkes"]["id"]: 2, corpus["disdik"]["id"]: 1,
                                   corpus["dukcapil"]["id"]: 1}
    orgs = helpers.call_action("organization_list", all_fields=True)
    assert {o["name"]: o["package_count"] for o in orgs} == {
        "dinkes": 1, "disdik": 1, "dukcapil": 1}
    groups = helpers.call_action("group_list", all_fields=True)
    assert {g["name"]: g["package_count"] for g in groups} == {
        "kesehatan": 1, "sosial": 2}
    member_view = helpers.call_action(
        "organization_show", context={"user": "anggota_dinkes"}, id="dinkes")
    assert member_view["package_count"] == 2
    public_view = helpers.call_action(
        "organization_show", context={"user": "warga"}, id="dinkes")
    assert public_view["package_count"] == 1
