"""The PostgreSQL search engine: a pysolr-compatible connection over our own table.

CKAN's search classes (``PackageSearchIndex``, ``PackageSearchQuery``, ``clear_index``,
``is_available``) build Solr documents and Solr requests themselves and hand them to the
connection returned by ``make_connection()``. :class:`PostgresConnection` implements the
part of ``pysolr.Solr`` they use (``add``, ``delete``, ``commit``, ``search``), so CKAN's
own code keeps deciding what is indexed (after every ``before_dataset_index`` hook, with
permission labels) and which filters a search gets (site id, state, capacity, labels).

Writes join the transaction of CKAN's ``model.Session``: a dataset change and its index
entry are committed or rolled back together. Solr's explicit ``commit`` maps to a
session commit, except while the session is already committing (indexing runs from
CKAN's ``before_commit`` hook), where the running commit makes the write durable.
"""
from __future__ import annotations

import datetime
import fnmatch
import json
import logging
from typing import Any, Iterable, Optional

import pysolr
import sqlalchemy as sa
from dateutil.parser import isoparse

import ckan.model as model
from ckan.common import config
from ckan.lib.search.common import SearchQueryError

from . import parser as qp
from .compiler import (ARRAY_COLUMNS, SCALAR_COLUMNS, Compiler, SortError)
from .model import TABLE_NAME
from .text import field_texts, weighted_texts

log = logging.getLogger(__name__)

_COMMITTING = "satudata_search_committing"
_PAYLOADS = ("data_dict", "validated_data_dict")
_UNSTORED = frozenset({"permission_labels"})  # stored="false" in CKAN's Solr schema

_UPSERT = sa.text(f"""
INSERT INTO {TABLE_NAME} AS p (
    id, site_id, name, title_string, state, private, capacity, dataset_type,
    entity_type, owner_org, organization, license_id, metadata_created,
    metadata_modified, permission_labels, tags, groups, res_format, doc, ftext,
    search_vector, validated_data_dict, data_dict, indexed_at)
VALUES (
    :id, :site_id, :name, :title_string, :state, :private, :capacity, :dataset_type,
    :entity_type, :owner_org, :organization, :license_id, :metadata_created,
    :metadata_modified, :permission_labels, :tags, :groups, :res_format,
    CAST(:doc AS jsonb), CAST(:ftext AS jsonb),
    setweight(to_tsvector('simple', :text_a), 'A')
      || setweight(to_tsvector('simple', :text_b), 'B')
      || setweight(to_tsvector('simple', :text_c), 'C')
      || setweight(to_tsvector('simple', :text_d), 'D'),
    :validated_data_dict, :data_dict, now())
ON CONFLICT (id) DO UPDATE SET
    site_id = EXCLUDED.site_id, name = EXCLUDED.name,
    title_string = EXCLUDED.title_string, state = EXCLUDED.state,
    private = EXCLUDED.private, capacity = EXCLUDED.capacity,
    dataset_type = EXCLUDED.dataset_type, entity_type = EXCLUDED.entity_type,
    owner_org = EXCLUDED.owner_org, organization = EXCLUDED.organization,
    license_id = EXCLUDED.license_id, metadata_created = EXCLUDED.metadata_created,
    metadata_modified = EXCLUDED.metadata_modified,
    permission_labels = EXCLUDED.permission_labels, tags = EXCLUDED.tags,
    groups = EXCLUDED.groups, res_format = EXCLUDED.res_format, doc = EXCLUDED.doc,
    ftext = EXCLUDED.ftext, search_vector = EXCLUDED.search_vector,
    validated_data_dict = EXCLUDED.validated_data_dict,
    data_dict = EXCLUDED.data_dict, indexed_at = EXCLUDED.indexed_at
""")


# -- session bookkeeping -------------------------------------------------------------

def _mark_committing(session: Any) -> None:
    session.info[_COMMITTING] = True


