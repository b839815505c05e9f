"""The yearly Daftar Data (SOP steps 1–3): revisions, items, the datasets realising them,
and the CSV/XLSX spreadsheets it is imported from and exported to."""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, Callable, Iterable, Optional
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckanext.satudata_blitar import lifecycle, permissions, spreadsheets, workdays
from ckanext.satudata_blitar.model.records import (
    DD_AGREED, DD_DRAFT, DaftarData, DaftarDataItem,
)
from ckanext.satudata_blitar.records.common import org_names, parse_bool, resolve_org


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


#: an import holds at most this many rows (header included); a city's list has hundreds
IMPORT_MAX_ROWS = 10_000
#: an imported workbook may unpack to at most this much
IMPORT_MAX_UNCOMPRESSED = 20 * 1024 * 1024


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
        priority = parse_bool(row.get("priority"))
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


def realising_datasets(item_codes: Iterable[str],
                       reader: Optional[Callable[[model.Package], bool]] = None,
                       ) -> dict[str, list[dict[str, Any]]]:
    """Datasets whose ``daftar_data_item`` field names each item code (active ones), those
    the reader may see only: ``reader`` is :func:`permissions.dataset_reader` of the caller
    (default: an anonymous visitor, who sees published datasets only). A dataset the reader
    may not see is left out altogether, not counted: its name, title, state and existence
    stay with those who may open it."""
    from ckanext.satudata_blitar import revisions  # noqa: PLC0415

    can_see = reader or permissions.dataset_reader(None)
    codes = list(set(item_codes))
    if not codes:
        return {}
    rows = (model.Session.query(model.PackageExtra.value, model.Package)
            .join(model.Package, model.Package.id == model.PackageExtra.package_id)
            .filter(model.PackageExtra.key == "daftar_data_item",
                    model.PackageExtra.state == "active",
                    model.PackageExtra.value.in_(codes),
                    model.Package.state == "active",
                    # a pending revision realises nothing of its own (docs/revisions.md)
                    revisions.not_shadow_clause(model.Package.id)).all())
    out: dict[str, list[dict[str, Any]]] = {}
    for code, pkg in rows:
        if not can_see(pkg):
            continue
        out.setdefault(code, []).append({
            "id": pkg.id, "name": pkg.name, "title": pkg.title, "owner_org": pkg.owner_org,
            "state": lifecycle.get_state(pkg)})
    return out


def daftar_data_dict(dd: DaftarData, with_items: bool = True,
                     reader: Optional[Callable[[model.Package], bool]] = None,
                     ) -> dict[str, Any]:
    """A revision as a dict; with its items, each with the realising datasets ``reader`` may
    see (:func:`realising_datasets`)."""
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
        orgs = org_names(i.owner_org for i in items)
        datasets = realising_datasets((i.code for i in items), reader)
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
    """SOP step 3: the Forum agrees the Daftar Data within its working days of drafting."""
    return workdays.due("agreement", workdays.local_date(dd.drafted_at))  # type: ignore[return-value]


def statement_deadline(dd: DaftarData) -> dt.date:
    """SOP step 4: statements are due within their working days after the agreement."""
    assert dd.agreed_date is not None
    return workdays.due("statement", dd.agreed_date)  # type: ignore[return-value]


def export_rows(dd: DaftarData) -> list[list[str]]:
    """Header plus one row per item, OPDs by name."""
    items = items_of(dd)
    orgs = org_names(i.owner_org for i in items)
    rows = [list(COLUMNS)]
    for item in items:
        org = orgs.get(item.owner_org)
        rows.append([item.code, item.name, org.name if org else item.owner_org,
                     item.frequency or "", item.data_type or "", item.data_standard or "",
                     item.unit or "", "ya" if item.priority else "tidak", item.notes or ""])
    return rows


def export_csv(dd: DaftarData) -> bytes:
    """CSV (UTF-8 with BOM so spreadsheet programs read it as UTF-8, comma separated);
    formula-like text is neutralised (:func:`spreadsheets.neutralise`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in export_rows(dd):
        writer.writerow(spreadsheets.csv_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(dd: DaftarData) -> bytes:
    """XLSX with one sheet named after the year and revision."""
    import openpyxl  # noqa: PLC0415

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"Daftar Data {dd.year} r{dd.revision}"[:31]
    for row in export_rows(dd):
        spreadsheets.xlsx_append(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_values(content: bytes) -> list[list[Any]]:
    """The first sheet's rows, read within the import's limits (decompression bombs are
    refused before openpyxl opens the file)."""
    lim = spreadsheets.limits(max_uncompressed=IMPORT_MAX_UNCOMPRESSED,
                              max_rows=IMPORT_MAX_ROWS)
    try:
        with spreadsheets.open_xlsx(content, lim) as (book, _facts):
            if not book.worksheets:
                return []
            return list(spreadsheets.sheet_rows(book.worksheets[0], lim))
    except spreadsheets.Refused as refused:
        raise tk.ValidationError({"upload": [refused.message()]}) from refused
    except Exception as e:  # openpyxl and zipfile raise many kinds for a damaged file
        raise tk.ValidationError({"upload": [tk._(
            "The file is not a readable XLSX workbook.")]}) from e


def parse_table(content: bytes, fmt: str) -> list[dict[str, Any]]:
    """Rows of an uploaded CSV or XLSX as dicts keyed by the header row.

    A text cell the portal neutralised on export (``'=…``) reads back as it was written.
    """
    fmt = (fmt or "").lower().lstrip(".")
    if fmt == "xlsx":
        values = _xlsx_values(content)
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
        values = []
        for r in csv.reader(io.StringIO(text), dialect):
            if len(values) >= IMPORT_MAX_ROWS:
                raise tk.ValidationError({"upload": [spreadsheets.Refused(
                    "too-many-rows", limit=IMPORT_MAX_ROWS).message()]})
            values.append(r)
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
        cells = [("" if c is None else str(c) if not isinstance(c, str)
                  else spreadsheets.restore(c)) for c in values_row]
        cells += [""] * (len(header) - len(cells))
        rows.append({h: cells[i] for i, h in enumerate(header) if h})
    return rows
