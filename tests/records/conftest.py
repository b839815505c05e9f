"""Fixtures of the SOP record tests: a world of OPDs and users in every role, small PDFs."""
from __future__ import annotations

import io
from typing import Callable

import pytest
from werkzeug.datastructures import FileStorage


def make_pdf(text: str = "Surat validasi", pad: int = 0) -> bytes:
    """A minimal valid one-page PDF (header, objects, xref table, trailer, %%EOF)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1") + b" " * pad
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
              .encode())
    return out.getvalue()


def upload(data: bytes, filename: str = "surat.pdf",
           content_type: str = "application/pdf") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=filename, content_type=content_type)


@pytest.fixture
def pdf() -> Callable[..., FileStorage]:
    """``pdf()`` → an upload of a fresh valid PDF."""
    return lambda text="Surat validasi", **kw: upload(make_pdf(text, **kw))
