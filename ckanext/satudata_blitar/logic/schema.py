"""Input schemas of the satudata_* actions (navl)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


def _get(name: str) -> Any:
    return tk.get_validator(name)


def transition() -> dict[str, list[Any]]:
    """Any lifecycle transition; per-transition requirements are checked by the action."""
    ignore_missing, unicode_safe, strip = (
        _get("ignore_missing"), _get("unicode_safe"), _get("strip_value"))
    return {
        "id": [_get("not_empty"), unicode_safe],
        "note": [ignore_missing, unicode_safe, strip],
        "reason": [ignore_missing, unicode_safe, strip],
        "reason_category": [ignore_missing, unicode_safe, strip],
        "letter_ref": [ignore_missing, unicode_safe, strip],
    }


def dataset_id() -> dict[str, list[Any]]:
    """Actions taking one dataset."""
    return {"id": [_get("not_empty"), _get("unicode_safe")]}


def role_assignment() -> dict[str, list[Any]]:
    """``satudata_role_assign`` / ``satudata_role_revoke``."""
    return {
        "user": [_get("not_empty"), _get("unicode_safe")],
        "role": [_get("not_empty"), _get("unicode_safe")],
    }


def role_list() -> dict[str, list[Any]]:
    """``satudata_role_list`` filters."""
    return {
        "user": [_get("ignore_missing"), _get("unicode_safe")],
        "role": [_get("ignore_missing"), _get("unicode_safe")],
    }


def audit_export() -> dict[str, list[Any]]:
    """``satudata_audit_export`` filters."""
    ignore_missing, unicode_safe = _get("ignore_missing"), _get("unicode_safe")
    return {
        "owner_org": [ignore_missing, unicode_safe],
        "package_id": [ignore_missing, unicode_safe],
        "since": [ignore_missing, _get("isodate")],
        "until": [ignore_missing, _get("isodate")],
    }
