"""Actions of the SOP records: Daftar Data, availability statements, validation letters and
deadlines.

Every action's input is checked by its schema (``logic/schema.py``) before auth; then the
action checks auth and changes the database in one transaction: on any error nothing is saved
(a stored PDF is removed again).
"""
from __future__ import annotations

import base64
import datetime as dt
from typing import Any, Callable, Optional
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict
from ckanext.satudata_blitar import deadlines
from ckanext.satudata_blitar import permissions
from ckanext.satudata_blitar.logic import schema
from ckanext.satudata_blitar.logic.validators import satudata_record_year
from ckanext.satudata_blitar.records.common import resolve_org
from ckanext.satudata_blitar.records.daftar_data import copy_items, daftar_data_dict, export_csv, export_xlsx, get_daftar_data, item_errors_to_validation, items_of, latest_agreed, parse_table, replace_items, validate_items
from ckanext.satudata_blitar.records.letters import check_letter_datasets, get_letter, letter_datasets, letter_dict, letter_used, lock_letter, public_letters
from ckanext.satudata_blitar.records.pdf import pdf_from_input, remove_pdf, sha256, store_pdf
from ckanext.satudata_blitar.records.statements import get_statement, statement_dict, statement_items
from ckanext.satudata_blitar.logic.common import context_user as _user
from ckanext.satudata_blitar.notify import events as notify_events
from ckanext.satudata_blitar.model.records import (
    DD_AGREED, DD_DRAFT, LETTER_NUMBER_INDEX, STATEMENT_UNIQUE, DaftarData, LetterDataset,
    Statement, StatementItem, ValidationLetter,
)


# -- helpers ---------------------------------------------------------------------------------


def _commit(context: Context) -> None:
    if not context.get("defer_commit"):
        model.Session.commit()


def _reader(context: Context) -> Callable[[model.Package], bool]:
    """Which datasets the caller may see named in a record (``permissions.dataset_reader``);
    an internal call that skips auth sees them all."""
    if context.get("ignore_auth"):
        return lambda pkg: True
    return permissions.dataset_reader(_user(context))


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        model.Session.rollback()
        raise tk.ValidationError(errors)


def _draft(dd: DaftarData) -> None:
    if dd.status != DD_DRAFT:
        raise tk.ValidationError({"status": [tk._(
            "Daftar Data {year} revision {revision} was agreed and cannot change: make a new "
            "revision.").format(year=dd.year, revision=dd.revision)]})


def _default_year(year: int) -> int:
    """A year the action chose itself, held to the range of the input's years."""
    try:
        return satudata_record_year(year)
    except tk.Invalid as e:
        raise tk.ValidationError({"year": [e.error]}) from e


def _lock_year(*years: int) -> None:
    """Serialise Daftar Data changes of one year across processes (transaction lock).

    Every Daftar Data write takes it before it reads what it checks (re-read the revision
    after it: ``model.Session.refresh``); several years are locked in ascending order, so two
    writers never wait for each other."""
    for year in sorted(set(years)):
        model.Session.execute(sa.text("SELECT pg_advisory_xact_lock(:k1, :k2)"),
                              {"k1": 7206, "k2": year})


def _fresh_draft(dd: DaftarData) -> None:
    """Lock the revision's year, re-read the revision and check it is still a draft."""
    _lock_year(dd.year)
    model.Session.refresh(dd)
    try:
        _draft(dd)
    except tk.ValidationError:
        model.Session.rollback()  # ends the transaction and its lock at once
        raise


