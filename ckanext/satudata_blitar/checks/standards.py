"""Data standards: Table Schemas shipped in ``schemas/standards/`` plus the registry table.

Shipped standards are read-only package data; the Walidata adds more through
``satudata_standard_create`` (rows of ``satudata_blitar_standard``). A registered standard may
not reuse the name of a shipped one.
"""
from __future__ import annotations

import functools
import glob
import json
import os
import re
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import schemas as _schemas_pkg
from ckanext.satudata_blitar.model.checks import Standard

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")
SDS_RE = re.compile(r"^[A-Z]{1,2}\d{5}\.\d{2}\.\d{2}$")
AREA_LEVELS = ("kota", "kecamatan", "kelurahan", "any")


def standards_dir() -> str:
    """Folder of the shipped Table Schemas."""
    return os.path.join(os.path.dirname(_schemas_pkg.__file__), "standards")


@functools.lru_cache(maxsize=1)
def builtin_standards() -> dict[str, dict[str, Any]]:
    """Shipped standards by name (static package data, cached per process)."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(glob.glob(os.path.join(standards_dir(), "*.json"))):
        with open(path, encoding="utf-8") as f:
            descriptor = json.load(f)
        name = descriptor.get("name") or os.path.splitext(os.path.basename(path))[0]
        out[name] = descriptor
    return out


def get_standard(name: Optional[str]) -> Optional[dict[str, Any]]:
    """Table Schema descriptor of a standard, or None if there is none of that name."""
    if not name:
        return None
    builtin = builtin_standards().get(name)
    if builtin is not None:
        return builtin
    row = model.Session.get(Standard, name)
    return dict(row.schema) if row is not None else None


def summary(name: str, descriptor: dict[str, Any], source: str) -> dict[str, Any]:
    """What the API and UI show of a standard."""
    sdi = descriptor.get("sdi") or {}
    return {
        "name": name,
        "title": descriptor.get("title") or name,
        "description": descriptor.get("description") or "",
        "source": source,
        "sds_code": sdi.get("sdsCode") or None,
        "fields": [f["name"] for f in descriptor.get("fields", [])],
        "primary_key": descriptor.get("primaryKey") or [],
        "schema": descriptor,
    }


def list_standards() -> list[dict[str, Any]]:
    """Every standard, shipped ones first, by name."""
    out = [summary(n, d, "builtin") for n, d in sorted(builtin_standards().items())]
    rows = model.Session.query(Standard).order_by(Standard.name).all()
    out.extend(summary(r.name, dict(r.schema), "registry") for r in rows)
    return out


def parse_descriptor(raw: Any) -> tuple[Optional[dict[str, Any]], list[str]]:
    """Parse and validate an uploaded Table Schema (JSON text, bytes or dict).

    :returns: ``(descriptor, [])`` or ``(None, [messages])`` in the reader's language
    """
    from frictionless import Schema

    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, [tk._("The file is not UTF-8 text. Save the Table Schema as a UTF-8 "
                               "JSON file.")]
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            return None, [tk._("The Table Schema is not valid JSON (line %(line)s, column "
                               "%(col)s: %(msg)s). Check brackets, commas and quotes.")
                          % {"line": getattr(exc, "lineno", "?"), "col": getattr(exc, "colno", "?"),
                             "msg": getattr(exc, "msg", str(exc))}]
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), list) or not raw["fields"]:
        return None, [tk._("The Table Schema needs a list \"fields\" with at least one column.")]
    report = Schema.validate_descriptor(raw)
    if not report.valid:
        return None, [tk._("The Table Schema is not valid: %(note)s. See "
                           "https://specs.frictionlessdata.io/table-schema/ for the format.")
                      % {"note": e.note} for e in report.errors]
    names = [f.get("name") for f in raw["fields"]]
    errors: list[str] = []
    sdi = raw.get("sdi") or {}
    if not isinstance(sdi, dict):
        return None, [tk._("\"sdi\" must be an object with the SDI settings of the standard.")]
    for key in ("areaCodeField", "yearField"):
        if sdi.get(key) and sdi[key] not in names:
            errors.append(tk._("sdi.%(key)s names the column '%(col)s', which is not in "
                               "\"fields\".") % {"key": key, "col": sdi[key]})
    if sdi.get("areaLevel") and sdi["areaLevel"] not in AREA_LEVELS:
        errors.append(tk._("sdi.areaLevel must be one of: %(levels)s.")
                      % {"levels": ", ".join(AREA_LEVELS)})
    if sdi.get("sdsCode") and not SDS_RE.match(str(sdi["sdsCode"])):
        errors.append(tk._("sdi.sdsCode '%(code)s' is not an SDS code like SD00001.00.00.")
                      % {"code": sdi["sdsCode"]})
    key = raw.get("primaryKey") or []
    for k in [key] if isinstance(key, str) else key:
        if k not in names:
            errors.append(tk._("primaryKey names the column '%(col)s', which is not in "
                               "\"fields\".") % {"col": k})
    return (None, errors) if errors else (raw, [])


def template_file(descriptor: dict[str, Any], fmt: str) -> bytes:
    """An empty CSV or XLSX file with the header of a standard, for producers to fill in.

    The XLSX has a single sheet (a second sheet would be reported by the check) and the
    description of each column as a cell comment. Headers go through the spreadsheets
    module's formula rule like every cell the portal writes.

    :param descriptor: the standard's Table Schema
    :param fmt: ``csv`` or ``xlsx``
    """
    names = [f["name"] for f in descriptor.get("fields", [])]
    if fmt == "csv":
        import csv
        import io

        from ckanext.satudata_blitar import spreadsheets

        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(spreadsheets.csv_row(names))
        return buf.getvalue().encode("utf-8")
    if fmt == "xlsx":
        import io

        import openpyxl
        from openpyxl.comments import Comment
        from openpyxl.styles import Font

        from ckanext.satudata_blitar import spreadsheets

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "data"
        spreadsheets.xlsx_append(sheet, names)
        for col, field in enumerate(descriptor.get("fields", []), start=1):
            cell = sheet.cell(row=1, column=col)
            cell.font = Font(bold=True)
            note = field.get("description") or field.get("title")
            if note:
                cell.comment = Comment(str(note), "Satu Data")
            sheet.column_dimensions[cell.column_letter].width = max(12, len(field["name"]) + 2)
            if field.get("type") in ("string",):
                sheet.column_dimensions[cell.column_letter].number_format = "@"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    raise ValueError(fmt)
