"""Availability statements (*Surat Pernyataan*, SOP step 4): one per OPD and agreed Daftar
Data, answering for every item of the OPD whether it will be collected."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckanext.satudata_blitar import workdays
from ckanext.satudata_blitar.model.records import (
    DaftarData, Statement, StatementItem,
)
from ckanext.satudata_blitar.records.common import parse_bool
from ckanext.satudata_blitar.records.daftar_data import items_of


def statement_verdict(created_at: dt.datetime, agreed_date: Optional[dt.date],
                      ) -> tuple[dt.date, Optional[dt.date], bool]:
    """When a statement was filed (the day the portal received it, WIB), when it was due, and
    whether it was on time: the one verdict used by the statements pages and the report."""
    filed = workdays.local_date(created_at)
    due = workdays.due("statement", agreed_date) if agreed_date else None
    return filed, due, workdays.on_time(filed, due)


def statement_dict(st: Statement) -> dict[str, Any]:
    out = st.as_dict()
    dd = model.Session.get(DaftarData, st.daftar_data_id)
    filed, due, on_time = statement_verdict(st.created_at, dd.agreed_date if dd else None)
    out["filed"] = filed.isoformat()
    out["deadline"] = due.isoformat() if due else None
    out["on_time"] = on_time
    out["items"] = [i.as_dict() for i in model.Session.query(StatementItem)
                    .filter(StatementItem.statement_id == st.id)]
    org = model.Group.get(st.owner_org)
    out["owner_org_name"] = org.name if org else None
    out["owner_org_title"] = org.title if org else None
    out["has_pdf"] = bool(st.pdf_key)
    return out


def statement_items(dd: DaftarData, org_id: str, answers: Any,
                    errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Check the answers for every Daftar Data item of the OPD (all must be answered)."""
    own = {i.id: i for i in items_of(dd) if i.owner_org == org_id}
    by_code = {i.code: i for i in own.values()}
    if not own:
        errors.setdefault("items", []).append(tk._(
            "The Daftar Data has no items for this OPD."))
        return []
    if not isinstance(answers, list):
        answers = []
    out: dict[str, dict[str, Any]] = {}
    for answer in answers:
        answer = answer or {}
        ref = str(answer.get("item_id") or answer.get("code") or "").strip()
        item = own.get(ref) or by_code.get(ref)
        if item is None:
            errors.setdefault("items", []).append(tk._(
                'Item "{ref}" is not an item of this OPD in the Daftar Data.').format(ref=ref))
            continue
        available = parse_bool(answer.get("available"))
        reason = str(answer.get("reason") or "").strip()
        if available is None:
            errors.setdefault("items", []).append(tk._(
                'Item "{code}": say whether the OPD will collect it.').format(code=item.code))
            continue
        if not available and not reason:
            errors.setdefault("items", []).append(tk._(
                'Item "{code}": give the reason why the OPD cannot collect it.').format(
                code=item.code))
            continue
        out[item.id] = {"item_id": item.id, "available": available,
                        "reason": reason or None}
    missing = [i.code for i in own.values() if i.id not in out]
    if missing and "items" not in errors:
        errors.setdefault("items", []).append(tk._(
            "Answer every item of the OPD; missing: {codes}.").format(codes=", ".join(
                sorted(missing))))
    return list(out.values())


def get_statement(id_: str) -> Statement:
    st = model.Session.get(Statement, id_) if id_ else None
    if st is None:
        raise tk.ObjectNotFound(tk._("Statement not found"))
    return st