# -- Daftar Data -----------------------------------------------------------------------------
@schema.validate(schema.daftar_data_create)
def satudata_daftar_data_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Draft the Daftar Data of a year (Sekretariat SDI; SOP step 3 input).

    :param year: the year the list plans (e.g. 2026)
    :type year: int
    :param title: optional title (default "Daftar Data <year>")
    :type title: string
    :param notes: optional notes
    :type notes: string
    :param items: optional list of items (``code``, ``name``, ``owner_org``, ``frequency``,
        ``data_type``, ``data_standard``, ``unit``, ``priority``, ``notes``)
    :type items: list of dictionaries
    :returns: the draft with its items
    :rtype: dictionary
    """
    tk.check_access("satudata_daftar_data_create", context, data_dict)
    year = data_dict["year"]
    items, bad = validate_items(data_dict.get("items", []))
    if bad:
        raise item_errors_to_validation(bad)
    _lock_year(year)
    if model.Session.query(DaftarData).filter(DaftarData.year == year).first():
        _raise({"year": [tk._(
            "A Daftar Data for {year} already exists: edit its draft or make a new revision "
            "of the agreed list.").format(year=year)]})
    dd = DaftarData(year=year, revision=1, status=DD_DRAFT,
                    title=data_dict.get("title") or f"Daftar Data {year}",
                    notes=data_dict.get("notes") or None,
                    drafted_by=context.get("user"))
    model.Session.add(dd)
    model.Session.flush()
    replace_items(dd, items)
    model.Session.flush()
    out = daftar_data_dict(dd, reader=_reader(context))
    _commit(context)
    return out


@schema.validate(schema.daftar_data_update)
def satudata_daftar_data_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Change a draft Daftar Data (Sekretariat SDI). Agreed lists cannot change.

    :param id: the Daftar Data revision id
    :type id: string
    :param title: new title
    :type title: string
    :param notes: new notes
    :type notes: string
    :param items: when given, replaces every item (see ``satudata_daftar_data_create``)
    :type items: list of dictionaries
    :rtype: dictionary
    """
    tk.check_access("satudata_daftar_data_update", context, data_dict)
    dd = get_daftar_data(data_dict["id"])
    _draft(dd)
    items: Optional[list[dict[str, Any]]] = None
    if "items" in data_dict:
        items, bad = validate_items(data_dict["items"])
        if bad:
            raise item_errors_to_validation(bad)
    _fresh_draft(dd)
    if items is not None:
        replace_items(dd, items)
    if data_dict.get("title"):
        dd.title = data_dict["title"]
    if "notes" in data_dict:
        dd.notes = data_dict["notes"] or None
    model.Session.flush()
    out = daftar_data_dict(dd, reader=_reader(context))
    _commit(context)
    return out


