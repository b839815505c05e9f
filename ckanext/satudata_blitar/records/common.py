"""Small helpers shared by the SOP records: dates typed by users, OPDs named by users, yes/no cells."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Optional
import sqlalchemy as sa
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckanext.satudata_blitar import workdays


_TRUE = {"1", "ya", "y", "true", "yes", "benar", "prioritas", "x"}


_FALSE = {"", "0", "tidak", "t", "false", "no", "n", "bukan"}


def parse_date(value: Any, field: str, errors: dict[str, list[str]],
               allow_future: bool = False) -> Optional[dt.date]:
    """An ISO date from input (``date``/``datetime`` accepted); records errors by field."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value or "").strip()
        if not text:
            errors.setdefault(field, []).append(tk._("Missing value"))
            return None
        try:
            day = dt.date.fromisoformat(text[:10])
        except ValueError:
            errors.setdefault(field, []).append(tk._(
                'Invalid date "{value}": write it as YYYY-MM-DD.').format(value=text))
            return None
    if not allow_future and day > workdays.today():
        errors.setdefault(field, []).append(tk._(
            "The date {date} is in the future.").format(date=day.isoformat()))
        return None
    return day


def resolve_org(value: Any) -> Optional[model.Group]:
    """An active OPD (organization) by id, name or exact title (case-insensitive)."""
    text = str(value or "").strip()
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
