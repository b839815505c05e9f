"""CSRF protection of every form of the extension, whatever
``ckan.csrf_protection.ignore_extensions`` says.

CKAN 2.11 checks CSRF tokens with Flask-WTF in an app-wide ``before_request``, but with
``ckan.csrf_protection.ignore_extensions = true`` (its default) it exempts every blueprint an
extension registers (``_exempt_plugins_blueprints_from_csrf`` in
``ckan/config/middleware/flask_app.py``). :func:`protect` gives a blueprint its own
``before_request`` that runs CKAN's own check (``csrf.protect()``) on every POST, PUT, PATCH
and DELETE, so a new form of a protected blueprint is protected without anything else to do.
Like CKAN's check it stands aside only when CSRF is off for the whole site
(``WTF_CSRF_ENABLED = false``) and for requests CKAN exempts itself: those authenticated by an
API token in the ``Authorization`` header, which a browser cannot forge from another site.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, request


def _check() -> None:
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True):
        return
    if request.method not in config["WTF_CSRF_METHODS"]:
        return
    if g.get("csrf_valid") or g.get("_csrf_exempt_view"):
        return  # already checked by CKAN, or a request CKAN exempts (API token header)
    current_app.extensions["csrf"].protect()  # 400 (CSRFError) without a valid token


def protect(blueprint: Blueprint) -> Blueprint:
    """Check the CSRF token of every state-changing request to ``blueprint``'s views."""
    blueprint.before_request(_check)
    return blueprint
