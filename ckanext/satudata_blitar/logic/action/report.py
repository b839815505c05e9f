"""Actions of the annual report (SOP steps 10–11): the document, its public summary, stored
files, evaluation notes and the delivery record. The document is built by ``report/compute.py``;
who may read and change what is decided by ``permissions.py`` through ``logic/auth/report.py``.
Every action's input is checked by its schema (``logic/schema.py``) before auth.
"""
from __future__ import annotations

from typing import Any, Optional
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict
from ckanext.satudata_blitar.logic import schema
from ckanext.satudata_blitar.logic.common import context_user as _user
from ckanext.satudata_blitar.report import cache, compute, files
from ckanext.satudata_blitar.model.report import ReportDelivery, ReportFile, ReportNote


# -- helpers ---------------------------------------------------------------------------------


def _organization(data_dict: DataDict) -> Optional[str]:
    """The id of the OPD named by ``organization`` (``None`` for all OPDs)."""
    value = data_dict.get("organization")
    if not value:
        return None
    group = model.Group.get(value)
    if group is None or not group.is_organization or group.state != "active":
        raise tk.ValidationError({"organization": [tk._("Organization not found")]})
    return group.id


# -- actions ---------------------------------------------------------------------------------
@tk.side_effect_free
@schema.validate(schema.report_annual)
def satudata_report_annual(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The annual report (*Laporan Penyelenggaraan Statistik Sektoral*) as one JSON document.

    Structure and version: ``docs/report.md``. Sekretariat SDI, Walidata, Pembina Data and
    sysadmins only; everyone else uses ``satudata_report_public``.

    :param year: report year (default: the current year in WIB)
    :type year: int
    :param organization: id or name of one OPD to restrict the report to (optional)
    :type organization: string
    :returns: the report document
    :rtype: dict
    """
    tk.check_access("satudata_report_annual", context, data_dict)
    return compute.build(data_dict["year"], organization=_organization(data_dict))


@tk.side_effect_free
@schema.validate(schema.report_public)
def satudata_report_public(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The public summary of the annual report, built from published datasets only and
    cached per data version (``report/cache.py``).

    :param year: report year (default: the current year in WIB)
    :type year: int
    :param organization: id or name of one OPD (optional)
    :type organization: string
    :returns: the public document (``scope`` = ``public``)
    :rtype: dict
    """
    tk.check_access("satudata_report_public", context, data_dict)
    return cache.public_document(data_dict["year"], organization=_organization(data_dict))


@schema.validate(schema.report_note_create)
def satudata_report_note_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Record an evaluation note of the Sekretariat SDI for a report year (SOP step 10).

    :param year: report year
    :type year: int
    :param text: the note
    :type text: string
    :param section: topic of the note (default ``umum``)
    :type section: string
    :returns: the note
    :rtype: dict
    """
    tk.check_access("satudata_report_note_create", context, data_dict)
    user = _user(context)
    note = ReportNote(year=data_dict["year"], text=data_dict["text"],
                      section=data_dict["section"] or "umum",
                      created_by=user.name if user else None)
    model.Session.add(note)
    if not context.get("defer_commit"):
        model.Session.commit()
    return note.as_dict()


@schema.validate(schema.report_note_delete)
def satudata_report_note_delete(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Delete an evaluation note.

    :param id: id of the note
    :type id: string
    """
    tk.check_access("satudata_report_note_delete", context, data_dict)
    note = model.Session.get(ReportNote, data_dict["id"])
    if note is None:
        raise tk.ObjectNotFound(tk._("Note not found"))
    model.Session.delete(note)
    if not context.get("defer_commit"):
        model.Session.commit()
    return {"id": data_dict["id"], "deleted": True}


@schema.validate(schema.report_delivery_create)
def satudata_report_delivery_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Record the delivery of a year's report to the regional head (SOP step 11).

    :param year: report year
    :type year: int
    :param delivered_date: date of delivery (YYYY-MM-DD)
    :type delivered_date: string
    :param letter_number: number of the covering letter
    :type letter_number: string
    :param recipient: to whom (e.g. Wali Kota Blitar)
    :type recipient: string
    :param copies: number of report documents delivered (default 1)
    :type copies: int
    :param notes: optional notes
    :type notes: string
    :returns: the delivery record
    :rtype: dict
    """
    tk.check_access("satudata_report_delivery_create", context, data_dict)
    year, delivered = data_dict["year"], data_dict["delivered_date"]
    if delivered.year < year:
        raise tk.ValidationError({"delivered_date": [
            tk._("A report cannot be delivered before its year begins.")]})
    user = _user(context)
    row = ReportDelivery(year=year, delivered_date=delivered,
                         letter_number=data_dict["letter_number"],
                         recipient=data_dict["recipient"], copies=data_dict["copies"],
                         notes=data_dict.get("notes") or None,
                         created_by=user.name if user else None)
    model.Session.add(row)
    if not context.get("defer_commit"):
        model.Session.commit()
    return row.as_dict()


@schema.validate(schema.report_generate)
def satudata_report_generate(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Generate a report file in the background and keep it (job with progress).

    :param year: report year
    :type year: int
    :param format: ``pdf``, ``xlsx``, ``csv`` or ``json``
    :type format: string
    :param organization: id or name of one OPD (optional)
    :type organization: string
    :param run_now: generate within the call instead of a job (sysadmins and the system only)
    :type run_now: bool
    :returns: the file record (``status`` queued/running/done/failed, ``progress``)
    :rtype: dict
    """
    tk.check_access("satudata_report_generate", context, data_dict)
    org = _organization(data_dict)
    user = _user(context)
    # generating in the request is for the CLI, tests and sysadmins; the web uses the job
    run_now = data_dict["run_now"] and bool(
        context.get("ignore_auth") or (user is not None and user.sysadmin))
    row = files.request(data_dict["year"], data_dict["format"], org,
                        user.name if user else None, run_now=run_now)
    return files.file_dict(row)


@tk.side_effect_free
@schema.validate(schema.report_file_list)
def satudata_report_file_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Generated report files, newest first.

    :param year: only this year (optional)
    :type year: int
    """
    tk.check_access("satudata_report_file_list", context, data_dict)
    query = model.Session.query(ReportFile)
    if data_dict.get("year"):
        query = query.filter(ReportFile.year == data_dict["year"])
    rows = query.order_by(ReportFile.requested_at.desc()).limit(200).all()
    return [files.file_dict(r) for r in rows]


@tk.side_effect_free
@schema.validate(schema.report_file_show)
def satudata_report_file_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One generated file: status, progress, generation time, SHA-256 of the JSON.

    :param id: id of the file record
    :type id: string
    """
    tk.check_access("satudata_report_file_show", context, data_dict)
    row = model.Session.get(ReportFile, data_dict["id"])
    if row is None:
        raise tk.ObjectNotFound(tk._("Report file not found"))
    return files.file_dict(row)
