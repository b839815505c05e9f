"""Column defaults and serialisation shared by the extension's tables."""
from __future__ import annotations

import datetime
import uuid
from typing import Optional


def utcnow() -> datetime.datetime:
    """Naive UTC, as CKAN's own tables store times."""
    return datetime.datetime.utcnow()


def new_id() -> str:
    return str(uuid.uuid4())


def iso(value: Optional[datetime.date]) -> Optional[str]:
    return value.isoformat() if value else None
