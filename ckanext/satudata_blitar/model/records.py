"""SOP record tables: Daftar Data, availability statements and validation letters.

* ``satudata_blitar_daftar_data`` — one revision of a year's *Daftar Data* (SOP steps 1–3).
  A revision is ``draft`` (editable by the Sekretariat SDI) or ``agreed`` (immutable: the
  Forum Satu Data agreed it on ``agreed_date`` in minute ``minute_number``). Changing an agreed
  list makes a new revision (``previous_id``); the old one stays readable.
* ``satudata_blitar_daftar_data_item`` — the data items of one revision. ``code`` is the
  stable key of an item across revisions and years; datasets point at it with their
  ``daftar_data_item`` field.
* ``satudata_blitar_statement`` (+ ``…_statement_item``) — the *Surat Pernyataan Daftar Data
  yang akan Dikumpulkan* of one OPD for one agreed revision (SOP step 4).
* ``satudata_blitar_letter`` (+ ``…_letter_dataset``) — the *Surat validasi Kepala OPD*
  (SOP step 8) and the datasets it covers.

Signed PDFs are stored with CKAN's uploader; rows keep the storage key, size and SHA-256.
"""
from __future__ import annotations

import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar.model.common import utcnow as _now, new_id as _uuid, iso as _iso


DD_DRAFT = "draft"
DD_AGREED = "agreed"
ACTING_CHOICES: tuple[str, ...] = ("", "plt", "plh")
#: one statement per OPD and Daftar Data revision
STATEMENT_UNIQUE = "satudata_blitar_statement_dd_org"
#: lengths of the indexed text columns (a btree index row holds at most about 2.7 kB)
ITEM_CODE_LENGTH = 50
LETTER_NUMBER_LENGTH = 100


class DaftarData(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One revision of the Daftar Data of a year."""

    __tablename__ = "satudata_blitar_daftar_data"
    __table_args__ = (sa.UniqueConstraint("year", "revision",
                                          name="satudata_blitar_daftar_data_year_rev"),)

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore[assignment]
    year: Mapped[int] = sa.Column(sa.Integer, nullable=False)  # type: ignore[assignment]
    revision: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=1)  # type: ignore[assignment]
    status: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default=DD_DRAFT)  # type: ignore[assignment]
    title: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="")  # type: ignore[assignment]
    notes: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    previous_id: Mapped[Optional[str]] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("satudata_blitar_daftar_data.id"))  # type: ignore[assignment]
    carried_from_id: Mapped[Optional[str]] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("satudata_blitar_daftar_data.id"))  # type: ignore[assignment]
    drafted_at: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    drafted_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    agreed_date: Mapped[Optional[datetime.date]] = sa.Column(sa.Date)  # type: ignore[assignment]
    minute_number: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    agreed_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    agreed_recorded_at: Mapped[Optional[datetime.datetime]] = sa.Column(sa.DateTime)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "year": self.year, "revision": self.revision,
            "status": self.status, "title": self.title, "notes": self.notes,
            "previous_id": self.previous_id, "carried_from_id": self.carried_from_id,
            "drafted_at": _iso(self.drafted_at), "drafted_by": self.drafted_by,
            "agreed_date": _iso(self.agreed_date), "minute_number": self.minute_number,
            "agreed_by": self.agreed_by, "agreed_recorded_at": _iso(self.agreed_recorded_at),
        }


class DaftarDataItem(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One data item of a Daftar Data revision."""

    __tablename__ = "satudata_blitar_daftar_data_item"
    __table_args__ = (sa.UniqueConstraint("daftar_data_id", "code",
                                          name="satudata_blitar_dd_item_code"),)

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore[assignment]
    daftar_data_id: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("satudata_blitar_daftar_data.id", ondelete="CASCADE"),
        nullable=False)  # type: ignore[assignment]
    position: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)  # type: ignore[assignment]
    code: Mapped[str] = sa.Column(sa.Unicode(ITEM_CODE_LENGTH), nullable=False)  # type: ignore[assignment]
    name: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    owner_org: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("group.id"), nullable=False)  # type: ignore[assignment]
    frequency: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    data_type: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    data_standard: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    unit: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    priority: Mapped[bool] = sa.Column(sa.Boolean, nullable=False, default=False)  # type: ignore[assignment]
    notes: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "daftar_data_id": self.daftar_data_id, "position": self.position,
            "code": self.code, "name": self.name, "owner_org": self.owner_org,
            "frequency": self.frequency, "data_type": self.data_type,
            "data_standard": self.data_standard, "unit": self.unit,
            "priority": bool(self.priority), "notes": self.notes,
        }


