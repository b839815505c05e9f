"""Pages of the notifications: the signed-in user's notices, their preferences, and the mail
log for sysadmins.

=====================================  ==========================================================
``/satudata/notices``                  the user's notices, newest first; mark one or all read
``/satudata/notices/read`` (POST)      mark one notice (``id``) or all (``all``) as read
``/satudata/notices/preferences``      immediate / digest / off, language of the mail
``/satudata/notices/mail-log``         every mail sent or tried (sysadmins)
=====================================  ==========================================================
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar.views.data import context

notices = Blueprint("satudata_notices", __name__, url_prefix="/satudata/notices")


def notice_list() -> Any:
    """The signed-in user's notices."""
    try:
        result = tk.get_action("satudata_notice_list")(context(), {"limit": 200})
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc))
    return tk.render("satudata/notices/list.html", {"result": result})


def mark_read() -> Any:
    """Mark one notice or all of them as read, then back to the list (or to its link)."""
    form = tk.request.form
    data = {"id": form.get("id") or None, "all": form.get("all") or False}
    try:
        tk.get_action("satudata_notice_mark_read")(context(), data)
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc))
    except (tk.ValidationError, tk.ObjectNotFound):
        return tk.abort(404, tk._("Notice not found"))
    target = form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return tk.redirect_to(target)
    return tk.redirect_to("satudata_notices.notice_list")


def preferences() -> Any:
    """How the signed-in user is told: immediate, digest only, off; language of the mail."""
    ctx = context()
    errors: dict[str, Any] = {}
    try:
        data = tk.get_action("satudata_notify_preference_show")(ctx, {})
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc))
    if tk.request.method == "POST":
        data = {"mode": tk.request.form.get("mode"), "lang": tk.request.form.get("lang")}
        try:
            data = tk.get_action("satudata_notify_preference_update")(context(), data)
        except tk.ValidationError as exc:
            errors = exc.error_dict
        else:
            tk.h.flash_success(tk._("Your notification preferences are saved."))
            return tk.redirect_to("satudata_notices.preferences")
    return tk.render("satudata/notices/preferences.html", {"data": data, "errors": errors})


def mail_log() -> Any:
    """Every mail the portal sent or tried to send (sysadmins)."""
    status = tk.request.args.get("status") or None
    try:
        rows = tk.get_action("satudata_mail_log_list")(context(), {"status": status,
                                                                  "limit": 200})
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc))
    except tk.ValidationError:
        return tk.abort(400, tk._("Unknown status."))
    return tk.render("satudata/notices/mail_log.html", {"rows": rows, "status": status})


notices.add_url_rule("", view_func=notice_list)
notices.add_url_rule("/read", view_func=mark_read, methods=["POST"])
notices.add_url_rule("/preferences", view_func=preferences, methods=["GET", "POST"])
notices.add_url_rule("/mail-log", view_func=mail_log)
