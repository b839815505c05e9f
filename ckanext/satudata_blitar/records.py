"""SOP records: rules for the Daftar Data, availability statements and validation letters.

Actions (``logic/records.py``) check auth, validate input and call the functions here.

* **Permissions** — a few ``permission_*`` functions; every auth function delegates to one.
  Roles come from ``lifecycle`` (``portal_roles``, ``opd_role``): Sekretariat SDI manages the
  Daftar Data; the OPD's admin (Kepala OPD) — or the Sekretariat on its behalf — records
  statements; the OPD's admin or the Walidata records validation letters; Walidata, Pembina
  Data and Sekretariat SDI read every record; OPD members read their OPD's records.
* **Signed PDFs** — :func:`check_pdf` (real PDF: ``%PDF-`` header, ``startxref`` pointing at a
  cross-reference section, ``%%EOF``; size limit ``ckanext.satudata_blitar.letter_max_mb``),
  stored with CKAN's resource uploader under a random key (never in the publicly served
  ``storage/uploads`` folder), SHA-256 recorded.
* **Validate hook** — :func:`letter_checker` is installed with ``lifecycle.set_letter_checker``:
  ``validate`` needs a letter of the dataset's OPD that covers the dataset.
* **Deadlines** — :func:`deadline_items` lists what is due for a user's roles.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import uuid
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import uploader as _uploader

from ckanext.satudata_blitar import lifecycle, workdays
from ckanext.satudata_blitar.model.lifecycle import AuditEntry, DatasetStatus
from ckanext.satudata_blitar.model.records import (
    ACTING_CHOICES, DD_AGREED, DD_DRAFT, DaftarData, DaftarDataItem, LetterDataset,
    Statement, StatementItem, ValidationLetter,
)

#: SOP time standards of the records, in working days
AGREEMENT_DAYS = 3
STATEMENT_DAYS = 5
VALIDATION_DAYS = 5
VERIFICATION_DAYS = 5

FREQUENCIES: tuple[str, ...] = (
    "harian", "mingguan", "bulanan", "triwulanan", "semesteran", "tahunan", "dua_tahunan",
    "lebih_dari_dua_tahunan", "insidental",
)
DATA_TYPES: tuple[str, ...] = ("statistik", "geospasial", "keuangan")
#: spreadsheet columns of a Daftar Data (import and export)
COLUMNS: tuple[str, ...] = (
    "kode", "nama_data", "opd", "frekuensi", "jenis_data", "kode_standar_data", "satuan",
    "prioritas", "catatan",
)
_TRUE = {"1", "ya", "y", "true", "yes", "benar", "prioritas", "x"}
_FALSE = {"", "0", "tidak", "t", "false", "no", "n", "bukan"}
_NIP = re.compile(r"^\d{18}$")


# -- small helpers ---------------------------------------------------------------------------
def today() -> dt.date:
    """Today in the portal's time zone (WIB)."""
    return workdays.local_date(dt.datetime.now(dt.timezone.utc))


def _is_sysadmin(user: Optional[model.User]) -> bool:
    return bool(user and user.sysadmin and user.state == "active")


def _roles(user: Optional[model.User]) -> set[str]:
    return lifecycle.portal_roles(user) if user else set()


