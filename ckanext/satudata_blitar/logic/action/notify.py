"""Actions of the notifications: one's own notices (list, mark as read), one's preferences,
and the mail log for sysadmins. Every list holds only what the caller may see: notices are
the caller's own, and a notice about a dataset the caller can no longer see is left out."""
from __future__ import annotations

import datetime as dt
from typing import Any


import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.satudata_blitar.logic import schema
from ckanext.satudata_blitar.logic.common import context_user as _user
from ckanext.satudata_blitar.model.notify import MailLog, Notice, NotifyPreference
from ckanext.satudata_blitar.notify import events, messages


def _commit(context: Context) -> None:
    if not context.get("defer_commit"):
        model.Session.commit()


@tk.side_effect_free
@schema.validate(schema.notice_list)
def satudata_notice_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The caller's notices, newest first, with their subject, text and link in the request's
    language.

    :param limit: at most this many notices (default 50, at most 200)
    :type limit: int
    :param unread_only: only the unread ones
    :type unread_only: bool
    :returns: ``{"count", "unread", "notices": [...]}``
    :rtype: dictionary
    """
    tk.check_access("satudata_notice_list", context, data_dict)
    user = _user(context)
    assert user is not None
    notices = events.visible_notices(user, data_dict["unread_only"])
    out = []
    for notice in notices[:data_dict["limit"]]:
        item = notice.as_dict()
        item.update(messages.notice_summary(notice))
        item["facts"] = [list(f) for f in item["facts"]]
        out.append(item)
    unread = sum(1 for n in notices if n.read_at is None) if not data_dict["unread_only"] \
        else len(notices)
    return {"count": len(notices), "unread": unread, "notices": out}


@schema.validate(schema.notice_mark_read)
def satudata_notice_mark_read(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Mark one of the caller's notices (``id``) or all of them (``all``) as read.

    :param id: a notice id
    :type id: string
    :param all: every notice of the caller
    :type all: bool
    :returns: ``{"unread": the unread notices left}``
    :rtype: dictionary
    """
    tk.check_access("satudata_notice_mark_read", context, data_dict)
    user = _user(context)
    assert user is not None
    table = Notice.__table__
    if not data_dict.get("id") and not data_dict["all"]:
        raise tk.ValidationError({"id": [tk._("Give a notice id, or all=true.")]})
    query = table.update().where(table.c.user_id == user.id, table.c.read_at.is_(None))
    if not data_dict["all"]:
        query = query.where(table.c.id == data_dict["id"])
        if model.Session.query(Notice.id).filter(
                Notice.id == data_dict["id"], Notice.user_id == user.id).first() is None:
            raise tk.ObjectNotFound(tk._("Notice not found"))
    model.Session.execute(query.values(read_at=dt.datetime.utcnow()))
    _commit(context)
    return {"unread": events.unread_count(user)}


@tk.side_effect_free
@schema.validate(schema.notify_preference_show)
def satudata_notify_preference_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The caller's notification choice: ``mode`` (immediate, digest, off) and ``lang``.

    :rtype: dictionary
    """
    tk.check_access("satudata_notify_preference_show", context, data_dict)
    user = _user(context)
    assert user is not None
    return events.preference(user.id)


@schema.validate(schema.notify_preference_update)
def satudata_notify_preference_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Choose how the caller is told: ``immediate`` (a mail per event), ``digest`` (events
    gathered in the daily digest) or ``off`` (no mail; in-portal notices stay), and the
    language of the mail.

    :param mode: ``immediate``, ``digest`` or ``off``
    :type mode: string
    :param lang: ``id`` or ``en`` (default: unchanged, else Indonesian)
    :type lang: string
    :rtype: dictionary
    """
    tk.check_access("satudata_notify_preference_update", context, data_dict)
    user = _user(context)
    assert user is not None
    row = model.Session.get(NotifyPreference, user.id)
    if row is None:
        row = NotifyPreference(user_id=user.id, lang="id")
        model.Session.add(row)
    row.mode = data_dict["mode"]
    row.lang = data_dict.get("lang") or row.lang or "id"
    row.updated_at = dt.datetime.utcnow()
    model.Session.flush()
    out = {"mode": row.mode, "lang": row.lang}
    _commit(context)
    return out


@tk.side_effect_free
@schema.validate(schema.mail_log_list)
def satudata_mail_log_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Every mail the portal sent or tried to send, newest first (sysadmins).

    :param limit: at most this many rows (default 100, at most 200)
    :type limit: int
    :param status: only ``pending``, ``sending``, ``sent``, ``failed`` or ``skipped``
    :type status: string
    :rtype: list of dictionaries
    """
    tk.check_access("satudata_mail_log_list", context, data_dict)
    query = model.Session.query(MailLog, model.User.name).outerjoin(
        model.User, model.User.id == MailLog.user_id)
    if data_dict.get("status"):
        query = query.filter(MailLog.status == data_dict["status"])
    rows = query.order_by(MailLog.created_at.desc(), MailLog.id).limit(data_dict["limit"])
    return [dict(row.as_dict(), user_name=name) for row, name in rows]


