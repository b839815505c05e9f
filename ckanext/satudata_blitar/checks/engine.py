"""The data-standard check of one tabular file (CSV or XLSX) with frictionless 5.

``check_file`` never raises on bad input: every problem becomes an *issue* in the returned
report (see ``messages``). It reads the file and never writes it, so a failing check can
never lose or corrupt the upload.

One pass over the data: frictionless validates types and constraints of the data standard
(a Table Schema), and the SDI checks (area codes, reference period, duplicate keys) run in
its ``on_row`` callback on the rows frictionless has already parsed. Before that, cheap
pre-checks on the raw bytes catch what frictionless reports poorly: empty and binary files,
mixed encodings, the column separator, Indonesian number separators and the header.

An XLSX workbook is inspected before it is opened and then streamed row by row within the
workbook limits (``spreadsheets``): a decompression bomb is refused, never unpacked. Text
cells that a spreadsheet program would run as a formula get a warning.
"""
from __future__ import annotations

import codecs
import copy
import csv
import difflib
import io
import operator
import os
import re
import time
import zipfile
from typing import Any, Optional

from ckanext.satudata_blitar import spreadsheets
from ckanext.satudata_blitar.checks import messages as m
from ckanext.satudata_blitar.checks.reference import BPS, KEMENDAGRI, load_reference

TABULAR_FORMATS = ("csv", "xlsx")
DEFAULT_LIMIT = 500
_SAMPLE_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
_DELIMITERS = (",", ";", "\t", "|")
_SYSTEM_LABEL = {KEMENDAGRI: "Kemendagri", BPS: "BPS"}
_MAGIC = (
    (b"PK\x03\x04", "an Excel (.xlsx) or ZIP file"),
    (b"%PDF", "a PDF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Word file"),
)
_ID_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$|^-?\d+,\d+$")
_INTL_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$|^-?\d+\.\d{1,2}$|^-?\d+\.\d{4,}$")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
#: formula-like cells listed one by one; the rest are counted
FORMULA_WARNINGS = 20
_TRIGGER_CHARS = "".join(spreadsheets.FORMULA_TRIGGERS)
_TAB_CR = {"\t": m.N_("a tab"), "\r": m.N_("a carriage return")}


class _Stop(Exception):
    """A pre-check found a problem that makes reading the data pointless."""


def check_file(path: str, fmt: Optional[str] = None, *, standard: Optional[dict[str, Any]] = None,
               standard_name: Optional[str] = None,
               period: Optional[tuple[Optional[int], Optional[int]]] = None,
               region: str = "Kota Blitar", limit_errors: int = DEFAULT_LIMIT,
               xlsx_limits: Optional[spreadsheets.Limits] = None) -> dict[str, Any]:
    """Check one file against a data standard and the SDI rules.

    :param path: local path of the file
    :param fmt: ``csv`` or ``xlsx`` (default: from the file name)
    :param standard: Table Schema descriptor of the data standard, or None
    :param standard_name: its name, quoted in messages
    :param period: (first year, last year) of the dataset's reference period
    :param region: region name quoted in area-code messages
    :param limit_errors: stop listing problems after this many
    :param xlsx_limits: how much of a workbook to read (default: the portal's configuration)
    :returns: the report dict (``status`` is ``passed`` or ``failed``)
    """
    started = time.perf_counter()
    fmt = (fmt or os.path.splitext(path)[1].lstrip(".")).lower()
    state = _State(standard=standard, standard_name=standard_name or "", period=period,
                   region=region, limit=limit_errors, fmt=fmt)
    state.xlsx_limits = xlsx_limits or spreadsheets.limits()
    try:
        if fmt not in TABULAR_FORMATS:
            state.add(m.issue("unsupported-format", m.WARNING, format=fmt.upper() or "?"))
            raise _Stop()
        if not os.path.exists(path):
            state.add(m.issue("no-file"))
            raise _Stop()
        if os.path.getsize(path) == 0:
            state.add(m.issue("file-empty"))
            raise _Stop()
        if standard is None:
            state.add(m.issue("no-standard", m.WARNING))
        if fmt == "csv":
            labels = _precheck_csv(path, state)
        else:
            labels = _precheck_xlsx(path, state)
        _check_header(labels, state)
        _validate(path, state)
    except _Stop:
        pass
    except Exception as exc:  # noqa: BLE001 - a report must always come back
        state.add(m.issue("check-crashed", note=f"{type(exc).__name__}: {exc}"))
    return state.report(time.perf_counter() - started)


