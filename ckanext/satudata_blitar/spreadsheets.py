"""What the portal reads from and writes to spreadsheets: bounded XLSX reading and
formula-safe CSV/XLSX cells.

Reading. An XLSX file is a ZIP archive; a small one can unpack to gigabytes. Before openpyxl
opens a workbook, :func:`inspect_xlsx` reads the archive's central directory and refuses it
(:class:`Refused`) when the parts would unpack to more than a limit, a part is compressed
suspiciously well, there are too many parts, a part is itself an archive, the
``[Content_Types].xml`` does not describe a workbook, an XML part that openpyxl loads whole
is too large, or a sheet declares absurd dimensions. The sheets are then streamed once
(bounded by the sizes the directory declares; a part that unpacks to anything else is
refused as damaged) to count rows and find merged cells. Workbooks are only ever opened in
openpyxl's read-only streaming mode, and :func:`sheet_rows` stops at a row and cell budget.

Writing. Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
as a formula by spreadsheet programs (CSV/formula injection). Every cell the portal writes
goes through :func:`neutralise` (CSV: a leading apostrophe, shown as is) or
:func:`xlsx_cell` (XLSX: the same rule, written as a text cell with Excel's quote prefix, so
the cell shows exactly the text and stays text when edited). Numbers stay numbers.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterable, Iterator, Optional, Union

Source = Union[str, "os.PathLike[str]", bytes, IO[bytes]]


def N_(msgid: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return msgid


# -- limits ------------------------------------------------------------------------------------
MB = 1024 * 1024
#: the largest sheet Excel itself can hold
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
#: a part larger than this must not be compressed more than ``max_ratio`` times
RATIO_MIN_BYTES = 1 * MB
#: real sheets compress 10-25 times; a ZIP bomb hundreds to a thousand times
MAX_RATIO = 100
MAX_MEMBERS = 1000
#: XML parts that openpyxl parses whole (styles, workbook, relationships, properties)
MAX_PART_BYTES = 4 * MB
#: the shared strings are loaded whole too (about 7 bytes of memory per byte of XML)
SHARED_STRINGS_SHARE = 10
_MAX_DIRECTORY_BYTES = 2 * MB
_CHUNK = 1 * MB
_HEAD = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """How much of a workbook the portal is willing to read."""

    max_uncompressed: int = 200 * MB
    max_cells: int = 20_000_000
    max_rows: int = EXCEL_MAX_ROWS
    max_members: int = MAX_MEMBERS
    max_ratio: int = MAX_RATIO
    ratio_min_bytes: int = RATIO_MIN_BYTES
    max_part: int = MAX_PART_BYTES

    @property
    def max_shared_strings(self) -> int:
        return max(self.max_uncompressed // SHARED_STRINGS_SHARE, self.max_part)


def limits(**overrides: int) -> Limits:
    """The portal's limits (``ckanext.satudata_blitar.xlsx_*``); a caller may tighten them."""
    from ckanext.satudata_blitar import config

    values = {"max_uncompressed": config.xlsx_max_uncompressed_bytes(),
              "max_cells": config.xlsx_max_cells()}
    for key, value in overrides.items():
        values[key] = min(value, values[key]) if key in values else value
    return Limits(**values)


