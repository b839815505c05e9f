"""Small pieces shared by the action and auth modules (not an action module itself)."""
from __future__ import annotations

from typing import Optional

import ckan.model as model
from ckan.types import AuthResult, Context


def context_user(context: Context) -> Optional[model.User]:
    """The user an action or auth function runs for (``None`` for anonymous)."""
    user = context.get("auth_user_obj")
    if isinstance(user, model.User):
        return user
    return model.User.get(context.get("user") or "")


def auth_result(rule: tuple[bool, str]) -> AuthResult:
    """A permission rule's ``(allowed, message)`` as CKAN's auth result."""
    return {"success": True} if rule[0] else {"success": False, "msg": rule[1]}
