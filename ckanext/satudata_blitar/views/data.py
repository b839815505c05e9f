"""What the workflow pages show, gathered from the actions (no rules here: each fact comes
from an action or from ``lifecycle.submit_requirements``, the gate the actions ask)."""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import lifecycle

#: display order of the states on the pages
STATE_ORDER: tuple[str, ...] = (lifecycle.DRAFT, lifecycle.SUBMITTED, lifecycle.VERIFIED,
                                lifecycle.VALIDATED, lifecycle.PUBLISHED)
#: Bootstrap colour of each state badge
BADGE_CLASS: dict[str, str] = {
    lifecycle.DRAFT: "bg-secondary",
    lifecycle.SUBMITTED: "bg-info text-dark",
    lifecycle.VERIFIED: "bg-primary",
    lifecycle.VALIDATED: "bg-warning text-dark",
    lifecycle.PUBLISHED: "bg-success",
    "returned": "bg-danger",
    "withdrawn": "bg-dark",
}
#: URL segment of each transition (Indonesian, as the rest of the portal's URLs)
TRANSITION_SLUGS: dict[str, str] = {
    "submit": "ajukan", "verify": "verifikasi", "return": "kembalikan",
    "validate": "validasi", "publish": "publikasikan", "withdraw": "tarik",
}
SLUG_TRANSITIONS: dict[str, str] = {v: k for k, v in TRANSITION_SLUGS.items()}


def user_name() -> str:
    """Name of the signed-in user ('' for visitors)."""
    user = tk.current_user
    return user.name if user and getattr(user, "is_authenticated", False) else ""


def context() -> dict[str, Any]:
    """Action context of the current request."""
    return {"user": user_name()}


def _call(action: str, data: dict[str, Any], default: Any = None) -> Any:
    try:
        return tk.get_action(action)(context(), data)
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return default


def badge(state: Optional[str], returned: bool = False, withdrawn: bool = False) -> dict[str, str]:
    """Label and colour of a state badge (returned/withdrawn drafts get their own)."""
    if state == lifecycle.DRAFT and withdrawn:
        return {"label": tk._("Withdrawn"), "css": BADGE_CLASS["withdrawn"], "key": "withdrawn"}
    if state == lifecycle.DRAFT and returned:
        return {"label": tk._("Returned"), "css": BADGE_CLASS["returned"], "key": "returned"}
    return {"label": lifecycle.state_label(state), "css": BADGE_CLASS.get(state or "", ""),
            "key": state or ""}


def transition_label(name: str) -> str:
    """Button label of a transition."""
    return {
        "submit": tk._("Submit for review"),
        "verify": tk._("Verify"),
        "return": tk._("Return to the OPD"),
        "validate": tk._("Validate with the letter"),
        "publish": tk._("Publish"),
        "withdraw": tk._("Withdraw"),
    }.get(name, name)


def actions_for(status: dict[str, Any], pkg_name: str) -> list[dict[str, str]]:
    """Buttons of the transitions the caller may do now (from ``allowed_transitions``)."""
    return [{"name": t, "label": transition_label(t),
             "url": tk.h.url_for("satudata_workflow.transition", id=pkg_name,
                                 action=TRANSITION_SLUGS[t])}
            for t in status.get("allowed_transitions") or [] if t in TRANSITION_SLUGS]


def history(pkg_id: str) -> Optional[list[dict[str, Any]]]:
    """Audit rows (``None`` when the caller may not read them)."""
    return _call("satudata_dataset_history", {"id": pkg_id})


def last_reason(rows: Optional[list[dict[str, Any]]]) -> Optional[dict[str, Any]]:
    """The newest return or withdrawal row (its reason is what the OPD must fix)."""
    for row in reversed(rows or []):
        if row.get("transition") in ("return", "withdraw"):
            return row
        if row.get("transition") == "submit":
            return None
    return None


