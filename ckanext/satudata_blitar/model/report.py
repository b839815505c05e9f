"""Tables of the annual report (SOP steps 10–11).

* ``satudata_blitar_report_note`` — the Sekretariat SDI's evaluation notes of a year.
* ``satudata_blitar_report_delivery`` — the delivery record of the report to the Wali Kota
  (date, letter number, to whom).
* ``satudata_blitar_report_file`` — a generation run of the report (background job with
  progress) and the finished file it stored with CKAN's uploader, with the SHA-256 of the
  JSON document it was rendered from.

Created by the alembic revision ``c7a3e91d2f58`` (``ckan db upgrade -p satudata_blitar``).
"""
from __future__ import annotations

import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar.model.common import utcnow as _now, new_id as _uuid, iso as _iso


class ReportNote(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One evaluation note of the Sekretariat SDI for a report year."""

    __tablename__ = "satudata_blitar_report_note"

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore[assignment]
    year: Mapped[int] = sa.Column(sa.Integer, nullable=False, index=True)  # type: ignore[assignment]
    section: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="umum")  # type: ignore[assignment]
    text: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    created_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    created_at: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "year": self.year, "section": self.section, "text": self.text,
                "created_by": self.created_by, "created_at": _iso(self.created_at)}


class ReportDelivery(tk.BaseModel):  # type: ignore[misc, valid-type]
    """Delivery of a year's report to the regional head (SOP step 11)."""

    __tablename__ = "satudata_blitar_report_delivery"

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore[assignment]
    year: Mapped[int] = sa.Column(sa.Integer, nullable=False, index=True)  # type: ignore[assignment]
    delivered_date: Mapped[datetime.date] = sa.Column(sa.Date, nullable=False)  # type: ignore[assignment]
    letter_number: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    recipient: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    copies: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=1)  # type: ignore[assignment]
    notes: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    created_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    created_at: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "year": self.year, "delivered_date": _iso(self.delivered_date),
                "letter_number": self.letter_number, "recipient": self.recipient,
                "copies": self.copies, "notes": self.notes, "created_by": self.created_by,
                "created_at": _iso(self.created_at)}


class ReportFile(tk.BaseModel):  # type: ignore[misc, valid-type]
    """A generation of the report in one format: job state, progress and the stored file."""

    __tablename__ = "satudata_blitar_report_file"

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore[assignment]
    year: Mapped[int] = sa.Column(sa.Integer, nullable=False, index=True)  # type: ignore[assignment]
    organization: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    format: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    # queued, running, done, failed
    status: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="queued")  # type: ignore[assignment]
    progress: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)  # type: ignore[assignment]
    stage: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    error: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    job_id: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    storage_key: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    filename: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    size: Mapped[Optional[int]] = sa.Column(sa.Integer)  # type: ignore[assignment]
    json_sha256: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    file_sha256: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    requested_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    requested_at: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    generated_at: Mapped[Optional[datetime.datetime]] = sa.Column(sa.DateTime)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "year": self.year, "organization": self.organization,
                "format": self.format, "status": self.status, "progress": self.progress,
                "stage": self.stage, "error": self.error, "job_id": self.job_id,
                "filename": self.filename, "size": self.size,
                "json_sha256": self.json_sha256, "file_sha256": self.file_sha256,
                "requested_by": self.requested_by, "requested_at": _iso(self.requested_at),
                "generated_at": _iso(self.generated_at)}
