"""Tables of the notifications (issue 16).

* ``satudata_blitar_notice`` — one in-portal notice per event and recipient (``key`` names the
  event: a transition's audit row, an agreement, a statement, an escalation); ``mail`` says
  what happens to its e-mail (``immediate``: a row of the mail log, ``digest``: waits for the
  next digest, ``digested``, ``none``).
* ``satudata_blitar_notify_pref`` — a user's choice: ``immediate``, ``digest`` or ``off``
  (in-portal notices stay whatever the choice) and the language of the mail.
* ``satudata_blitar_mail_log`` — every mail the portal sends or tried to send: to whom, what
  (``kind`` and ``payload``), when, the result, the attempts. ``(key, user_id)`` is unique, so
  a retried job never sends twice.

Created by the alembic revision ``e4a7c2d9f103`` (``ckan db upgrade -p satudata_blitar``).
"""
from __future__ import annotations

import datetime
import json
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar.model.common import iso as _iso, new_id as _uuid, utcnow as _now

MODES = ("immediate", "digest", "off")
LANGS = ("id", "en")


class Notice(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One in-portal notice for one user."""

    __tablename__ = "satudata_blitar_notice"
    __table_args__ = (sa.UniqueConstraint("key", "user_id", name="satudata_blitar_notice_key_user"),)

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore[assignment]
    key: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    user_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    event: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    package_id: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    owner_org: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    data: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="{}")  # type: ignore[assignment]
    mail: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="none")  # type: ignore[assignment]
    created_at: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    read_at: Mapped[Optional[datetime.datetime]] = sa.Column(sa.DateTime)  # type: ignore[assignment]

    @property
    def values(self) -> dict[str, Any]:
        return json.loads(self.data or "{}")

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "event": self.event, "package_id": self.package_id,
                "owner_org": self.owner_org, "data": self.values,
                "created_at": _iso(self.created_at), "read_at": _iso(self.read_at),
                "unread": self.read_at is None}


class NotifyPreference(tk.BaseModel):  # type: ignore[misc, valid-type]
    """A user's notification choice (no row: immediate, Indonesian)."""

    __tablename__ = "satudata_blitar_notify_pref"

    user_id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True)  # type: ignore[assignment]
    mode: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="immediate")  # type: ignore[assignment]
    lang: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="id")  # type: ignore[assignment]
    updated_at: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]


class MailLog(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One mail to one user: what, when, the result."""

    __tablename__ = "satudata_blitar_mail_log"
    __table_args__ = (sa.UniqueConstraint("key", "user_id", name="satudata_blitar_mail_log_key_user"),)

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore[assignment]
    key: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    user_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    kind: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore[assignment]
    payload: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="{}")  # type: ignore[assignment]
    email: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    subject: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    status: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="pending")  # type: ignore[assignment]
    attempts: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)  # type: ignore[assignment]
    last_error: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)  # type: ignore[assignment]
    next_attempt_at: Mapped[Optional[datetime.datetime]] = sa.Column(sa.DateTime)  # type: ignore[assignment]
    created_at: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=_now)  # type: ignore[assignment]
    sent_at: Mapped[Optional[datetime.datetime]] = sa.Column(sa.DateTime)  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "user_id": self.user_id, "kind": self.kind,
                "email": self.email, "subject": self.subject, "status": self.status,
                "attempts": self.attempts, "last_error": self.last_error,
                "next_attempt_at": _iso(self.next_attempt_at),
                "created_at": _iso(self.created_at), "sent_at": _iso(self.sent_at)}
