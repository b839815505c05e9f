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
    "frequency": "tahunan",
    "periode_referensi_mulai": "2025",
    "cakupan_wilayah": ["35.72"],
    "cara_pengumpulan_data": "KOMPILASI_PRODUK_ADMINISTRASI",
    "ukuran": "Jumlah",
}

# SDI metadata per dataset (concept, definition, unit, standard, contact) — merged into DATASETS
SDI_META: dict[str, dict[str, Any]] = {
    "jumlah-penduduk-menurut-kelurahan-dan-jenis-kelamin-2025": {
        "standar_data": "penduduk-kelurahan-jenis-kelamin", "id_sds": "SP00001.00.00",
        "konsep": "Penduduk",
        "definisi": "Semua orang yang berdomisili di wilayah Kota Blitar dan tercatat dalam "
                    "database kependudukan, menurut jenis kelamin.",
        "satuan": "Jiwa", "klasifikasi": "Kelurahan; jenis kelamin",
        "sumber_data": "Database kependudukan (SIAK) Dispendukcapil Kota Blitar",
        "ms_keg": [{"judul_kegiatan": "Pencatatan Administrasi Kependudukan", "tahun": "2025",
                    "jenis_statistik": "STATISTIK_SEKTORAL",
                    "cara_pengumpulan_data": "KOMPILASI_PRODUK_ADMINISTRASI",
                    "instansi_penyelenggara": "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar",
                    "frekuensi": "semesteran"}],
        "ms_ind": [{"nama": "Jumlah penduduk", "konsep": "Penduduk",
                    "definisi": "Jumlah orang yang berdomisili di Kota Blitar.",
                    "ukuran": "Jumlah", "satuan": "Jiwa", "level_estimasi": "Kelurahan"}],
    },
    "jumlah-kepala-keluarga-menurut-kecamatan-2025": {
        "standar_data": "kepala-keluarga-kecamatan", "konsep": "Kepala keluarga",
        "definisi": "Orang yang tercatat sebagai kepala keluarga pada kartu keluarga.",
        "satuan": "KK", "klasifikasi": "Kecamatan",
        "sumber_data": "Database kependudukan (SIAK) Dispendukcapil Kota Blitar",
    },
    "jumlah-fasilitas-kesehatan-menurut-kecamatan-2025": {
        "standar_data": "fasilitas-kesehatan-kecamatan", "konsep": "Fasilitas pelayanan kesehatan",
        "definisi": "Tempat penyelenggaraan upaya pelayanan kesehatan (rumah sakit, puskesmas, "
                    "puskesmas pembantu, posyandu, apotek) yang beroperasi di Kota Blitar.",
        "satuan": "Unit", "klasifikasi": "Kecamatan; jenis fasilitas",
        "sumber_data": "Profil Kesehatan Dinas Kesehatan Kota Blitar",
    },
    "cakupan-imunisasi-dasar-lengkap-menurut-kecamatan-2025": {
        "standar_data": "imunisasi-dasar-kecamatan", "konsep": "Imunisasi dasar lengkap",
        "definisi": "Bayi usia 0–11 bulan yang telah mendapat imunisasi HB0, BCG, DPT-HB-Hib, "
                    "polio, IPV dan campak-rubela sesuai jadwal.",
        "satuan": "Bayi; persen", "ukuran": "Jumlah; persentase", "klasifikasi": "Kecamatan",
        "sumber_data": "Laporan imunisasi puskesmas, Dinas Kesehatan Kota Blitar",
    },
    "jumlah-sekolah-murid-dan-guru-menurut-jenjang-2025": {
        "standar_data": "sekolah-jenjang-kecamatan", "konsep": "Satuan pendidikan",
        "definisi": "Sekolah formal (SD, SMP, SMA/SMK), murid terdaftar dan guru aktif.",
        "satuan": "Sekolah; orang", "klasifikasi": "Kecamatan; jenjang pendidikan",
        "sumber_data": "Data Pokok Pendidikan (Dapodik)",
    },
    "angka-partisipasi-sekolah-2025": {
        "standar_data": "angka-partisipasi-sekolah", "konsep": "Angka partisipasi sekolah",
        "definisi": "Persentase penduduk kelompok umur tertentu yang sedang bersekolah.",
        "satuan": "Persen", "ukuran": "Rasio", "klasifikasi": "Kelompok umur",
        "sumber_data": "Dinas Pendidikan Kota Blitar", "cara_pengumpulan_data": "SURVEI",
    },
    "titik-akses-internet-publik-menurut-kelurahan-2025": {
        "standar_data": "titik-wifi-publik-kelurahan", "konsep": "Akses internet publik",
        "definisi": "Titik akses wifi gratis yang dikelola Pemerintah Kota Blitar.",
        "satuan": "Titik", "klasifikasi": "Kelurahan",
        "sumber_data": "Inventaris jaringan Diskominfotik Kota Blitar",
    },
    "titik-wifi-publik-menurut-kelurahan-2024": {
        "standar_data": "titik-wifi-publik-kelurahan", "konsep": "Akses internet publik",
        "definisi": "Titik akses wifi gratis yang dikelola Pemerintah Kota Blitar.",
        "satuan": "Titik", "klasifikasi": "Kelurahan", "periode_referensi_mulai": "2024",
        "sumber_data": "Inventaris jaringan Diskominfotik Kota Blitar",
    },
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
        "file": "titik_wifi_publik_kelurahan_2024.csv", "target": "withdrawn",
    },
]