def parse_date(value: Any, field: str, errors: dict[str, list[str]],
               allow_future: bool = False) -> Optional[dt.date]:
    """An ISO date from input (``date``/``datetime`` accepted); records errors by field."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value or "").strip()
        if not text:
            errors.setdefault(field, []).append(tk._("Missing value"))
            return None
        try:
            day = dt.date.fromisoformat(text[:10])
        except ValueError:
            errors.setdefault(field, []).append(tk._(
                'Invalid date "{value}": write it as YYYY-MM-DD.').format(value=text))
            return None
    if not allow_future and day > today():
        errors.setdefault(field, []).append(tk._(
            "The date {date} is in the future.").format(date=day.isoformat()))
        return None
    return day


def resolve_org(value: Any) -> Optional[model.Group]:
    """An active OPD (organization) by id, name or exact title (case-insensitive)."""
    text = str(value or "").strip()
    if not text:
        return None
    group = model.Group.get(text)
    if group is None:
        group = (model.Session.query(model.Group)
                 .filter(sa.func.lower(model.Group.title) == text.lower())
                 .filter(model.Group.is_organization.is_(True)).first())
    if group is None or not group.is_organization or group.state != "active":
        return None
    return group


def _org_names(ids: Iterable[str]) -> dict[str, model.Group]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {g.id: g for g in model.Session.query(model.Group).filter(model.Group.id.in_(ids))}


# -- permissions -----------------------------------------------------------------------------
def permission_manage_daftar_data(user: Any) -> tuple[bool, str]:
    """Create, edit, import, agree, revise and carry over a Daftar Data: Sekretariat SDI."""
    user_obj = lifecycle.user_object(user)
    if _is_sysadmin(user_obj) or lifecycle.SEKRETARIAT in _roles(user_obj):
        return True, ""
    return False, tk._("Only the Sekretariat SDI may manage the Daftar Data.")


def permission_read_daftar_data(user: Any, dd: Optional[DaftarData] = None) -> tuple[bool, str]:
    """Agreed lists are public; drafts are read by Walidata, Pembina Data and Sekretariat SDI."""
    if dd is not None and dd.status == DD_AGREED:
        return True, ""
    if lifecycle.permission_read_all(lifecycle.user_object(user)):
        return True, ""
    if dd is None:  # listing: agreed lists only for everyone else
        return True, ""
    return False, tk._("A draft Daftar Data is read only by the Sekretariat SDI, Walidata "
                       "and Pembina Data.")


def permission_manage_statement(user: Any, org_id: str) -> tuple[bool, str]:
    """Record or change an OPD's statement: its admin (Kepala OPD) or the Sekretariat SDI."""
    user_obj = lifecycle.user_object(user)
    if _is_sysadmin(user_obj) or lifecycle.SEKRETARIAT in _roles(user_obj):
        return True, ""
    if user_obj and lifecycle.opd_role(user_obj, org_id) == "admin":
        return True, ""
    return False, tk._("Only the head of the OPD (organization admin) or the Sekretariat SDI "
                       "may record the OPD's statement.")


def permission_manage_letter(user: Any, org_id: str) -> tuple[bool, str]:
    """Record or change an OPD's validation letter: its admin or the Walidata."""
    user_obj = lifecycle.user_object(user)
    if _is_sysadmin(user_obj) or lifecycle.WALIDATA in _roles(user_obj):
        return True, ""
    if user_obj and lifecycle.opd_role(user_obj, org_id) == "admin":
        return True, ""
    return False, tk._("Only the head of the OPD (organization admin) or the Walidata may "
                       "record the OPD's validation letters.")


def permission_read_opd_record(user: Any, org_id: str) -> tuple[bool, str]:
    """Full statement/letter records and their PDFs: the OPD's members, Walidata, Pembina
    Data, Sekretariat SDI and sysadmins."""
    user_obj = lifecycle.user_object(user)
    if lifecycle.permission_read_all(user_obj):
        return True, ""
    if user_obj and lifecycle.opd_role(user_obj, org_id):
        return True, ""
    return False, tk._("Only members of the OPD, Walidata, Pembina Data and Sekretariat SDI "
                       "may read this record and its signed PDF.")


def permission_list_deadlines(user: Any) -> tuple[bool, str]:
    """Any signed-in user (the list only holds what concerns the user)."""
    user_obj = lifecycle.user_object(user)
    if user_obj and user_obj.state == "active":
        return True, ""
    return False, tk._("Sign in to see your deadlines.")


# -- signed PDFs -----------------------------------------------------------------------------
def letter_max_bytes() -> int:
    """Upload limit of signed PDFs (``ckanext.satudata_blitar.letter_max_mb``)."""
    mb = tk.asint(tk.config.get("ckanext.satudata_blitar.letter_max_mb") or 5)
    return mb * 1024 * 1024


def read_upload(value: Any) -> tuple[Optional[bytes], str]:
    """Bytes and file name of an uploaded file (``FileStorage`` or raw bytes); ``None`` if absent.

    Reads at most one byte more than the limit, so a huge upload is refused without
    holding it in memory.
    """
    limit = letter_max_bytes() + 1
    if isinstance(value, FileStorage):
        if not value.filename and not value.stream:
            return None, ""
        data = value.stream.read(limit)
        return (data or None), value.filename or "surat.pdf"
    if isinstance(value, (bytes, bytearray)):
        return bytes(value), "surat.pdf"
    return None, ""