class _SignedLetter:
    """Columns shared by the statement and the validation letter (official letter fields)."""

    number: Mapped[str] = sa.Column(sa.Unicode(LETTER_NUMBER_LENGTH), nullable=False)  # type: ignore[assignment]
    letter_date: Mapped[datetime.date] = sa.Column(sa.Date, nullable=False)  # type: ignore[assignment]
    signatory_name: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    signatory_nip: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    signatory_position: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    signatory_acting: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="")  # type: ignore[assignment]
    pdf_key: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    pdf_filename: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    pdf_size: Mapped[Optional[int]] = sa.Column(sa.Integer)  # type: ignore[assignment]
    pdf_sha256: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    created_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    created_at: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    modified_at: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]

    def _letter_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "letter_date": _iso(self.letter_date),
            "signatory_name": self.signatory_name, "signatory_nip": self.signatory_nip,
            "signatory_position": self.signatory_position,
            "signatory_acting": self.signatory_acting or "",
            "pdf_filename": self.pdf_filename, "pdf_size": self.pdf_size,
            "pdf_sha256": self.pdf_sha256, "created_by": self.created_by,
            "created_at": _iso(self.created_at), "modified_at": _iso(self.modified_at),
        }


class Statement(_SignedLetter, tk.BaseModel):  # type: ignore[misc, valid-type]
    """Availability statement of one OPD for one agreed Daftar Data revision (SOP step 4)."""

    __tablename__ = "satudata_blitar_statement"
    __table_args__ = (sa.UniqueConstraint("daftar_data_id", "owner_org",
                                          name=STATEMENT_UNIQUE),)

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore[assignment]
    daftar_data_id: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("satudata_blitar_daftar_data.id"), nullable=False)  # type: ignore[assignment]
    owner_org: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("group.id"), nullable=False)  # type: ignore[assignment]
    year: Mapped[int] = sa.Column(sa.Integer, nullable=False)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        out = self._letter_dict()
        out.update({"id": self.id, "daftar_data_id": self.daftar_data_id,
                    "owner_org": self.owner_org, "year": self.year})
        return out


class StatementItem(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One Daftar Data item in a statement: will the OPD collect it, and if not, why."""

    __tablename__ = "satudata_blitar_statement_item"

    statement_id: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("satudata_blitar_statement.id", ondelete="CASCADE"),
        primary_key=True)  # type: ignore[assignment]
    item_id: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("satudata_blitar_daftar_data_item.id"),
        primary_key=True)  # type: ignore[assignment]
    available: Mapped[bool] = sa.Column(sa.Boolean, nullable=False)  # type: ignore[assignment]
    reason: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {"item_id": self.item_id, "available": bool(self.available),
                "reason": self.reason}


class ValidationLetter(_SignedLetter, tk.BaseModel):  # type: ignore[misc, valid-type]
    """*Surat validasi Kepala OPD* (SOP step 8)."""

    __tablename__ = "satudata_blitar_letter"

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore[assignment]
    owner_org: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("group.id"), nullable=False)  # type: ignore[assignment]
    year: Mapped[int] = sa.Column(sa.Integer, nullable=False)  # type: ignore[assignment]
    subject: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        out = self._letter_dict()
        out.update({"id": self.id, "owner_org": self.owner_org, "year": self.year,
                    "subject": self.subject})
        return out


#: a number is unique within the OPD and year whatever its letter case (as the check before
#: an insert, ``logic/action/records.py`` ``_duplicate_number``)
LETTER_NUMBER_INDEX = "satudata_blitar_letter_org_year_lower_number"
sa.Index(LETTER_NUMBER_INDEX, ValidationLetter.owner_org, ValidationLetter.year,
         sa.func.lower(ValidationLetter.number), unique=True)


class LetterDataset(tk.BaseModel):  # type: ignore[misc, valid-type]
    """A dataset covered by a validation letter."""

    __tablename__ = "satudata_blitar_letter_dataset"

    letter_id: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("satudata_blitar_letter.id", ondelete="CASCADE"),
        primary_key=True)  # type: ignore[assignment]
    package_id: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"),
        primary_key=True)  # type: ignore[assignment]
