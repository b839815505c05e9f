"""The public annual report, cached in Redis so that anonymous requests do not rebuild it.

Three things are kept, each under a key of its own with a time to live (:data:`TTL`), in
CKAN's Redis (``ckan.lib.redis.connect_to_redis``) so that every web process shares them:

* the public document of a year (and OPD), keyed by :func:`data_version`: a digest of
  what the document is built from (the audit trail, the datasets' state, privacy and
  modification times, the Daftar Data and its items, data checks, standards, OPDs), the
  date it is made on (WIB) and the region's name. A publish, a withdraw, a Daftar Data
  agreement or any edit changes the version, so the next request builds anew and a
  withdrawn dataset is never served from an earlier document. The version is read before
  the document is built, so a stored document is never older than its key;
* its renderings (CSV, XLSX, PDF, JSON) and the tables of its page, keyed by the
  document's SHA-256 and the language of the labels.

:data:`BUILDS` counts, per process, what was built instead of read from the cache.
"""
from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
from typing import Any, Callable, Optional

import sqlalchemy as sa
from markupsafe import Markup

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

from ckanext.satudata_blitar import config, workdays
from ckanext.satudata_blitar.report import compute, render

#: seconds a cached document or rendering is kept (a new data version replaces it sooner)
TTL = 6 * 3600

#: what was built instead of read from the cache: ``document``, ``page`` and each format
BUILDS: collections.Counter[str] = collections.Counter()

#: one row of change markers of everything :func:`compute.build` reads for the public scope
_VERSION_SQL = sa.text("""
SELECT
  (SELECT count(*) || ':' || coalesce(max(timestamp)::text, '')
     FROM satudata_blitar_audit),
  (SELECT count(*) || ':' || coalesce(max(since)::text, '') || ':'
          || coalesce(md5(string_agg(package_id || state, ',' ORDER BY package_id)), '')
     FROM satudata_blitar_dataset_status),
  (SELECT count(*) || ':' || count(*) FILTER (WHERE private) || ':'
          || count(*) FILTER (WHERE state = 'active') || ':'
          || coalesce(max(metadata_modified)::text, '')
     FROM package),
  (SELECT count(*) || ':' || coalesce(md5(string_agg(concat_ws(',', id, year, revision,
          agreed_date, agreed_recorded_at, drafted_at), '|' ORDER BY id)), '')
     FROM satudata_blitar_daftar_data),
  (SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')
     FROM satudata_blitar_daftar_data_item t),
  (SELECT count(*) || ':' || coalesce(max(finished)::text, '')
     FROM satudata_blitar_resource_check),
  (SELECT count(*) || ':' || coalesce(max(modified)::text, '')
     FROM satudata_blitar_standard),
  (SELECT coalesce(md5(string_agg(concat_ws(',', id, name, title, state, is_organization),
          '|' ORDER BY id)), '')
     FROM "group")
""")


def data_version() -> str:
    """A digest of the data the public document is built from, today's date (WIB) and the
    region's name: equal versions give equal documents."""
    row = model.Session.execute(_VERSION_SQL).fetchone()
    parts = [*(str(v) for v in row), workdays.today().isoformat(), config.region_name()]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]


def _key(*parts: Any) -> str:
    site = tk.config.get("ckan.site_id") or "ckan"
    return ":".join([site, "satudata_blitar", "report_public", *(str(p) for p in parts)])


def _cached(key: str, build: Callable[[], bytes], kind: str) -> bytes:
    redis = connect_to_redis()
    data = redis.get(key)
    if data is None:
        BUILDS[kind] += 1
        data = build()
        redis.set(key, data, ex=TTL)
    return data


def public_document(year: int, organization: Optional[str] = None) -> dict[str, Any]:
    """The public document of ``year`` (one OPD's id, or every OPD), built at most once
    per data version."""
    key = _key("document", year, organization or "all", data_version())
    data = _cached(key, lambda: compute.canonical_json(
        compute.build(year, organization=organization, public=True)), "document")
    return json.loads(data)


def _lang() -> str:
    """The language of the labels: the request's, or the portal's default outside one."""
    try:
        return tk.h.lang() or tk.config.get("ckan.locale_default") or "id"
    except (AttributeError, RuntimeError, TypeError):
        return tk.config.get("ckan.locale_default") or "id"


def public_file(document: dict[str, Any], digest: str, fmt: str) -> bytes:
    """The public document rendered in ``fmt`` (labels in the request's language)."""
    return _cached(_key("file", digest, _lang(), fmt),
                   lambda: render.render(document, fmt, digest), fmt)


def public_page(document: dict[str, Any], digest: str) -> dict[str, Any]:
    """The template variables of the public page (``render.template_vars``)."""
    def build() -> bytes:
        extra = render.template_vars(document, digest, print_limit=render.print_list_limit())
        extra["sections"] = [dataclasses.asdict(s) for s in extra["sections"]]
        kept = {k: v for k, v in extra.items() if k not in ("document", "fmt")}
        return json.dumps(kept, ensure_ascii=False).encode("utf-8")

    extra = json.loads(_cached(_key("page", digest, _lang()), build, "page"))
    extra["sections"] = [render.Section(**s) for s in extra["sections"]]
    for chart in ("chart_realisation", "chart_timing"):
        if extra.get(chart) is not None:
            extra[chart] = Markup(extra[chart])  # noqa: S704 - our own SVG, cached as made
    extra.update({"document": document, "fmt": render.fmt})
    return extra
