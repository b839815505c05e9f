"""Load the demo of Satu Data Kota Blitar into the portal's database (idempotent).

Run by ``bin/satudata up`` / ``bin/satudata reset-demo``::

    python demo/load.py --config demo.ini

Creates the OPDs of Kota Blitar as CKAN organizations, sectors as groups, a demo user for every
SOP role, and small CSV datasets about Kota Blitar and its kecamatan/kelurahan taken through the
SOP lifecycle so that the demo shows every state. Figures in ``demo/data`` are illustrative,
not official statistics. A second run changes nothing that already exists.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")

DEMO_PASSWORD = "SatuData-Blitar-2026"

ORGANIZATIONS = [
    {
        "name": "dinkes",
        "title": "Dinas Kesehatan",
        "description": "Dinas Kesehatan Kota Blitar: data fasilitas dan pelayanan kesehatan.",
    },
    {
        "name": "dindik",
        "title": "Dinas Pendidikan",
        "description": "Dinas Pendidikan Kota Blitar: data sekolah, murid dan guru.",
    },
    {
        "name": "dispendukcapil",
        "title": "Dinas Kependudukan dan Pencatatan Sipil",
        "description": "Dispendukcapil Kota Blitar: data kependudukan dan pencatatan sipil.",
    },
    {
        "name": "diskominfotik",
        "title": "Dinas Komunikasi, Informatika dan Statistik",
        "description": "Diskominfotik Kota Blitar: Walidata dan Sekretariat Satu Data Kota Blitar.",
    },
]

GROUPS = [
    {"name": "kependudukan", "title": "Kependudukan"},
    {"name": "kesehatan", "title": "Kesehatan"},
    {"name": "pendidikan", "title": "Pendidikan"},
    {"name": "teknologi-informasi", "title": "Teknologi Informasi dan Komunikasi"},
]

# (name, full name, what the user is in the SOP)
USERS: list[dict[str, Any]] = [
    {"name": "admin", "fullname": "Admin Portal", "sysadmin": True, "role": "sysadmin"},
    {"name": "walidata", "fullname": "Walidata Diskominfotik", "sop_role": "walidata",
     "role": "Walidata"},
    {"name": "pembina", "fullname": "Pembina Data BPS Kota Blitar", "sop_role": "pembina",
     "role": "Pembina Data (BPS)"},
    {"name": "sekretariat", "fullname": "Sekretariat SDI Kota Blitar",
     "sop_role": "sekretariat", "role": "Sekretariat SDI"},
]
for _org in ORGANIZATIONS:
    USERS.append({"name": f"{_org['name']}-produsen", "fullname": f"Produsen Data {_org['title']}",
                  "org": _org["name"], "capacity": "editor",
                  "role": f"Produsen Data (editor) {_org['title']}"})
    USERS.append({"name": f"{_org['name']}-kepala", "fullname": f"Kepala {_org['title']}",
                  "org": _org["name"], "capacity": "admin",
                  "role": f"Kepala OPD (admin) {_org['title']}"})

COMMON_META = {
    "license_id": "cc-by",
}

# target: the lifecycle state the demo takes the dataset to (see _walk)
DATASETS: list[dict[str, Any]] = [
    {
        "name": "jumlah-penduduk-menurut-kelurahan-dan-jenis-kelamin-2025",
        "title": "Jumlah Penduduk menurut Kelurahan dan Jenis Kelamin di Kota Blitar, 2025",
        "owner_org": "dispendukcapil", "groups": ["kependudukan"],
        "tags": ["penduduk", "kelurahan", "jenis kelamin"],
        "notes": "Jumlah penduduk Kota Blitar per kelurahan menurut jenis kelamin, hasil "
                 "pencatatan administrasi kependudukan semester II 2025 (angka ilustratif).",
        "file": "penduduk_kelurahan_2025.csv", "target": "published",
    },
    {
        "name": "jumlah-kepala-keluarga-menurut-kecamatan-2025",
        "title": "Jumlah Kepala Keluarga menurut Kecamatan di Kota Blitar, 2025",
        "owner_org": "dispendukcapil", "groups": ["kependudukan"],
        "tags": ["kepala keluarga", "kecamatan"],
        "notes": "Jumlah kartu keluarga per kecamatan di Kota Blitar (angka ilustratif).",
        "file": "kepala_keluarga_kecamatan_2025.csv", "target": "submitted",
    },
    {
        "name": "jumlah-fasilitas-kesehatan-menurut-kecamatan-2025",
        "title": "Jumlah Fasilitas Kesehatan menurut Kecamatan di Kota Blitar, 2025",
        "owner_org": "dinkes", "groups": ["kesehatan"],
        "tags": ["fasilitas kesehatan", "puskesmas", "rumah sakit", "kecamatan"],
        "notes": "Rumah sakit, puskesmas, puskesmas pembantu, posyandu dan apotek per "
                 "kecamatan di Kota Blitar (angka ilustratif).",
        "file": "fasilitas_kesehatan_kecamatan_2025.csv", "target": "published",
    },
    {
        "name": "cakupan-imunisasi-dasar-lengkap-menurut-kecamatan-2025",
        "title": "Cakupan Imunisasi Dasar Lengkap menurut Kecamatan di Kota Blitar, 2025",
        "owner_org": "dinkes", "groups": ["kesehatan"],
        "tags": ["imunisasi", "bayi", "kecamatan"],
        "notes": "Sasaran bayi dan bayi yang mendapat imunisasi dasar lengkap per kecamatan "
                 "(angka ilustratif).",
        "file": "imunisasi_dasar_kecamatan_2025.csv", "target": "verified",
    },
    {
        "name": "jumlah-sekolah-murid-dan-guru-menurut-jenjang-2025",
        "title": "Jumlah Sekolah, Murid dan Guru menurut Jenjang dan Kecamatan di Kota Blitar, 2025",
        "owner_org": "dindik", "groups": ["pendidikan"],
        "tags": ["sekolah", "murid", "guru", "kecamatan"],
        "notes": "Jumlah sekolah, murid dan guru SD, SMP dan SMA/SMK per kecamatan "
                 "(angka ilustratif).",
        "file": "sekolah_kecamatan_2025.csv", "target": "validated",
    },
    {
        "name": "angka-partisipasi-sekolah-2025",
        "title": "Angka Partisipasi Sekolah menurut Kelompok Umur di Kota Blitar, 2025",
        "owner_org": "dindik", "groups": ["pendidikan"],
        "tags": ["pendidikan", "partisipasi sekolah"],
        "notes": "Angka partisipasi sekolah (APS) menurut kelompok umur (angka ilustratif).",
        "file": "angka_partisipasi_sekolah_2025.csv", "target": "returned",
    },
    {
        "name": "titik-akses-internet-publik-menurut-kelurahan-2025",
        "title": "Titik Akses Internet Publik menurut Kelurahan di Kota Blitar, 2025",
        "owner_org": "diskominfotik", "groups": ["teknologi-informasi"],
        "tags": ["internet", "wifi publik", "kelurahan"],
        "notes": "Jumlah titik wifi publik yang dikelola Pemerintah Kota Blitar per kelurahan "
                 "(angka ilustratif). Berkas ini sengaja memuat satu kode wilayah yang salah "
                 "untuk menunjukkan pemeriksaan standar data.",
        "file": "titik_wifi_publik_kelurahan_2025_salah.csv", "target": "draft",
    },
    {
        "name": "titik-wifi-publik-menurut-kelurahan-2024",
        "title": "Titik Wifi Publik menurut Kelurahan di Kota Blitar, 2024",
        "owner_org": "diskominfotik", "groups": ["teknologi-informasi"],
        "tags": ["internet", "wifi publik"],
        "notes": "Edisi 2024, ditarik dari publikasi karena digantikan data 2025 "
                 "(angka ilustratif).",
        "file": "titik_wifi_publik_kelurahan_2025.csv", "target": "withdrawn",
    },
]

log = logging.getLogger("satudata.demo")


def _load_app(config_path: str):
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    return make_app(load_config(config_path))


def _exists(ckan, action: str, name: str) -> bool:
    import ckan.plugins.toolkit as tk

    try:
        ckan.call_action(action, {"id": name})
        return True
    except tk.ObjectNotFound:
        return False


def load() -> None:
    import ckan.plugins.toolkit as tk
    from ckanapi import LocalCKAN

    site = LocalCKAN()  # the site user: a sysadmin

    for u in USERS:
        if not _exists(site, "user_show", u["name"]):
            site.call_action("user_create", {
                "name": u["name"], "fullname": u["fullname"], "password": DEMO_PASSWORD,
                "email": f"{u['name']}@demo.satudata.blitarkota.go.id",
            })
            log.info("user %s created", u["name"])
        if u.get("sysadmin"):
            site.call_action("user_patch", {"id": u["name"], "sysadmin": True})

    for o in ORGANIZATIONS:
        if not _exists(site, "organization_show", o["name"]):
            site.call_action("organization_create", dict(o))
    for g in GROUPS:
        if not _exists(site, "group_show", g["name"]):
            site.call_action("group_create", dict(g))
    for u in USERS:
        if u.get("org"):
            site.call_action("organization_member_create", {
                "id": u["org"], "username": u["name"], "role": u["capacity"]})
        if u.get("sop_role"):
            site.call_action("satudata_role_assign", {"user": u["name"], "role": u["sop_role"]})

    for d in DATASETS:
        if _exists(site, "package_show", d["name"]):
            continue
        producer = LocalCKAN(username=f"{d['owner_org']}-produsen")
        data = {k: v for k, v in d.items() if k not in ("file", "target", "groups", "tags")}
        data["tags"] = [{"name": t} for t in d["tags"]]
        data["groups"] = [{"name": g} for g in d["groups"]]
        data["private"] = True
        data.update(COMMON_META)
        pkg = producer.call_action("package_create", data)
        path = os.path.join(DATA, d["file"])
        with open(path, "rb") as f:
            producer.call_action("resource_create", {
                "package_id": pkg["id"], "name": d["file"].rsplit(".", 1)[0].replace("_", " "),
                "format": "CSV", "url": "",
            }, files={"upload": (d["file"].replace("_salah", ""), f)})
        log.info("dataset %s created", d["name"])
        _walk(d, pkg)


# The path to each target state: (transition, acting user, extra parameters).
_SUBMIT = ("submit", "{org}-produsen", {"note": "Data siap diperiksa Walidata."})
_VERIFY = ("verify", "walidata", {"note": "Sesuai standar data dan metadata SDI."})
_VALIDATE = ("validate", "{org}-kepala", {"letter_ref": "{letter}"})
_PUBLISH = ("publish", "walidata", {})
PATHS: dict[str, list[tuple[str, str, dict[str, str]]]] = {
    "draft": [],
    "submitted": [_SUBMIT],
    "verified": [_SUBMIT, _VERIFY],
    "validated": [_SUBMIT, _VERIFY, _VALIDATE],
    "published": [_SUBMIT, _VERIFY, _VALIDATE, _PUBLISH],
    "returned": [_SUBMIT, ("return", "walidata", {
        "reason_category": "metadata_tidak_lengkap",
        "reason": "Definisi dan satuan angka partisipasi sekolah belum diisi; lengkapi "
                  "metadata MS-Ind lalu ajukan kembali.",
    })],
    "withdrawn": [_SUBMIT, _VERIFY, _VALIDATE, _PUBLISH, ("withdraw", "walidata", {
        "reason": "Digantikan oleh data edisi 2025.",
    })],
}


def _walk(d: dict[str, Any], pkg: dict[str, Any]) -> None:
    """Take a new demo dataset through the SOP lifecycle to its target state."""
    from ckanapi import LocalCKAN

    letter = f"000.5/{DATASETS.index(d) + 101}/410.{d['owner_org']}/2025"
    for transition, actor, extra in PATHS[d["target"]]:
        user = actor.format(org=d["owner_org"])
        params = {k: v.format(letter=letter) for k, v in extra.items()}
        LocalCKAN(username=user).call_action(
            f"satudata_dataset_{transition}", {"id": pkg["id"], **params})
        log.info("  %s: %s by %s", d["name"], transition, user)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="CKAN ini file (demo.ini)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[demo] %(message)s")
    app = _load_app(args.config)
    with app._wsgi_app.test_request_context():
        load()
    print()
    print("Demo users (password for all: %s)" % DEMO_PASSWORD)
    for u in USERS:
        print(f"  {u['name']:<26} {u['role']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
