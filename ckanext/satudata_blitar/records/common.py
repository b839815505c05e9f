"""Small helpers shared by the SOP records: OPDs named by users, yes/no cells."""
from __future__ import annotations

from typing import Any, Iterable, Optional
import sqlalchemy as sa
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckanext.satudata_blitar.logic.validators import satudata_text


_TRUE = {"1", "ya", "y", "true", "yes", "benar", "prioritas", "x"}


_FALSE = {"", "0", "tidak", "t", "false", "no", "n", "bukan"}


def resolve_org(value: Any) -> Optional[model.Group]:
    """An active OPD (organization) by id, name or exact title (case-insensitive); ``None``
    also for a value that is not storable text."""
    try:
        text = satudata_text()(value) if value else ""
    except tk.Invalid:
        return None
    if not text:
        return None
    group = model.Group.get(text)
    if group is None:
        group = (model.Session.query(model.Group)
                 .filter(sa.func.lower(model.Group.title) == text.lower())
                 .filter(model.Group.is_organization.is_(True)).first())
    if group is None or not group.is_organization or group.state != "active":
        return None
    return group


def org_names(ids: Iterable[str]) -> dict[str, model.Group]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {g.id: g for g in model.Session.query(model.Group).filter(model.Group.id.in_(ids))}


def parse_bool(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None