# the 2025 datasets realise the items DD-001 … of the agreed Daftar Data 2025 (demo/records.py)
DAFTAR_DATA_2025 = [d for d in DATASETS if d["name"].endswith("-2025")]

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
        data["private"] = True
        data.update(COMMON_META)
        data.update(SDI_META[d["name"]])
        if d in DAFTAR_DATA_2025:
            data["daftar_data_item"] = f"DD-{DAFTAR_DATA_2025.index(d) + 1:03d}"
        org = next(o for o in ORGANIZATIONS if o["name"] == d["owner_org"])
        data.setdefault("maintainer", f"Pengelola Data {org['title']}")
        data.setdefault("maintainer_email", f"data.{d['owner_org']}@demo.satudata.blitarkota.go.id")
        pkg = producer.call_action("package_create", data)
        for group in d["groups"]:  # sectors are curated by the portal, not by the OPD
            site.call_action("member_create", {"id": group, "object": pkg["id"],
                                               "object_type": "package", "capacity": "public"})
        path = os.path.join(DATA, d["file"])
        with open(path, "rb") as f:
            producer.call_action("resource_create", {
                "package_id": pkg["id"], "name": d["file"].rsplit(".", 1)[0].replace("_", " "),
                "format": "CSV", "url": "",
            }, files={"upload": (d["file"].replace("_salah", ""), f)})
        log.info("dataset %s created", d["name"])
        _walk(d, pkg)

    from records import load_records  # demo/records.py: Daftar Data, statements

    load_records(DAFTAR_DATA_2025, ORGANIZATIONS)

    for r in REVISIONS:  # living data (docs/revisions.md)
        _revise(r)


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
        "reason_category": "data_tidak_valid",
        "reason": "APS kelompok umur 16-18 (86,4) tidak sama dengan hasil Dapodik; periksa "
                  "kembali angkanya lalu ajukan ulang.",
    })],
    "withdrawn": [_SUBMIT, _VERIFY, _VALIDATE, _PUBLISH, ("withdraw", "walidata", {
        "reason": "Digantikan oleh data edisi 2025.",
    })],
}


def _record_letter(d: dict[str, Any], pkg: dict[str, Any], number: str) -> None:
    """The Kepala OPD records the validation letter covering the dataset (SOP step 8)."""
    import datetime as dt
    import io

    from ckanapi import LocalCKAN
    from pdf import one_page_pdf

    org = next(o for o in ORGANIZATIONS if o["name"] == d["owner_org"])
    signatory = f"Kepala {org['title']} (demo)"
    pdf = one_page_pdf([
        "PEMERINTAH KOTA BLITAR", org["title"].upper(), "",
        f"Nomor  : {number}", "Perihal: Validasi data sektoral", "",
        "Dengan ini kami menyatakan bahwa data berikut telah sesuai dan disetujui",
        "untuk dipublikasikan pada Portal Satu Data Kota Blitar:", "",
        f"- {d['title']}", "", signatory, "NIP 197001011995031001",
        "(surat contoh untuk demo, bukan dokumen resmi)",
    ])
    LocalCKAN(username=f"{d['owner_org']}-kepala").call_action(
        "satudata_validation_letter_create", {
            "owner_org": d["owner_org"], "number": number,
            "letter_date": dt.date.today().isoformat(),
            "subject": "Validasi data sektoral untuk dipublikasikan",
            "signatory_name": signatory, "signatory_nip": "197001011995031001",
            "signatory_position": f"Kepala {org['title']}",
            "datasets": [pkg["id"]],
        }, files={"upload": ("surat-validasi.pdf", io.BytesIO(pdf))})