# -- refusals ----------------------------------------------------------------------------------
#: code -> English msgid; the data check (checks/messages.py) and the imports show the same text
REFUSALS: dict[str, str] = {
    "xlsx-too-large": N_("The workbook unpacks to %(size_mb)s MB, more than the %(limit_mb)s MB "
                         "the portal reads. Split the data into smaller files or save it as "
                         "CSV."),
    "xlsx-part-too-large": N_("The part %(member)s of the workbook unpacks to %(size_mb)s MB; at "
                              "most %(limit_mb)s MB is read for this part. Copy only the cells "
                              "with data into a new workbook, or save the data as CSV."),
    "xlsx-ratio": N_("The part %(member)s of the workbook is compressed %(ratio)s times (at most "
                     "%(limit)s times is accepted), as in a ZIP bomb. Save the data again from "
                     "a spreadsheet program, or as CSV."),
    "xlsx-members": N_("The workbook has %(count)s parts; at most %(limit)s are accepted. Save "
                       "the data in a new workbook with one sheet, or as CSV."),
    "xlsx-nested": N_("The workbook contains another archive (%(member)s). Remove embedded files "
                      "and objects and save the workbook again."),
    "xlsx-content-types": N_("The file is not an Excel workbook: its [Content_Types].xml is "
                             "missing or does not describe a workbook. Save it again as 'Excel "
                             "Workbook (.xlsx)'."),
    "xlsx-dimensions": N_("The sheet %(member)s declares %(rows)s rows and %(columns)s columns "
                          "(%(cells)s cells), more than the %(limit)s cells the portal reads. "
                          "Delete the empty rows and columns below and to the right of the data, "
                          "or split the data."),
    "xlsx-damaged": N_("The part %(member)s of the workbook is damaged or does not match the "
                       "archive's table of contents. Save the workbook again from a spreadsheet "
                       "program."),
    "xlsx-encrypted": N_("The workbook is encrypted or uses an unusual compression method. Remove "
                         "the password and save it again as 'Excel Workbook (.xlsx)'."),
    "too-many-rows": N_("The table has more than %(limit)s rows. Split the data into smaller "
                        "files."),
    "too-many-cells": N_("The table has more than %(limit)s cells (rows times columns). Split "
                         "the data into smaller files or save it as CSV."),
}


class Refused(Exception):
    """A workbook the portal will not read; ``code`` is a key of :data:`REFUSALS`."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message(lambda s: s))

    def message(self, gettext: Optional[Callable[[str], str]] = None) -> str:
        """The reason in the reader's language (CKAN's ``tk._`` by default)."""
        if gettext is None:
            import ckan.plugins.toolkit as tk

            gettext = tk._
        return gettext(REFUSALS[self.code]) % self.params


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".rstrip("0").rstrip(".")


def _number(n: int) -> str:
    return str(n)


# -- inspection --------------------------------------------------------------------------------
_WORKBOOK_TYPES = (
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    b"application/vnd.ms-excel.template.macroEnabled.main+xml",
)
_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SHARED_STRINGS_TYPE = ("application/vnd.openxmlformats-officedocument.spreadsheetml."
                        "sharedStrings+xml")
_ARCHIVE_SUFFIXES = (".zip", ".xlsx", ".xlsm", ".xlsb", ".xltx", ".xltm", ".docx", ".docm",
                     ".pptx", ".pptm", ".odt", ".ods", ".odp", ".jar", ".gz", ".tgz", ".bz2",
                     ".xz", ".7z", ".rar", ".tar", ".cab")
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"7z\xbc\xaf",
                  b"Rar!", b"\xfd7zXZ", b"MSCF")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_OVERRIDE = re.compile(rb"<(?:[\w.-]+:)?Override\b[^>]*>")
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*"\$?([A-Z]{1,3})\$?(\d+)'
                        rb'(?::\$?([A-Z]{1,3})\$?(\d+))?"')
_ROOT_PREFIX = re.compile(rb"<([\w.-]+:)?worksheet\b")
_MERGE = re.compile(rb'<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref\s*=\s*"([^"]+)"')


@dataclass
class XlsxFacts:
    """What :func:`inspect_xlsx` learnt about a workbook without opening it."""

    uncompressed: int = 0
    members: int = 0
    worksheets: list[str] = field(default_factory=list)
    first_sheet: Optional[str] = None
    #: merged ranges of the first sheet (``A1:B1``)
    merged: list[str] = field(default_factory=list)
    #: rows written in each scanned sheet
    rows: dict[str, int] = field(default_factory=dict)


def declared_size(source: Source) -> Optional[int]:
    """What an XLSX's parts add up to once unpacked, from its central directory (cheap);
    None if it is not a readable ZIP."""
    try:
        with _opened(source) as handle, zipfile.ZipFile(handle) as archive:
            return sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def quick_refusal(source: Source, lim: Optional[Limits] = None) -> Optional[Refused]:
    """The refusal :func:`inspect_xlsx` would give from the central directory alone (no
    sheet is unpacked: milliseconds whatever the file), or None."""
    try:
        with _opened(source) as handle:
            _inspect_directory(handle, lim or Limits(), XlsxFacts()).close()
    except Refused as refused:
        return refused
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    return None


@contextlib.contextmanager
def _opened(source: Source) -> Iterator[IO[bytes]]:
    if isinstance(source, (bytes, bytearray)):
        yield io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            yield handle
    else:
        source.seek(0)
        yield source


def _directory_counts(handle: IO[bytes]) -> Optional[tuple[int, int]]:
    """(entries, central directory bytes) from the end-of-central-directory record, read
    before :mod:`zipfile` builds an object per entry."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    tail_len = min(size, 22 + 65535 + 20)
    handle.seek(size - tail_len)
    tail = handle.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return None
    entries, cd_size = struct.unpack("<xxxxxxxxxxHI", tail[pos:pos + 16])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        locator = tail[pos - 20:pos] if pos >= 20 else b""
        if not locator.startswith(b"PK\x06\x07"):
            return None
        (offset,) = struct.unpack("<Q", locator[8:16])
        if offset > size - 56:
            return None
        handle.seek(offset)
        record = handle.read(56)
        if not record.startswith(b"PK\x06\x06"):
            return None
        entries, cd_size = struct.unpack("<QQ", record[32:48])
    return entries, cd_size


