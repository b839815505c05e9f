"""The city's site around the SOP pages: what the home page counts and lists, where each role
starts after signing in, and what the header says waits for the signed-in user.

Nothing here decides a rule: counts come from the same actions the public pages call
(``package_search`` and ``organization_list``/``group_list`` as an anonymous visitor, so the home
page never counts what a visitor cannot open), the start page from ``permissions.portal_roles``
and the waiting count from ``satudata_deadline_list`` (the one list of what is due, also shown
on ``/satudata/deadlines``).
"""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa
from flask import g, has_request_context

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import lifecycle, permissions
from ckanext.satudata_blitar.model.lifecycle import DatasetStatus

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
def waiting(user_name: Optional[str]) -> Optional[dict[str, int]]:
    """``{"total": n, "overdue": m}``: the entries of ``satudata_deadline_list`` for the user
    (what ``/satudata/deadlines`` lists) and how many of them are overdue; ``None`` for an
    anonymous visitor. Computed once per request."""
    if not user_name:
        return None
    cache_key = "_satudata_waiting"
    if has_request_context():
        cached = getattr(g, cache_key, None)
        if cached is not None and cached[0] == user_name:
            return cached[1]
    try:
        items = tk.get_action("satudata_deadline_list")({"user": user_name}, {})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        items = []
    result = {"total": len(items), "overdue": sum(1 for item in items if item.get("overdue"))}
    if has_request_context():
        setattr(g, cache_key, (user_name, result))
    return result
