"""Template helpers of the workflow pages (registered in ``plugin.py`` via ``HELPERS``)."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import lifecycle
from ckanext.satudata_blitar.views import data as _data


def satudata_workflow_panel(pkg_dict: dict[str, Any]) -> Optional[dict[str, Any]]:
    """What the dataset page's workflow panel shows to the current user (``None``: nothing)."""
    if (pkg_dict.get("type") or "dataset") not in lifecycle.GOVERNED_TYPES:
        return None
    return _data.panel(pkg_dict)


def satudata_workflow_nav() -> list[dict[str, str]]:
    """Links of the signed-in user's SOP roles, for the main navigation."""
    name = _data.user_name()
    if not name:
        return []
    user = tk.current_user
    roles = lifecycle.portal_roles(name)
    sysadmin = bool(getattr(user, "sysadmin", False))
    links: list[tuple[str, str]] = []
    orgs = _data.user_organizations("read") if not sysadmin else []
    if orgs:
        links.append(("satudata_workflow.my_datasets", tk._("My Datasets (OPD)")))
    if lifecycle.WALIDATA in roles or sysadmin:
        links.append(("satudata_workflow.queue", tk._("Walidata Queue")))
    if orgs or roles or sysadmin:
        links.append(("satudata_records.letter_list", tk._("Validation Letters")))
    if roles & {lifecycle.PEMBINA, lifecycle.WALIDATA} or sysadmin:
        links.append(("satudata_workflow.pembina", tk._("OPD Overview")))
    if roles & {lifecycle.SEKRETARIAT, lifecycle.PEMBINA} or sysadmin:
        links.append(("satudata_workflow.sekretariat", tk._("Daftar Data & Report")))
    current = tk.request.endpoint if tk.request else ""
    return [{"url": tk.h.url_for(endpoint), "label": label, "active": endpoint == current}
            for endpoint, label in links]


HELPERS = {
    "satudata_workflow_panel": satudata_workflow_panel,
    "satudata_workflow_nav": satudata_workflow_nav,
}