def _unmark_committing(session: Any, *_args: Any) -> None:
    session.info.pop(_COMMITTING, None)


_listening = False


def listen_to_session() -> None:
    """Track whether ``model.Session`` is inside ``commit()`` (idempotent)."""
    global _listening
    if _listening:
        return
    sa.event.listen(model.Session, "before_commit", _mark_committing, insert=True)
    for name in ("after_commit", "after_rollback", "after_soft_rollback"):
        sa.event.listen(model.Session, name, _unmark_committing)
    _listening = True


def _session_committing() -> bool:
    return bool(model.Session().info.get(_COMMITTING))


def _commit_session() -> None:
    if not _session_committing():
        model.Session.commit()


# -- documents -------------------------------------------------------------------------

def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    seen: dict[str, None] = {}
    for item in items:
        if item is not None and item != "":
            seen.setdefault(str(item), None)
    return list(seen)


def _as_str(value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _as_time(value: Any) -> Optional[datetime.datetime]:
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    if not value:
        return None
    try:
        parsed = isoparse(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def row_for(document: dict[str, Any]) -> dict[str, Any]:
    """The table row (as bind parameters) for one Solr-style index document."""
    doc = {k: v for k, v in document.items() if k not in _PAYLOADS}
    if not doc.get("id"):
        raise SearchQueryError("Index document without an id")
    texts = weighted_texts(doc)
    private = doc.get("private")
    if isinstance(private, str):
        private = private.lower() == "true"
    return {
        "id": str(doc["id"]),
        "site_id": _as_str(doc.get("site_id")) or config.get("ckan.site_id"),
        "name": _as_str(doc.get("name")),
        "title_string": _as_str(doc.get("title_string")),
        "state": _as_str(doc.get("state")),
        "private": bool(private),
        "capacity": _as_str(doc.get("capacity")),
        "dataset_type": _as_str(doc.get("dataset_type")),
        "entity_type": _as_str(doc.get("entity_type")),
        "owner_org": _as_str(doc.get("owner_org")),
        "organization": _as_str(doc.get("organization")),
        "license_id": _as_str(doc.get("license_id")),
        "metadata_created": _as_time(doc.get("metadata_created")),
        "metadata_modified": _as_time(doc.get("metadata_modified")),
        "permission_labels": _as_list(doc.get("permission_labels")),
        "tags": _as_list(doc.get("tags")),
        "groups": _as_list(doc.get("groups")),
        "res_format": _as_list(doc.get("res_format")),
        "doc": json.dumps(doc, default=str),
        "ftext": json.dumps(field_texts(doc)),
        "text_a": texts["A"], "text_b": texts["B"],
        "text_c": texts["C"], "text_d": texts["D"],
        "validated_data_dict": _as_str(document.get("validated_data_dict")),
        "data_dict": _as_str(document.get("data_dict")),
    }


def index_documents(documents: Iterable[dict[str, Any]],
                    connection: Any = None) -> int:
    """Insert or replace index documents; returns how many. Runs on ``connection``
    (e.g. a bulk loader's) or else in ``model.Session``'s transaction."""
    rows = [row_for(d) for d in documents]
    if rows:
        (connection or model.Session).execute(_UPSERT, rows)
    return len(rows)


# -- results ---------------------------------------------------------------------------

class Results:
    """What CKAN reads from a ``pysolr.Results``: ``hits``, ``docs``, ``facets``."""

    def __init__(self, hits: int, docs: list[dict[str, Any]],
                 facets: dict[str, Any]) -> None:
        self.hits = hits
        self.docs = docs
        self.facets = facets

    def __len__(self) -> int:
        return len(self.docs)

    def __iter__(self):
        return iter(self.docs)


def _as_list_param(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value if v is not None]


def _int_param(params: dict[str, Any], key: str, default: int) -> int:
    value = params.get(key, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SearchQueryError(f"Invalid integer for {key}: {value!r}")


def _fl_fields(fl: Any) -> list[str]:
    if not fl:
        return ["*"]
    raw = " ".join(fl) if isinstance(fl, (list, tuple)) else str(fl)
    return [f for f in raw.replace(",", " ").split() if f]


# -- the connection ----------------------------------------------------------------------

class PostgresConnection:
    """The subset of ``pysolr.Solr`` that CKAN uses, answered from PostgreSQL."""

    url = "postgresql://satudata_search"

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    # -- writes ------------------------------------------------------------------
    def add(self, docs: Iterable[dict[str, Any]], commit: bool = True,
            **_kwargs: Any) -> None:
        count = index_documents(docs)
        log.debug("Indexed %d document(s) in PostgreSQL", count)
        if commit:
            _commit_session()

    def delete(self, id: Any = None, q: Optional[str] = None, commit: bool = True,
               **_kwargs: Any) -> None:
        compiler = Compiler()
        if id is not None:
            ids = _as_list_param(id)
            where = f"p.id = ANY({compiler.bind(ids)})"
        elif q is not None:
            where = compiler.where(qp.parse(q, "OR"))
        else:
            raise ValueError("You must specify 'id' or 'q'.")
        model.Session.execute(
            sa.text(f"DELETE FROM {TABLE_NAME} AS p WHERE {where}"), compiler.params)
        if commit:
            _commit_session()

    def commit(self, *_args: Any, **_kwargs: Any) -> None:
        _commit_session()

    def optimize(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    # -- reads -------------------------------------------------------------------
    def search(self, q: Optional[str] = None, **params: Any) -> Results:
        q = q if q is not None else params.pop("q", None)
        q = q or "*:*"
        op = params.get("q.op") or "OR"
        compiler = Compiler()
        scoring: list[str] = []
        def_type = params.get("defType") or "lucene"
        if def_type == "dismax":
            where, scoring = compiler.dismax(qp.parse_dismax(q), params.get("mm"))
        else:
            node = qp.parse(q, op)
            where = compiler.where(node)
            scoring = _scoring_terms(compiler, node)
        conds = [where]
        for fq in _as_list_param(params.get("fq")):
            if fq.strip():
                conds.append(compiler.where(qp.parse(fq, op)))
        where_sql = " AND ".join(f"({c})" for c in conds)
        score_sql = compiler.score(scoring)

        rows = _int_param(params, "rows", 10)
        start = _int_param(params, "start", 0)
        if rows < 0 or start < 0:
            raise SearchQueryError("rows and start must not be negative")
        fields = _fl_fields(params.get("fl"))
        try:
            order = compiler.sort(params.get("sort") or "score desc", score_sql)
        except SortError as e:
            # CKAN turns this pysolr error into SearchQueryError('Invalid "sort"...')
            raise pysolr.SolrError(f"Can't determine a Sort Order: {e}")

        hits, docs = self._page(compiler, where_sql, score_sql, order, fields,
                                rows, start)
        facets: dict[str, Any] = {}
        if str(params.get("facet", "false")).lower() == "true":
            facet_fields = _as_list_param(params.get("facet.field"))
            if facet_fields:
                facets = {"facet_fields": self._facets(
                    compiler, where_sql, facet_fields,
                    _int_param(params, "facet.limit", 100),
                    _int_param(params, "facet.mincount", 0))}
        return Results(hits, docs, facets)

    def _page(self, compiler: Compiler, where_sql: str, score_sql: str, order: str,
              fields: list[str], rows: int, start: int
              ) -> tuple[int, list[dict[str, Any]]]:
        if rows == 0:
            hits = model.Session.execute(
                sa.text(f"SELECT count(*) FROM {TABLE_NAME} AS p WHERE {where_sql}"),
                compiler.params).scalar()
            return int(hits or 0), []
        wants_all = any("*" in f for f in fields)
        cols = ["p.id", "p.name"]
        for payload in _PAYLOADS:
            if wants_all or payload in fields:
                cols.append(f"p.{payload}")
        if wants_all or any(f not in ("id", "name", "score") + _PAYLOADS
                            for f in fields):
            cols.append("p.doc")
        sql = (f"SELECT {', '.join(cols)}, {score_sql} AS score, "
               f"count(*) OVER () AS total FROM {TABLE_NAME} AS p WHERE {where_sql} "
               f"ORDER BY {order} LIMIT {compiler.bind(rows)} "
               f"OFFSET {compiler.bind(start)}")
        result = model.Session.execute(sa.text(sql), compiler.params).mappings().all()
        if result:
            hits = int(result[0]["total"])
        elif start > 0:
            hits = int(model.Session.execute(
                sa.text(f"SELECT count(*) FROM {TABLE_NAME} AS p WHERE {where_sql}"),
                compiler.params).scalar() or 0)
        else:
            hits = 0
        return hits, [_stored_fields(r, fields) for r in result]

    def _facets(self, compiler: Compiler, where_sql: str, fields: list[str],
                limit: int, mincount: int) -> dict[str, list[Any]]:
        needed = {"id"}
        parts = []
        for i, field in enumerate(fields):
            values, is_set = compiler.values_sql(field)
            if field in SCALAR_COLUMNS or field in ARRAY_COLUMNS:
                needed.add(field)
            elif field == "private":
                needed.add("private")
            else:
                needed.add("doc")
            if is_set:
                source = f"m AS p CROSS JOIN LATERAL {values} AS v(val)"
                counted = "count(*)" if field in ARRAY_COLUMNS else "count(DISTINCT p.id)"
            else:
                source = f"(SELECT p.id, {values} AS val FROM m AS p) AS v"
                counted = "count(*)"
            lim = "" if limit < 0 else f" LIMIT {compiler.bind(limit)}"
            parts.append(
                f"(SELECT {i} AS fi, val, cnt FROM (SELECT v.val AS val, {counted} AS cnt "
                f"FROM {source} WHERE v.val IS NOT NULL AND v.val <> '' GROUP BY v.val) s "
                f"WHERE cnt >= {compiler.bind(max(mincount, 1))} "
                f"ORDER BY cnt DESC, val COLLATE \"C\" ASC{lim})")
        sql = (f"WITH m AS MATERIALIZED (SELECT {', '.join('p.' + c for c in sorted(needed))} "
               f"FROM {TABLE_NAME} AS p WHERE {where_sql}) "
               + " UNION ALL ".join(parts))
        out: dict[str, list[Any]] = {f: [] for f in fields}
        for fi, val, cnt in model.Session.execute(sa.text(sql), compiler.params):
            out[fields[fi]].extend([val, int(cnt)])
        return out


def _scoring_terms(compiler: Compiler, node: qp.Node) -> list[str]:
    """tsqueries of the positive full-text terms of a parsed query (for ts_rank)."""
    out: list[str] = []

    def walk(n: qp.Node) -> None:
        if isinstance(n, (qp.And, qp.Or)):
            for child in n.children:
                walk(child)
        elif isinstance(n, qp.Term) and n.field == qp.DEFAULT_FIELD:
            tsq = compiler._tsquery(n, prefix=not n.phrase)
            if tsq:
                out.append(tsq)

    walk(node)
    return out


def _stored_fields(row: Any, fields: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    stored = json.loads(row["doc"]) if isinstance(row.get("doc"), str) else row.get("doc")
    everything = dict(stored or {}, id=row["id"])
    if row.get("name") is not None:
        everything.setdefault("name", row["name"])
    for payload in _PAYLOADS:
        if row.get(payload) is not None:
            everything[payload] = row[payload]
    for field in fields:
        if field == "score":
            doc["score"] = float(row["score"])
        elif "*" in field or "?" in field:
            for key, value in everything.items():
                if key not in _UNSTORED and fnmatch.fnmatchcase(key, field):
                    doc[key] = value
        elif field in everything and field not in _UNSTORED:
            doc[field] = everything[field]
    return doc
