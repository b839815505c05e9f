"""The fixture year 2025 of the report tests, built through the real actions.

Every transition runs through its ``satudata_dataset_*`` action at a frozen time (10:00 WIB
= 03:00 UTC unless said otherwise), so the audit rows carry known timestamps; holidays and
*cuti bersama* of 2025 (Idul Fitri, Waisak, Ascension, Idul Adha, Independence Day, Christmas)
fall inside the steps. The expected document is computed by hand in ``test_fixture_year``.

The real gates decide every step: datasets are submitted with complete SDI metadata and data
files that pass their check (uploaded at a frozen time, so each check finishes on a known
day), and validated with a real letter (signed PDF). What the gate would refuse today is
legacy data written afterwards (:func:`set_extra`): d6's concept and area code.

OPDs: A = Dinas Kesehatan (items K1–K3), B = Dinas Pendidikan (P1, P2), C = Dinas Sosial (none).

=====  ===  ====  ==================================================================
 name  OPD  item  history (WIB dates)
=====  ===  ====  ==================================================================
 d1    A    K1    CSV checked 03-20 (passed), submit 03-26, verify 04-09 (Idul Fitri),
                  validate 04-14, publish 04-15
 d2    A    K2    XLSX checked 05-02 (passed), submit 05-05, return 05-07, submit 05-19,
                  verify 05-21, validate 06-04 (Ascension), publish 06-10 (Idul Adha)
 d3    A    K3    CSV checked 2024-12-02 (passed), submit 07-01, verify 07-03,
                  validate 07-04, publish 07-07, withdraw 09-01, revised CSV checked 09-05
                  (failed)
 d4    B    P1    CSV checked 2024-12-15 (passed), submit 12-22, verify 12-23,
                  validate 2026-01-05 (after the year)
 d5    B    P2    draft
 d6    B    –     PDF link, submit 2024-12-20, verify 2025-01-06, validate 01-08,
                  publish 01-10 (09 Jan 20:00 UTC = 10 Jan 03:00 WIB); then its concept is
                  emptied and its area code set to 35.99 (legacy data)
 d7    C    –     submit 08-04, verify 08-06, return 08-08 (from verified),
                  submit 08-15, verify 08-20 (cuti 08-18), validate 08-22
=====  ===  ====  ==================================================================
"""
from __future__ import annotations

import datetime as dt
import io
from typing import Any

from freezegun import freeze_time
from openpyxl import Workbook

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle

from sop_support import NIP, PASSING_CSV, make_pdf, upload


def at(day: str, hour: int = 3, minute: int = 0) -> Any:
    """Freeze time at ``day`` ``hour``:``minute`` UTC (03:00 UTC = 10:00 WIB)."""
    return freeze_time(dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute))


def act(name: str, day: str, hour: int = 3, **data: Any) -> Any:
    with at(day, hour):
        return helpers.call_action(name, **data)


def step(pkg: dict[str, Any], transition: str, day: str, hour: int = 3, **data: Any) -> None:
    act(f"satudata_dataset_{transition}", day, hour, id=pkg["id"], **data)


_letters = [0]


def letter(org: dict[str, Any], pkgs: list[dict[str, Any]], day: str) -> dict[str, Any]:
    _letters[0] += 1
    return act("satudata_validation_letter_create", day,
               owner_org=org["id"], number=f"000.5/{_letters[0]}/410.111/{day[:4]}",
               letter_date=day, subject="Validasi data sektoral",
               signatory_name="Dr. Sri Wahyuni", signatory_nip=NIP,
               signatory_position="Kepala Dinas", signatory_acting="",
               datasets=[p["id"] for p in pkgs], upload=upload(make_pdf()))


def validate(org: dict[str, Any], pkg: dict[str, Any], day: str) -> dict[str, Any]:
    made = letter(org, [pkg], day)
    step(pkg, "validate", day, letter_ref=made["id"])
    return made


FULL_META = {
    "notes": "Data sektoral Kota Blitar.", "maintainer": "Budi Santoso, Kepala Seksi Data",
    "maintainer_email": "data@blitarkota.go.id", "konsep": "Konsep", "definisi": "Definisi",
    "satuan": "Orang", "periode_referensi_mulai": "2025", "cakupan_wilayah": ["35.72"],
}


def dataset(org: dict[str, Any], name: str, title: str, **meta: Any) -> dict[str, Any]:
    with at("2024-12-02"):
        return factories.Dataset(owner_org=org["id"], name=name, title=title, **meta)


