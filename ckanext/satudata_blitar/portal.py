"""The city's site around the SOP pages: what the home page counts and lists, where each role
starts after signing in, and what the header says waits for the signed-in user.

Nothing here decides a rule: counts come from the same actions the public pages call
(``package_search`` and ``organization_list``/``group_list`` as an anonymous visitor, so the home
page never counts what a visitor cannot open), the start page from ``permissions.portal_roles``
and the waiting count from ``satudata_deadline_list`` (the one list of what is due, also shown
on ``/satudata/deadlines``).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Optional

import sqlalchemy as sa
from flask import g, has_request_context, request

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import lifecycle, permissions
from ckanext.satudata_blitar.model.lifecycle import DatasetStatus

log = logging.getLogger(__name__)

#: how many recently published datasets the home page lists
LATEST = 5


def _public_context() -> dict[str, Any]:
    """An anonymous visitor's context: what the home page counts, anyone can open."""
    return {"user": "", "ignore_auth": False}


# -- the home page ----------------------------------------------------------------------------
def published_count() -> int:
    """Published datasets: the count an anonymous visitor gets on ``/dataset``."""
    result = tk.get_action("package_search")(_public_context(), {"q": "", "rows": 0})
    return int(result["count"])


def organizations() -> list[dict[str, Any]]:
    """The OPDs as ``/organization`` lists them, with their published datasets counted."""
    return tk.get_action("organization_list")(
        _public_context(), {"all_fields": True, "limit": 1000, "sort": "title asc"})


def sectors() -> list[dict[str, Any]]:
    """The sectors (CKAN groups) as ``/group`` lists them, with their published datasets."""
    return tk.get_action("group_list")(
        _public_context(), {"all_fields": True, "limit": 1000, "sort": "title asc"})


def latest_published(limit: int = LATEST) -> list[dict[str, Any]]:
    """The datasets published most recently (``name``, ``title``, ``organization`` and
    ``published``, the time of their ``publish`` step), each read with ``package_show`` as an
    anonymous visitor: a dataset a visitor cannot open is left out."""
    status = DatasetStatus.__table__
    rows = [tuple(row) for row in model.Session.execute(
        sa.select(status.c.package_id, status.c.since)
        .join(model.package_table, model.package_table.c.id == status.c.package_id)
        .where(status.c.state == lifecycle.PUBLISHED,
               model.package_table.c.state == "active",
               model.package_table.c.private.is_(False))
        .order_by(status.c.since.desc()).limit(limit))]
    out = []
    for package_id, since in rows:
        try:
            pkg = tk.get_action("package_show")(_public_context(), {"id": package_id})
        except (tk.ObjectNotFound, tk.NotAuthorized):
            continue
        out.append({"name": pkg["name"], "title": pkg.get("title") or pkg["name"],
                    "organization": (pkg.get("organization") or {}).get("title"),
                    "published": since})
    return out


def home() -> dict[str, Any]:
    """Everything the home page shows."""
    orgs = organizations()
    return {"published": published_count(), "opd_count": len(orgs), "organizations": orgs,
            "sectors": sectors(), "latest": latest_published()}


# -- where each role starts ---------------------------------------------------------------------
def start_endpoint(user: Any) -> str:
    """The page a user starts at after signing in: the Walidata's queue, the Sekretariat SDI's
    page, the Pembina Data's overview, Dataset Saya for OPD staff (producers and Kepala OPD),
    the OPD overview for sysadmins, CKAN's dashboard for anyone else."""
    user_obj = permissions.user_object(user)
    if user_obj is None:
        return "home.index"
    roles = permissions.portal_roles(user_obj)
    if lifecycle.WALIDATA in roles:
        return "satudata_workflow.queue"
    if lifecycle.SEKRETARIAT in roles:
        return "satudata_workflow.sekretariat"
    if lifecycle.PEMBINA in roles:
        return "satudata_workflow.pembina"
    orgs = tk.get_action("organization_list_for_user")(
        {"user": user_obj.name, "ignore_auth": True}, {"id": user_obj.id, "permission": "read"})
    if orgs and not user_obj.sysadmin:
        return "satudata_workflow.my_datasets"
    if user_obj.sysadmin:
        return "satudata_workflow.pembina"
    return "dashboard.datasets"


# -- what waits for the signed-in user -----------------------------------------------------------
#: seconds a user's waiting count is reused on other pages; the deadlines page (the list the
#: count counts) always recomputes it, so there the header and the page never differ
WAITING_TTL = 60
FRESH_ENDPOINTS = ("satudata_records.deadlines",)


def _waiting_key(user_name: str) -> str:
    return f"satudata:waiting:{tk.config.get('ckan.site_id')}:{user_name}"


def _redis() -> Any:
    from ckan.lib.redis import connect_to_redis  # noqa: PLC0415
    return connect_to_redis()


def compute_waiting(user_name: str) -> dict[str, int]:
    """``{"total": n, "overdue": m}`` of ``satudata_deadline_list`` for the user."""
    try:
        items = tk.get_action("satudata_deadline_list")({"user": user_name}, {})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        items = []
    return {"total": len(items), "overdue": sum(1 for item in items if item.get("overdue"))}


def waiting(user_name: Optional[str]) -> Optional[dict[str, int]]:
    """What waits for the user: the entries of ``satudata_deadline_list`` (what
    ``/satudata/deadlines`` lists) and how many are overdue; ``None`` for a visitor.

    Computed at most once per request, and kept :data:`WAITING_TTL` seconds per user in Redis
    (the list costs a dozen queries); the deadlines page recomputes it. Without Redis it is
    computed on every request."""
    if not user_name:
        return None
    in_request = has_request_context()
    if in_request:
        cached = getattr(g, "_satudata_waiting", None)
        if cached is not None and cached[0] == user_name:
            return cached[1]
    fresh = in_request and request.endpoint in FRESH_ENDPOINTS
    result: Optional[dict[str, int]] = None
    try:
        redis = _redis()
        if not fresh:
            stored = redis.get(_waiting_key(user_name))
            if stored is not None:
                result = json.loads(stored)
    except Exception as error:  # noqa: BLE001 - Redis down: no cache
        log.debug("waiting count cache unavailable: %s", error)
        redis = None
    if result is None:
        result = compute_waiting(user_name)
        if redis is not None:
            try:
                redis.set(_waiting_key(user_name), json.dumps(result), ex=WAITING_TTL)
            except Exception:  # noqa: BLE001
                pass
    if in_request:
        g._satudata_waiting = (user_name, result)
    return result
