"""Template helpers of satudata_blitar (lifecycle state for the UI)."""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import lifecycle


def satudata_state_label(state: Optional[str]) -> str:
    """Label of a lifecycle state (Draf, Diajukan, Terverifikasi, Tervalidasi, Terpublikasi)."""
    return lifecycle.state_label(state)


def satudata_dataset_status(package_id: str) -> Optional[dict[str, Any]]:
    """Status of a dataset for the current user, or ``None`` when not visible."""
    try:
        return tk.get_action("satudata_dataset_status_show")(
            {"user": tk.current_user.name if tk.current_user else ""}, {"id": package_id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None


def satudata_reason_categories() -> list[dict[str, str]]:
    """Return-reason categories as ``[{"value": ..., "text": ...}]`` for a select field."""
    labels = lifecycle.reason_category_labels()
    return [{"value": key, "text": labels[key]} for key in lifecycle.REASON_CATEGORIES]


def satudata_user_roles(user: Optional[str] = None) -> list[str]:
    """Satu Data roles of a user (default: the current user)."""
    name = user or (tk.current_user.name if tk.current_user else None)
    if not name:
        return []
    return sorted(lifecycle.portal_roles(model.User.get(name)))
