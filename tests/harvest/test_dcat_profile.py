"""rdflib reads every DCAT endpoint; the SDI profile maps the SDI fields of one dataset."""
from __future__ import annotations

import json

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS, XSD

pytestmark = pytest.mark.usefixtures("with_plugins")

DCT = Namespace("http://purl.org/dc/terms/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
RDFLIB_FORMAT = {"ttl": "turtle", "rdf": "xml", "xml": "xml", "jsonld": "json-ld", "n3": "n3"}


def _graph(app, url: str, fmt: str) -> Graph:
    resp = app.get(url)
    assert resp.status_code == 200, (url, resp.status_code, resp.get_data(as_text=True)[:500])
    g = Graph()
    g.parse(data=resp.get_data(as_text=True), format=RDFLIB_FORMAT[fmt])
    return g


def _dataset_ref(g: Graph) -> URIRef:
    refs = list(g.subjects(RDF.type, DCAT.Dataset))
    assert len(refs) == 1, refs
    return refs[0]


@pytest.mark.parametrize("fmt", ["ttl", "rdf", "jsonld", "n3"])
def test_catalog_parses_and_lists_published_only(app, harvest_world, fmt):
    g = _graph(app, f"/catalog.{fmt}", fmt)
    assert list(g.subjects(RDF.type, DCAT.Catalog))
    ref = _dataset_ref(g)
    assert str(ref).endswith(harvest_world["published"]["id"])
    assert (ref, DCT.identifier, Literal(harvest_world["published"]["id"])) in g


@pytest.mark.parametrize("fmt", ["ttl", "rdf", "jsonld"])
def test_dataset_endpoint_maps_sdi_fields(app, harvest_world, fmt):
    pkg = harvest_world["published"]
    g = _graph(app, f"/dataset/{pkg['id']}.{fmt}", fmt)
    ref = _dataset_ref(g)
    one = lambda p: list(g.objects(ref, p))  # noqa: E731

    assert (ref, DCT.identifier, Literal(pkg["id"])) in g
    # frequency → EU frequency authority
    assert one(DCT.accrualPeriodicity) == [
        URIRef("http://publications.europa.eu/resource/authority/frequency/ANNUAL")]
    # reference period → dct:temporal with whole years
    (period,) = one(DCT.temporal)
    assert (period, DCAT.startDate, Literal("2024-01-01", datatype=XSD.date)) in g
    assert (period, DCAT.endDate, Literal("2025-12-31", datatype=XSD.date)) in g
    # area codes → dct:spatial locations with Kemendagri notation and names
    notations = {str(n) for loc in one(DCT.spatial) for n in g.objects(loc, SKOS.notation)}
    assert notations == {"35.72.01", "35.72.02.1001"}
    labels = {str(n) for loc in one(DCT.spatial) for n in g.objects(loc, SKOS.prefLabel)}
    assert "Kecamatan Kepanjenkidul" in labels and "Kelurahan Pakunden" in labels
    # OPD → dct:publisher
    (publisher,) = one(DCT.publisher)
    assert str(g.value(publisher, FOAF.name)) == "Dinas Kependudukan dan Pencatatan Sipil"
    assert str(g.value(publisher, DCT.identifier)) == "dispendukcapil"
    # contact → dcat:contactPoint (vCard with name, email, telephone)
    (contact,) = one(DCAT.contactPoint)
    assert str(g.value(contact, VCARD.fn)) == "Kepala Bidang Data"
    assert str(g.value(contact, VCARD.hasEmail)) == "mailto:data@dispendukcapil.example.go.id"
    assert str(g.value(contact, VCARD.hasTelephone)) == "tel:+62342801234"
    # data standard and SDS code → dct:conformsTo
    standard_ids = {str(g.value(s, DCT.identifier)) for s in one(DCT.conformsTo)}
    assert {"penduduk-kelurahan-jenis-kelamin", "SP00001.00.00"} <= standard_ids
    # license, keywords, theme from the sector group
    assert any("cc-by" in str(lic) or "opendefinition" in str(lic) for lic in one(DCT.license))
    assert {str(k) for k in one(DCAT.keyword)} == {"penduduk", "kelurahan"}
    assert [str(t) for t in one(DCAT.theme)] == ["http://test.ckan.net/group/kependudukan"]
    # the national catalogue's names as dct:<name> literals
    national = {name: str(g.value(ref, DCT[name])) for name in (
        "id_sds", "kodereferensi", "id_mskeg", "id_msind", "satuan", "ukuran", "rumus",
        "metode_perhitungan", "judul_kegiatan", "produsen_data_name",
        "produsen_data_city_code", "publishing_status", "frequency")}
    assert national == {
        "id_sds": "SP00001.00.00", "kodereferensi": "DD-2025-017",
        "id_mskeg": "MSKEG-3572-01", "id_msind": "MSIND-3572-07", "satuan": "orang",
        "ukuran": "jumlah", "rumus": "P = L + W", "metode_perhitungan": "Penjumlahan",
        "judul_kegiatan": "Registrasi Penduduk",
        "produsen_data_name": "Dinas Kependudukan dan Pencatatan Sipil",
        "produsen_data_city_code": "3572", "publishing_status": "approved",
        "frequency": "tahunan"}
    # one distribution per resource
    assert len(one(DCAT.distribution)) == 1


def test_dcat_json_has_identifier_and_sdi_fields(app, harvest_world):
    items = json.loads(app.get("/dcat.json").get_data(as_text=True))
    assert len(items) == 1
    (item,) = items
    pkg = harvest_world["published"]
    assert item["identifier"] == pkg["id"]
    assert item["title"] == pkg["title"]
    assert item["id_sds"] == "SP00001.00.00"
    assert item["accrualPeriodicity"].endswith("/ANNUAL")
    assert item["temporal"] == "2024-01-01/2025-12-31"
    assert item["spatial"] == ["35.72.01", "35.72.02.1001"]
    assert item["publisher"]["name"] == "Dinas Kependudukan dan Pencatatan Sipil"
    assert item["keyword"] and item["distribution"]
    # paging as the DCAT-JSON harvester does it: page 2 is empty
    assert json.loads(app.get("/dcat.json?page=2").get_data(as_text=True)) == []
    assert app.get("/dcat.json?page=0").status_code == 409


def test_dataset_uri_and_identifier_survive_withdraw_and_republish(app, harvest_world):
    from harvest_support import walk, withdraw

    pkg = harvest_world["published"]
    before = _graph(app, f"/dataset/{pkg['id']}.ttl", "ttl")
    withdraw(pkg["id"])
    assert app.get(f"/dataset/{pkg['id']}.ttl").status_code in (403, 404)
    walk(pkg["id"], "published")
    after = _graph(app, f"/dataset/{pkg['id']}.ttl", "ttl")
    assert _dataset_ref(before) == _dataset_ref(after)
    assert after.value(_dataset_ref(after), DCT.identifier) == Literal(pkg["id"])
