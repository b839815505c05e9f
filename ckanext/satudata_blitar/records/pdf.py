"""Signed PDFs of the SOP records (validation letters, availability statements).

A PDF is accepted when it is a real PDF (``%PDF-`` header, ``startxref`` pointing at a
cross-reference section, ``%%EOF``) within ``ckanext.satudata_blitar.letter_max_mb``. It is
stored with CKAN's resource uploader under a random key (never in the publicly served
``storage/uploads`` folder) and its SHA-256 is recorded.
"""
from __future__ import annotations

import hashlib
import io
import re
import uuid
from typing import Any, Optional
from werkzeug.datastructures import FileStorage
import ckan.plugins.toolkit as tk
from ckan.lib import uploader as _uploader
from ckanext.satudata_blitar import config


def read_upload(value: Any) -> tuple[Optional[bytes], str]:
    """Bytes and file name of an uploaded file (``FileStorage`` or raw bytes); ``None`` if absent.

    Reads at most one byte more than the limit, so a huge upload is refused without
    holding it in memory.
    """
    limit = config.letter_max_bytes() + 1
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
    limit = config.letter_max_bytes()
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
    uploader.upload(key, max(1, config.letter_max_bytes() // (1024 * 1024)) + 1)
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