class _State:
    """Everything learnt about one file while checking it."""

    def __init__(self, *, standard: Optional[dict[str, Any]], standard_name: str,
                 period: Optional[tuple[Optional[int], Optional[int]]], region: str,
                 limit: int, fmt: str) -> None:
        self.standard = standard
        self.standard_name = standard_name
        self.period = period
        self.region = region
        self.limit = limit
        self.fmt = fmt
        self.issues: list[dict[str, Any]] = []
        self.errors = 0
        self.truncated = False
        self.encoding: Optional[str] = None
        self.delimiter: Optional[str] = None
        self.sheet: Optional[str] = None
        self.number_format = "standard"
        self.area_system: Optional[str] = None
        self.rows = 0
        self.labels: list[str] = []
        self.integer_as_number: set[str] = set()
        self.required: set[str] = set()
        self.minimums: dict[str, Any] = {}
        self.frictionless: dict[str, Any] = {}
        self.xlsx_limits = spreadsheets.Limits()
        self.xlsx_facts: Optional[spreadsheets.XlsxFacts] = None

    def add(self, item: dict[str, Any]) -> None:
        if item["severity"] == m.ERROR:
            if self.errors >= self.limit:
                self.truncated = True
                return
            self.errors += 1
        self.issues.append(item)

    @property
    def full(self) -> bool:
        return self.errors >= self.limit

    def report(self, seconds: float) -> dict[str, Any]:
        if self.truncated:
            self.issues.append(m.issue("too-many-errors", m.WARNING, limit=self.limit))
        if self.area_system:
            self.issues.append(m.issue("area-system", m.INFO,
                                       system=_SYSTEM_LABEL[self.area_system]))
        if self.encoding:
            self.issues.append(m.issue("file-encoding", m.INFO, encoding=self.encoding))
        self.issues.sort(key=lambda i: ({"error": 0, "warning": 1, "info": 2}[i["severity"]],
                                        i.get("row") or 0))
        return {
            "status": "failed" if self.errors else "passed",
            "valid": not self.errors,
            "standard": self.standard_name or None,
            "format": self.fmt,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "number_format": self.number_format,
            "area_code_system": self.area_system,
            "rows": self.rows,
            "columns": self.labels,
            "error_count": self.errors,
            "warning_count": sum(1 for i in self.issues if i["severity"] == m.WARNING),
            "truncated": self.truncated,
            "issues": self.issues,
            "frictionless": self.frictionless,
            "seconds": round(seconds, 3),
        }


# -- pre-checks on the raw file ---------------------------------------------------------------

def _precheck_csv(path: str, state: _State) -> list[str]:
    with open(path, "rb") as f:
        head = f.read(_SAMPLE_BYTES)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            state.add(m.issue("file-binary", kind=kind))
            raise _Stop()
    if b"\x00" in head[:8192]:
        state.add(m.issue("file-binary", kind="a binary file"))
        raise _Stop()
    if not head.strip():
        state.add(m.issue("file-empty"))
        raise _Stop()
    state.encoding = _detect_encoding(path, head, state)
    text = head.decode(state.encoding, errors="ignore")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 2:
        state.add(m.issue("file-no-rows"))
        raise _Stop()
    state.delimiter, labels = _detect_delimiter(lines[0], state)
    if state.delimiter != ",":
        shown = "tab" if state.delimiter == "\t" else state.delimiter
        state.add(m.issue("file-delimiter", m.WARNING, delimiter=shown))
    sample = list(csv.reader(io.StringIO("\n".join(lines[1:-1] or lines[1:])),
                             delimiter=state.delimiter))
    _detect_number_format(labels, sample, state)
    return labels


