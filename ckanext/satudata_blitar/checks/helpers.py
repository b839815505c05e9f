"""Template helpers of the SDI schema and checks (registered via ``checks/wiring.py``)."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar.checks.reference import load_reference


def satudata_area_choices(field: dict[str, Any]) -> list[dict[str, str]]:
    """Kemendagri area codes of the region as scheming choices."""
    return load_reference().choices()


def satudata_standard_choices(field: dict[str, Any]) -> list[dict[str, str]]:
    """Registered data standards as scheming choices."""
    try:
        items = tk.get_action("satudata_standard_list")({"ignore_auth": True}, {})
    except Exception:  # noqa: BLE001 - the form must render even if the registry is down
        return []
    return [{"value": s["name"], "label": f"{s['title']} ({s['name']})"} for s in items]


def satudata_resource_check(resource_id: str) -> Optional[dict[str, Any]]:
    """The check of a resource with rendered messages, or None when not visible."""
    try:
        return tk.get_action("satudata_resource_check_show")(
            {"user": tk.current_user.name if tk.current_user else ""}, {"id": resource_id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None


def satudata_check_status_label(status: Optional[str]) -> str:
    """Label of a check status in the reader's language."""
    labels = {
        "passed": tk._("Passed the data-standard check"),
        "failed": tk._("Does not pass the data-standard check"),
        "pending": tk._("Waiting to be checked"),
        "running": tk._("Being checked"),
        "skipped": tk._("Not checked (linked file)"),
        "not_checked": tk._("Not checked yet"),
    }
    return labels.get(status or "", status or "")


def satudata_can_manage_standards() -> bool:
    """Whether the current user may register data standards."""
    from ckanext.satudata_blitar.logic.standards import permission_manage_standards

    return permission_manage_standards(tk.current_user.name if tk.current_user else None)


HELPERS = {
    "satudata_area_choices": satudata_area_choices,
    "satudata_standard_choices": satudata_standard_choices,
    "satudata_resource_check": satudata_resource_check,
    "satudata_check_status_label": satudata_check_status_label,
    "satudata_can_manage_standards": satudata_can_manage_standards,
}