#: data files of the fixture year (Kota Blitar, 2025): d1 follows the standard
#: ``penduduk-kelurahan-jenis-kelamin``, d2 ``fasilitas-kesehatan-kecamatan``; d3 and d4 have
#: no standard (area codes and years are still checked)
IMUNISASI_CSV = (b"kode_wilayah,kecamatan,sasaran_bayi,bayi_imunisasi_lengkap,persentase,tahun\n"
                 b"35.72.01,Kepanjenkidul,610,595,97.5,2025\n"
                 b"35.72.02,Sukorejo,780,761,97.6,2025\n")
SEKOLAH_CSV = (b"kode_wilayah,kecamatan,jenjang,jumlah_sekolah,jumlah_murid,tahun\n"
               b"35.72.01,Kepanjenkidul,SD,19,3435,2025\n"
               b"35.72.02,Sukorejo,SD,21,3811,2025\n")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def faskes_xlsx() -> bytes:
    """The health facilities of 2025 per kecamatan as an XLSX workbook."""
    book = Workbook()
    sheet = book.active
    for row in (("kode_wilayah", "kecamatan", "rumah_sakit", "puskesmas", "puskesmas_pembantu",
                 "posyandu", "apotek", "tahun"),
                ("35.72.01", "Kepanjenkidul", 3, 1, 4, 58, 21, 2025),
                ("35.72.02", "Sukorejo", 2, 1, 3, 72, 26, 2025),
                ("35.72.03", "Sananwetan", 2, 1, 3, 66, 19, 2025)):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _site_user() -> str:
    return helpers.call_action("get_site_user")["name"]


def attach(pkg: dict[str, Any], filename: str, data: bytes, day: str, fmt: str = "CSV",
           content_type: str = "text/csv") -> dict[str, Any]:
    """Upload a data file to the dataset on ``day``: its data check runs and finishes then."""
    with at(day):
        return helpers.call_action(
            "resource_create", context={"user": _site_user()}, package_id=pkg["id"],
            url=filename, name=filename, format=fmt,
            upload=upload(data, filename, content_type))


def replace_file(resource: dict[str, Any], data: bytes, day: str) -> dict[str, Any]:
    """Upload a new version of a resource's file on ``day`` (checked again then)."""
    with at(day):
        return helpers.call_action(
            "resource_patch", context={"user": _site_user()}, id=resource["id"],
            upload=upload(data, resource["name"], "text/csv"))


def set_extra(pkg: dict[str, Any], key: str, value: str) -> None:
    """Write an extra directly (legacy data the form would refuse today)."""
    extra = model.Session.query(model.PackageExtra).filter_by(
        package_id=pkg["id"], key=key).first()
    if extra is None:
        extra = model.PackageExtra(package_id=pkg["id"], key=key, value=value)
    extra.value = value
    model.Session.add(extra)
    model.Session.commit()


