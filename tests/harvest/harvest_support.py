"""Helpers of the harvester tests: SDI metadata, and lifecycle steps through the real actions.

``walk`` is :func:`sop_support.walk`: the submit gate (complete metadata, passing data checks)
and a real validation letter decide, as for any dataset; ``withdraw`` is the Walidata's action.
The datasets harvesters meet are made to pass: ``COMPLETE``/``SDI_FIELDS`` metadata and an
uploaded CSV (:func:`sop_support.upload_csv`).
"""
from __future__ import annotations

from typing import Any

from ckan.tests import helpers

from sop_support import COMPLETE, upload_csv, walk  # noqa: F401 - the harvester tests' walk


def withdraw(package_id: str, reason: str = "koreksi") -> None:
    """Withdraw a published dataset (the Walidata's step, taken as the system)."""
    helpers.call_action("satudata_dataset_withdraw", id=package_id, reason=reason)


#: SDI metadata of the published test dataset (schemas/dataset.yaml field names)
SDI_FIELDS: dict[str, Any] = {
    "frequency": "tahunan",
    "periode_referensi_mulai": "2024",
    "periode_referensi_selesai": "2025",
    "cakupan_wilayah": ["35.72.01", "35.72.02.1001"],
    "satuan": "orang",
    "ukuran": "jumlah",
    "konsep": "Penduduk",
    "definisi": "Orang yang berdomisili di wilayah Kota Blitar.",
    "klasifikasi": "wilayah (kelurahan), jenis kelamin",
    "sumber_data": "Dispendukcapil",
    "standar_data": "penduduk-kelurahan-jenis-kelamin",
    "id_sds": "SP00001.00.00",
    "daftar_data_item": "DD-2025-017",
    "maintainer": "Kepala Bidang Data",
    "maintainer_email": "data@dispendukcapil.example.go.id",
    "kontak_telepon": "+62 342 801234",
    "license_id": "cc-by",
    "ms_keg": [{"id_mskeg": "MSKEG-3572-01", "judul_kegiatan": "Registrasi Penduduk",
                "tahun": "2025", "jenis_statistik": "STATISTIK_SEKTORAL",
                "cara_pengumpulan_data": "KOMPILASI_PRODUK_ADMINISTRASI"}],
    "ms_ind": [{"id_msind": "MSIND-3572-07", "nama": "Jumlah penduduk",
                "interpretasi": "Makin besar makin banyak penduduk.",
                "metode_perhitungan": "Penjumlahan", "rumus": "P = L + W",
                "level_estimasi": "kelurahan"}],
}


