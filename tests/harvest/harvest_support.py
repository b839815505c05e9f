"""Helpers of the harvester tests: SDI metadata and lifecycle walks taken as the system."""
from __future__ import annotations

from typing import Any

import ckan.model as model

from ckanext.satudata_blitar import lifecycle

#: the happy path to publication; taken as the system so that the gates of other issues
#: (complete metadata at submit, a recorded validation letter) do not decide these tests
PATH = ("submit", "verify", "validate", "publish")


def walk(package_id: str, state: str = lifecycle.PUBLISHED) -> None:
    """Move a draft along the happy path until it reaches ``state``."""
    for transition in PATH:
        pkg = model.Package.get(package_id)
        lifecycle.apply_transition(pkg, transition, None, lifecycle.SYSTEM,
                                   letter_ref="000.5/9/410.test/2025")
        if lifecycle.TRANSITIONS[transition].target == state:
            return


def withdraw(package_id: str, reason: str = "koreksi") -> None:
    """Withdraw a published dataset (as the system)."""
    lifecycle.apply_transition(model.Package.get(package_id), "withdraw", None,
                               lifecycle.SYSTEM, reason=reason)


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