def _walk(d: dict[str, Any], pkg: dict[str, Any]) -> None:
    """Take a new demo dataset through the SOP lifecycle to its target state."""
    from ckanapi import LocalCKAN

    letter = f"000.5/{DATASETS.index(d) + 101}/410.{d['owner_org']}/2025"
    for transition, actor, extra in PATHS[d["target"]]:
        user = actor.format(org=d["owner_org"])
        params = {k: v.format(letter=letter) for k, v in extra.items()}
        if transition == "validate":
            _record_letter(d, pkg, letter)
        LocalCKAN(username=user).call_action(
            f"satudata_dataset_{transition}", {"id": pkg["id"], **params})
        log.info("  %s: %s by %s", d["name"], transition, user)


# Updates of published datasets through revisions (docs/revisions.md): one published twice
# (two versions), one whose corrected file waits for the Walidata (a pending revision)
REVISIONS: list[dict[str, Any]] = [
    {"dataset": "jumlah-fasilitas-kesehatan-menurut-kecamatan-2025", "target": "published",
     "file": "fasilitas_kesehatan_kecamatan_2025_revisi.csv", "letter": "000.5/201/410.dinkes/2025",
     "notes": "Rumah sakit, puskesmas, puskesmas pembantu, posyandu dan apotek per kecamatan "
              "di Kota Blitar; pembaruan: dua posyandu baru di Sukorejo (angka ilustratif)."},
    {"dataset": "jumlah-penduduk-menurut-kelurahan-dan-jenis-kelamin-2025",
     "target": "submitted", "file": "penduduk_kelurahan_2025_revisi.csv",
     "notes": "Jumlah penduduk Kota Blitar per kelurahan menurut jenis kelamin, semester II "
              "2025, dengan koreksi tiga kelurahan (angka ilustratif)."},
]


def _revise(r: dict[str, Any]) -> None:
    """The OPD updates a published dataset through a revision: a corrected file and notes,
    walked to the revision's target state (idempotent: skipped once the dataset has one)."""
    from ckanapi import LocalCKAN

    d = next(x for x in DATASETS if x["name"] == r["dataset"])
    producer = LocalCKAN(username=f"{d['owner_org']}-produsen")
    if producer.call_action("satudata_revision_list", {"id": d["name"]}):
        return
    rev = producer.call_action("satudata_revision_start", {"id": d["name"]})
    shadow = producer.call_action("package_show", {"id": rev["shadow_id"]})
    producer.call_action("package_patch", {"id": shadow["id"], "notes": r["notes"]})
    with open(os.path.join(DATA, r["file"]), "rb") as f:
        producer.call_action("resource_patch", {"id": shadow["resources"][0]["id"], "url": ""},
                             files={"upload": (r["file"].replace("_revisi", ""), f)})
    for transition, actor, extra in PATHS[r["target"]]:
        params = {k: v.format(letter=r.get("letter", "")) for k, v in extra.items()}
        if transition == "validate":
            _record_letter(d, shadow, r["letter"])
        LocalCKAN(username=actor.format(org=d["owner_org"])).call_action(
            f"satudata_dataset_{transition}", {"id": shadow["id"], **params})
    log.info("dataset %s: revision %s %s", d["name"], rev["number"], r["target"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="CKAN ini file (demo.ini)")
    args = parser.parse_args(argv)
    app = _load_app(args.config)  # configures logging from the ini file
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[demo] %(message)s"))
    for name in ("satudata.demo", "records"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
        logging.getLogger(name).propagate = False
    with app._wsgi_app.test_request_context():
        load()
    print()
    print("Demo datasets and their SOP state:")
    with app._wsgi_app.test_request_context():
        from ckanapi import LocalCKAN

        site = LocalCKAN()
        for d in DATASETS:
            state = site.call_action("satudata_dataset_status_show", {"id": d["name"]})["state"]
            how = f" ({d['target']})" if d["target"] != state else ""
            print(f"  {state + how:<22} {d['owner_org']:<15} {d['name']}")
    print()
    print("Demo users (password for all: %s)" % DEMO_PASSWORD)
    for u in USERS:
        print(f"  {u['name']:<26} {u['role']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
