"""Pages of the SOP records (Daftar Data, statements, validation letters, deadlines)."""
from __future__ import annotations

from flask import Blueprint

records = Blueprint("satudata_records", __name__, url_prefix="/satudata")