def inspect_xlsx(source: Source, lim: Optional[Limits] = None) -> XlsxFacts:
    """Refuse a workbook the portal should not open; returns what was learnt on the way.

    Cheap checks first (the central directory and the small XML parts: sizes, ratios,
    number of parts, compression methods, ``[Content_Types].xml``, the workbook's sheets),
    then the first bytes of every other part (nested archives), then one streaming pass over
    each sheet (its declared dimension; rows written; the first sheet's merged cells),
    bounded by the sizes the directory declares.

    :param source: a path, the bytes, or a binary file object
    :raises Refused: with the reason
    :raises zipfile.BadZipFile: not a ZIP archive at all
    """
    lim = lim or Limits()
    facts = XlsxFacts()
    with _opened(source) as handle, _inspect_directory(handle, lim, facts) as archive:
        _check_nested(archive, archive.infolist())
        for name in facts.worksheets:
            _scan_sheet(archive, archive.getinfo(name), lim, facts,
                        first=name == facts.first_sheet)
    return facts


def _inspect_directory(handle: IO[bytes], lim: Limits, facts: XlsxFacts) -> zipfile.ZipFile:
    """The checks that need the central directory and the small XML parts only."""
    counts = _directory_counts(handle)
    if counts is None:
        raise zipfile.BadZipFile("no end of central directory")
    entries, cd_size = counts
    if entries > lim.max_members:
        raise Refused("xlsx-members", count=_number(entries), limit=_number(lim.max_members))
    if cd_size > _MAX_DIRECTORY_BYTES:
        raise Refused("xlsx-damaged", member="(central directory)")
    handle.seek(0, os.SEEK_END)
    archive_size = handle.tell()
    handle.seek(0)
    archive = zipfile.ZipFile(handle)
    try:
        infos = archive.infolist()
        facts.members = len(infos)
        _check_directory(infos, archive_size, lim, facts)
        types = _content_types(archive, lim)
        _find_parts(archive, types, facts, lim)
        _check_part_sizes(infos, facts, types, lim)
    except BaseException:
        archive.close()
        raise
    return archive


