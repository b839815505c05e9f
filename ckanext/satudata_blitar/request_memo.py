"""What one request has already read from the database, kept until it writes.

A page asks the same questions many times (the lifecycle state of a dataset from every auth
check, the permission labels of the signed-in user from every search and every
``package_show``). :func:`memo` gives a dictionary that lives in ``flask.g`` — one request,
never shared between requests or processes — and is emptied whenever this process sends
a statement that may change data (anything but a read: :func:`_writes`) or rolls back, so a request
never reads its own earlier answer after anything could have changed it. Outside a request
(background jobs, the CLI) there is no memo and every caller reads the database.
"""
from __future__ import annotations

import re
from typing import Any, Optional

import flask
import sqlalchemy as sa

_KEY = "satudata_request_memo"


def memo(name: str) -> Optional[dict[Any, Any]]:
    """The request's dictionary ``name`` (``None`` outside a request)."""
    if not flask.has_request_context():
        return None
    memos = flask.g.get(_KEY)
    if memos is None:
        memos = {}
        setattr(flask.g, _KEY, memos)
    return memos.setdefault(name, {})


def forget() -> None:
    """Empty every memo of the current request."""
    if flask.has_request_context():
        memos = flask.g.get(_KEY)
        if memos:
            memos.clear()


_READS = ("SELECT", "SAVEPOINT", "RELEASE", "SHOW")
_WRITE_WORD = re.compile(r"\b(INSERT|UPDATE|DELETE|TRUNCATE|ROLLBACK)\b", re.IGNORECASE)


def _writes(statement: str) -> bool:
    """Whether a statement may change data: anything but a read (a ``SELECT``, a ``WITH``
    without a data-changing word, a savepoint set or released)."""
    head = statement.lstrip()[:9].upper()
    if head.startswith(_READS):
        return head.startswith("SAVEPOINT") and bool(_WRITE_WORD.search(statement))
    if head.startswith("WITH"):
        return bool(_WRITE_WORD.search(statement))
    return True


def _before_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if _writes(statement):
        forget()


def _on_rollback(*_args: Any) -> None:
    forget()


sa.event.listen(sa.engine.Engine, "before_cursor_execute", _before_execute)
sa.event.listen(sa.engine.Engine, "rollback", _on_rollback)
sa.event.listen(sa.engine.Engine, "rollback_savepoint", _on_rollback)
