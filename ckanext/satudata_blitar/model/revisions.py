"""Living data: pending revisions of published datasets and their published versions.

A revision is edited in a private *shadow* package (``shadow_id``) linked here to the
published dataset (``package_id``); the shadow has its own lifecycle state (status row) and
audit chain, every row of which carries the revision's id. ``revisions.py`` explains the
mechanism; ``docs/revisions.md`` documents it.
"""
from __future__ import annotations

import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar.model.common import iso, new_id as _uuid, utcnow as _now

#: a revision being edited or reviewed (at most one per dataset: partial unique index)
REV_OPEN = "open"
#: a revision whose content replaced the public version
REV_PUBLISHED = "published"
#: a revision thrown away by its OPD (nothing public changed)
REV_DISCARDED = "discarded"
REVISION_STATES: tuple[str, ...] = (REV_OPEN, REV_PUBLISHED, REV_DISCARDED)


class Revision(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One pending (or closed) revision of a published dataset."""

    __tablename__ = "satudata_blitar_revision"
    __table_args__ = (
        sa.Index("satudata_blitar_revision_one_open", "package_id", unique=True,
                 postgresql_where=sa.text("state = 'open'")),
    )

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore[assignment]
    package_id: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False,
        index=True)  # type: ignore[assignment]
    # the private package holding the edits (purged when the revision closes; no FK)
    shadow_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, unique=True)  # type: ignore[assignment]
    # the version number the revision becomes when published
    number: Mapped[int] = sa.Column(sa.Integer, nullable=False)  # type: ignore[assignment]
    state: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default=REV_OPEN)  # type: ignore[assignment]
    # {resource id in the shadow: id of the published resource it was copied from}
    origins: Mapped[dict[str, str]] = sa.Column(sa.JSON, nullable=False, default=dict)  # type: ignore[assignment]
    created_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    created_at: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    closed_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    closed_at: Mapped[Optional[datetime.datetime]] = sa.Column(sa.DateTime)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "package_id": self.package_id, "shadow_id": self.shadow_id,
            "number": self.number, "state": self.state, "created_by": self.created_by,
            "created_at": iso(self.created_at), "closed_by": self.closed_by,
            "closed_at": iso(self.closed_at),
        }


class DatasetVersion(tk.BaseModel):  # type: ignore[misc, valid-type]
    """What the public saw from one publication of a dataset until the next: its metadata,
    its resources (ids, names, SHA-256 of each file) and the letter that validated it."""

    __tablename__ = "satudata_blitar_dataset_version"
    __table_args__ = (sa.UniqueConstraint("package_id", "number",
                                          name="satudata_blitar_dataset_version_number"),)

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore[assignment]
    package_id: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False,
        index=True)  # type: ignore[assignment]
    number: Mapped[int] = sa.Column(sa.Integer, nullable=False)  # type: ignore[assignment]
    revision_id: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    published_at: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    published_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    letter_ref: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    metadata_: Mapped[dict[str, Any]] = sa.Column("metadata", sa.JSON, nullable=False)  # type: ignore[assignment]
    resources: Mapped[list[dict[str, Any]]] = sa.Column(sa.JSON, nullable=False)  # type: ignore[assignment]

    def as_dict(self, full: bool = True) -> dict[str, Any]:
        out = {
            "id": self.id, "package_id": self.package_id, "number": self.number,
            "revision_id": self.revision_id, "published_at": iso(self.published_at),
            "published_by": self.published_by, "letter_ref": self.letter_ref,
            "resources": self.resources,
        }
        if full:
            out["metadata"] = self.metadata_
        return out