def _check_directory(infos: list[zipfile.ZipInfo], archive_size: int, lim: Limits,
                     facts: XlsxFacts) -> None:
    """Sizes, ratios, encryption and compression methods, from the central directory."""
    facts.uncompressed = sum(i.file_size for i in infos)
    if facts.uncompressed > lim.max_uncompressed:
        raise Refused("xlsx-too-large", size_mb=_mb(facts.uncompressed),
                      limit_mb=_mb(lim.max_uncompressed))
    for info in infos:
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED,
                                                              zipfile.ZIP_DEFLATED):
            raise Refused("xlsx-encrypted")
        if (info.file_size >= lim.ratio_min_bytes
                and info.file_size > lim.max_ratio * max(info.compress_size, 1)):
            raise Refused("xlsx-ratio", member=info.filename,
                          ratio=_number(info.file_size // max(info.compress_size, 1)),
                          limit=_number(lim.max_ratio))
        if info.header_offset + info.compress_size > archive_size:
            raise Refused("xlsx-damaged", member=info.filename)
    if sum(i.compress_size for i in infos) > archive_size:
        raise Refused("xlsx-damaged", member="(central directory)")


def _read_small(archive: zipfile.ZipFile, name: str, lim: Limits) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > lim.max_part:
        raise Refused("xlsx-part-too-large", member=name, size_mb=_mb(info.file_size),
                      limit_mb=_mb(lim.max_part))
    try:
        with archive.open(info) as part:
            data = part.read(lim.max_part + 1)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise Refused("xlsx-damaged", member=name) from exc
    if len(data) != info.file_size:
        raise Refused("xlsx-damaged", member=name)
    return data


def _content_types(archive: zipfile.ZipFile, lim: Limits) -> dict[str, str]:
    """Part name -> content type of the ``Override`` entries; refuses a non-workbook."""
    try:
        archive.getinfo("[Content_Types].xml")
    except KeyError:
        raise Refused("xlsx-content-types") from None
    data = _read_small(archive, "[Content_Types].xml", lim)
    if b"Types" not in data[:4096] or not any(t in data for t in _WORKBOOK_TYPES):
        raise Refused("xlsx-content-types")
    types: dict[str, str] = {}
    for match in _OVERRIDE.finditer(data):
        attrs = {k.decode("ascii", "replace"): v.decode("utf-8", "replace")
                 for k, v in _ATTR.findall(match.group())}
        if attrs.get("PartName"):
            types[attrs["PartName"].lstrip("/")] = attrs.get("ContentType", "")
    return types


def _relationships(archive: zipfile.ZipFile, name: str, base: str,
                   lim: Limits) -> dict[str, tuple[str, str]]:
    """Id -> (type, resolved part name) of a ``.rels`` part (empty if absent)."""
    if name not in archive.NameToInfo:
        return {}
    data = _read_small(archive, name, lim)
    out = {}
    for match in re.finditer(rb"<(?:[\w.-]+:)?Relationship\b[^>]*>", data):
        attrs = {k.decode("ascii", "replace"): v.decode("utf-8", "replace")
                 for k, v in _ATTR.findall(match.group())}
        target = attrs.get("Target", "")
        if attrs.get("TargetMode") == "External" or not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else os.path.normpath(
            os.path.join(base, target)).replace(os.sep, "/")
        out[attrs.get("Id", "")] = (attrs.get("Type", ""), path)
    return out


def _find_parts(archive: zipfile.ZipFile, types: dict[str, str], facts: XlsxFacts,
                lim: Limits) -> None:
    """The worksheets (content types, workbook order) and the first one."""
    names = set(archive.NameToInfo)
    facts.worksheets = [n for n, t in types.items() if t == _WORKSHEET_TYPE and n in names]
    root = _relationships(archive, "_rels/.rels", "", lim)
    book = next((p for t, p in root.values() if t.endswith("/officeDocument")), None)
    if book is None or book not in names:
        raise Refused("xlsx-content-types")
    base = os.path.dirname(book)
    rels = _relationships(archive, f"{base}/_rels/{os.path.basename(book)}.rels".lstrip("/"),
                          base, lim)
    data = _read_small(archive, book, lim)
    ordered = []
    for match in re.finditer(rb"<(?:[\w.-]+:)?sheet\b[^>]*>", data):
        attrs = dict(_ATTR.findall(match.group()))
        rid = next((v for k, v in attrs.items() if k.endswith(b":id") or k == b"id"), b"")
        kind, path = rels.get(rid.decode("utf-8", "replace"), ("", ""))
        if path in names and kind.endswith("/worksheet"):
            ordered.append(path)
    facts.first_sheet = ordered[0] if ordered else None
    facts.worksheets = ordered + [n for n in facts.worksheets if n not in ordered]


def _check_part_sizes(infos: list[zipfile.ZipInfo], facts: XlsxFacts, types: dict[str, str],
                      lim: Limits) -> None:
    sheets = set(facts.worksheets)
    for info in infos:
        name = info.filename
        if name in sheets or not name.lower().endswith(_XML_SUFFIXES):
            continue
        shared = types.get(name) == _SHARED_STRINGS_TYPE or name.endswith("sharedStrings.xml")
        limit = lim.max_shared_strings if shared else lim.max_part
        if info.file_size > limit:
            raise Refused("xlsx-part-too-large", member=name, size_mb=_mb(info.file_size),
                          limit_mb=_mb(limit))


def _check_nested(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    for info in infos:
        name = info.filename.lower()
        if name.endswith(_ARCHIVE_SUFFIXES):
            raise Refused("xlsx-nested", member=info.filename)
        if name.endswith(_XML_SUFFIXES) or info.is_dir() or info.file_size < 4:
            continue
        try:
            with archive.open(info) as part:
                magic = part.read(8)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise Refused("xlsx-damaged", member=info.filename) from exc
        if magic.startswith(_ARCHIVE_MAGIC):
            raise Refused("xlsx-nested", member=info.filename)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _scan_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, lim: Limits,
                facts: XlsxFacts, first: bool) -> None:
    """Declared dimension (refused if absurd), then one streaming pass: rows written,
    merged cells of the first sheet, and the real size against the declared one."""
    name = info.filename
    rows = read = 0
    carry = b""
    row_tags: Optional[tuple[bytes, ...]] = None
    try:
        with archive.open(info) as part:
            while True:
                chunk = part.read(_CHUNK)
                read += len(chunk)
                if row_tags is None:  # the first chunk holds the head of the sheet
                    row_tags = _head_checks(chunk[:_HEAD], name, lim)
                buf = carry + chunk
                if chunk:
                    # keep a tag cut in two for the next chunk
                    cut = buf.rfind(b"<", max(0, len(buf) - 4096))
                    body, carry = (buf, b"") if cut < 0 else (buf[:cut], buf[cut:])
                else:
                    body, carry = buf, b""
                rows += sum(body.count(tag) for tag in row_tags)
                if first and b"mergeCell" in body:
                    facts.merged.extend(m.decode("ascii", "replace")
                                        for m in _MERGE.findall(body))
                if rows > lim.max_rows:
                    raise Refused("too-many-rows", limit=_number(lim.max_rows))
                if not chunk:
                    break
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise Refused("xlsx-damaged", member=name) from exc
    if read != info.file_size:
        raise Refused("xlsx-damaged", member=name)
    facts.rows[name] = rows


def _head_checks(head: bytes, name: str, lim: Limits) -> tuple[bytes, ...]:
    """Refuse absurd declared dimensions; returns the row tags to count (``<row``, and
    ``<x:row`` when the root element has a prefix)."""
    dimension = _DIMENSION.search(head)
    if dimension is not None:
        c1, r1, c2, r2 = dimension.groups()
        c2, r2 = c2 or c1, r2 or r1
        rows = abs(int(r2) - int(r1)) + 1
        columns = abs(_column_number(c2) - _column_number(c1)) + 1
        if rows * columns > lim.max_cells or rows > lim.max_rows:
            raise Refused("xlsx-dimensions", member=name, rows=_number(rows),
                          columns=_number(columns), cells=_number(rows * columns),
                          limit=_number(lim.max_cells))
    root = _ROOT_PREFIX.search(head)
    prefix = (root.group(1) or b"") if root else b""
    return (b"<row", b"<" + prefix + b"row") if prefix else (b"<row",)


# -- reading -----------------------------------------------------------------------------------
@contextlib.contextmanager
def open_xlsx(source: Source, lim: Optional[Limits] = None,
              facts: Optional[XlsxFacts] = None) -> Iterator[tuple[Any, XlsxFacts]]:
    """``(workbook, facts)``: a workbook that passed :func:`inspect_xlsx`, opened by openpyxl
    in read-only streaming mode with cached values (never formulas).

    :param facts: the result of an inspection of the same file moments ago (not repeated)

    :raises Refused: see :func:`inspect_xlsx`
    :raises Exception: whatever openpyxl raises for a damaged workbook
    """
    import warnings

    import openpyxl

    lim = lim or Limits()
    if facts is None:
        facts = inspect_xlsx(source, lim)
    with _opened(source) as handle:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            # a file object: CKAN stores uploads without an extension, which openpyxl refuses
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        try:
            yield book, facts
        finally:
            book.close()


def sheet_rows(sheet: Any, lim: Optional[Limits] = None) -> Iterator[list[Any]]:
    """The rows of a read-only sheet as lists of values, from Excel row 1, every row (empty
    rows too, so the position is the Excel row number).

    :raises Refused: beyond ``max_rows`` rows or ``max_cells`` cells (empty rows count one)
    """
    lim = lim or Limits()
    rows = cells = 0
    try:
        for values in sheet.iter_rows(min_row=1, min_col=1, values_only=True):
            rows += 1
            cells += max(len(values), 1)
            if rows > lim.max_rows:
                raise Refused("too-many-rows", limit=_number(lim.max_rows))
            if cells > lim.max_cells:
                raise Refused("too-many-cells", limit=_number(lim.max_cells))
            yield list(values)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise Refused("xlsx-damaged", member=sheet.title) from exc


class XlsxTable:
    """The first sheet as a table for frictionless (``Resource(data=XlsxTable(...))``):
    rows cut or padded to the header's width, read in bounded memory.

    A refusal or a read error while streaming ends the rows; it is kept in ``refused`` or
    ``error`` for the caller to report.
    """

    def __init__(self, source: Source, lim: Optional[Limits] = None,
                 facts: Optional[XlsxFacts] = None) -> None:
        self.source = source
        self.lim = lim or Limits()
        self.facts = facts
        self.refused: Optional[Refused] = None
        self.error: Optional[BaseException] = None

    def __call__(self) -> Iterator[list[Any]]:
        try:
            with open_xlsx(self.source, self.lim, self.facts) as (book, _facts):
                rows = sheet_rows(book.worksheets[0], self.lim)
                header = next(rows, None)
                if header is None:
                    return
                while header and header[-1] is None:
                    header.pop()
                width = len(header)
                yield header
                for row in rows:
                    if len(row) > width:
                        while len(row) > width and row[-1] is None:
                            row.pop()
                    elif len(row) < width:
                        row.extend([None] * (width - len(row)))
                    yield row
        except Refused as refused:
            self.refused = refused
        except Exception as exc:  # noqa: BLE001 - reported by the caller, never raised
            self.error = exc


# -- writing -----------------------------------------------------------------------------------
#: what makes a spreadsheet program read a text cell as a formula
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d+)*)?$")


