"""Small pieces shared by the action and auth modules (not an action module itself)."""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context

from ckanext.satudata_blitar.logic.validators import satudata_id, satudata_text


def context_user(context: Context) -> Optional[model.User]:
    """The user an action or auth function runs for (``None`` for anonymous)."""
    user = context.get("auth_user_obj")
    if isinstance(user, model.User):
        return user
    return model.User.get(context.get("user") or "")


def auth_result(rule: tuple[bool, str]) -> AuthResult:
    """A permission rule's ``(allowed, message)`` as CKAN's auth result."""
    return {"success": True} if rule[0] else {"success": False, "msg": rule[1]}


def ref(value: Any) -> Optional[str]:
    """``value`` if it can name a row (an id or name: text of at most 100 characters without
    NUL characters or unpaired surrogates), else ``None``. Auth functions and chained core
    actions, which run without our schemas, look rows up only with such a reference."""
    try:
        return satudata_id(value) or None
    except tk.Invalid:
        return None


def _unstorable(value: Any, depth: int = 0) -> bool:
    """``value`` holds, at any depth, text PostgreSQL cannot store (NUL, unpaired surrogates)."""
    if isinstance(value, str):
        try:
            satudata_text(len(value), strip=False)(value)
        except tk.Invalid:
            return True
        return False
    if depth > 50:
        return False
    if isinstance(value, dict):
        return any(_unstorable(k, depth + 1) or _unstorable(v, depth + 1)
                   for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_unstorable(v, depth + 1) for v in value)
    return False


def check_core_input(data_dict: Any, refs: tuple[str, ...] = (),
                     ref_lists: tuple[str, ...] = ()) -> None:
    """Refuse what a chained core action would hand to CKAN, which takes it to the database
    unchecked (an answer 500): text that cannot be stored anywhere in the input, a field of
    ``refs`` given but not an id or name, a field of ``ref_lists`` given but not a list of
    ids or names. Raises ``ValidationError`` naming the fields."""
    if not isinstance(data_dict, dict):
        return
    errors: dict[str, list[Any]] = {}
    for key, value in data_dict.items():
        if _unstorable(key) or _unstorable(value):
            name = key if isinstance(key, str) and not _unstorable(key) else "__junk"
            message = tk._("Contains a character that cannot be stored (a NUL character or "
                           "an unpaired surrogate).")
            # CKAN's ValidationError reads the errors of tags as one dict per tag
            errors[name] = [{"name": [message]}] if name == "tags" else [message]
    for key in refs:
        value = data_dict.get(key)
        if value not in (None, "") and key not in errors:
            try:
                satudata_id(value)
            except tk.Invalid as e:
                errors[key] = [e.error]
    for key in ref_lists:
        value = data_dict.get(key)
        if value is not None and key not in errors and (
                not isinstance(value, (list, tuple)) or any(ref(v) is None for v in value)):
            errors[key] = [tk._("Give a list of dataset ids or names.")]
    if errors:
        raise tk.ValidationError(errors)
