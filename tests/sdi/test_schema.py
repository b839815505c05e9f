"""The SDI dataset schema (ckanext-scheming): fields, choices, validators, drafts."""
from __future__ import annotations

import pytest

from ckan.tests import factories
import ckan.plugins.toolkit as tk

from .conftest import call

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db")]


def _org():
    return factories.Organization()


FULL = {
    "title": "Jumlah Titik Wifi Publik menurut Kelurahan, 2025",
    "notes": "Jumlah titik wifi publik per kelurahan.",
    "maintainer": "Budi, Kepala Bidang Statistik",
    "maintainer_email": "statistik@blitarkota.go.id",
    "frequency": "tahunan",
    "periode_referensi_mulai": "2025",
    "periode_referensi_selesai": "2025",
    "cakupan_wilayah": ["35.72", "35.72.01"],
    "satuan": "titik", "ukuran": "jumlah", "konsep": "Titik akses internet publik",
    "definisi": "Lokasi wifi gratis untuk umum.", "klasifikasi": "Wilayah (kelurahan)",
    "sumber_data": "Diskominfotik", "cara_pengumpulan_data": "KOMPILASI_PRODUK_ADMINISTRASI",
    "standar_data": "titik-wifi-publik-kelurahan", "id_sds": "UL00001.00.00",
    "daftar_data_item": "DD-2025-031",
    "ms_keg": [{"judul_kegiatan": "Pendataan titik wifi", "tahun": "2025",
                "jenis_statistik": "STATISTIK_SEKTORAL", "frekuensi": "tahunan"}],
    "ms_var": [{"nama": "titik_wifi", "konsep": "Titik akses", "satuan": "titik",
                "tipe_data": "numerik"}],
    "ms_ind": [{"nama": "Jumlah titik wifi", "indikator_komposit": "tidak"}],
}


def test_schema_is_the_dataset_type():
    schema = call("scheming_dataset_schema_show", type="dataset")
    names = [f["field_name"] for f in schema["dataset_fields"]]
    for field in ("frequency", "periode_referensi_mulai", "cakupan_wilayah", "satuan", "konsep",
                  "definisi", "klasifikasi", "ukuran", "sumber_data", "cara_pengumpulan_data",
                  "standar_data", "daftar_data_item", "license_id", "tag_string",
                  "ms_keg", "ms_var", "ms_ind"):
        assert field in names
    labels = {f["field_name"]: f["label"] for f in schema["dataset_fields"]}
    assert labels["frequency"] == {"id": "Frekuensi pemutakhiran", "en": "Update frequency"}
    subfields = {f["field_name"]: f.get("repeating_subfields") for f in schema["dataset_fields"]}
    assert {s["field_name"] for s in subfields["ms_var"]} >= {"nama", "konsep", "definisi",
                                                             "satuan", "ukuran"}
    resource_names = [f["field_name"] for f in schema["resource_fields"]]
    assert {"format", "standar_data", "periode_data"} <= set(resource_names)


def test_a_draft_needs_only_core_fields():
    dataset = call("package_create", name="draf-minimal", owner_org=_org()["id"])
    assert dataset["name"] == "draf-minimal"
    assert dataset["license_id"] == "cc-by"  # CC-BY-4.0 by default


def test_full_sdi_metadata_round_trips():
    dataset = call("package_create", name="lengkap", owner_org=_org()["id"],
                                  **FULL)
    shown = call("package_show", id=dataset["id"])
    for key in ("frequency", "satuan", "konsep", "standar_data", "id_sds", "daftar_data_item"):
        assert shown[key] == FULL[key]
    assert shown["cakupan_wilayah"] == ["35.72", "35.72.01"]
    assert shown["ms_keg"][0]["judul_kegiatan"] == "Pendataan titik wifi"
    assert shown["ms_var"][0]["tipe_data"] == "numerik"
    assert shown["ms_ind"][0]["indikator_komposit"] == "tidak"


@pytest.mark.parametrize("field, value", [
    ("frequency", "kadang-kadang"),
    ("periode_referensi_mulai", "25"),
    ("periode_referensi_mulai", "tahun lalu"),
    ("cakupan_wilayah", ["35.72.9"]),
    ("standar_data", "tidak-ada"),
    ("id_sds", "SDS-1"),
    ("maintainer_email", "bukan-email"),
    ("cara_pengumpulan_data", "TEBAKAN"),
])
def test_bad_values_are_field_errors(field, value):
    with pytest.raises(tk.ValidationError) as exc:
        call("package_create", name="salah", owner_org=_org()["id"],
                            **{field: value})
    assert field in exc.value.error_dict


def test_reference_period_end_before_start():
    with pytest.raises(tk.ValidationError) as exc:
        call("package_create", name="periode", owner_org=_org()["id"],
                            periode_referensi_mulai="2025", periode_referensi_selesai="2024")
    assert "periode_referensi_selesai" in exc.value.error_dict


def test_resource_fields():
    dataset = call("package_create", name="res", owner_org=_org()["id"])
    res = call("resource_create", package_id=dataset["id"], url="http://x/a.csv",
                              format="CSV", standar_data="titik-wifi-publik-kelurahan",
                              periode_data="2025-01/2025-06")
    assert res["standar_data"] == "titik-wifi-publik-kelurahan"
    assert res["periode_data"] == "2025-01/2025-06"
    with pytest.raises(tk.ValidationError):
        call("resource_create", package_id=dataset["id"], url="http://x/b.csv",
                            periode_data="semester 1")


def test_the_form_shows_indonesian_labels(app):
    sysadmin = factories.SysadminWithToken()
    factories.Organization()  # the form needs an OPD to choose
    body = app.get("/dataset/new", headers={"Authorization": sysadmin["token"]}).body
    assert "Frekuensi pemutakhiran" in body
    assert "Metadata Variabel (MS-Var)" in body
    assert "35.72.01 Kec. Kepanjenkidul" in body
