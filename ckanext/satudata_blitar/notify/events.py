"""Which event tells whom: the recipients of every hand-off, and the notices they get.

Each event has one row in :data:`RECIPIENTS`; the people behind each audience are found by
the rules of ``permissions.py`` (SOP roles, OPD memberships) and every recipient of an event
about a dataset must pass ``permissions.permission_read_dataset`` at that moment: nobody who
may not see a dataset ever gets its name. The actor of the event is never told about their
own step.

The notices (and the rows of the mail log for those who want mail at once) are written in the
transaction of the event itself, so a transition that rolls back tells nobody; the mail is
sent by a background job enqueued after that transaction commits (``notify.mail``).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any, Callable, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import deadlines, permissions
from ckanext.satudata_blitar.model.lifecycle import AuditEntry, RoleAssignment
from ckanext.satudata_blitar.model.notify import MailLog, Notice, NotifyPreference
from ckanext.satudata_blitar.model.records import DaftarData, Statement

log = logging.getLogger(__name__)

# -- audiences ---------------------------------------------------------------------------------
WALIDATA = "walidata"            #: holders of the Walidata role
SEKRETARIAT = "sekretariat"      #: holders of the Sekretariat SDI role
OPD = "opd"                      #: the OPD: its producers (editors) and its head (admins)
OPD_HEAD = "opd_head"            #: the head of the OPD (organization admins)
SUBMITTER = "submitter"          #: who submitted the dataset last (else the OPD)

#: event → the audiences told (the table of docs/notifications.md)
RECIPIENTS: dict[str, tuple[str, ...]] = {
    "submit": (WALIDATA,),
    "return": (SUBMITTER,),
    "verify": (OPD_HEAD,),
    "validate": (WALIDATA,),
    "publish": (OPD,),
    "withdraw": (OPD,),
    "daftar_data_agreed": (OPD,),
    "statement_filed": (SEKRETARIAT,),
}
#: the step that is due after each event (its due date is written in the message)
NEXT_STEP = {"submit": "verification", "verify": "validation"}


def _active(users: Iterable[Optional[model.User]]) -> list[model.User]:
    """Active people: CKAN's site user (the system itself) is never told anything."""
    site = tk.config.get("ckan.site_id")
    seen: dict[str, model.User] = {}
    for user in users:
        if (user is not None and user.state == "active" and user.id not in seen
                and user.name != site):
            seen[user.id] = user
    return sorted(seen.values(), key=lambda u: u.name)


def role_holders(role: str) -> list[model.User]:
    """Active users holding an SOP role (``walidata``, ``sekretariat``, ``pembina``)."""
    table = RoleAssignment.__table__
    ids = model.Session.execute(sa.select(table.c.user_id).where(table.c.role == role)).scalars()
    return _active(model.User.get(i) for i in ids)


def org_users(org_id: Optional[str], capacities: tuple[str, ...] = ("admin", "editor")) -> list[model.User]:
    """Active members of the OPD with one of ``capacities``."""
    if not org_id:
        return []
    rows = (model.Session.query(model.User)
            .join(model.Member, model.Member.table_id == model.User.id)
            .filter(model.Member.group_id == org_id, model.Member.table_name == "user",
                    model.Member.state == "active", model.Member.capacity.in_(capacities)))
    return _active(rows)


def submitter(pkg: model.Package) -> Optional[model.User]:
    """Who submitted ``pkg`` last (from its audit trail)."""
    audit = AuditEntry.__table__
    actor_id = model.Session.execute(
        sa.select(audit.c.actor_id)
        .where(audit.c.package_id == pkg.id, audit.c.transition == "submit")
        .order_by(audit.c.timestamp.desc(), audit.c.id.desc()).limit(1)).scalar()
    return model.User.get(actor_id) if actor_id else None


