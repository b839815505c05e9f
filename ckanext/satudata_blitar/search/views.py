"""Search pages answer a bad query with a readable HTTP 400, never a 500.

CKAN's API and ``/dataset/`` turn :class:`~ckan.lib.search.common.SearchQueryError` into
HTTP 400 themselves; other pages that search (``/dcat.json``, ``/catalog.ttl``, the
``/api/2/util`` autocomplete) let it escape. This blueprint has no routes: it registers
an application-wide handler that answers the error with CKAN's 400 page, and a check run
before the search pages for the two parameters CKAN 2.11's views read without checking
(an empty ``sort`` key on ``/dataset/``, a non-integer ``_<facet>_limit`` on group and
organisation pages).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from werkzeug.exceptions import BadRequest

from ckan.common import _
from ckan.lib.search.common import SearchQueryError

from . import limits

search_limits = Blueprint("satudata_search", __name__)


@search_limits.app_errorhandler(SearchQueryError)
def bad_search(error: SearchQueryError) -> Any:
    """CKAN's 400 page with the reason, as ``/dataset/`` shows it."""
    message = _("Invalid search query: {error_message}").format(error_message=str(error))
    return current_app.handle_http_exception(BadRequest(description=message))


@search_limits.before_app_request
def check_search_page_args() -> None:
    endpoint = request.endpoint or ""
    if not endpoint.endswith((".search", ".read")):
        return
    sort = request.args.get("sort")
    if sort and endpoint.endswith(".search") and not all(
            key.split() for key in sort.split(",")):
        raise SearchQueryError(
            _("The search parameter {name} has an empty key").format(name="sort"))
    for name, value in request.args.items():
        if name.startswith("_") and name.endswith("_limit"):
            limits.integer(name, value, -limits.MAX_INT, limits.MAX_INT)