def check_pdf(data: bytes) -> list[str]:
    """Errors when ``data`` is not a signed-letter PDF we accept (empty list: accepted)."""
    limit = letter_max_bytes()
    if len(data) > limit:
        return [tk._("The file is larger than the limit of {mb} MB.").format(
            mb=limit // (1024 * 1024))]
    if not data.startswith(b"%PDF-"):
        return [tk._("The file is not a PDF: upload the signed letter as a PDF file.")]
    tail = data[-2048:]
    match = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", tail)
    if not match:
        return [tk._("The PDF is damaged or incomplete (no end-of-file marker): save or "
                     "scan it again and upload the new file.")]
    offset = int(match.group(1))
    head = data[offset:offset + 40] if offset < len(data) else b""
    if not (head.startswith(b"xref") or re.match(rb"\d+\s+\d+\s+obj", head)):
        return [tk._("The PDF is damaged (its cross-reference table cannot be found): save "
                     "or scan it again and upload the new file.")]
    return []


def sha256(data: bytes) -> str:
    """Hex SHA-256 of the file, shown so anyone holding a copy can verify it."""
    return hashlib.sha256(data).hexdigest()


def store_pdf(data: bytes, filename: str) -> str:
    """Store a PDF with CKAN's uploader under a new random key; returns the key.

    The resource uploader keeps files outside the publicly served folder; an ``IUploader``
    plugin (object store) replaces it transparently.
    """
    key = str(uuid.uuid4())
    upload = FileStorage(io.BytesIO(data), filename=filename, content_type="application/pdf")
    uploader = _uploader.get_resource_uploader({"id": key, "url": filename, "upload": upload})
    uploader.upload(key, max(1, letter_max_bytes() // (1024 * 1024)) + 1)
    return key


def pdf_path(key: str) -> str:
    """Local path of a stored PDF (default uploader)."""
    uploader = _uploader.get_resource_uploader({"id": key})
    return uploader.get_path(key)  # type: ignore[attr-defined]


def remove_pdf(key: Optional[str]) -> None:
    """Best-effort removal of a stored PDF that no row refers to any more."""
    if not key:
        return
    try:
        import os  # noqa: PLC0415
        os.remove(pdf_path(key))
    except (OSError, TypeError, tk.ValidationError):
        pass


def signed_letter_fields(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """Validate number, date and signatory of an official letter (statement or validation)."""
    out: dict[str, Any] = {}
    for field in ("number", "signatory_name", "signatory_position"):
        value = str(data.get(field) or "").strip()
        if not value:
            errors.setdefault(field, []).append(tk._("Missing value"))
        out[field] = value
    nip = re.sub(r"\s+", "", str(data.get("signatory_nip") or ""))
    if not _NIP.match(nip):
        errors.setdefault("signatory_nip", []).append(tk._(
            "The NIP must be the 18 digits of the signatory's civil-servant number."))
    out["signatory_nip"] = nip
    acting = str(data.get("signatory_acting") or "").strip().lower()
    if acting not in ACTING_CHOICES:
        errors.setdefault("signatory_acting", []).append(tk._(
            'Acting must be empty, "plt" or "plh".'))
    out["signatory_acting"] = acting
    out["letter_date"] = parse_date(data.get("letter_date"), "letter_date", errors)
    return out


def pdf_from_input(data: dict[str, Any], errors: dict[str, list[str]],
                   required: bool) -> Optional[tuple[bytes, str]]:
    """The uploaded PDF (``upload``), checked; errors under ``upload``."""
    content, filename = read_upload(data.get("upload"))
    if content is None:
        if required:
            errors.setdefault("upload", []).append(tk._("Upload the signed letter as a PDF."))
        return None
    problems = check_pdf(content)
    if problems:
        errors.setdefault("upload", []).extend(problems)
        return None
    return content, filename


# -- Daftar Data -----------------------------------------------------------------------------
def get_daftar_data(id_: str) -> DaftarData:
    dd = model.Session.get(DaftarData, id_) if id_ else None
    if dd is None:
        raise tk.ObjectNotFound(tk._("Daftar Data not found"))
    return dd


def latest_agreed(year: int) -> Optional[DaftarData]:
    """The agreed revision in force for ``year`` (the highest agreed revision)."""
    return (model.Session.query(DaftarData)
            .filter(DaftarData.year == year, DaftarData.status == DD_AGREED)
            .order_by(DaftarData.revision.desc()).first())


def items_of(dd: DaftarData) -> list[DaftarDataItem]:
    return (model.Session.query(DaftarDataItem)
            .filter(DaftarDataItem.daftar_data_id == dd.id)
            .order_by(DaftarDataItem.position, DaftarDataItem.code).all())


def _parse_bool(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def validate_items(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Check every item row; returns (clean items, errors with row number and messages).

    Rows use the spreadsheet column names (:data:`COLUMNS`) or the API names (``code``,
    ``name``, ``owner_org``, ``frequency``, ``data_type``, ``data_standard``, ``unit``,
    ``priority``, ``notes``). Row numbers count from 1 (the spreadsheet's header is row 1,
    so spreadsheet callers add 1).
    """
    alias = {"kode": "code", "nama_data": "name", "opd": "owner_org", "frekuensi": "frequency",
             "jenis_data": "data_type", "kode_standar_data": "data_standard",
             "satuan": "unit", "prioritas": "priority", "catatan": "notes"}
    clean: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        row = {alias.get(str(k).strip().lower(), str(k).strip().lower()):
               ("" if v is None else (v.strip() if isinstance(v, str) else v))
               for k, v in (raw or {}).items() if k is not None}
        messages: list[str] = []
        code = str(row.get("code") or "").strip()
        name = str(row.get("name") or "").strip()
        if not code:
            messages.append(tk._("Missing item code (kode)."))
        elif code in seen:
            messages.append(tk._('Item code "{code}" is also used in row {row}.').format(
                code=code, row=seen[code]))
        else:
            seen[code] = number
        if not name:
            messages.append(tk._("Missing data name (nama_data)."))
        org = resolve_org(row.get("owner_org"))
        if org is None:
            messages.append(tk._('Unknown OPD "{value}": use the name or id of an existing '
                                 "organization.").format(value=row.get("owner_org") or ""))
        frequency = str(row.get("frequency") or "").strip().lower()
        if frequency and frequency not in FREQUENCIES:
            messages.append(tk._('Unknown frequency "{value}"; choose one of: {choices}.').format(
                value=frequency, choices=", ".join(FREQUENCIES)))
        data_type = str(row.get("data_type") or "").strip().lower()
        if data_type and data_type not in DATA_TYPES:
            messages.append(tk._('Unknown data type "{value}"; choose one of: {choices}.').format(
                value=data_type, choices=", ".join(DATA_TYPES)))
        priority = _parse_bool(row.get("priority"))
        if priority is None:
            messages.append(tk._('Priority must be "ya" or "tidak", not "{value}".').format(
                value=row.get("priority")))
        if messages:
            errors.append({"row": number, "code": code, "messages": messages})
            continue
        clean.append({
            "code": code, "name": name, "owner_org": org.id,  # type: ignore[union-attr]
            "frequency": frequency or None, "data_type": data_type or None,
            "data_standard": str(row.get("data_standard") or "").strip() or None,
            "unit": str(row.get("unit") or "").strip() or None,
            "priority": bool(priority), "notes": str(row.get("notes") or "").strip() or None,
            "position": number,
        })
    return clean, errors


def item_errors_to_validation(errors: list[dict[str, Any]], offset: int = 0) -> tk.ValidationError:
    """One ValidationError listing every bad row (``offset`` added to row numbers)."""
    lines = [tk._("Row {row}: {messages}").format(
        row=e["row"] + offset, messages=" ".join(e["messages"])) for e in errors]
    return tk.ValidationError({"items": lines})


def replace_items(dd: DaftarData, items: list[dict[str, Any]]) -> None:
    """Replace the items of a draft revision (validated beforehand)."""
    model.Session.query(DaftarDataItem).filter(
        DaftarDataItem.daftar_data_id == dd.id).delete(synchronize_session=False)
    for item in items:
        model.Session.add(DaftarDataItem(daftar_data_id=dd.id, **item))


def copy_items(source: DaftarData, target: DaftarData) -> None:
    for item in items_of(source):
        values = item.as_dict()
        for key in ("id", "daftar_data_id"):
            values.pop(key)
        model.Session.add(DaftarDataItem(daftar_data_id=target.id, **values))


def realising_datasets(item_codes: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Datasets whose ``daftar_data_item`` field names each item code (active ones)."""
    codes = list(set(item_codes))
    if not codes:
        return {}
    rows = (model.Session.query(model.PackageExtra.value, model.Package)
            .join(model.Package, model.Package.id == model.PackageExtra.package_id)
            .filter(model.PackageExtra.key == "daftar_data_item",
                    model.PackageExtra.state == "active",
                    model.PackageExtra.value.in_(codes),
                    model.Package.state == "active").all())
    out: dict[str, list[dict[str, Any]]] = {}
    for code, pkg in rows:
        out.setdefault(code, []).append({
            "id": pkg.id, "name": pkg.name, "title": pkg.title, "owner_org": pkg.owner_org,
            "state": lifecycle.get_state(pkg)})
    return out


def daftar_data_dict(dd: DaftarData, with_items: bool = True) -> dict[str, Any]:
    out = dd.as_dict()
    out["status_label"] = status_label(dd.status)
    out["agreement_deadline"] = agreement_deadline(dd).isoformat()
    out["statement_deadline"] = (statement_deadline(dd).isoformat()
                                 if dd.status == DD_AGREED else None)
    superseded = (model.Session.query(DaftarData.id)
                  .filter(DaftarData.previous_id == dd.id).first())
    out["superseded_by"] = superseded[0] if superseded else None
    if not with_items:
        out["item_count"] = (model.Session.query(DaftarDataItem)
                             .filter(DaftarDataItem.daftar_data_id == dd.id).count())
    else:
        items = items_of(dd)
        orgs = _org_names(i.owner_org for i in items)
        datasets = realising_datasets(i.code for i in items)
        out["items"] = []
        for item in items:
            values = item.as_dict()
            org = orgs.get(item.owner_org)
            values["owner_org_name"] = org.name if org else None
            values["owner_org_title"] = org.title if org else None
            values["datasets"] = [d for d in datasets.get(item.code, [])
                                  if d["owner_org"] == item.owner_org]
            out["items"].append(values)
        out["item_count"] = len(items)
    return out


def status_label(status: str) -> str:
    return {DD_DRAFT: tk._("Draft"), DD_AGREED: tk._("Agreed")}.get(status, status)


def agreement_deadline(dd: DaftarData) -> dt.date:
    """SOP step 3: 3 working days from drafting to the Forum's agreement."""
    return workdays.add_working_days(workdays.local_date(dd.drafted_at), AGREEMENT_DAYS)


def statement_deadline(dd: DaftarData) -> dt.date:
    """SOP step 4: statements are due 5 working days after the agreement."""
    assert dd.agreed_date is not None
    return workdays.add_working_days(dd.agreed_date, STATEMENT_DAYS)


# -- spreadsheets ----------------------------------------------------------------------------
def export_rows(dd: DaftarData) -> list[list[str]]:
    """Header plus one row per item, OPDs by name."""
    items = items_of(dd)
    orgs = _org_names(i.owner_org for i in items)
    rows = [list(COLUMNS)]
    for item in items:
        org = orgs.get(item.owner_org)
        rows.append([item.code, item.name, org.name if org else item.owner_org,
                     item.frequency or "", item.data_type or "", item.data_standard or "",
                     item.unit or "", "ya" if item.priority else "tidak", item.notes or ""])
    return rows


def export_csv(dd: DaftarData) -> bytes:
    """CSV (UTF-8 with BOM so spreadsheet programs read it as UTF-8, comma separated)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(export_rows(dd))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(dd: DaftarData) -> bytes:
    """XLSX with one sheet named after the year and revision."""
    import openpyxl  # noqa: PLC0415

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"Daftar Data {dd.year} r{dd.revision}"[:31]
    for row in export_rows(dd):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse_table(content: bytes, fmt: str) -> list[dict[str, Any]]:
    """Rows of an uploaded CSV or XLSX as dicts keyed by the header row."""
    fmt = (fmt or "").lower().lstrip(".")
    if fmt == "xlsx":
        import openpyxl  # noqa: PLC0415
        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds for a damaged file
            raise tk.ValidationError({"upload": [tk._(
                "The file is not a readable XLSX workbook.")]}) from e
        values = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    elif fmt == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise tk.ValidationError({"upload": [tk._(
                "The CSV file is not UTF-8 text: save it as \"CSV UTF-8\".")]}) from e
        dialect = csv.excel
        try:
            dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", ",;\t")  # type: ignore[assignment]
        except csv.Error:
            pass
        values = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    else:
        raise tk.ValidationError({"format": [tk._('Choose the format "csv" or "xlsx".')]})
    values = [r for r in values if any(str(c or "").strip() for c in r)]
    if not values:
        raise tk.ValidationError({"upload": [tk._("The file has no rows.")]})
    header = [str(c or "").strip().lower() for c in values[0]]
    missing = [c for c in ("kode", "nama_data", "opd") if c not in header]
    if missing:
        raise tk.ValidationError({"upload": [tk._(
            "Missing columns in the header row: {columns}. Expected: {expected}.").format(
            columns=", ".join(missing), expected=", ".join(COLUMNS))]})
    rows = []
    for values_row in values[1:]:
        cells = [("" if c is None else str(c) if not isinstance(c, str) else c)
                 for c in values_row]
        cells += [""] * (len(header) - len(cells))
        rows.append({h: cells[i] for i, h in enumerate(header) if h})
    return rows


# -- statements ------------------------------------------------------------------------------
def statement_dict(st: Statement) -> dict[str, Any]:
    out = st.as_dict()
    dd = model.Session.get(DaftarData, st.daftar_data_id)
    due = statement_deadline(dd) if dd and dd.agreed_date else None
    recorded = workdays.local_date(st.created_at)
    out["deadline"] = due.isoformat() if due else None
    out["on_time"] = bool(due and recorded <= due)
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
        available = _parse_bool(answer.get("available"))
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


# -- validation letters ----------------------------------------------------------------------
def letter_datasets(letter_id: str) -> list[str]:
    return [r[0] for r in model.Session.query(LetterDataset.package_id)
            .filter(LetterDataset.letter_id == letter_id)]


def letter_used(letter_id: str) -> bool:
    """A letter is used once a ``validate`` transition recorded it (then it is immutable)."""
    return model.Session.query(
        sa.exists().where(AuditEntry.transition == "validate",
                          AuditEntry.letter_ref == letter_id)).scalar()


def letter_dict(letter: ValidationLetter, full: bool = True) -> dict[str, Any]:
    """A letter as a dict; ``full=False`` keeps only the public metadata (number, date,
    subject, OPD, signatory position, SHA-256)."""
    org = model.Group.get(letter.owner_org)
    pkgs = [model.Package.get(pid) for pid in letter_datasets(letter.id)]
    public = {
        "id": letter.id, "number": letter.number,
        "letter_date": letter.letter_date.isoformat(), "subject": letter.subject,
        "owner_org": letter.owner_org, "owner_org_name": org.name if org else None,
        "owner_org_title": org.title if org else None,
        "signatory_position": letter.signatory_position,
        "signatory_acting": letter.signatory_acting or "",
        "pdf_sha256": letter.pdf_sha256,
    }
    if not full:
        return public
    out = letter.as_dict()
    out.update(public)
    out["datasets"] = [{"id": p.id, "name": p.name, "title": p.title,
                        "state": lifecycle.get_state(p)} for p in pkgs if p is not None]
    out["used"] = letter_used(letter.id)
    out["has_pdf"] = bool(letter.pdf_key)
    return out


def check_letter_datasets(org_id: str, values: Any, errors: dict[str, list[str]],
                          current: Iterable[str] = ()) -> list[model.Package]:
    """The datasets a letter covers: of the letter's OPD, verified by the Walidata."""
    if isinstance(values, str):
        values = [v for v in re.split(r"[\s,]+", values) if v]
    if not values:
        errors.setdefault("datasets", []).append(tk._(
            "Choose at least one verified dataset of the OPD that the letter validates."))
        return []
    current = set(current)
    pkgs: list[model.Package] = []
    for value in values:
        pkg = model.Package.get(str(value))
        if pkg is None or pkg.state == "deleted":
            errors.setdefault("datasets", []).append(
                tk._('Dataset "{value}" not found.').format(value=value))
            continue
        if pkg.owner_org != org_id:
            errors.setdefault("datasets", []).append(tk._(
                'Dataset "{name}" belongs to another OPD: a letter covers only datasets of '
                "its own OPD.").format(name=pkg.name))
            continue
        state = lifecycle.get_state(pkg)
        allowed = (lifecycle.VERIFIED,) if pkg.id not in current else (
            lifecycle.VERIFIED, lifecycle.VALIDATED, lifecycle.PUBLISHED)
        if state not in allowed:
            errors.setdefault("datasets", []).append(tk._(
                'Dataset "{name}" is {state}: a validation letter covers datasets the Walidata '
                "has verified.").format(name=pkg.name, state=lifecycle.state_label(state)))
            continue
        if pkg not in pkgs:
            pkgs.append(pkg)
    return pkgs


def letters_covering(pkg: model.Package) -> list[ValidationLetter]:
    return (model.Session.query(ValidationLetter)
            .join(LetterDataset, LetterDataset.letter_id == ValidationLetter.id)
            .filter(LetterDataset.package_id == pkg.id)
            .order_by(ValidationLetter.letter_date.desc(),
                      ValidationLetter.created_at.desc()).all())


def letter_checker(pkg: model.Package, letter_ref: Optional[str],
                   data: dict[str, Any]) -> list[str]:
    """``validate`` hook: a validation letter of the dataset's OPD must cover the dataset.

    ``letter_ref`` is the letter's id or its number; when empty, the newest letter covering
    the dataset is used. The accepted letter's id is written back to ``data["letter_ref"]``
    so that the audit row names it.
    """
    ref = (letter_ref or "").strip()
    if not ref:
        covering = letters_covering(pkg)
        if not covering:
            return [tk._('No validation letter covers dataset "{name}": record the letter of '
                         "the Head of OPD first.").format(name=pkg.name)]
        data["letter_ref"] = covering[0].id
        return []
    letter = model.Session.get(ValidationLetter, ref)
    if letter is None:
        letter = (model.Session.query(ValidationLetter)
                  .filter(ValidationLetter.owner_org == pkg.owner_org,
                          ValidationLetter.number == ref)
                  .order_by(ValidationLetter.year.desc()).first())
    if letter is None:
        return [tk._('Validation letter "{ref}" not found: record it first.').format(ref=ref)]
    if letter.owner_org != pkg.owner_org:
        return [tk._("The validation letter belongs to another OPD.")]
    if pkg.id not in letter_datasets(letter.id):
        return [tk._('Validation letter "{number}" does not cover dataset "{name}".').format(
            number=letter.number, name=pkg.name)]
    if not letter.pdf_sha256:
        return [tk._("The validation letter has no signed PDF.")]
    data["letter_ref"] = letter.id
    return []


def public_letters(pkg: model.Package) -> list[dict[str, Any]]:
    """Letters that validated a dataset, as public metadata (number, date, subject …)."""
    ids = {r[0] for r in model.Session.query(AuditEntry.letter_ref)
           .filter(AuditEntry.package_id == pkg.id, AuditEntry.transition == "validate",
                   AuditEntry.letter_ref.isnot(None))}
    letters = [model.Session.get(ValidationLetter, i) for i in ids]
    return [letter_dict(letter, full=False)
            for letter in sorted((x for x in letters if x is not None),
                                 key=lambda x: x.letter_date, reverse=True)]


# -- deadlines -------------------------------------------------------------------------------
def _audit_rows(package_id: str) -> list[AuditEntry]:
    return (model.Session.query(AuditEntry).filter(AuditEntry.package_id == package_id)
            .order_by(AuditEntry.timestamp, AuditEntry.id).all())


def verification_clock(rows: list[AuditEntry]) -> tuple[Optional[dt.date], list[workdays.Pause]]:
    """Start and pauses of the verification step from a dataset's audit trail.

    The clock starts at the first ``submit`` of a review round and stands still from a
    ``return`` until the next ``submit``; ``verify`` ends the round (as do ``publish``,
    ``withdraw``).
    """
    start: Optional[dt.date] = None
    pauses: list[workdays.Pause] = []
    paused_at: Optional[dt.date] = None
    for row in rows:
        day = workdays.local_date(row.timestamp)
        if row.transition == "submit":
            if start is None:
                start = day
            elif paused_at is not None:
                pauses.append((paused_at, day))
            paused_at = None
        elif row.transition == "return" and start is not None:
            paused_at = day
        elif row.transition in ("verify", "publish", "withdraw", "create", "migrate"):
            start, pauses, paused_at = None, [], None
    if paused_at is not None:
        pauses.append((paused_at, None))
    return start, pauses


def _entry(kind: str, due: Optional[dt.date], on: dt.date, **values: Any) -> dict[str, Any]:
    labels = {
        "verification": tk._("Verify the dataset"),
        "publication": tk._("Publish the validated dataset"),
        "validation": tk._("Record the validation letter"),
        "returned": tk._("Fix the returned dataset"),
        "update": tk._("Update the data"),
        "agreement": tk._("Agree the Daftar Data in the Forum"),
        "daftar_data_missing": tk._("Draft this year's Daftar Data"),
        "statement": tk._("Submit the availability statement"),
    }
    out = {"kind": kind, "label": labels.get(kind, kind),
           "due": due.isoformat() if due else None,
           "overdue": bool(due and on > due),
           "working_days_left": (None if due is None else
                                 (workdays.working_days_between(on, due) if due >= on
                                  else -workdays.working_days_between(due, on)))}
    out.update(values)
    return out


def _orgs_of(user: model.User) -> list[str]:
    orgs = tk.get_action("organization_list_for_user")(
        {"user": user.name, "ignore_auth": True}, {"id": user.id, "permission": "read"})
    return [o["id"] for o in orgs]


def _dataset_entries(kinds: set[str], org_ids: Optional[list[str]], on: dt.date,
                     horizon: int) -> list[dict[str, Any]]:
    status = DatasetStatus.__table__
    wanted = set()
    if kinds & {"verification"}:
        wanted.add(lifecycle.SUBMITTED)
    if kinds & {"publication"}:
        wanted.add(lifecycle.VALIDATED)
    if kinds & {"validation"}:
        wanted.add(lifecycle.VERIFIED)
    if kinds & {"returned"}:
        wanted.add(lifecycle.DRAFT)
    if kinds & {"update"}:
        wanted.add(lifecycle.PUBLISHED)
    query = (model.Session.query(model.Package, status.c.state, status.c.since,
                                 status.c.last_transition)
             .join(status, status.c.package_id == model.Package.id)
             .filter(model.Package.state == "active", status.c.state.in_(wanted)))
    if org_ids is not None:
        if not org_ids:
            return []
        query = query.filter(model.Package.owner_org.in_(org_ids))
    out = []
    for pkg, state, since, last in query.order_by(status.c.since):
        base = {"package_id": pkg.id, "name": pkg.name, "title": pkg.title,
                "owner_org": pkg.owner_org, "state": state,
                "since": since.isoformat() if since else None}
        if state == lifecycle.SUBMITTED and "verification" in kinds:
            start, pauses = verification_clock(_audit_rows(pkg.id))
            start = start or workdays.local_date(since)
            due = workdays.deadline(start, VERIFICATION_DAYS, pauses, today=on)
            out.append(_entry("verification", due, on, **base))
        elif state == lifecycle.VALIDATED and "publication" in kinds:
            out.append(_entry("publication", None, on, **base))
        elif state == lifecycle.VERIFIED and "validation" in kinds:
            due = workdays.add_working_days(workdays.local_date(since), VALIDATION_DAYS)
            out.append(_entry("validation", due, on, **base))
        elif state == lifecycle.DRAFT and "returned" in kinds and last in ("return", "withdraw"):
            out.append(_entry("returned", None, on, **base))
        elif state == lifecycle.PUBLISHED and "update" in kinds:
            extras = pkg.extras
            period = extras.get("periode_referensi_selesai") or extras.get(
                "periode_referensi_mulai")
            due = workdays.next_update_due(extras.get("frequency"),
                                           workdays.local_date(since),
                                           int(period) if str(period or "").isdigit() else None)
            if due is not None and due <= on + dt.timedelta(days=horizon):
                out.append(_entry("update", due, on, frequency=extras.get("frequency"), **base))
    return out


def _records_entries(kinds: set[str], org_ids: Optional[list[str]],
                     on: dt.date) -> list[dict[str, Any]]:
    out = []
    if "agreement" in kinds:
        for dd in model.Session.query(DaftarData).filter(DaftarData.status == DD_DRAFT):
            out.append(_entry("agreement", agreement_deadline(dd), on, daftar_data_id=dd.id,
                              year=dd.year, revision=dd.revision))
    if "daftar_data_missing" in kinds and latest_agreed(on.year) is None:
        draft = model.Session.query(DaftarData).filter(DaftarData.year == on.year).first()
        if draft is None:
            out.append(_entry("daftar_data_missing", None, on, year=on.year))
    if "statement" in kinds:
        years = [r[0] for r in model.Session.query(DaftarData.year)
                 .filter(DaftarData.status == DD_AGREED).distinct()]
        for year in sorted(years):
            dd = latest_agreed(year)
            if dd is None:
                continue
            orgs = {i.owner_org for i in items_of(dd)}
            done = {r[0] for r in model.Session.query(Statement.owner_org)
                    .filter(Statement.daftar_data_id == dd.id)}
            names = _org_names(orgs)
            for org_id in sorted(orgs - done):
                if org_ids is not None and org_id not in org_ids:
                    continue
                org = names.get(org_id)
                out.append(_entry("statement", statement_deadline(dd), on,
                                  daftar_data_id=dd.id, year=dd.year, owner_org=org_id,
                                  title=org.title if org else org_id))
    return out


def deadline_items(user: model.User, on: Optional[dt.date] = None,
                   horizon: int = 30) -> list[dict[str, Any]]:
    """What is due or overdue for ``user``, by role (oldest deadline first).

    Walidata: verification and publication. OPD members: validation letters, returned
    datasets, data updates due within ``horizon`` days (from frequency and period),
    statements. Sekretariat SDI: Daftar Data agreement and statements of every OPD.
    Pembina Data and sysadmins: everything.
    """
    on = on or today()
    roles = _roles(user)
    everything = _is_sysadmin(user) or lifecycle.PEMBINA in roles
    out: list[dict[str, Any]] = []
    global_kinds: set[str] = set()
    if everything or lifecycle.WALIDATA in roles:
        global_kinds |= {"verification", "publication"}
    if everything:
        global_kinds |= {"validation", "returned", "update"}
    if global_kinds:
        out += _dataset_entries(global_kinds, None, on, horizon)
    record_kinds: set[str] = set()
    if everything or lifecycle.SEKRETARIAT in roles:
        record_kinds = {"agreement", "daftar_data_missing", "statement"}
        out += _records_entries(record_kinds, None, on)
    org_ids = _orgs_of(user)
    if org_ids and not everything:
        opd_kinds = {"validation", "returned", "update"} - global_kinds
        out += _dataset_entries(opd_kinds, org_ids, on, horizon)
        if "statement" not in record_kinds:
            out += _records_entries({"statement"}, org_ids, on)
    out.sort(key=lambda e: (e["due"] is None, e["due"] or "", e["kind"]))
    return out