def formula_like(value: Any) -> bool:
    """Whether a spreadsheet program could run this cell as a formula: text starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return. A plain signed number written as
    text (``-5``, ``+62``, ``-1.234,5``) and a lone sign are inert and stay as they are."""
    return (isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)
            and not _PLAIN_NUMBER.match(value))


def neutralise(value: Any) -> Any:
    """The one rule for every cell the portal writes to a CSV: formula-like text gets a
    leading apostrophe (``'=1+1`` is shown as written and never run); numbers, dates and
    other text are returned unchanged, None as an empty cell."""
    if value is None:
        return ""
    if formula_like(value):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """Undo :func:`neutralise` when the portal reads back a file it wrote (imports)."""
    if isinstance(value, str) and value.startswith("'") and formula_like(value[1:]):
        return value[1:]
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer`` with every cell through :func:`neutralise`."""
    return [neutralise(v) for v in values]


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """A cell for ``sheet.append`` (or a plain value): formula-like text (the same rule as
    :func:`neutralise`) becomes a text cell with Excel's quote prefix, so it shows exactly
    as written, reads back as the same string and stays text when someone edits it."""
    if not formula_like(value):
        return value
    from openpyxl.cell.cell import Cell

    cell = Cell(sheet)
    cell.value = value
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def xlsx_append(sheet: Any, values: Iterable[Any]) -> None:
    """``sheet.append`` with every cell through :func:`xlsx_cell` (None stays empty)."""
    sheet.append([xlsx_cell(sheet, v) for v in values])