def _detect_encoding(path: str, head: bytes, state: _State) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes; else a legacy 8-bit encoding.

    A file that is mostly UTF-8 with some bytes from another encoding (two exports pasted
    together) is refused with the line where the other encoding starts.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    newlines = 0
    has_multibyte = False
    with open(path, "rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                bad = offset + exc.start
                line = newlines + chunk[: exc.start].count(b"\n") + 1
                f.seek(0)
                whole_has_utf8 = has_multibyte or bool(_UTF8_MULTIBYTE.search(chunk[: exc.start]))
                if whole_has_utf8:
                    state.add(m.issue("file-encoding-mixed", line=line))
                    raise _Stop()
                # no valid multi-byte UTF-8 before the bad byte: check the rest of the file
                f.seek(bad)
                if any(_valid_utf8_runs(part) for part in iter(lambda: f.read(_CHUNK), b"")):
                    state.add(m.issue("file-encoding-mixed", line=line))
                    raise _Stop()
                state.add(m.issue("file-encoding-legacy", m.WARNING, encoding="windows-1252"))
                return "cp1252"
            if not chunk:
                break
            has_multibyte = has_multibyte or bool(_UTF8_MULTIBYTE.search(chunk))
            newlines += chunk.count(b"\n")
            offset += len(chunk)
    return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"


def _valid_utf8_runs(data: bytes) -> bool:
    for match in _UTF8_MULTIBYTE.finditer(data):
        try:
            match.group().decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


def _detect_delimiter(header_line: str, state: _State) -> tuple[str, list[str]]:
    wanted = {f["name"] for f in (state.standard or {}).get("fields", [])}
    best: tuple[tuple[int, int], str, list[str]] | None = None
    for delim in _DELIMITERS:
        labels = next(csv.reader([header_line], delimiter=delim))
        score = (sum(1 for lb in labels if lb.strip() in wanted), len(labels))
        if best is None or score > best[0]:
            best = (score, delim, labels)
    assert best is not None
    (matches, ncols), delim, labels = best
    if ncols == 1 and len(wanted) > 1:
        state.add(m.issue("file-delimiter-unknown"))
        raise _Stop()
    return delim, labels


def _numeric_fields(state: _State) -> dict[str, str]:
    return {f["name"]: f.get("type", "string") for f in (state.standard or {}).get("fields", [])
            if f.get("type") in ("integer", "number")}


def _detect_number_format(labels: list[str], sample: list[list[str]], state: _State) -> None:
    """Read 1.234,5 as 1234.5 when the file consistently writes numbers the Indonesian way."""
    numeric = _numeric_fields(state)
    positions = [i for i, lb in enumerate(labels) if lb.strip() in numeric]
    indonesian = international = 0
    for row in sample:
        for i in positions:
            if i < len(row):
                cell = row[i].strip()
                if _ID_NUMBER.match(cell):
                    indonesian += 1
                elif _INTL_NUMBER.match(cell):
                    international += 1
    if indonesian and not international:
        state.number_format = "indonesian"
        state.add(m.issue("number-format-detected", m.INFO))


def _precheck_xlsx(path: str, state: _State) -> list[str]:
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            head = f.read(8)
        kind = "an old Excel (.xls) file" if head.startswith(b"\xd0\xcf\x11\xe0") else "not XLSX"
        state.add(m.issue("file-unreadable", note=kind))
        raise _Stop()
    # the archive is inspected before openpyxl opens it (decompression bombs), and opened in
    # read-only streaming mode only; merged cells come from that inspection
    try:
        with spreadsheets.open_xlsx(path, state.xlsx_limits) as (book, facts):
            state.xlsx_facts = facts
            if not book.worksheets:
                state.add(m.issue("file-empty"))
                raise _Stop()
            sheet = book.worksheets[0]
            state.sheet = sheet.title
            if len(book.worksheets) > 1:
                state.add(m.issue("xlsx-sheets", m.WARNING, count=len(book.worksheets),
                                  sheet=sheet.title))
            merged = [r for r in facts.merged if _first_row(r) <= 1]
            if merged:
                state.add(m.issue("xlsx-merged-header", cells=", ".join(merged[:5])))
                raise _Stop()
            rows = spreadsheets.sheet_rows(sheet, state.xlsx_limits)
            header = next(rows, None)
            first = next(rows, None)
            rows.close()
    except spreadsheets.Refused as refused:
        state.add(m.issue(refused.code, **refused.params))
        raise _Stop() from None
    except _Stop:
        raise
    except Exception as exc:  # noqa: BLE001 - corrupt workbooks raise many types
        state.add(m.issue("file-unreadable", note=type(exc).__name__))
        raise _Stop() from None
    if not header or all(c is None for c in header):
        state.add(m.issue("file-empty"))
        raise _Stop()
    while header and header[-1] is None:
        header = header[:-1]
    if first is None or all(c is None for c in first):
        state.add(m.issue("file-no-rows"))
        raise _Stop()
    return ["" if c is None else str(c) for c in header]


def _first_row(cell_range: str) -> int:
    digits = re.search(r"\d+", cell_range)
    return int(digits.group()) if digits else 0


# -- header -------------------------------------------------------------------------------------

def _check_header(labels: list[str], state: _State) -> None:
    state.labels = [lb.strip() for lb in labels]
    seen: set[str] = set()
    for pos, label in enumerate(state.labels, start=1):
        if not label:
            state.add(m.issue("header-blank", position=pos))
        elif label in seen:
            state.add(m.issue("header-duplicate", column=label))
        seen.add(label)
    if state.standard is None:
        return
    fields = state.standard.get("fields", [])
    names = [f["name"] for f in fields]
    present = set(state.labels)
    for f in fields:
        if f["name"] in present:
            continue
        required = (f.get("constraints") or {}).get("required", False)
        code, sev = ("header-missing-required", m.ERROR) if required else (
            "header-missing-optional", m.WARNING)
        state.add(m.issue(code, sev, column=f["name"], standard=state.standard_name))
    for label in state.labels:
        if label and label not in names:
            close = difflib.get_close_matches(label.lower().replace(" ", "_"),
                                              [n for n in names if n not in present], n=1)
            if close:
                state.add(m.issue("header-unknown-suggest", column=label,
                                  standard=state.standard_name, suggestion=close[0]))
            else:
                state.add(m.issue("header-unknown", column=label, standard=state.standard_name))
    in_file = [lb for lb in state.labels if lb in names]
    if in_file != [n for n in names if n in present]:
        state.add(m.issue("header-order", m.INFO))


# -- frictionless pass + SDI row checks ----------------------------------------------------------

def _schema_for(state: _State) -> Optional[dict[str, Any]]:
    if state.standard is None:
        return None
    schema = copy.deepcopy(state.standard)
    for key in ("primaryKey", "foreignKeys", "sdi", "name", "title", "description"):
        schema.pop(key, None)
    present = set(state.labels)
    schema["fields"] = [f for f in schema["fields"] if f["name"] in present]
    # "required" and a numeric "minimum" are checked in _RowChecks on the parsed row: the
    # same rule, a fraction of frictionless's per-cell constraint cost (see bench/)
    for f in schema["fields"]:
        constraints = f.get("constraints")
        if not constraints:
            continue
        if constraints.pop("required", False):
            state.required.add(f["name"])
        minimum = constraints.get("minimum")
        if isinstance(minimum, (int, float)) and not isinstance(minimum, bool):
            state.minimums[f["name"]] = constraints.pop("minimum")
        if not constraints:
            f.pop("constraints")
    if state.number_format == "indonesian":
        for f in schema["fields"]:
            if f.get("type") == "integer":
                f["type"] = "number"
                state.integer_as_number.add(f["name"])
            if f.get("type") == "number":
                f["decimalChar"] = ","
                f["groupChar"] = "."
    return schema


def _validate(path: str, state: _State) -> None:
    from frictionless import Detector, Dialect, FrictionlessException, Resource, Schema, formats

    schema_descriptor = _schema_for(state)
    options: dict[str, Any] = {}
    if schema_descriptor is not None:
        options["schema"] = Schema.from_descriptor(schema_descriptor)
        options["detector"] = Detector(schema_sync=True)
    table: Optional[spreadsheets.XlsxTable] = None
    if state.fmt == "csv":
        options["encoding"] = state.encoding
        options["dialect"] = Dialect(controls=[formats.CsvControl(delimiter=state.delimiter)])
        # a relative path under an explicit basepath: frictionless refuses absolute paths
        resource = Resource(os.path.basename(path), basepath=os.path.dirname(path) or ".",
                            format="csv", **options)
    else:
        # the first sheet streamed within the workbook limits, as rows of Python values
        table = spreadsheets.XlsxTable(path, state.xlsx_limits, state.xlsx_facts)
        resource = Resource(data=table, format="inline", **options)
    rows = _RowChecks(state)
    try:
        report = resource.validate(on_row=rows, limit_errors=state.limit)
    except FrictionlessException as exc:
        state.add(m.issue("file-unreadable", note=exc.error.note))
        return
    if table is not None and table.refused is not None:
        state.add(m.issue(table.refused.code, **table.refused.params))
    elif table is not None and table.error is not None:
        state.add(m.issue("file-unreadable", note=type(table.error).__name__))
    task = report.tasks[0] if report.tasks else None
    state.frictionless = {"valid": report.valid, "stats": dict(report.stats),
                          "warnings": list(report.warnings)}
    if task is not None:
        state.rows = task.stats.get("rows") or rows.count
        state.frictionless["task_stats"] = dict(task.stats)
    for err in report.flatten(["type", "rowNumber", "fieldName", "cell", "note"]) if task else []:
        _map_frictionless(*err, state=state)
    rows.finish()
    if state.rows == 0 and not state.errors:
        state.add(m.issue("file-no-rows"))


def _map_frictionless(ftype: str, row: Optional[int], column: Optional[str], cell: Any,
                      note: str, *, state: _State) -> None:
    fields = {f["name"]: f for f in (state.standard or {}).get("fields", [])}
    field = fields.get(column or "", {})
    if ftype in ("extra-label", "missing-label", "incorrect-label", "duplicate-label",
                 "blank-label", "blank-header"):
        if state.standard is None and ftype in ("duplicate-label", "blank-label"):
            return  # reported by _check_header already
        return
    if ftype == "type-error":
        ftype_name = field.get("type", "")
        if column in state.integer_as_number:
            ftype_name = "integer"
        label, example = m.TYPE_LABELS.get(ftype_name, (m.N_("value"), "…"))
        text = "" if cell is None else str(cell)
        if ftype_name in ("integer", "number") and _ID_NUMBER.match(text.strip()):
            state.add(m.issue("number-format-indonesian", row=row, column=column, value=text,
                              example=_indonesian_to_plain(text.strip())))
        else:
            state.add(m.issue("type-error", row=row, column=column, value=text,
                              type_label=label, example=example))
    elif ftype == "constraint-error":
        constraints = field.get("constraints") or {}
        text = "" if cell is None else str(cell)
        if note.startswith('constraint "required"'):
            state.add(m.issue("required-missing", row=row, column=column))
        elif note.startswith('constraint "minimum"') and constraints.get("minimum") == 0:
            state.add(m.issue("negative-count", row=row, column=column, value=text))
        elif note.startswith('constraint "minimum"'):
            state.add(m.issue("constraint-minimum", row=row, column=column, value=text,
                              limit=constraints.get("minimum")))
        elif note.startswith('constraint "maximum"'):
            state.add(m.issue("constraint-maximum", row=row, column=column, value=text,
                              limit=constraints.get("maximum")))
        elif note.startswith('constraint "enum"'):
            state.add(m.issue("constraint-enum", row=row, column=column, value=text,
                              allowed=", ".join(map(str, constraints.get("enum", [])))))
        else:
            state.add(m.issue("constraint-other", row=row, column=column, value=text, note=note))
    elif ftype in ("missing-cell", "extra-cell", "blank-row"):
        state.add(m.issue(ftype, row=row, column=column if ftype == "missing-cell" else None))
    elif ftype in ("encoding-error", "source-error", "format-error", "scheme-error",
                   "resource-error", "schema-error", "field-error", "dialect-error"):
        state.add(m.issue("file-unreadable", note=note))
    else:
        state.add(m.issue("frictionless", row=row, column=column, note=f"{ftype}: {note}"))


def _indonesian_to_plain(text: str) -> str:
    return text.replace(".", "").replace(",", ".")


class _RowChecks:
    """SDI checks on each parsed row (frictionless ``on_row`` callback)."""

    def __init__(self, state: _State) -> None:
        self.state = state
        self.count = 0
        sdi = (state.standard or {}).get("sdi", {})
        present = set(state.labels)
        area = sdi.get("areaCodeField", "kode_wilayah" if state.standard is None else None)
        self.area_field = area if area in present else None
        self.area_level = sdi.get("areaLevel", "any")
        year = sdi.get("yearField", "tahun" if state.standard is None else None)
        self.year_field = year if year in present else None
        start, end = state.period or (None, None)
        self.start, self.end = start, end
        key = (state.standard or {}).get("primaryKey") or []
        key = [key] if isinstance(key, str) else list(key)
        self.key = key if key and all(k in present for k in key) else []
        self.keys_seen: dict[Any, int] = {}
        self.multi_key = len(self.key) > 1
        self.key_of = operator.itemgetter(*self.key) if self.key else None
        if self.year_field is not None and not (start or end):
            self.year_field = None  # no reference period in the metadata: nothing to compare
        self.low = start or -10**9
        self.high = end or 10**9
        self.integers = sorted(state.integer_as_number)
        #: (field, minimum or None, required) for every field with one of the two rules
        self.cells = [(name, state.minimums.get(name), name in state.required)
                      for name in sorted(state.required | set(state.minimums))]
        self.reference = load_reference()
        self.system_row = 0
        self._known: dict[str, tuple[Any, Optional[str]]] = {}
        #: codes already accepted (valid, the file's system, the right level)
        self._fine: set[str] = set()
        #: text columns, where a cell may look like a formula (None: from the first row)
        self.text_fields: Optional[list[str]] = None
        if state.standard is not None:
            self.text_fields = [f["name"] for f in state.standard.get("fields", [])
                                if f["name"] in present and f.get("type", "string") == "string"]
        self.formulas = 0

    def __call__(self, row: Any) -> None:
        # hot path, once per row (~2 us): plain dict lookups on the row frictionless parsed
        self.count += 1
        state = self.state
        if state.errors >= state.limit:
            return
        area = self.area_field
        if area is not None:
            value = row[area]
            if value is not None and value not in self._fine:
                self._area(str(value), row.row_number)
        year_field = self.year_field
        if year_field is not None:
            year = row[year_field]
            if year is not None and (year < self.low or year > self.high):
                state.add(m.issue("year-outside-period", row=row.row_number, column=year_field,
                                  value=year, start=self.start or "", end=self.end or ""))
        for name, minimum, required in self.cells:
            value = row[name]
            if value is None:
                # None is either an empty cell or a type error (reported by frictionless)
                if required and name in row.blank_cells:
                    state.add(m.issue("required-missing", row=row.row_number, column=name))
            elif minimum is not None and value < minimum:
                state.add(m.issue("negative-count" if minimum == 0 else "constraint-minimum",
                                  row=row.row_number, column=name, value=value, limit=minimum))
        for name in self.integers:
            value = row[name]
            if value is not None and value != int(value):
                state.add(m.issue("not-integer", row=row.row_number, column=name, value=value,
                                  example=int(value)))
        text_fields = self.text_fields
        if text_fields is None:
            text_fields = self.text_fields = [f.name for f in row.fields if f.type == "string"]
        for name in text_fields:
            value = row[name]
            if value and value[0] in _TRIGGER_CHARS and spreadsheets.formula_like(value):
                self._formula(name, value, row.row_number)
        key_of = self.key_of
        if key_of is not None:
            key = key_of(row)
            seen = self.keys_seen
            if key in seen:
                values = key if self.multi_key else (key,)
                shown = ", ".join(f"{k}={v}" for k, v in zip(self.key, values))
                state.add(m.issue("duplicate-key", row=row.row_number, key=shown,
                                  first_row=seen[key]))
            elif key is not None and not (self.multi_key and None in key):
                seen[key] = row.row_number

    def _formula(self, column: str, value: str, number: int) -> None:
        self.formulas += 1
        if self.formulas <= FORMULA_WARNINGS:
            char = _TAB_CR.get(value[0], f"'{value[0]}'")
            self.state.add(m.issue("formula-like-cell", m.WARNING, row=number, column=column,
                                   value=value, char=char))

    def _area(self, value: str, number: int) -> None:
        state = self.state
        code = value.strip()
        found = self._known.get(code)
        if found is None:
            found = self.reference.lookup(code)
            self._known[code] = found
        area, system = found
        if area is None:
            near = self.reference.nearest(code, self.area_level)
            extra = {"suggestion": near} if near else {}
            state.add(m.issue("area-code-unknown", row=number, column=self.area_field,
                              value=value, region=state.region,
                              example=self.reference.example(code, state.area_system or system,
                                                             self.area_level), **extra))
            return
        if state.area_system is None:
            state.area_system, self.system_row = system, number
        elif system != state.area_system:
            fs = state.area_system
            example = area.kemendagri if fs == KEMENDAGRI else area.bps
            state.add(m.issue("area-code-mixed", row=number, column=self.area_field, value=value,
                              system=_SYSTEM_LABEL[system or KEMENDAGRI],
                              file_system=_SYSTEM_LABEL[fs], first_row=self.system_row,
                              example=example))
            return
        if self.area_level not in (None, "any") and area.level != self.area_level:
            state.add(m.issue("area-code-level", row=number, column=self.area_field, value=value,
                              level=m.LEVEL_LABELS[area.level],
                              expected=m.LEVEL_LABELS.get(self.area_level, self.area_level),
                              example=self.reference.example(code, system, self.area_level)))
            return
        if code == value:
            self._fine.add(value)

    def finish(self) -> None:
        """Free the key index once the file has been read; count the formula-like cells."""
        self.keys_seen.clear()
        if self.formulas > FORMULA_WARNINGS:
            self.state.add(m.issue("formula-like-more", m.WARNING, count=self.formulas,
                                   shown=FORMULA_WARNINGS))
