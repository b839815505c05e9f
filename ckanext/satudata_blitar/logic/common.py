"""Small pieces shared by the action and auth modules (not an action module itself)."""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context

from ckanext.satudata_blitar.logic.validators import satudata_id


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
