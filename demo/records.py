"""Demo SOP records: agreed Daftar Data 2025 and 2026, statements, an overdue statement.

Called by ``demo/load.py`` after the datasets exist (idempotent: nothing happens when a
Daftar Data already exists). Validation letters are recorded by ``load.py`` itself while it
walks datasets through ``validate``.
"""
from __future__ import annotations

import io
import logging
from typing import Any, Optional

from pdf import one_page_pdf

log = logging.getLogger(__name__)

NIP = "197001011995031001"


def _items(datasets: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
    items = []
    for number, d in enumerate(datasets, start=1):
        name = d["title"].rsplit(",", 1)[0]
        items.append({"code": f"DD-{number:03d}", "name": name, "owner_org": d["owner_org"],
                      "frequency": d.get("frequency") or "tahunan", "data_type": "statistik",
                      "unit": "", "priority": number % 2 == 1,
                      "notes": f"Data tahun {year - 1}"})
    return items


def load_records(datasets: list[dict[str, Any]], organizations: list[dict[str, Any]],
                 skip_statement_of: Optional[str] = "diskominfotik") -> None:
    """Agreed Daftar Data 2025 (revision 1) and 2026 (carried over), statements of every OPD,
    except ``skip_statement_of`` for 2026, which stays overdue in the deadline lists."""
    from ckanapi import LocalCKAN

    site = LocalCKAN()
    if site.call_action("satudata_daftar_data_list", {}):
        return
    dd = site.call_action("satudata_daftar_data_create", {
        "year": 2025, "title": "Daftar Data Kota Blitar 2025", "items": _items(datasets, 2025)})
    dd = site.call_action("satudata_daftar_data_agree", {
        "id": dd["id"], "agreed_date": "2025-01-21", "minute_number": "000.5/01/FSD/2025"})
    nxt = site.call_action("satudata_daftar_data_carry_over", {"id": dd["id"], "year": 2026})
    nxt = site.call_action("satudata_daftar_data_agree", {
        "id": nxt["id"], "agreed_date": "2026-01-22", "minute_number": "000.5/02/FSD/2026"})
    log.info("Daftar Data 2025 and 2026 agreed")
    for year, revision, day in ((2025, dd, "2025-01-27"), (2026, nxt, "2026-01-28")):
        for number, org in enumerate(organizations, start=1):
            own = [i for i in revision["items"] if i["owner_org_name"] == org["name"]]
            if not own or (year == 2026 and org["name"] == skip_statement_of):
                continue
            answers = [{"code": i["code"], "available": n < len(own) - 1 or len(own) == 1,
                        "reason": "Belum ada kegiatan pengumpulan data tahun ini."}
                       for n, i in enumerate(own)]
            pdf = one_page_pdf(["PEMERINTAH KOTA BLITAR", org["title"].upper(), "",
                        "SURAT PERNYATAAN DAFTAR DATA YANG AKAN DIKUMPULKAN",
                        f"Tahun {year}", "", *[f"- {i['code']} {i['name']}" for i in own],
                        "", f"Kepala {org['title']} (demo)", f"NIP {NIP}",
                        "(surat contoh untuk demo, bukan dokumen resmi)"])
            LocalCKAN(username=f"{org['name']}-kepala").call_action(
                "satudata_statement_create", {
                    "daftar_data_id": revision["id"], "owner_org": org["name"],
                    "number": f"000.5/{number}/410.{org['name']}/{year}", "letter_date": day,
                    "signatory_name": f"Kepala {org['title']} (demo)", "signatory_nip": NIP,
                    "signatory_position": f"Kepala {org['title']}", "items": answers,
                }, files={"upload": ("surat-pernyataan.pdf", io.BytesIO(pdf))})
        log.info("statements %s recorded", year)
