"""Lifecycle tables: dataset state, audit trail and portal roles.

The state of a dataset lives here, never in a package extra: ``package_update`` and
``package_patch`` cannot write it. Rows are changed only by ``lifecycle.apply_transition``
(row lock + audit row in the same transaction).
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar.model.common import utcnow as _now, new_id as _uuid


class DatasetStatus(tk.BaseModel):  # type: ignore[misc, valid-type]
    """Current lifecycle state of one dataset (one row per package)."""

    __tablename__ = "satudata_blitar_dataset_status"

    package_id: Mapped[str] = sa.Column(
        sa.UnicodeText,
        sa.ForeignKey("package.id", ondelete="CASCADE"),
        primary_key=True,
    )  # type: ignore[assignment]
    state: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="draft")  # type: ignore[assignment]
    # when the dataset entered ``state`` (deadlines count from here)
    since: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    updated_by: Mapped[str | None] = sa.Column(sa.UnicodeText, nullable=True)  # type: ignore[assignment]
    # last transition that led here (e.g. "return" for a returned draft)
    last_transition: Mapped[str | None] = sa.Column(sa.UnicodeText, nullable=True)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {
            "package_id": self.package_id,
            "state": self.state,
            "since": self.since.isoformat() if self.since else None,
            "updated_by": self.updated_by,
            "last_transition": self.last_transition,
        }


class AuditEntry(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One transition of one dataset: who, in which role, when, from, to, why.

    Append-only (a database trigger refuses ``UPDATE`` and ``DELETE``) and hash-chained per
    dataset: ``seq``, ``prev_hash`` and ``row_hash`` are set by ``audit.link`` (see
    ``audit.py``).
    """

    __tablename__ = "satudata_blitar_audit"
    __table_args__ = (sa.UniqueConstraint("package_id", "seq",
                                          name="satudata_blitar_audit_package_seq"),)

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore[assignment]
    # no FK: the audit trail outlives a purged dataset
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    package_name: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    owner_org: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    transition: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    from_state: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    to_state: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    actor_id: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    actor_name: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    role: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    timestamp: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    note: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    reason: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    reason_category: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    letter_ref: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    # the revision (model/revisions.py) the row is about, if any; hashed only when set
    revision_id: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    # the hash chain of the dataset's rows: position, previous row's hash, this row's hash
    seq: Mapped[int] = sa.Column(sa.Integer, nullable=False)  # type: ignore[assignment]
    prev_hash: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    row_hash: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "package_id": self.package_id,
            "package_name": self.package_name,
            "owner_org": self.owner_org,
            "transition": self.transition,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "role": self.role,
            "timestamp": (self.timestamp.isoformat(timespec="microseconds")
                          if self.timestamp else None),
            "note": self.note,
            "reason": self.reason,
            "reason_category": self.reason_category,
            "letter_ref": self.letter_ref,
            "revision_id": self.revision_id,
            "seq": self.seq,
            "prev_hash": self.prev_hash,
            "row_hash": self.row_hash,
        }


class RoleAssignment(tk.BaseModel):  # type: ignore[misc, valid-type]
    """A portal-wide SOP role (walidata, pembina, sekretariat) held by a user."""

    __tablename__ = "satudata_blitar_role"

    user_id: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )  # type: ignore[assignment]
    role: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True)  # type: ignore[assignment]
    granted_by: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    granted_at: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "role": self.role,
            "granted_by": self.granted_by,
            "granted_at": self.granted_at.isoformat() if self.granted_at else None,
        }