def resource_checks(pkg_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Data-standard check of each tabular resource, with its first error messages."""
    out = []
    for res in pkg_dict.get("resources") or []:
        check = _call("satudata_resource_check_show", {"id": res["id"]})
        if not check or check.get("status") == "not_applicable":
            continue
        issues = (check.get("report") or {}).get("issues") or []
        errors = [i.get("message") for i in issues if i.get("severity") == "error"]
        out.append({"resource_id": res["id"], "name": res.get("name") or res["id"],
                    "status": check["status"], "error_count": check.get("error_count") or 0,
                    "warning_count": check.get("warning_count") or 0,
                    "errors": errors[:5], "more": max(0, len(errors) - 5)})
    return out


def submit_problems(pkg_dict: dict[str, Any]) -> dict[str, list[str]]:
    """What still stops the submission, by field: the same ``lifecycle.submit_requirements``
    that the ``submit`` action asks (every ISatudataLifecycle implementation)."""
    pkg = model.Package.get(pkg_dict["id"])
    return lifecycle.submit_problems_by_field(pkg, pkg_dict) if pkg is not None else {}


def dataset_letters(pkg_id: str, full: bool) -> list[dict[str, Any]]:
    """Letters of a dataset: full records for those who may read them, else public metadata."""
    if full:
        letters = _call("satudata_validation_letter_list", {"package_id": pkg_id})
        if letters is not None:
            return letters
    return _call("satudata_dataset_letter_list", {"id": pkg_id}, []) or []


def panel(pkg_dict: dict[str, Any]) -> Optional[dict[str, Any]]:
    """Everything the workflow panel of a dataset page shows, for the current user.

    Visitors (no history access) get only the published facts: the state badge, since when,
    and the public metadata of the validation letters.
    """
    status = _call("satudata_dataset_status_show", {"id": pkg_dict["id"]})
    if not status:
        return None
    rows = history(pkg_dict["id"])
    insider = rows is not None
    state = status["state"]
    if not insider:
        if state != lifecycle.PUBLISHED:
            return None
        return {"insider": False, "status": status, "badge": badge(state),
                "letters": dataset_letters(pkg_dict["id"], full=False)}
    reason = last_reason(rows) if status.get("returned") else None
    withdrawn = bool(reason and reason.get("transition") == "withdraw")
    problems = submit_problems(pkg_dict) if state == lifecycle.DRAFT else {}
    return {
        "insider": True,
        "status": status,
        "badge": badge(state, status.get("returned", False), withdrawn),
        "actions": actions_for(status, pkg_dict["name"]),
        "history": rows,
        "reason": reason,
        "letters": dataset_letters(pkg_dict["id"], full=True),
        "checks": resource_checks(pkg_dict),
        "problems": problems,
        "can_submit": "submit" in (status.get("allowed_transitions") or []) and not problems,
    }


def opd_datasets(org_id: str) -> list[dict[str, Any]]:
    """Every dataset of an OPD the caller may see (drafts and private included)."""
    result = _call("package_search", {
        "fq": f'owner_org:"{org_id}"', "include_private": True, "include_drafts": True,
        "rows": 1000, "sort": "metadata_modified desc"}, {"results": []})
    return result["results"]


def status_of(pkg_id: str) -> Optional[dict[str, Any]]:
    """``satudata_dataset_status_show`` for the caller (``None`` if not visible)."""
    return _call("satudata_dataset_status_show", {"id": pkg_id})


def deadlines_by_dataset() -> dict[str, dict[str, Any]]:
    """The caller's SOP deadlines (``satudata_deadline_list``) keyed by dataset id."""
    out: dict[str, dict[str, Any]] = {}
    for item in _call("satudata_deadline_list", {}, []) or []:
        if item.get("package_id") and item["package_id"] not in out:
            out[item["package_id"]] = item
    return out


def organizations(all_fields: bool = True) -> list[dict[str, Any]]:
    """Every OPD (for filters)."""
    return _call("organization_list", {"all_fields": all_fields, "limit": 1000}, []) or []


def user_organizations(permission: str = "read") -> list[dict[str, Any]]:
    """The OPDs where the caller holds ``permission``."""
    name = user_name()
    if not name:
        return []
    return _call("organization_list_for_user", {"id": name, "permission": permission}, []) or []
