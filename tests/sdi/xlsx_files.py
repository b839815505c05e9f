"""Hand-built XLSX files for the workbook-limit tests: a minimal valid workbook, and the
decompression bombs and odd archives the portal must refuse.

Run as a script (``python xlsx_files.py FILE...``) it checks each file with the data check in
a fresh interpreter and prints, as JSON, the error codes, the seconds and the tracemalloc
peak of each, and the growth of the process's peak RSS over all of them.
"""
from __future__ import annotations

import io
import json
import struct
import sys
import zipfile
from typing import Iterable, Optional

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')

HEADER = ("kode_wilayah", "kelurahan", "titik_wifi", "tahun")
#: one data row of the titik-wifi standard, repeated without coordinates (compresses ~300:1)
BOMB_ROW = (b'<row><c t="inlineStr"><is><t>35.72.01.1001</t></is></c><c t="inlineStr"><is>'
            b'<t>Kepanjenkidul</t></is></c><c><v>3</v></c><c><v>2025</v></c></row>')
MB = 1024 * 1024


def cell(ref: str, value) -> bytes:
    if isinstance(value, str):
        text = value.replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()
    return f'<c r="{ref}"><v>{value}</v></c>'.encode()


def row(number: int, values: Iterable) -> bytes:
    cells = b"".join(cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">'.encode() + cells + b"</row>"


def write(path, sheet: Iterable[bytes], *, dimension: Optional[str] = None,
          extra: Optional[dict[str, bytes]] = None, skip: tuple[str, ...] = (),
          content_types: str = CONTENT_TYPES, level: int = 6,
          sheet_compression: int = zipfile.ZIP_DEFLATED) -> str:
    """A workbook whose first sheet's ``<sheetData>`` is the concatenated ``sheet`` chunks."""
    parts = {"[Content_Types].xml": content_types.encode(), "_rels/.rels": ROOT_RELS.encode(),
             "xl/workbook.xml": WORKBOOK.encode(),
             "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.encode()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, data in parts.items():
            if name not in skip:
                z.writestr(name, data)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = sheet_compression
        with z.open(info, "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode())
            if dimension:
                f.write(f'<dimension ref="{dimension}"/>'.encode())
            f.write(b"<sheetData>")
            for chunk in sheet:
                f.write(chunk)
            f.write(b"</sheetData></worksheet>")
        for name, data in (extra or {}).items():
            stored = name.endswith("#stored")
            z.writestr(name.removesuffix("#stored"), data,
                       compress_type=zipfile.ZIP_STORED if stored else None)
    return str(path)


def valid(path, rows: Iterable[Iterable] = ((HEADER), ("35.72.01.1001", "Kepanjenkidul", 3,
                                                      2025))) -> str:
    """A small valid workbook of the titik-wifi standard."""
    return write(path, [row(n, r) for n, r in enumerate(rows, start=1)])


def bomb(path, megabytes: int, level: int = 9) -> str:
    """A header row, then ``megabytes`` of the same data row: a ZIP bomb."""
    chunk = BOMB_ROW * (MB // len(BOMB_ROW))

    def sheet():
        yield row(1, HEADER)
        for _ in range(megabytes):
            yield chunk
    return write(path, sheet(), level=level)


def lie_about_size(path, member: str = "xl/worksheets/sheet1.xml", factor: int = 5) -> str:
    """Rewrite the central directory so that ``member`` claims to unpack to only ``factor``
    times its compressed size (its real content is far larger)."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        (name_len,) = struct.unpack("<H", data[pos + 28:pos + 30])
        if bytes(data[pos + 46:pos + 46 + name_len]) == member.encode():
            (compressed,) = struct.unpack("<I", data[pos + 20:pos + 24])
            data[pos + 24:pos + 28] = struct.pack("<I", compressed * factor)
        pos = data.find(b"PK\x01\x02", pos + 4)
    with open(path, "wb") as f:
        f.write(data)
    return str(path)


def really_unpacks_to(path, member: str, at_least: int) -> bool:
    """Inflate ``member``'s compressed bytes ignoring the sizes the directory declares."""
    import zlib

    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        header = f.read(30)
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        f.seek(info.header_offset + 30 + name_len + extra_len)
        data = f.read(info.compress_size)
    inflate = zlib.decompressobj(-15)
    total = 0
    while data and total < at_least:
        total += len(inflate.decompress(data, MB))
        data = inflate.unconsumed_tail
    return total >= at_least


def small_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("inner.txt", "x" * 100)
    return buf.getvalue()


def main(paths: list[str]) -> int:
    """Check each file in this fresh interpreter; print codes, time and memory as JSON."""
    import resource
    import time
    import tracemalloc

    from ckanext.satudata_blitar import spreadsheets
    from ckanext.satudata_blitar.checks.engine import check_file

    limits = spreadsheets.Limits()
    warm = paths[0]  # the first file is a valid workbook: imports and caches are warm
    check_file(warm, "xlsx", xlsx_limits=limits)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out: dict = {"files": {}}
    tracemalloc.start()
    for path in paths[1:]:
        tracemalloc.reset_peak()
        started = time.perf_counter()
        report = check_file(path, "xlsx", xlsx_limits=limits)
        seconds = time.perf_counter() - started
        out["files"][path] = {
            "codes": [i["code"] for i in report["issues"] if i["severity"] == "error"],
            "seconds": seconds, "traced_peak_mb": tracemalloc.get_traced_memory()[1] / MB}
    tracemalloc.stop()
    out["rss_growth_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
