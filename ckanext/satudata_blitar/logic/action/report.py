"""Actions of the annual report (SOP steps 10–11): the document, its public summary, stored
files, evaluation notes and the delivery record. The document is built by ``report/compute.py``;
who may read and change what is decided by ``permissions.py`` through ``logic/auth/report.py``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict
from ckanext.satudata_blitar import workdays
from ckanext.satudata_blitar.logic.common import context_user as _user
from ckanext.satudata_blitar.report import compute, files, render
from ckanext.satudata_blitar.model.report import ReportDelivery, ReportFile, ReportNote


# -- helpers ---------------------------------------------------------------------------------


def _year(data_dict: DataDict, errors: dict[str, list[str]]) -> int:
    value = data_dict.get("year")
    if value in (None, ""):
        return workdays.today().year
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        errors.setdefault("year", []).append(tk._("Write the year as four digits, e.g. 2026."))
        return 0
    if not 2000 <= year <= 2100:
        errors.setdefault("year", []).append(tk._(
            "The year {year} is outside the range the portal accepts.").format(year=year))
    return year


def _organization(data_dict: DataDict, errors: dict[str, list[str]]) -> Optional[str]:
    value = (data_dict.get("organization") or "").strip()
    if not value:
        return None
    group = model.Group.get(value)
    if group is None or not group.is_organization or group.state != "active":
        errors.setdefault("organization", []).append(tk._("Organization not found"))
        return None
    return group.id


def _check(errors: dict[str, list[str]]) -> None:
    if errors:
        raise tk.ValidationError(errors)


def _text(data_dict: DataDict, key: str, errors: dict[str, list[str]],
          required: bool = True) -> str:
    value = str(data_dict.get(key) or "").strip()
    if required and not value:
        errors.setdefault(key, []).append(tk._("Missing value"))
    return value


# -- actions ---------------------------------------------------------------------------------
@tk.side_effect_free
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
    errors: dict[str, list[str]] = {}
    year = _year(data_dict, errors)
    org = _organization(data_dict, errors)
    _check(errors)
    return compute.build(year, organization=org)


@tk.side_effect_free
def satudata_report_public(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The public summary of the annual report, built from published datasets only.

    :param year: report year (default: the current year in WIB)
    :type year: int
    :param organization: id or name of one OPD (optional)
    :type organization: string
    :returns: the public document (``scope`` = ``public``)
    :rtype: dict
    """
    tk.check_access("satudata_report_public", context, data_dict)
    errors: dict[str, list[str]] = {}
    year = _year(data_dict, errors)
    org = _organization(data_dict, errors)
    _check(errors)
    return compute.build(year, organization=org, public=True)


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
    errors: dict[str, list[str]] = {}
    year = _year(data_dict, errors)
    text = _text(data_dict, "text", errors)
    section = _text(data_dict, "section", errors, required=False) or "umum"
    _check(errors)
    user = _user(context)
    note = ReportNote(year=year, text=text, section=section,
                      created_by=user.name if user else None)
    model.Session.add(note)
    if not context.get("defer_commit"):
        model.Session.commit()
    return note.as_dict()


def satudata_report_note_delete(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Delete an evaluation note.

    :param id: id of the note
    :type id: string
    """
    tk.check_access("satudata_report_note_delete", context, data_dict)
    note = model.Session.get(ReportNote, data_dict.get("id") or "")
    if note is None:
        raise tk.ObjectNotFound(tk._("Note not found"))
    model.Session.delete(note)
    if not context.get("defer_commit"):
        model.Session.commit()
    return {"id": data_dict.get("id"), "deleted": True}


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
    errors: dict[str, list[str]] = {}
    year = _year(data_dict, errors)
    number = _text(data_dict, "letter_number", errors)
    recipient = _text(data_dict, "recipient", errors)
    delivered: Optional[dt.date] = None
    try:
        delivered = dt.date.fromisoformat(str(data_dict.get("delivered_date") or "").strip())
    except ValueError:
        errors.setdefault("delivered_date", []).append(
            tk._("Write the date as YYYY-MM-DD, e.g. 2026-01-15."))
    try:
        copies = int(data_dict.get("copies") or 1)
        if copies < 1:
            raise ValueError
    except (TypeError, ValueError):
        copies = 1
        errors.setdefault("copies", []).append(tk._("The number of copies must be at least 1."))
    if delivered is not None and year and delivered.year < year:
        errors.setdefault("delivered_date", []).append(
            tk._("A report cannot be delivered before its year begins."))
    _check(errors)
    user = _user(context)
    row = ReportDelivery(year=year, delivered_date=delivered, letter_number=number,
                         recipient=recipient, copies=copies,
                         notes=_text(data_dict, "notes", errors, required=False) or None,
                         created_by=user.name if user else None)
    model.Session.add(row)
    if not context.get("defer_commit"):
        model.Session.commit()
    return row.as_dict()


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
    errors: dict[str, list[str]] = {}
    year = _year(data_dict, errors)
    org = _organization(data_dict, errors)
    fmt = str(data_dict.get("format") or "pdf").strip().lower()
    if fmt not in render.FORMATS:
        errors.setdefault("format", []).append(tk._("Choose one of: {formats}.").format(
            formats=", ".join(render.FORMATS)))
    _check(errors)
    user = _user(context)
    # generating in the request is for the CLI, tests and sysadmins; the web uses the job
    run_now = tk.asbool(data_dict.get("run_now")) and bool(
        context.get("ignore_auth") or (user is not None and user.sysadmin))
    row = files.request(year, fmt, org, user.name if user else None, run_now=run_now)
    return files.file_dict(row)


@tk.side_effect_free
def satudata_report_file_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Generated report files, newest first.

    :param year: only this year (optional)
    :type year: int
    """
    tk.check_access("satudata_report_file_list", context, data_dict)
    query = model.Session.query(ReportFile)
    if data_dict.get("year"):
        errors: dict[str, list[str]] = {}
        year = _year(data_dict, errors)
        _check(errors)
        query = query.filter(ReportFile.year == year)
    rows = query.order_by(ReportFile.requested_at.desc()).limit(200).all()
    return [files.file_dict(r) for r in rows]


@tk.side_effect_free
def satudata_report_file_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One generated file: status, progress, generation time, SHA-256 of the JSON.

    :param id: id of the file record
    :type id: string
    """
    tk.check_access("satudata_report_file_show", context, data_dict)
    row = model.Session.get(ReportFile, data_dict.get("id") or "")
    if row is None:
        raise tk.ObjectNotFound(tk._("Report file not found"))
    return files.file_dict(row)