def audience(name: str, org_id: Optional[str], pkg: Optional[model.Package] = None) -> list[model.User]:
    """The users of one audience of :data:`RECIPIENTS`."""
    if name in (WALIDATA, SEKRETARIAT):
        return role_holders(name)
    if name == OPD:
        return org_users(org_id)
    if name == OPD_HEAD:
        return org_users(org_id, ("admin",))
    if name == SUBMITTER:
        who = submitter(pkg) if pkg is not None else None
        if who is not None and who.state == "active" and permissions.opd_role(who, org_id):
            return [who]
        return org_users(org_id)
    raise KeyError(name)


def recipients(event: str, *, org_id: Optional[str], pkg: Optional[model.Package] = None,
               actor: Optional[model.User] = None,
               audiences: Optional[tuple[str, ...]] = None) -> list[model.User]:
    """Who is told of ``event``: its audiences, without the actor, and — for an event about a
    dataset — only those who may see the dataset now."""
    users: list[model.User] = []
    for name in audiences if audiences is not None else RECIPIENTS.get(event, ()):
        users.extend(audience(name, org_id, pkg))
    out = [u for u in _active(users) if actor is None or u.id != actor.id]
    if pkg is not None:
        out = [u for u in out if permissions.permission_read_dataset(u, pkg)[0]]
    return out


def visible(user: model.User, notice: Notice,
            can_see: Optional[Callable[[model.Package], bool]] = None) -> bool:
    """May ``user`` read this notice now (its dataset, if any, is one the user may see:
    ``permissions.dataset_reader``, which ``can_see`` is when given)?"""
    if notice.package_id:
        pkg = model.Package.get(notice.package_id)
        if pkg is None or pkg.state == "deleted":
            return False
        return (can_see or permissions.dataset_reader(user))(pkg)
    return True


def visible_notices(user: model.User, unread_only: bool = False) -> list[Notice]:
    """The notices of ``user`` that the user may still read, newest first."""
    query = model.Session.query(Notice).filter(Notice.user_id == user.id)
    if unread_only:
        query = query.filter(Notice.read_at.is_(None))
    can_see = permissions.dataset_reader(user)
    return [n for n in query.order_by(Notice.created_at.desc(), Notice.id)
            if visible(user, n, can_see)]


def unread_count(user: model.User) -> int:
    """Unread notices of ``user`` that the user may still read (the header badge)."""
    return len(visible_notices(user, unread_only=True))


# -- preferences -------------------------------------------------------------------------------
def preference(user_id: str) -> dict[str, str]:
    """A user's choice: ``mode`` (immediate, digest, off) and ``lang`` (id, en)."""
    row = model.Session.get(NotifyPreference, user_id)
    if row is None:
        return {"mode": "immediate", "lang": "id"}
    return {"mode": row.mode, "lang": row.lang}


# -- recording ---------------------------------------------------------------------------------
def record(event: str, key: str, users: Iterable[model.User], *, data: dict[str, Any],
           package_id: Optional[str] = None, owner_org: Optional[str] = None,
           now: Optional[dt.datetime] = None) -> list[str]:
    """Write one notice per user (once per ``key``) and, for those who want mail at once, a
    pending row of the mail log; the mail is sent after the transaction commits. Returns the
    ids of the new notices (none when this event was recorded before)."""
    from ckanext.satudata_blitar.notify import mail  # noqa: PLC0415 - mail imports this module

    now = now or dt.datetime.utcnow()
    mail_ids: list[str] = []
    notice_ids: list[str] = []
    text = json.dumps(data, sort_keys=True, default=str)
    for user in users:
        pref = preference(user.id)
        mode = pref["mode"] if user.email else "off"
        kind = {"immediate": "immediate", "digest": "digest"}.get(mode, "none")
        notice_id = model.Session.execute(
            pg_insert(Notice.__table__)
            .values(id=_new_id(), key=key, user_id=user.id, event=event, package_id=package_id,
                    owner_org=owner_org, data=text, mail=kind, created_at=now)
            .on_conflict_do_nothing(constraint="satudata_blitar_notice_key_user")
            .returning(Notice.__table__.c.id)).scalar()
        if notice_id is None:
            continue
        notice_ids.append(notice_id)
        if kind != "immediate":
            continue
        mail_id = model.Session.execute(
            pg_insert(MailLog.__table__)
            .values(id=_new_id(), key=key, user_id=user.id, kind=event,
                    payload=json.dumps({"notice_id": notice_id}), email=user.email,
                    status="pending", attempts=0, next_attempt_at=now, created_at=now)
            .on_conflict_do_nothing(constraint="satudata_blitar_mail_log_key_user")
            .returning(MailLog.__table__.c.id)).scalar()
        if mail_id:
            mail_ids.append(mail_id)
    mail.send_after_commit(mail_ids)
    return notice_ids


