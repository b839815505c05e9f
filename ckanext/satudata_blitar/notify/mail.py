"""Sending the notification mail: background jobs, once per row of the mail log, with retries.

* :func:`send_after_commit` remembers the new rows of the mail log on the database session; a
  listener enqueues one RQ job (:func:`send_job`) when that session's transaction commits, and
  forgets them when it rolls back. Nothing is sent inside a transition's transaction, and a
  transition that rolls back sends nothing.
* :func:`send_one` claims a row (``pending``/``failed``/stale ``sending`` → ``sending``, a
  conditional ``UPDATE``: of two workers only one wins), renders the message in the user's
  language, sends it with CKAN's mailer (``smtp.*`` settings) and records the result. A row
  that is ``sent`` is never sent again, so a retried job does not send twice.
* When the SMTP server fails the row becomes ``failed`` with the next attempt
  ``config.notify_retry_minutes()`` later; :func:`send_due` (``ckan satudata notify send``,
  also run by ``notify digest``) sends every row whose time has come. After the last attempt
  the row stays ``failed``, visible in the mail log.
* Before sending, a mail about a dataset is checked once more against
  ``permissions.permission_read_dataset``: a recipient who can no longer see the dataset gets
  nothing (``skipped``).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any, Iterable, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import mailer

from ckanext.satudata_blitar import config
from ckanext.satudata_blitar.model.notify import MailLog, Notice
from ckanext.satudata_blitar.notify import events, messages

log = logging.getLogger(__name__)

_PENDING = "satudata_notify_mail"
#: how long a claimed row may stay ``sending`` before another worker may take it over
LEASE = dt.timedelta(minutes=30)
_log = MailLog.__table__


# -- enqueue after commit ----------------------------------------------------------------------
def send_after_commit(mail_ids: Iterable[str]) -> None:
    """Send these rows of the mail log once the current transaction commits."""
    ids = list(mail_ids)
    if ids:
        model.Session().info.setdefault(_PENDING, []).extend(ids)


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _after_commit(session: sa.orm.Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        enqueue(ids)


@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _after_rollback(session: sa.orm.Session) -> None:
    session.info.pop(_PENDING, None)


def enqueue(mail_ids: list[str]) -> None:
    """One job for these rows; when Redis is unreachable they stay ``pending`` and
    :func:`send_due` sends them."""
    try:
        tk.enqueue_job(send_job, [list(mail_ids)], title="satudata notify",
                       queue=config.notify_job_queue())
    except Exception:  # noqa: BLE001 - the rows are kept; ``notify send`` picks them up
        log.exception("Could not enqueue the notification mail %s", mail_ids)


# -- sending -------------------------------------------------------------------------------------
def send_job(mail_ids: list[str]) -> dict[str, str]:
    """The RQ job: send each row (those already sent or claimed are left alone)."""
    return {mail_id: send_one(mail_id) for mail_id in mail_ids}


def backoff(attempts: int) -> Optional[dt.timedelta]:
    """The wait before attempt ``attempts + 1``; ``None`` after the last one."""
    minutes = config.notify_retry_minutes()
    if attempts > len(minutes):
        return None
    return dt.timedelta(minutes=minutes[attempts - 1])


def _claim(mail_id: str, now: dt.datetime) -> bool:
    result = model.Session.execute(
        _log.update()
        .where(_log.c.id == mail_id, _log.c.status.in_(("pending", "failed", "sending")),
               _log.c.next_attempt_at <= now)
        .values(status="sending", attempts=_log.c.attempts + 1, next_attempt_at=now + LEASE))
    model.Session.commit()
    return result.rowcount == 1


def _finish(mail_id: str, **values: Any) -> None:
    model.Session.execute(_log.update().where(_log.c.id == mail_id).values(**values))
    model.Session.commit()


def send_one(mail_id: str, now: Optional[dt.datetime] = None) -> str:
    """Send one row of the mail log if it is due; returns its status afterwards."""
    now = now or dt.datetime.utcnow()
    if not _claim(mail_id, now):
        status = model.Session.execute(
            sa.select(_log.c.status).where(_log.c.id == mail_id)).scalar()
        return status or "missing"
    row = model.Session.get(MailLog, mail_id)
    assert row is not None
    user = model.User.get(row.user_id)
    try:
        message = _message(row, user)
    except Exception as exc:  # noqa: BLE001 - a broken row must not stop the others
        log.exception("Could not write the notification mail %s", mail_id)
        _finish(mail_id, status="failed", last_error=f"render: {exc!r}"[:2000],
                next_attempt_at=None)
        return "failed"
    if message is None:
        _finish(mail_id, status="skipped", next_attempt_at=None)
        return "skipped"
    subject, body, html = message
    assert user is not None
    try:
        mailer.mail_recipient(user.fullname or user.name, user.email, subject, body,
                              body_html=html, headers={"X-Satudata-Key": row.key})
    except Exception as exc:  # noqa: BLE001 - MailerException, socket errors …
        wait = backoff(row.attempts)
        log.warning("Notification mail %s to %s failed (attempt %s): %s", mail_id, user.email,
                    row.attempts, exc)
        _finish(mail_id, status="failed", subject=subject, email=user.email,
                last_error=str(exc)[:2000], next_attempt_at=now + wait if wait else None)
        return "failed"
    _finish(mail_id, status="sent", subject=subject, email=user.email, last_error=None,
            sent_at=dt.datetime.utcnow(), next_attempt_at=None)
    return "sent"


def _message(row: MailLog, user: Optional[model.User]) -> Optional[tuple[str, str, str]]:
    """``(subject, text, html)`` of a row, or ``None`` when it must not be sent."""
    if user is None or user.state != "active" or not user.email:
        return None
    payload = json.loads(row.payload or "{}")
    lang = messages.user_language(user.id)
    if "notice_id" in payload:
        notice = model.Session.get(Notice, payload["notice_id"])
        if notice is None or not events.visible(user, notice):
            return None
        return messages.notice_mail(notice, lang)
    if row.kind == "digest":
        return messages.digest_mail(user, payload, lang)
    return None


def due_ids(now: dt.datetime) -> list[str]:
    """Rows whose (next) attempt is due: pending, failed with a retry time, stale claims."""
    return list(model.Session.execute(
        sa.select(_log.c.id)
        .where(_log.c.status.in_(("pending", "failed", "sending")),
               _log.c.next_attempt_at <= now)
        .order_by(_log.c.created_at)).scalars())


def send_due(now: Optional[dt.datetime] = None) -> dict[str, int]:
    """Send every row that is due (``ckan satudata notify send``); counts per result."""
    now = now or dt.datetime.utcnow()
    counts: dict[str, int] = {}
    for mail_id in due_ids(now):
        status = send_one(mail_id, now)
        counts[status] = counts.get(status, 0) + 1
    return counts
