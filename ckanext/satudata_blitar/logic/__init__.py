"""CKAN logic layer of satudata_blitar: actions, auth functions, schemas and validators."""
from __future__ import annotations

import inspect
from types import ModuleType
from typing import Any


def public_functions(*modules: ModuleType) -> dict[str, Any]:
    """The public functions defined in each module (what a blanket decorator registers)."""
    out: dict[str, Any] = {}
    for module in modules:
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and func.__module__ == module.__name__:
                out[name] = func
    return out
