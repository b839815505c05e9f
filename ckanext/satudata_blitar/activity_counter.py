"""The header's count of new dashboard activities, cached per user in Redis.

The activity plugin's ``h.new_activities()`` runs ``dashboard_new_activities_count`` on
every page a signed-in user opens: one SQL statement over the user's dashboard that grows
with every activity (each publish adds one holding the whole dataset), ~100 ms at a
realistic size. The helper ``new_activities`` (``helpers.py``, chained onto the activity
plugin's) answers from this cache: the count is kept for :data:`TTL_SECONDS` per user and
recomputed on the dashboard itself (which marks the activities seen, so the badge drops
to 0 right there). Without Redis the count is computed as before.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Optional

import ckan.plugins.toolkit as tk
from ckan.common import config

log = logging.getLogger(__name__)

#: How long a user's count is reused (a new activity shows at most this late).
TTL_SECONDS = 60
DASHBOARD_ENDPOINT = "activity.dashboard"


def _key(user_id: str) -> str:
    return f"satudata:new_activities:{config.get('ckan.site_id')}:{user_id}"


def _redis() -> Any:
    from ckan.lib.redis import connect_to_redis  # noqa: PLC0415
    return connect_to_redis()


def count(compute: Callable[[], Optional[int]]) -> Optional[int]:
    """The current user's count: cached, or ``compute()`` (then cached)."""
    user = getattr(tk.g, "userobj", None)
    if not user:
        return compute()
    key = _key(user.id)
    fresh = tk.request.endpoint == DASHBOARD_ENDPOINT
    try:
        redis = _redis()
        if not fresh:
            cached = redis.get(key)
            if cached is not None:
                return int(cached)
    except Exception as error:  # Redis down: no cache
        log.debug("activity counter cache unavailable: %s", error)
        return compute()
    value = compute()
    if value is not None:
        try:
            redis.set(key, int(value), ex=TTL_SECONDS)
        except Exception:
            pass
    return value
