"""Tables of the SDI checks: the data-standard registry and the check of each resource.

Created by the alembic revision ``5d2e8c41a7b3`` (``ckan db upgrade -p satudata_blitar``).
"""
from __future__ import annotations

import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar.model.common import utcnow as _now


class Standard(tk.BaseModel):  # type: ignore[misc, valid-type]
    """A data standard (Table Schema) registered by the Walidata."""

    __tablename__ = "satudata_blitar_standard"

    name: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True)  # type: ignore[assignment]
    title: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    description: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    schema: Mapped[dict[str, Any]] = sa.Column(sa.JSON, nullable=False)  # type: ignore[assignment]
    sds_code: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    creator_id: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    created: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    modified: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now, onupdate=_now)  # type: ignore[assignment]


class ResourceCheck(tk.BaseModel):  # type: ignore[misc, valid-type]
    """The latest data-standard check of one resource (status and full report)."""

    __tablename__ = "satudata_blitar_resource_check"

    resource_id: Mapped[str] = sa.Column(
        sa.UnicodeText, sa.ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )  # type: ignore[assignment]
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, index=True)  # type: ignore[assignment]
    # pending, running, passed, failed, skipped
    status: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    standard: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    # what was checked: file identity, standard and reference period (stale when it differs)
    fingerprint: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    error_count: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)  # type: ignore[assignment]
    warning_count: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)  # type: ignore[assignment]
    report: Mapped[Optional[dict[str, Any]]] = sa.Column(sa.JSON)  # type: ignore[assignment]
    job_id: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    requested: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    finished: Mapped[Optional[datetime.datetime]] = sa.Column(sa.DateTime)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for the API (report without rendered messages)."""
        return {
            "resource_id": self.resource_id,
            "package_id": self.package_id,
            "status": self.status,
            "standard": self.standard,
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "requested": self.requested.isoformat() if self.requested else None,
            "finished": self.finished.isoformat() if self.finished else None,
            "report": self.report,
        }