def build_year() -> dict[str, Any]:
    """Users in every role, three OPDs, the Daftar Data 2025, statements and datasets."""
    _letters[0] = 0  # letter numbers 000.5/1… in every module that builds the year
    users = {r: factories.User(name=f"rep_{r}") for r in (
        "walidata", "pembina", "sekretariat", "opd_admin", "opd_editor", "other_opd", "plain")}
    users["sysadmin"] = factories.Sysadmin(name="rep_sysadmin")
    for role in lifecycle.PORTAL_ROLES:
        helpers.call_action("satudata_role_assign", user=users[role]["name"], role=role)
    a = factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan", users=[
        {"name": users["opd_admin"]["name"], "capacity": "admin"},
        {"name": users["opd_editor"]["name"], "capacity": "editor"}])
    b = factories.Organization(name="dinas-pendidikan", title="Dinas Pendidikan", users=[
        {"name": users["other_opd"]["name"], "capacity": "admin"}])
    c = factories.Organization(name="dinas-sosial", title="Dinas Sosial")

    def item(code: str, org: dict[str, Any]) -> dict[str, Any]:
        return {"code": code, "name": f"Data {code}", "owner_org": org["name"],
                "frequency": "tahunan", "data_type": "statistik", "data_standard": "",
                "unit": "orang", "priority": "ya", "notes": ""}

    dd = act("satudata_daftar_data_create", "2025-01-10", year=2025, items=[
        item("K1", a), item("K2", a), item("K3", a), item("P1", b), item("P2", b)])
    act("satudata_daftar_data_agree", "2025-01-20", id=dd["id"], agreed_date="2025-01-20",
        minute_number="BA/01/Forum-SD/2025")

    def statement(org: dict[str, Any], codes: list[str], day: str, number: str) -> None:
        act("satudata_statement_create", day, owner_org=org["id"], year=2025, number=number,
            letter_date=day, signatory_name="Kepala", signatory_nip=NIP,
            signatory_position="Kepala Dinas", signatory_acting="",
            items=[{"code": code, "available": "ya"} for code in codes],
            upload=upload(make_pdf()))

    # due 5 working days after 20 Jan: 27 Jan (Isra Mikraj), 28 (cuti Imlek), 29 (Imlek)
    # do not count, so the last day is Thursday 30 Jan
    statement(a, ["K1", "K2", "K3"], "2025-01-30", "400/1/410.102/2025")
    statement(b, ["P1", "P2"], "2025-01-31", "400/2/410.103/2025")

    d1 = dataset(a, "d1-penduduk", "Jumlah Penduduk 2025", daftar_data_item="K1",
                 frequency="tahunan", standar_data="penduduk-kelurahan-jenis-kelamin",
                 **FULL_META)
    d2 = dataset(a, "d2-faskes", "Fasilitas Kesehatan 2025", daftar_data_item="K2",
                 frequency="insidental", standar_data="fasilitas-kesehatan-kecamatan",
                 **dict(FULL_META, cakupan_wilayah=["35.72.01"]))
    d3 = dataset(a, "d3-imunisasi", "Imunisasi 2025", daftar_data_item="K3",
                 frequency="tahunan", **FULL_META)
    d4 = dataset(b, "d4-sekolah", "Sekolah 2025", daftar_data_item="P1",
                 frequency="tahunan", **FULL_META)
    d5 = dataset(b, "d5-aps", "Angka Partisipasi Sekolah 2025", daftar_data_item="P2")
    d6 = dataset(b, "d6-guru", "Guru Honorer 2024", frequency="bulanan",
                 **dict(FULL_META, periode_referensi_mulai="2024"))
    d7 = dataset(c, "d7-bansos", "Penerima Bansos 2025", frequency="tahunan", **FULL_META)
    with at("2024-12-02"):
        factories.Resource(package_id=d6["id"], url="http://example.com/d6-guru.pdf",
                           format="PDF", name="d6-guru.pdf")

    attach(d1, "d1-penduduk.csv", PASSING_CSV, "2025-03-20")
    attach(d2, "d2-faskes.xlsx", faskes_xlsx(), "2025-05-02", fmt="XLSX", content_type=XLSX)
    d3_file = attach(d3, "d3-imunisasi.csv", IMUNISASI_CSV, "2024-12-02")  # before the year
    attach(d4, "d4-sekolah.csv", SEKOLAH_CSV, "2024-12-15")  # before the year: not counted

    step(d6, "submit", "2024-12-20")
    step(d6, "verify", "2025-01-06")
    validate(b, d6, "2025-01-08")
    step(d6, "publish", "2025-01-09", hour=20)  # 10 Jan 03:00 WIB
    set_extra(d6, "konsep", "")
    set_extra(d6, "cakupan_wilayah", '["35.99"]')

    step(d1, "submit", "2025-03-26")
    step(d1, "verify", "2025-04-09")
    validate(a, d1, "2025-04-14")
    step(d1, "publish", "2025-04-15")

    step(d2, "submit", "2025-05-05")
    step(d2, "return", "2025-05-07", reason="Definisi belum diisi lengkap.",
         reason_category="metadata_tidak_lengkap")
    step(d2, "submit", "2025-05-19")
    step(d2, "verify", "2025-05-21")
    validate(a, d2, "2025-06-04")
    step(d2, "publish", "2025-06-10")

    step(d3, "submit", "2025-07-01")
    step(d3, "verify", "2025-07-03")
    validate(a, d3, "2025-07-04")
    step(d3, "publish", "2025-07-07")
    step(d3, "withdraw", "2025-09-01", reason="Angka direvisi.")
    # the revised file has the rows of 2024: outside the reference period, its check fails
    replace_file(d3_file, IMUNISASI_CSV.replace(b",2025\n", b",2024\n"), "2025-09-05")

    step(d7, "submit", "2025-08-04")
    step(d7, "verify", "2025-08-06")
    step(d7, "return", "2025-08-08", reason="Kolom tidak sesuai standar.",
         reason_category="standar_data_tidak_sesuai")
    step(d7, "submit", "2025-08-15")
    step(d7, "verify", "2025-08-20")
    validate(c, d7, "2025-08-22")

    step(d4, "submit", "2025-12-22")
    step(d4, "verify", "2025-12-23")
    validate(b, d4, "2026-01-05")

    act("satudata_report_note_create", "2026-01-12", year=2025, section="realisasi",
        text="Realisasi Dinas Pendidikan perlu pendampingan.")
    act("satudata_report_delivery_create", "2026-01-15", year=2025,
        delivered_date="2026-01-15", letter_number="000.5/12/410.111/2026",
        recipient="Wali Kota Blitar", copies=2)
    return {"users": users, "orgs": {"a": a, "b": b, "c": c},
            "datasets": {"d1": d1, "d2": d2, "d3": d3, "d4": d4, "d5": d5, "d6": d6, "d7": d7}}