def _new_id() -> str:
    from ckanext.satudata_blitar.model.common import new_id  # noqa: PLC0415
    return new_id()


def _safely(what: str, func: Any, *args: Any, **kwargs: Any) -> None:
    """Run ``func`` in a savepoint: an error is logged and undone, the event itself stays."""
    try:
        with model.Session.begin_nested():
            func(*args, **kwargs)
    except Exception:  # noqa: BLE001 - telling people must never undo the step itself
        log.exception("Notifications of %s failed; the step itself is kept", what)


# -- the events --------------------------------------------------------------------------------
def on_transition(pkg: model.Package, transition: str, result: dict[str, Any],
                  actor: Optional[model.User], details: dict[str, Any]) -> None:
    """A lifecycle transition happened (``lifecycle.apply_transition``, same transaction)."""
    if transition not in RECIPIENTS:
        return
    _safely(transition, _transition, pkg, transition, result, actor, details)


def _transition(pkg: model.Package, transition: str, result: dict[str, Any],
                actor: Optional[model.User], details: dict[str, Any]) -> None:
    data: dict[str, Any] = {"transition": transition, "state": result.get("state"),
                            "actor": actor.name if actor else None}
    for field in ("reason", "reason_category", "note"):
        if details.get(field):
            data[field] = details[field]
    step = NEXT_STEP.get(transition)
    if step:
        deadline = deadlines.dataset_deadlines(
            [(pkg.id, result["state"], None)])[pkg.id]
        if deadline and deadline.get("due"):
            data["due"] = deadline["due"]
    users = recipients(transition, org_id=pkg.owner_org, pkg=pkg, actor=actor)
    record(transition, f"{transition}:{pkg.id}:{result['timestamp']}", users, data=data,
           package_id=pkg.id, owner_org=pkg.owner_org)


def daftar_data_agreed(dd: DaftarData, actor: Optional[model.User]) -> None:
    """The Forum agreed a Daftar Data: every OPD with items is told the statement due date."""
    _safely("daftar_data_agreed", _agreed, dd, actor)


def _agreed(dd: DaftarData, actor: Optional[model.User]) -> None:
    from ckanext.satudata_blitar.records.daftar_data import items_of, statement_deadline  # noqa: PLC0415

    counts: dict[str, int] = {}
    for item in items_of(dd):
        counts[item.owner_org] = counts.get(item.owner_org, 0) + 1
    due = statement_deadline(dd).isoformat() if dd.agreed_date else None
    for org_id, count in sorted(counts.items()):
        users = recipients("daftar_data_agreed", org_id=org_id, actor=actor)
        record("daftar_data_agreed", f"daftar_data_agreed:{dd.id}:{org_id}", users,
               data={"daftar_data_id": dd.id, "year": dd.year, "revision": dd.revision,
                     "items": count, "due": due}, owner_org=org_id)


def statement_filed(statement: Statement, actor: Optional[model.User]) -> None:
    """An OPD filed its availability statement: the Sekretariat SDI is told."""
    _safely("statement_filed", _filed, statement, actor)


def _filed(statement: Statement, actor: Optional[model.User]) -> None:
    users = recipients("statement_filed", org_id=statement.owner_org, actor=actor)
    record("statement_filed", f"statement_filed:{statement.id}", users,
           data={"statement_id": statement.id, "year": statement.year,
                 "daftar_data_id": statement.daftar_data_id, "number": statement.number},
           owner_org=statement.owner_org)


__all__ = ["RECIPIENTS", "recipients", "record", "on_transition", "daftar_data_agreed",
           "statement_filed", "preference", "role_holders", "org_users"]
