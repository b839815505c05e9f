"""What ``plugin.py`` registers for the SDI checks, merged with the blanket modules.

CKAN's blankets export one module per interface (``logic/action.py``, ``logic/auth.py``,
``helpers.py``); the SDI checks keep theirs apart (``logic/standards.py``,
``logic/sdi_validators.py``, ``checks/helpers.py``, ``checks/views.py``). Each function below
is passed to a blanket decorator in ``plugin.py`` and returns the blanket module's members
plus the SDI ones, so both sides can grow without editing the other's files.
"""
from __future__ import annotations

import importlib
import inspect
from types import ModuleType
from typing import Any, Optional

_ROOT = "ckanext.satudata_blitar"


def _module(path: str) -> Optional[ModuleType]:
    try:
        return importlib.import_module(f"{_ROOT}.{path}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{_ROOT}.{path}":
            return None
        raise


def _public_members(path: str) -> dict[str, Any]:
    """Members a plain blanket would export: ``__all__``, else public local functions."""
    module = _module(path)
    if module is None:
        return {}
    names = getattr(module, "__all__", None)
    if names is not None:
        return {n: getattr(module, n) for n in names}
    return {n: f for n, f in inspect.getmembers(module, inspect.isfunction)
            if not n.startswith("_") and inspect.getmodule(f) is module}


def actions() -> dict[str, Any]:
    """``logic/action.py`` + data-standard and resource-check actions."""
    from ckanext.satudata_blitar.logic.standards import ACTIONS

    return {**_public_members("logic.action"), **ACTIONS}


def auth_functions() -> dict[str, Any]:
    """``logic/auth.py`` + auth of the data-standard and resource-check actions."""
    from ckanext.satudata_blitar.logic.standards import AUTH_FUNCTIONS

    return {**_public_members("logic.auth"), **AUTH_FUNCTIONS}


def helpers() -> dict[str, Any]:
    """``helpers.py`` + SDI template helpers."""
    from ckanext.satudata_blitar.checks.helpers import HELPERS

    return {**_public_members("helpers"), **HELPERS}


def validators() -> dict[str, Any]:
    """``logic/validators.py`` (if any) + validators of the SDI dataset schema."""
    from ckanext.satudata_blitar.logic.sdi_validators import VALIDATORS

    return {**_public_members("logic.validators"), **VALIDATORS}


def blueprints() -> list[Any]:
    """``views.get_blueprint()`` (if any) + the data-standard pages."""
    from ckanext.satudata_blitar.checks.views import sdi

    out: list[Any] = []
    views = _module("views")
    if views is not None and hasattr(views, "get_blueprint"):
        got = views.get_blueprint()
        out.extend(got if isinstance(got, list) else [got])
    out.append(sdi)
    return out


def register_submit_checker() -> None:
    """Hand ``submit_problems`` to the lifecycle's ``submit`` transition (idempotent)."""
    try:
        from ckanext.satudata_blitar import lifecycle
    except ImportError:
        return
    from ckanext.satudata_blitar.checks.submit import lifecycle_checker

    lifecycle.register_submit_checker(lifecycle_checker)
