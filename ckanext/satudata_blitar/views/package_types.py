"""Links to packages of a type that no plugin registers (stored by an older portal, or
written straight into the database): such a type has no pages of its own, so CKAN cannot
build ``<type>.read`` or ``<type>_resource.read`` and every page listing the package would
fail. :func:`register` gives the Flask app a URL-build fallback: the link is built as the
``dataset`` page of the same view, which shows any package the user may see.
"""
from __future__ import annotations

import logging
from typing import Any, Optional

import flask

import ckan.model as model

log = logging.getLogger(__name__)


def _stored_type(blueprint: str) -> Optional[str]:
    """The package type a blueprint name stands for, when packages of it are stored."""
    package_type = blueprint[:-len("_resource")] if blueprint.endswith("_resource") else blueprint
    exists = (model.Session.query(model.Package.id)
              .filter(model.Package.type == package_type).first())
    return package_type if exists else None


def dataset_url_fallback(error: Exception, endpoint: str, values: dict[str, Any]) -> Optional[str]:
    """Flask ``url_build_error_handlers`` entry: ``<type>.<view>`` of a stored type without
    pages is built as ``dataset.<view>`` (``dataset_resource.<view>``); ``None`` leaves the
    error to Flask."""
    app = flask.current_app
    blueprint, dot, view = endpoint.rpartition(".")
    if not dot or blueprint in app.blueprints or not _stored_type(blueprint):
        return None
    target = ("dataset_resource." if blueprint.endswith("_resource") else "dataset.") + view
    if target not in app.view_functions:
        return None
    return flask.url_for(target, **values)


def register(app: Any) -> Any:
    """Add the fallback to CKAN's Flask app (``IMiddleware.make_middleware``)."""
    if isinstance(app, flask.Flask):
        app.url_build_error_handlers.append(dataset_url_fallback)
    else:  # pragma: no cover - another plugin wrapped the app first
        log.warning("satudata_blitar: links to packages of unregistered types cannot be "
                    "repaired (the Flask app is wrapped by another middleware)")
    return app
