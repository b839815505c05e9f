"""The daily digest and the escalation of overdue items (``ckan satudata notify digest``).

Both read what is due from ``deadlines.deadline_items`` — the portal's one working-day clock
(``workdays``) — for a given day (today in WIB by default), so the digest agrees with the
deadline pages.

* Digest: one mail per user and day (key ``digest:<date>``) listing what is overdue or due
  within ``config.notify_due_soon_days()`` working days for the user's role, plus the notices
  of users who chose ``digest``. Nothing is sent when there is nothing to say, nor to users
  who chose ``off``.
* Escalation: an item overdue by ``config.notify_escalate_after_days()`` working days or more
  is copied once (key ``escalation:<step>:<item>:<due date>``) to the head of the OPD for the
  OPD's steps (validation letter, statement) or to the Sekretariat SDI for the Walidata's
  steps (verification, publication).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import config, deadlines, permissions, workdays
from ckanext.satudata_blitar.model.common import new_id
from ckanext.satudata_blitar.model.notify import MailLog, Notice
from ckanext.satudata_blitar.notify import events

#: deadline kinds escalated, and to whom
ESCALATE = {"verification": events.SEKRETARIAT, "publication": events.SEKRETARIAT,
            "validation": events.OPD_HEAD, "statement": events.OPD_HEAD}
_KEEP = ("kind", "label", "due", "overdue", "working_days_left", "package_id", "name",
         "title", "owner_org", "year")


def _soon(entry: dict[str, Any], days: int) -> bool:
    if entry.get("due") is None:
        return False
    left = entry.get("working_days_left")
    return bool(entry.get("overdue")) or (left is not None and left <= days)


def digest_entries(user: model.User, on: dt.date) -> list[dict[str, Any]]:
    """What goes in ``user``'s digest on ``on``: overdue or due soon, datasets the user may
    see only."""
    days = config.notify_due_soon_days()
    can_see = permissions.dataset_reader(user)
    out = []
    for entry in deadlines.deadline_items(user, on):
        if not _soon(entry, days):
            continue
        if entry.get("package_id"):
            pkg = model.Package.get(entry["package_id"])
            if pkg is None or not can_see(pkg):
                continue
        out.append({k: entry.get(k) for k in _KEEP if entry.get(k) is not None})
    return out


def _digest_notices(user: model.User) -> list[Notice]:
    rows = (model.Session.query(Notice)
            .filter(Notice.user_id == user.id, Notice.mail == "digest")
            .order_by(Notice.created_at).all())
    return [n for n in rows if events.visible(user, n)]


def _users() -> list[model.User]:
    site = tk.config.get("ckan.site_id")
    return (model.Session.query(model.User)
            .filter(model.User.state == "active", model.User.email.isnot(None),
                    model.User.email != "", model.User.name != site)
            .order_by(model.User.name).all())


def digest(on: Optional[dt.date] = None) -> list[str]:
    """Write the digests of ``on`` (default today, WIB) into the mail log; returns the new rows'
    ids (send them with ``mail.send_due``)."""
    on = on or workdays.today()
    now = dt.datetime.utcnow()
    created = []
    for user in _users():
        if events.preference(user.id)["mode"] == "off":
            continue
        entries = digest_entries(user, on)
        notices = _digest_notices(user)
        if not entries and not notices:
            continue
        payload = {"on": on.isoformat(), "entries": entries, "notices": [n.id for n in notices]}
        mail_id = model.Session.execute(
            pg_insert(MailLog.__table__)
            .values(id=new_id(), key=f"digest:{on.isoformat()}", user_id=user.id, kind="digest",
                    payload=json.dumps(payload, default=str), email=user.email,
                    status="pending", attempts=0, next_attempt_at=now, created_at=now)
            .on_conflict_do_nothing(constraint="satudata_blitar_mail_log_key_user")
            .returning(MailLog.__table__.c.id)).scalar()
        if mail_id:
            created.append(mail_id)
            if notices:
                model.Session.execute(
                    sa.update(Notice.__table__)
                    .where(Notice.__table__.c.id.in_([n.id for n in notices]))
                    .values(mail="digested"))
        model.Session.commit()
    return created


def _site_user() -> model.User:
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    user = model.User.get(site["name"])
    assert user is not None
    return user


def escalate(on: Optional[dt.date] = None) -> int:
    """Copy every item overdue by the configured working days, once; returns the number of
    new notices."""
    on = on or workdays.today()
    threshold = config.notify_escalate_after_days()
    count = 0
    for entry in deadlines.deadline_items(_site_user(), on, every_opd=True):
        target = ESCALATE.get(entry["kind"])
        left = entry.get("working_days_left")
        if target is None or not entry.get("overdue") or left is None or -left < threshold:
            continue
        pkg = model.Package.get(entry["package_id"]) if entry.get("package_id") else None
        item = entry.get("package_id") or f"{entry.get('daftar_data_id')}:{entry.get('owner_org')}"
        users = events.recipients("escalation", org_id=entry.get("owner_org"), pkg=pkg,
                                  audiences=(target,))
        data = {"kind": entry["kind"], "due": entry["due"], "days": -left,
                "year": entry.get("year")}
        new = events.record("escalation", f"escalation:{entry['kind']}:{item}:{entry['due']}",
                            users, data=data, package_id=pkg.id if pkg else None,
                            owner_org=entry.get("owner_org"))
        count += len(new)
        model.Session.commit()
    return count
