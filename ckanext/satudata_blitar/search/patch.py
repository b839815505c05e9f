r"""Put the PostgreSQL backend in force for every user of CKAN's search classes.

CKAN 2.11 has no search-backend interface. Every path to Solr — ``PackageSearchIndex``
(indexing, ``rebuild``, ``commit``, ``clear``), ``PackageSearchQuery`` (``package_search``,
autocomplete, ``get_group_dataset_counts``, ``tag_dictize``, ``_bulk_update_dataset``),
``clear_index`` and ``is_available`` — obtains its connection by calling
``make_connection()`` through the globals of ``ckan.lib.search.common``, ``.index`` and
``.query`` at call time. Replacing that one seam in those three modules changes the
behaviour of CKAN's own classes and functions, so it reaches code that imported the
classes long before the plugin loaded (ckanext-harvest's
``from ckan.lib.search.index import PackageSearchIndex``), whatever the plugin order.
The startup schema check, which talks HTTP to Solr directly, is replaced too, and so is
the pattern of ``PackageSearchQuery.run``'s check for Solr's magic fields
(``MAGIC_FIELD_RE``): it begins with a needless ``\s*``, which makes ``re.search`` retry
from every character of a run of whitespace — 10,000 spaces in ``q`` cost seconds of CPU
before any search engine is asked. Without it the pattern finds a match in exactly the
same strings, in linear time.

The replacements check on every call that the plugin is still loaded; after it has
been unloaded they put CKAN's originals back and delegate to them. (The schema check
also stays quiet while the plugin is listed in ``ckan.plugins`` but momentarily
unloaded, as when CKAN reloads all plugins.)
"""
from __future__ import annotations

import logging
import re
from typing import Any, Callable, Optional

import ckan.lib.search as search
import ckan.lib.search.common as search_common
import ckan.lib.search.index as search_index
import ckan.lib.search.query as search_query
import ckan.plugins as p
from ckan.common import aslist, config

from .backend import PostgresConnection, listen_to_session

log = logging.getLogger(__name__)

PLUGIN_NAME = "satudata_search"
_CONNECTION_MODULES = (search_common, search_index, search_query)
_original_make_connection: Optional[Callable[..., Any]] = None
_original_schema_check: Optional[Callable[..., Any]] = None
_original_magic_field_re: Optional[re.Pattern[str]] = None
_LEADING_SPACES = r"\s*"


def _active() -> bool:
    return p.plugin_loaded(PLUGIN_NAME)


def _make_connection(*args: Any, **kwargs: Any) -> Any:
    if _active():
        return PostgresConnection()
    original = _original_make_connection
    uninstall()
    assert original is not None
    return original(*args, **kwargs)


def _configured() -> bool:
    """Listed in ``ckan.plugins`` (true while CKAN reloads every plugin, e.g. in the
    tests' ``with_plugins``, when the plugin is briefly unloaded)."""
    return PLUGIN_NAME in aslist(config.get("ckan.plugins"))


def _check_solr_schema_version(schema_file: Optional[str] = None) -> bool:
    if _active() or _configured():
        log.debug("satudata_search is active: search runs in PostgreSQL, Solr is not used")
        return False
    original = _original_schema_check
    uninstall()
    assert original is not None
    return original(schema_file)


def installed() -> bool:
    return all(m.make_connection is _make_connection for m in _CONNECTION_MODULES)


def install() -> None:
    """Route CKAN's search to PostgreSQL (idempotent)."""
    global _original_make_connection, _original_schema_check
    listen_to_session()
    if installed():
        return
    if search_common.make_connection is not _make_connection:
        _original_make_connection = search_common.make_connection
    if search.check_solr_schema_version is not _check_solr_schema_version:
        _original_schema_check = search.check_solr_schema_version
    for module in _CONNECTION_MODULES:
        module.make_connection = _make_connection  # type: ignore[attr-defined]
    search.check_solr_schema_version = _check_solr_schema_version  # type: ignore
    _install_linear_magic_field_re()
    log.info("satudata_search: CKAN search now answered by PostgreSQL")


def _install_linear_magic_field_re() -> None:
    global _original_magic_field_re
    current = search_query.MAGIC_FIELD_RE
    if current.pattern.startswith(_LEADING_SPACES):
        _original_magic_field_re = current
        search_query.MAGIC_FIELD_RE = re.compile(
            current.pattern[len(_LEADING_SPACES):], current.flags)


def uninstall() -> None:
    """Give CKAN its Solr functions back (idempotent)."""
    if _original_make_connection is not None:
        for module in _CONNECTION_MODULES:
            if module.make_connection is _make_connection:
                module.make_connection = _original_make_connection  # type: ignore
    if (_original_schema_check is not None
            and search.check_solr_schema_version is _check_solr_schema_version):
        search.check_solr_schema_version = _original_schema_check  # type: ignore
    if _original_magic_field_re is not None:
        search_query.MAGIC_FIELD_RE = _original_magic_field_re
