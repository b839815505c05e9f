"""Endpoints of the change feed: ``/satudata/changes.json`` and ``/satudata/changes.atom``.

Both call the ``satudata_change_feed`` action (same parameters: ``since``, ``cursor``,
``limit``, ``event``) as the requesting user; the feed is public and holds public facts only.
"""
from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from dateutil.parser import isoparse
from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, jsonify, make_response

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar.views import csrf

satudata_harvest = csrf.protect(Blueprint("satudata_harvest", __name__))  # GETs only, so far

_PARAMS = ("since", "cursor", "limit", "event")
_TITLES = {
    "published": "Dipublikasikan",
    "updated": "Diperbarui",
    "withdrawn": "Ditarik",
    "deleted": "Dihapus",
}


def _feed(args: dict[str, Any]) -> dict[str, Any]:
    context = {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}
    return tk.get_action("satudata_change_feed")(context, args)


def _args() -> dict[str, Any]:
    return {k: tk.request.args[k] for k in _PARAMS if tk.request.args.get(k)}


def _error(err: tk.ValidationError) -> Response:
    response = jsonify({"success": False, "error": err.error_dict})
    response.status_code = 400
    return response


def _next_url(endpoint: str, args: dict[str, Any], page: dict[str, Any]) -> str | None:
    if page["complete"] or not page["next_cursor"]:
        return None
    params = {k: v for k, v in args.items() if k not in ("cursor", "since")}
    params["cursor"] = page["next_cursor"]
    return tk.url_for(endpoint, _external=True) + "?" + urlencode(params)


def changes_json() -> Response:
    """One page of the feed as JSON, with a ``next`` link while more events follow."""
    args = _args()
    try:
        page = _feed(args)
    except tk.ValidationError as err:
        return _error(err)
    page["next"] = _next_url("satudata_harvest.changes_json", args, page)
    return jsonify({"success": True, "result": page})


def changes_atom() -> Response:
    """One page of the feed as Atom 1.0 (RFC 4287), newest page links via ``rel=next``."""
    args = _args()
    try:
        page = _feed(args)
    except tk.ValidationError as err:
        return _error(err)
    site = str(tk.config.get("ckan.site_url") or "").rstrip("/")
    fg = FeedGenerator()
    fg.id(f"{site}/satudata/changes")
    fg.title(f"{tk.config.get('ckan.site_title') or 'Satu Data'}: perubahan dataset")
    fg.author({"name": tk.config.get("ckan.site_title") or "Satu Data"})
    fg.link(href=tk.url_for("satudata_harvest.changes_atom", _external=True), rel="self")
    fg.link(href=tk.url_for("satudata_harvest.changes_json", _external=True), rel="alternate",
            type="application/json")
    next_url = _next_url("satudata_harvest.changes_atom", args, page)
    if next_url:
        fg.link(href=next_url, rel="next")
    fg.language("id")
    updated = datetime.datetime.now(datetime.timezone.utc)
    if page["events"]:
        updated = isoparse(page["events"][-1]["timestamp"])
    fg.updated(updated)
    for event in page["events"]:
        entry = fg.add_entry(order="append")
        entry.id(f"{site}/satudata/changes/{event['id']}")
        label = event.get("title") or event["dataset_name"]
        entry.title(f"{_TITLES.get(event['event'], event['event'])}: {label}")
        entry.updated(isoparse(event["timestamp"]))
        entry.category({"term": event["event"], "label": _TITLES.get(event["event"])})
        entry.link(href=event.get("url") or event["uri"], rel="alternate")
        entry.link(href=event["uri"], rel="related")
        entry.content(
            f"{event['event']} {event['dataset_id']} ({event['dataset_name']}) "
            f"{event['timestamp']}", type="text")
    response = make_response(fg.atom_str(pretty=True))
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    return response


satudata_harvest.add_url_rule("/satudata/changes.json", view_func=changes_json)
satudata_harvest.add_url_rule("/satudata/changes.atom", view_func=changes_atom)
