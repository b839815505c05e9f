"""The database session of a request that failed is released, so the next request starts clean.

CKAN 2.11 removes its SQLAlchemy session in an ``after_request`` handler, which Flask does not
run when a view raises. A request that failed inside a transaction (PostgreSQL restarted
mid-query, a dropped connection) therefore left the worker's scoped session in a failed
transaction, and every later request served by that worker (thread) answered 500 with
``PendingRollbackError: Can't reconnect until invalid transaction is rolled back`` until the
worker was restarted. ``tests/test_production.py`` restarts PostgreSQL under load and found it.
A ``teardown_request`` runs for failed requests too; it removes the session only then, so
successful requests (and tests holding objects after a request context) see no change.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model


def _release_after_error(error: Optional[BaseException]) -> None:
    if error is not None:
        model.Session.remove()


def register(app: Any) -> Any:
    """``IMiddleware.make_middleware`` step: add the teardown to CKAN's Flask app."""
    flask_app = getattr(app, "_wsgi_app", app)
    if hasattr(flask_app, "teardown_request"):
        flask_app.teardown_request(_release_after_error)
    return app