@schema.validate(schema.daftar_data_agree)
def satudata_daftar_data_agree(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Record the Forum Satu Data's agreement (SOP step 3): the revision becomes immutable.

    :param id: the draft revision id
    :type id: string
    :param agreed_date: date of the Forum's agreement (YYYY-MM-DD, not in the future)
    :type agreed_date: string
    :param minute_number: number of the Forum's minutes (berita acara)
    :type minute_number: string
    :rtype: dictionary
    """
    tk.check_access("satudata_daftar_data_agree", context, data_dict)
    dd = get_daftar_data(data_dict["id"])
    _fresh_draft(dd)
    if not items_of(dd):
        _raise({"items": [tk._("An empty Daftar Data cannot be agreed.")]})
    dd.status = DD_AGREED
    dd.agreed_date = data_dict["agreed_date"]
    dd.minute_number = data_dict["minute_number"]
    dd.agreed_by = context.get("user")
    dd.agreed_recorded_at = dt.datetime.utcnow()
    model.Session.flush()
    notify_events.daftar_data_agreed(dd, _user(context))
    out = daftar_data_dict(dd, reader=_reader(context))
    _commit(context)
    return out


def _new_draft_from(source: DaftarData, year: int, context: Context, *,
                    previous: Optional[DaftarData], carried: Optional[DaftarData]) -> DaftarData:
    revision = (model.Session.query(sa.func.max(DaftarData.revision))
                .filter(DaftarData.year == year).scalar() or 0) + 1
    dd = DaftarData(year=year, revision=revision, status=DD_DRAFT,
                    title=source.title if previous else f"Daftar Data {year}",
                    notes=source.notes, drafted_by=context.get("user"),
                    previous_id=previous.id if previous else None,
                    carried_from_id=carried.id if carried else None)
    model.Session.add(dd)
    model.Session.flush()
    copy_items(source, dd)
    model.Session.flush()
    return dd


@schema.validate(schema.daftar_data_revise)
def satudata_daftar_data_revise(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Start a new draft revision from the agreed list in force (the old one stays readable).

    :param id: the agreed revision id (must be the newest agreed revision of its year)
    :type id: string
    :rtype: dictionary
    """
    tk.check_access("satudata_daftar_data_revise", context, data_dict)
    dd = get_daftar_data(data_dict["id"])
    _lock_year(dd.year)
    model.Session.refresh(dd)
    if dd.status != DD_AGREED:
        _raise({"id": [tk._("Only an agreed Daftar Data is revised; edit the draft instead.")]})
    latest = latest_agreed(dd.year)
    if latest is None or latest.id != dd.id:
        _raise({"id": [tk._("A newer revision exists: revise revision {revision}.").format(
            revision=latest.revision if latest else "?")]})
    if model.Session.query(DaftarData).filter(DaftarData.year == dd.year,
                                              DaftarData.status == DD_DRAFT).first():
        _raise({"id": [tk._("A draft revision for {year} is already open.").format(
            year=dd.year)]})
    new = _new_draft_from(dd, dd.year, context, previous=dd, carried=None)
    out = daftar_data_dict(new, reader=_reader(context))
    _commit(context)
    return out


@schema.validate(schema.daftar_data_carry_over)
def satudata_daftar_data_carry_over(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Start next year's draft from an agreed list (carry-over).

    :param id: an agreed revision id
    :type id: string
    :param year: the year of the new draft (default: the source year + 1)
    :type year: int
    :rtype: dictionary
    """
    tk.check_access("satudata_daftar_data_carry_over", context, data_dict)
    source = get_daftar_data(data_dict["id"])
    year = data_dict.get("year")
    if year is None:
        year = _default_year(source.year + 1)
    if year == source.year:
        _raise({"year": [tk._("Choose another year than the source list's.")]})
    _lock_year(source.year, year)
    model.Session.refresh(source)
    if source.status != DD_AGREED:
        _raise({"id": [tk._("Carry over an agreed Daftar Data, not a draft.")]})
    if model.Session.query(DaftarData).filter(DaftarData.year == year).first():
        _raise({"year": [tk._(
            "A Daftar Data for {year} already exists: edit its draft or make a new revision "
            "of the agreed list.").format(year=year)]})
    new = _new_draft_from(source, year, context, previous=None, carried=source)
    out = daftar_data_dict(new, reader=_reader(context))
    _commit(context)
    return out


@schema.validate(schema.daftar_data_import)
def satudata_daftar_data_import(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Replace the items of a draft with the rows of a CSV or XLSX file (all or nothing).

    Every bad row is reported (row numbers as in the spreadsheet, header = row 1); if any
    row is bad nothing is imported.

    :param id: the draft revision id
    :type id: string
    :param format: ``csv`` or ``xlsx`` (default: from the file name)
    :type format: string
    :param upload: the file (multipart upload); or ``content`` with CSV text
    :type upload: file
    :rtype: dictionary
    """
    tk.check_access("satudata_daftar_data_import", context, data_dict)
    dd = get_daftar_data(data_dict["id"])
    _draft(dd)
    upload = data_dict.get("upload")
    filename = getattr(upload, "filename", "") or ""
    fmt = (data_dict.get("format") or filename.rsplit(".", 1)[-1] or "csv").lower()
    if hasattr(upload, "stream"):
        content: bytes = upload.stream.read()
    elif isinstance(upload, (bytes, bytearray)):
        content = bytes(upload)
    elif data_dict.get("content"):
        content = data_dict["content"].encode("utf-8")
    else:
        raise tk.ValidationError({"upload": [tk._("Choose a CSV or XLSX file to import.")]})
    rows = parse_table(content, fmt)
    items, bad = validate_items(rows)
    if bad:
        raise item_errors_to_validation(bad, offset=1)
    if not items:
        raise tk.ValidationError({"upload": [tk._("The file has no rows.")]})
    _fresh_draft(dd)
    replace_items(dd, items)
    model.Session.flush()
    out = daftar_data_dict(dd, reader=_reader(context))
    _commit(context)
    return out


@tk.side_effect_free
@schema.validate(schema.daftar_data_export)
def satudata_daftar_data_export(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """A Daftar Data revision as CSV or XLSX.

    :param id: the revision id
    :type id: string
    :param format: ``csv`` (default) or ``xlsx``
    :type format: string
    :returns: ``filename``, ``content_type`` and ``content`` (CSV text, or XLSX as base64
        with ``encoding`` = ``base64``)
    :rtype: dictionary
    """
    dd = get_daftar_data(data_dict["id"])
    tk.check_access("satudata_daftar_data_export", context, {"id": dd.id})
    fmt = data_dict["format"]
    name = f"daftar-data-{dd.year}-r{dd.revision}.{fmt}"
    if fmt == "csv":
        return {"filename": name, "content_type": "text/csv; charset=utf-8",
                "content": export_csv(dd).decode("utf-8-sig"), "encoding": "text"}
    return {"filename": name, "encoding": "base64",
            "content_type": "application/vnd.openxmlformats-officedocument."
                            "spreadsheetml.sheet",
            "content": base64.b64encode(export_xlsx(dd)).decode("ascii")}


@tk.side_effect_free
@schema.validate(schema.daftar_data_show)
def satudata_daftar_data_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One Daftar Data revision with its items and the datasets realising each item.

    :param id: the revision id; or
    :type id: string
    :param year: the year (gives the agreed revision in force)
    :type year: int
    :rtype: dictionary
    """
    if data_dict.get("id"):
        dd = get_daftar_data(data_dict["id"])
    else:
        if "year" not in data_dict:
            raise tk.ValidationError({"year": [tk._(
                "Write the year as four digits, e.g. 2026.")]})
        found = latest_agreed(data_dict["year"])
        if found is None:
            raise tk.ObjectNotFound(tk._("Daftar Data not found"))
        dd = found
    tk.check_access("satudata_daftar_data_show", context, {"id": dd.id})
    return daftar_data_dict(dd, reader=_reader(context))


@tk.side_effect_free
@schema.validate(schema.daftar_data_list)
def satudata_daftar_data_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Daftar Data revisions (newest year and revision first), without items. Drafts only
    for the Sekretariat SDI, Walidata and Pembina Data.

    :param year: only this year
    :type year: int
    :rtype: list of dictionaries
    """
    tk.check_access("satudata_daftar_data_list", context, data_dict)
    query = model.Session.query(DaftarData)
    if data_dict.get("year"):
        query = query.filter(DaftarData.year == data_dict["year"])
    user = _user(context)
    out = []
    for dd in query.order_by(DaftarData.year.desc(), DaftarData.revision.desc()):
        if context.get("ignore_auth") or permissions.permission_read_daftar_data(user, dd)[0]:
            out.append(daftar_data_dict(dd, with_items=False))
    return out


# -- statements ------------------------------------------------------------------------------
def _statement_target(data_dict: DataDict) -> DaftarData:
    if data_dict.get("daftar_data_id"):
        return get_daftar_data(data_dict["daftar_data_id"])
    if "year" not in data_dict:
        raise tk.ValidationError({"year": [tk._("Write the year as four digits, e.g. 2026.")]})
    year = data_dict["year"]
    dd = latest_agreed(year)
    if dd is None:
        raise tk.ValidationError({"year": [tk._(
            "There is no agreed Daftar Data for {year} yet.").format(year=year)]})
    return dd


def _org_id(data_dict: DataDict) -> str:
    org = resolve_org(data_dict["owner_org"])
    if org is None:
        raise tk.ValidationError({"owner_org": [tk._(
            'Unknown OPD "{value}".').format(value=data_dict["owner_org"])]})
    return org.id


#: the official letter fields of a statement and a validation letter (checked by the schema)
_LETTER_FIELDS = ("number", "letter_date", "signatory_name", "signatory_nip",
                  "signatory_position", "signatory_acting")


@schema.validate(schema.statement_create)
def satudata_statement_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Record an OPD's *Surat Pernyataan Daftar Data yang akan Dikumpulkan* (SOP step 4).

    Due ``ckanext.satudata_blitar.days.statement`` working days after the Daftar Data was
    agreed (``records.statements.statement_verdict``).

    :param daftar_data_id: the agreed revision (default: the one in force for ``year``)
    :type daftar_data_id: string
    :param year: the year, when ``daftar_data_id`` is not given
    :type year: int
    :param owner_org: the OPD (id or name)
    :type owner_org: string
    :param items: one answer per Daftar Data item of the OPD:
        ``{"item_id" or "code", "available": true/false, "reason": why not}``
    :type items: list of dictionaries
    :param number: letter number
    :param letter_date: letter date (YYYY-MM-DD, not in the future)
    :param signatory_name: name of the signatory
    :param signatory_nip: NIP of the signatory (18 digits)
    :param signatory_position: position (jabatan)
    :param signatory_acting: ``""``, ``plt`` or ``plh``
    :param upload: the signed statement as a PDF
    :rtype: dictionary
    """
    org_id = _org_id(data_dict)
    tk.check_access("satudata_statement_create", context, dict(data_dict, owner_org=org_id))
    dd = _statement_target(data_dict)
    errors: dict[str, list[str]] = {}
    if dd.status != DD_AGREED:
        errors.setdefault("daftar_data_id", []).append(tk._(
            "Statements answer an agreed Daftar Data, not a draft."))
    fields = {key: data_dict[key] for key in _LETTER_FIELDS}
    answers = statement_items(dd, org_id, data_dict.get("items", []), errors) \
        if dd.status == DD_AGREED else []
    pdf = pdf_from_input(data_dict, errors, required=True)
    if model.Session.query(Statement).filter(Statement.daftar_data_id == dd.id,
                                             Statement.owner_org == org_id).first():
        errors.setdefault("owner_org", []).append(tk._(
            "This OPD already has a statement for this Daftar Data."))
    _raise(errors)
    assert pdf is not None
    statement = Statement(daftar_data_id=dd.id, owner_org=org_id, year=dd.year,
                          created_by=context.get("user"), **fields)
    _attach_pdf(statement, pdf)
    return _save_with_pdf(context, statement, lambda: [
        model.Session.add(StatementItem(statement_id=statement.id, **a)) for a in answers]
        + [notify_events.statement_filed(statement, _user(context))],
        statement_dict)


def _attach_pdf(row: Any, pdf: tuple[bytes, str]) -> None:
    content, filename = pdf
    row.pdf_filename = filename
    row.pdf_size = len(content)
    row.pdf_sha256 = sha256(content)
    row._pending_pdf = content  # stored by _save_with_pdf once the rows are accepted


def _save_with_pdf(context: Context, row: Any, children: Callable[[], Any],
                   as_dict: Callable[[Any], dict[str, Any]],
                   old_key: Optional[str] = None) -> dict[str, Any]:
    """Insert/update ``row`` and its children, store the pending PDF, commit — or nothing."""
    key = None
    try:
        model.Session.add(row)
        model.Session.flush()
        children()
        model.Session.flush()
        content = getattr(row, "_pending_pdf", None)
        if content is not None:
            key = store_pdf(content, row.pdf_filename or "surat.pdf")
            row.pdf_key = key
            model.Session.flush()
        out = as_dict(row)
        _commit(context)
    except IntegrityError as e:  # a concurrent request recorded the same letter first
        model.Session.rollback()
        remove_pdf(key)
        # the unique constraint that refused the row: the message of the check made before
        constraint = getattr(getattr(e.orig, "diag", None), "constraint_name", None)
        if constraint == STATEMENT_UNIQUE:
            raise tk.ValidationError({"owner_org": [tk._(
                "This OPD already has a statement for this Daftar Data.")]}) from e
        if constraint == LETTER_NUMBER_INDEX:
            raise tk.ValidationError({"number": [tk._(
                "This letter number is already recorded for the OPD in that year.")]}) from e
        raise
    except Exception:
        model.Session.rollback()
        remove_pdf(key)
        raise
    if key and old_key and not context.get("defer_commit"):
        remove_pdf(old_key)
    return out


@tk.side_effect_free
@schema.validate(schema.statement_show)
def satudata_statement_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One statement with its answers and whether it came on time.

    :param id: the statement id
    :type id: string
    :rtype: dictionary
    """
    st = get_statement(data_dict["id"])
    tk.check_access("satudata_statement_show", context, {"id": st.id})
    return statement_dict(st)


@tk.side_effect_free
@schema.validate(schema.statement_list)
def satudata_statement_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Statements the caller may read (own OPDs; every OPD for the SOP roles).

    :param year: only this year
    :type year: int
    :param owner_org: only this OPD (id or name)
    :type owner_org: string
    :rtype: list of dictionaries
    """
    tk.check_access("satudata_statement_list", context, data_dict)
    query = model.Session.query(Statement)
    if data_dict.get("year"):
        query = query.filter(Statement.year == data_dict["year"])
    if data_dict.get("owner_org"):
        query = query.filter(Statement.owner_org == _org_id(data_dict))
    user = _user(context)
    return [statement_dict(st) for st in
            query.order_by(Statement.year.desc(), Statement.created_at)
            if context.get("ignore_auth")
            or permissions.permission_read_opd_record(user, st.owner_org)[0]]


# -- validation letters ------------------------------------------------------------------------
def _duplicate_number(org_id: str, year: int, number: str, exclude: Optional[str]) -> bool:
    query = model.Session.query(ValidationLetter.id).filter(
        ValidationLetter.owner_org == org_id, ValidationLetter.year == year,
        sa.func.lower(ValidationLetter.number) == sa.func.lower(number))
    if exclude:
        query = query.filter(ValidationLetter.id != exclude)
    return query.first() is not None


@schema.validate(schema.validation_letter_create)
def satudata_validation_letter_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Record a *Surat validasi Kepala OPD* (SOP step 8) with its signed PDF.

    One letter may cover several verified datasets of its OPD. Recorded by the OPD's admin
    or by the Walidata on the OPD's behalf. The PDF's SHA-256 is kept.

    :param owner_org: the OPD (id or name)
    :type owner_org: string
    :param number: letter number (unique within the OPD and year)
    :param letter_date: date (YYYY-MM-DD, not in the future)
    :param subject: subject (perihal)
    :param signatory_name: name of the signatory
    :param signatory_nip: NIP (18 digits)
    :param signatory_position: position (jabatan)
    :param signatory_acting: ``""``, ``plt`` or ``plh``
    :param datasets: ids or names of the verified datasets the letter validates
    :type datasets: list of strings
    :param upload: the signed letter as a PDF
    :rtype: dictionary
    """
    org_id = _org_id(data_dict)
    tk.check_access("satudata_validation_letter_create", context,
                    dict(data_dict, owner_org=org_id))
    errors: dict[str, list[str]] = {}
    fields = {key: data_dict[key] for key in _LETTER_FIELDS}
    pkgs = check_letter_datasets(org_id, data_dict.get("datasets"), errors,
                                 reader=_reader(context))
    pdf = pdf_from_input(data_dict, errors, required=True)
    day = fields["letter_date"]
    if _duplicate_number(org_id, day.year, fields["number"], None):
        errors.setdefault("number", []).append(tk._(
            "This letter number is already recorded for the OPD in that year."))
    _raise(errors)
    assert pdf is not None
    letter = ValidationLetter(owner_org=org_id, year=day.year, subject=data_dict["subject"],
                              created_by=context.get("user"), **fields)
    _attach_pdf(letter, pdf)
    return _save_with_pdf(context, letter, lambda: [
        model.Session.add(LetterDataset(letter_id=letter.id, package_id=p.id)) for p in pkgs],
        lambda row: letter_dict(row, reader=_reader(context)))


@schema.validate(schema.validation_letter_update)
def satudata_validation_letter_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Correct a validation letter before any dataset was validated with it.

    :param id: the letter id
    :type id: string
    :param number, letter_date, subject, signatory_name, signatory_nip, signatory_position,
        signatory_acting, datasets: as in ``satudata_validation_letter_create`` (omitted
        fields keep their value)
    :param upload: a new signed PDF (optional)
    :rtype: dictionary
    """
    letter = get_letter(data_dict["id"])
    tk.check_access("satudata_validation_letter_update", context, {"id": letter.id})
    # read again under a row lock: a concurrent validate with this letter (FOR SHARE in the
    # letter check) or change of it has finished, and none starts before this one ends
    locked = lock_letter(letter.id)
    if locked is None:
        raise tk.ObjectNotFound(tk._("Validation letter not found"))
    letter = locked
    if letter_used(letter.id):
        _raise({"id": [tk._(
            "This letter has already validated a dataset and can no longer change.")]})
    fields = {key: data_dict.get(key, getattr(letter, key)) for key in _LETTER_FIELDS}
    fields["signatory_acting"] = fields["signatory_acting"] or ""
    subject = data_dict.get("subject", letter.subject)
    errors: dict[str, list[str]] = {}
    old = letter_datasets(letter.id)
    pkgs = check_letter_datasets(letter.owner_org, data_dict.get("datasets", old),
                                 errors, current=old, reader=_reader(context))
    pdf = pdf_from_input(data_dict, errors, required=False)
    day = fields["letter_date"]
    if _duplicate_number(letter.owner_org, day.year, fields["number"], letter.id):
        errors.setdefault("number", []).append(tk._(
            "This letter number is already recorded for the OPD in that year."))
    _raise(errors)
    old_key = letter.pdf_key
    for key, value in fields.items():
        setattr(letter, key, value)
    letter.year = day.year
    letter.subject = subject
    letter.modified_at = dt.datetime.utcnow()
    if pdf is not None:
        _attach_pdf(letter, pdf)

    def _children() -> None:
        model.Session.query(LetterDataset).filter(
            LetterDataset.letter_id == letter.id).delete(synchronize_session=False)
        for p in pkgs:
            model.Session.add(LetterDataset(letter_id=letter.id, package_id=p.id))

    return _save_with_pdf(context, letter, _children,
                          lambda row: letter_dict(row, reader=_reader(context)),
                          old_key=old_key if pdf is not None else None)


@tk.side_effect_free
@schema.validate(schema.validation_letter_show)
def satudata_validation_letter_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """A validation letter with its datasets, signatory and PDF checksum.

    :param id: the letter id
    :type id: string
    :rtype: dictionary
    """
    letter = get_letter(data_dict["id"])
    tk.check_access("satudata_validation_letter_show", context, {"id": letter.id})
    return letter_dict(letter, reader=_reader(context))


@tk.side_effect_free
@schema.validate(schema.validation_letter_list)
def satudata_validation_letter_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Validation letters the caller may read (own OPDs; all for the SOP roles).

    :param owner_org: only this OPD (id or name)
    :type owner_org: string
    :param year: only this year
    :type year: int
    :param package_id: only letters covering this dataset (id)
    :type package_id: string
    :rtype: list of dictionaries
    """
    tk.check_access("satudata_validation_letter_list", context, data_dict)
    query = model.Session.query(ValidationLetter)
    if data_dict.get("owner_org"):
        query = query.filter(ValidationLetter.owner_org == _org_id(data_dict))
    if data_dict.get("year"):
        query = query.filter(ValidationLetter.year == data_dict["year"])
    if data_dict.get("package_id"):
        query = query.join(LetterDataset, LetterDataset.letter_id == ValidationLetter.id) \
            .filter(LetterDataset.package_id == data_dict["package_id"])
    user = _user(context)
    reader = _reader(context)
    return [letter_dict(x, reader=reader) for x in
            query.order_by(ValidationLetter.letter_date.desc(), ValidationLetter.number)
            if context.get("ignore_auth")
            or permissions.permission_read_opd_record(user, x.owner_org)[0]]


@tk.side_effect_free
@schema.validate(schema.dataset_letter_list)
def satudata_dataset_letter_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Public metadata (number, date, subject, signatory position, SHA-256) of the letters
    that validated a dataset; for whoever may see the dataset.

    :param id: dataset id or name
    :type id: string
    :rtype: list of dictionaries
    """
    pkg = model.Package.get(data_dict["id"])
    if pkg is None or pkg.state == "deleted":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    tk.check_access("satudata_dataset_letter_list", context, {"id": pkg.id})
    return public_letters(pkg)


# -- deadlines -------------------------------------------------------------------------------
@tk.side_effect_free
@schema.validate(schema.deadline_list)
def satudata_deadline_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """What is due or overdue for the caller's roles, by SOP working-day deadlines
    (``ckanext.satudata_blitar.days.*``; due dates and verdicts from ``workdays``).

    Walidata: reviews (verify within ``days.verification`` working days of submission,
    pausing while returned) and publications. OPD members: validation letters
    (``days.validation`` working days after verification), returned datasets, data updates
    due from each dataset's frequency and period, and their statements. Sekretariat SDI:
    Daftar Data agreement (``days.agreement`` working days after drafting) and statements of
    every OPD (``days.statement`` working days after agreement). Pembina Data: everything.

    :param horizon: list updates due within this many days (default 30)
    :type horizon: int
    :param all: every deadline of every OPD, as the Pembina Data sees them (the OPD
        overview); for the Walidata, Pembina Data, Sekretariat SDI and sysadmins
    :type all: bool
    :returns: entries with ``kind``, ``label``, ``due``, ``overdue``, ``working_days_left``
        and what it concerns (dataset, Daftar Data, OPD)
    :rtype: list of dictionaries
    """
    tk.check_access("satudata_deadline_list", context, data_dict)
    user = _user(context)
    if user is None:
        return []
    return deadlines.deadline_items(user, horizon=data_dict["horizon"],
                                    every_opd=data_dict["all"])
