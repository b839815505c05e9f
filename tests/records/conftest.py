"""Fixtures of the SOP record tests: small signed PDFs (``sop_support``'s)."""
from __future__ import annotations

from typing import Callable

import pytest
from werkzeug.datastructures import FileStorage

from sop_support import make_pdf, upload


@pytest.fixture
def pdf() -> Callable[..., FileStorage]:
    """``pdf()`` → an upload of a fresh valid PDF."""
    return lambda text="Surat validasi", **kw: upload(make_pdf(text, **kw))
