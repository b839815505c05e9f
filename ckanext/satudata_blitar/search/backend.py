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

import contextlib
import datetime
import fnmatch
import hashlib
import json
import logging
from typing import Any, Iterable, Iterator, Optional

import psycopg2.errors
import pysolr
import sqlalchemy as sa
from dateutil.parser import isoparse

import ckan.model as model
from ckan.common import config
from ckan.lib.search.common import SearchQueryError

from . import limits
from . import parser as qp
from .compiler import (ARRAY_COLUMNS, SCALAR_COLUMNS, Compiler, SortError)
from .model import PAYLOAD_TABLE, TABLE_NAME
from .text import field_texts, rank_texts, weighted_texts

log = logging.getLogger(__name__)

_COMMITTING = "satudata_search_committing"
_WROTE = "satudata_search_wrote"
#: Redis key counting committed index changes; cached whole-index counts are keyed by it.
VERSION_KEY = "satudata_search:version"
_COUNTS_KEY = "satudata_search:counts:"
#: A cached count lives at most this long (also bounds staleness after a Redis outage,
#: when a change could not bump the version).
COUNTS_TTL_SECONDS = 300
_PAYLOADS = ("data_dict", "validated_data_dict")
#: Facets counted in one pass from the precomputed ``facet_values`` column.
FACET_PAIR_FIELDS = ("organization", "owner_org", "groups", "tags", "res_format",
                     "license_id", "dataset_type")
_SEP = "\x1f"
_UNSTORED = frozenset({"permission_labels"})  # stored="false" in CKAN's Solr schema

_UPSERT = sa.text(f"""
INSERT INTO {TABLE_NAME} AS p (
    id, site_id, name, title_string, state, private, capacity, dataset_type,
    entity_type, owner_org, organization, license_id, metadata_created,
    metadata_modified, permission_labels, tags, groups, res_format,
    search_vector, rank_vector, facet_values, indexed_at)
VALUES (
    :id, :site_id, :name, :title_string, :state, :private, :capacity, :dataset_type,
    :entity_type, :owner_org, :organization, :license_id, :metadata_created,
    :metadata_modified, :permission_labels, :tags, :groups, :res_format,
    setweight(to_tsvector('simple', :text_a), 'A')
      || setweight(to_tsvector('simple', :text_b), 'B')
      || setweight(to_tsvector('simple', :text_c), 'C')
      || setweight(to_tsvector('simple', :text_d), 'D'),
    setweight(to_tsvector('simple', :rank_a), 'A')
      || setweight(to_tsvector('simple', :rank_b), 'B')
      || setweight(to_tsvector('simple', :rank_c), 'C'),
    :facet_values, now())
ON CONFLICT (id) DO UPDATE SET
    site_id = EXCLUDED.site_id, name = EXCLUDED.name,
    title_string = EXCLUDED.title_string, state = EXCLUDED.state,
    private = EXCLUDED.private, capacity = EXCLUDED.capacity,
    dataset_type = EXCLUDED.dataset_type, entity_type = EXCLUDED.entity_type,
    owner_org = EXCLUDED.owner_org, organization = EXCLUDED.organization,
    license_id = EXCLUDED.license_id, metadata_created = EXCLUDED.metadata_created,
    metadata_modified = EXCLUDED.metadata_modified,
    permission_labels = EXCLUDED.permission_labels, tags = EXCLUDED.tags,
    groups = EXCLUDED.groups, res_format = EXCLUDED.res_format,
    search_vector = EXCLUDED.search_vector,
    rank_vector = EXCLUDED.rank_vector, facet_values = EXCLUDED.facet_values,
    indexed_at = EXCLUDED.indexed_at
""")
_UPSERT_PAYLOAD = sa.text(f"""
INSERT INTO {PAYLOAD_TABLE} AS d (id, doc, ftext, validated_data_dict, data_dict)
VALUES (:id, CAST(:doc AS jsonb), CAST(:ftext AS jsonb), :validated_data_dict, :data_dict)
ON CONFLICT (id) DO UPDATE SET
    doc = EXCLUDED.doc, ftext = EXCLUDED.ftext,
    validated_data_dict = EXCLUDED.validated_data_dict, data_dict = EXCLUDED.data_dict
""")
#: The rows a search reads when it filters, sorts or facets on a field without a column
#: of its own (``p.doc``/``p.ftext``): the index joined with the payload table.
_WITH_PAYLOAD = (f"(SELECT n.*, d.doc, d.ftext FROM {TABLE_NAME} AS n "
                 f"JOIN {PAYLOAD_TABLE} AS d ON d.id = n.id)")


def source_for(*sql: str) -> str:
    """The FROM item (aliased ``p`` by the caller) for statements using ``sql``: the
    narrow index alone unless they read the stored document."""
    if any("p.doc" in part or "p.ftext" in part for part in sql):
        return _WITH_PAYLOAD
    return TABLE_NAME


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
    sa.event.listen(model.Session, "after_commit", _after_commit)
    sa.event.listen(model.Session, "after_rollback", _after_rollback)
    _listening = True


def _note_write(session: Any) -> None:
    session.info[_WROTE] = True


def _after_commit(session: Any) -> None:
    if session.info.pop(_WROTE, None):
        bump_version()


def _after_rollback(session: Any, *_args: Any) -> None:
    session.info.pop(_WROTE, None)


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
    ranks = rank_texts(doc)
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
        "facet_values": [f"{field}{_SEP}{value}" for field in FACET_PAIR_FIELDS
                         for value in _as_list(doc.get(field))],
        "doc": json.dumps(doc, default=str),
        "ftext": json.dumps(field_texts(doc)),
        "text_a": texts["A"], "text_b": texts["B"],
        "text_c": texts["C"], "text_d": texts["D"],
        "rank_a": ranks["A"], "rank_b": ranks["B"], "rank_c": ranks["C"],
        "validated_data_dict": _as_str(document.get("validated_data_dict")),
        "data_dict": _as_str(document.get("data_dict")),
    }


def index_documents(documents: Iterable[dict[str, Any]],
                    connection: Any = None) -> int:
    """Insert or replace index documents; returns how many. Runs on ``connection``
    (e.g. a bulk loader's) or else in ``model.Session``'s transaction."""
    rows = [row_for(d) for d in documents]
    if rows:
        target = connection or model.Session
        target.execute(_UPSERT, rows)
        target.execute(_UPSERT_PAYLOAD, rows)
        if connection is None:
            _note_write(model.Session())
        else:
            bump_version()
    return len(rows)


# -- whole-index counts --------------------------------------------------------------
# CKAN counts the datasets of every organization and group over the whole index
# (``get_group_dataset_counts``: no query, ``rows=1``, every facet value) whenever it
# lists them with counts, e.g. twice per dataset page through ``h.get_organization``.
# Such a search is answered once per index version: every commit that changed the
# index bumps the version in Redis, so a cached answer is never read after a change.

def _redis() -> Any:
    from ckan.lib.redis import connect_to_redis
    return connect_to_redis()


def bump_version() -> None:
    """Mark the index changed (called after each commit that wrote to it)."""
    try:
        _redis().incr(VERSION_KEY)
    except Exception as error:  # Redis down: cached counts expire with their TTL
        log.warning("satudata_search: could not bump the index version: %s", error)


def _cacheable(q: str, rows: int, facet_fields: list[str], def_type: str) -> bool:
    """A whole-index count: no query, every value of some facets, at most a row or two
    (CKAN asks ``get_group_dataset_counts`` for ``rows=1`` and sends 2)."""
    return q.strip() in ("*:*", "") and rows <= 2 and bool(facet_fields) \
        and def_type == "lucene"


def _cache_key(q: str, params: dict[str, Any]) -> Optional[str]:
    try:
        version = int(_redis().get(VERSION_KEY) or 0)
    except Exception:
        return None
    text = json.dumps([q, sorted((k, v) for k, v in params.items())], default=str)
    return (f"{_COUNTS_KEY}{config.get('ckan.site_id')}:{version}:"
            + hashlib.sha256(text.encode("utf-8")).hexdigest())


def _cached(key: Optional[str]) -> Optional["Results"]:
    if key is None:
        return None
    try:
        raw = _redis().get(key)
    except Exception:
        return None
    if raw is None:
        return None
    data = json.loads(raw)
    return Results(data["hits"], data["docs"], data["facets"])


def _store(key: Optional[str], results: "Results") -> None:
    if key is None:
        return
    try:
        _redis().set(key, json.dumps({"hits": results.hits, "docs": results.docs,
                                      "facets": results.facets}, default=str),
                     ex=COUNTS_TTL_SECONDS)
    except Exception:
        pass


#: ``work_mem`` of a search's statements: the matches of a search over the whole index
#: (100,000 rows with their facet arrays, ~30 MB) are kept and counted in memory
SEARCH_WORK_MEM = "64MB"


@contextlib.contextmanager
def _search_statements(full_text: bool) -> Iterator[None]:
    """Run the statements of one search in a savepoint, each for at most
    :data:`limits.MAX_SEARCH_SECONDS`, without JIT compilation, steering full-text
    matches to the GIN index.

    A statement that runs longer is cancelled by PostgreSQL and answered with
    ``SearchQueryError``; rolling back to the savepoint keeps the caller's transaction
    usable (CKAN goes on to render its error page), whatever failed.

    JIT is off: a search is a short statement, and PostgreSQL compiles a large one
    (fifty facets, a thousand terms) with LLVM for tens of seconds — without ever
    checking the timeout. Without it the same statements run in under a second.

    PostgreSQL costs ``tsvector @@ tsquery`` like a cheap operator, so once a word
    matches a few percent of the datasets it prefers a sequential scan that evaluates
    the match on every row (10x slower here than a bitmap scan of the GIN index); and
    with sequential scans off it walks a btree (state, organization) and evaluates the
    match on each row it finds, reading every row's vector from TOAST. For the statements
    of one full-text search only, sequential and plain index scans are discouraged, so the
    GIN index answers the match (alone or ANDed with a btree's bitmap).
    Each search may use :data:`SEARCH_WORK_MEM` of memory per sort or hash (the whole
    index's matches fit in it instead of spilling to disk).
    The settings are transaction-local (``set_config(…, true)``) and restored after.
    """
    session = model.Session
    seqscan, indexscan, timeout, jit, work_mem = session.execute(sa.text(
        "SAVEPOINT satudata_search; "
        "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'), "
        "current_setting('statement_timeout'), "
        "current_setting('jit'), current_setting('work_mem'), "
        "set_config('statement_timeout', :timeout, true), "
        "set_config('jit', 'off', true), set_config('work_mem', :work_mem, true), "
        "CASE WHEN :full_text THEN set_config('enable_seqscan', 'off', true) END, "
        "CASE WHEN :full_text THEN set_config('enable_indexscan', 'off', true) END"),
        {"timeout": str(max(1, int(limits.MAX_SEARCH_SECONDS * 1000))),
         "work_mem": SEARCH_WORK_MEM, "full_text": full_text}).one()[:5]
    try:
        yield
    except BaseException as error:
        session.execute(sa.text("ROLLBACK TO SAVEPOINT satudata_search"))
        if isinstance(error, sa.exc.DBAPIError) and isinstance(
                error.orig, psycopg2.errors.QueryCanceled):
            raise limits.too_slow() from error
        raise
    session.execute(sa.text(
        "SELECT set_config('enable_seqscan', :seqscan, true), "
        "set_config('enable_indexscan', :indexscan, true), "
        "set_config('statement_timeout', :timeout, true), set_config('jit', :jit, true), "
        "set_config('work_mem', :work_mem, true); "
        "RELEASE SAVEPOINT satudata_search"),
        {"seqscan": seqscan, "indexscan": indexscan, "timeout": timeout, "jit": jit,
         "work_mem": work_mem})


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


def _int_param(params: dict[str, Any], key: str, default: int, low: int,
               high: int) -> int:
    return limits.integer(key, params.get(key, default), low, high)


def _check_params(params: dict[str, Any]) -> None:
    """Every text a request carries must be storable in PostgreSQL text."""
    for key, value in params.items():
        for item in _as_list_param(value) if isinstance(value, (list, tuple)) else [value]:
            limits.check_text(key, item)


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
        if source_for(where) == TABLE_NAME:
            sql = f"DELETE FROM {TABLE_NAME} AS p WHERE {where}"
        else:
            sql = (f"DELETE FROM {TABLE_NAME} WHERE id IN "
                   f"(SELECT p.id FROM {source_for(where)} AS p WHERE {where})")
        model.Session.execute(sa.text(sql), compiler.params)
        _note_write(model.Session())
        if commit:
            _commit_session()

    def commit(self, *_args: Any, **_kwargs: Any) -> None:
        _commit_session()

    def optimize(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    # -- reads -------------------------------------------------------------------
    def search(self, q: Optional[str] = None, **params: Any) -> Results:
        """Answer one search; every parameter is checked against ``limits.py`` before
        any SQL is built."""
        q = q if q is not None else params.pop("q", None)
        q = q or "*:*"
        _check_params(dict(params, q=q))
        limits.check_query("q", q)
        filters = [fq for fq in _as_list_param(params.get("fq")) if fq.strip()]
        for fq in filters:
            limits.check_query("fq", fq)
        rows = _int_param(params, "rows", 10, 0, limits.MAX_INT)
        start = _int_param(params, "start", 0, 0, limits.MAX_START)
        facet_limit = _int_param(params, "facet.limit", 100, -limits.MAX_INT,
                                 limits.MAX_FACET_LIMIT)
        mincount = _int_param(params, "facet.mincount", 0, 0, limits.MAX_INT)
        facet_fields: list[str] = []
        if str(params.get("facet", "false")).lower() == "true":
            facet_fields = _as_list_param(params.get("facet.field"))
            if len(facet_fields) > limits.MAX_FACET_FIELDS:
                raise limits.too_many("facet.field", len(facet_fields),
                                      limits.MAX_FACET_FIELDS)
        sort = params.get("sort") or "score desc"
        sort_count = len([key for key in sort.split(",") if key.strip()])
        if sort_count > limits.MAX_SORT_KEYS:
            raise limits.too_many("sort", sort_count, limits.MAX_SORT_KEYS)

        def_type = params.get("defType") or "lucene"
        cache_key = None
        if _cacheable(q, rows, facet_fields, def_type):
            cache_key = _cache_key(q, params)
            hit = _cached(cache_key)
            if hit is not None:
                return hit
        op = params.get("q.op") or "OR"
        compiler = Compiler()
        budget = qp.ClauseBudget()
        scoring: list[str] = []
        if def_type == "dismax":
            where, scoring = compiler.dismax(qp.parse_dismax(q, budget), params.get("mm"))
        else:
            node = qp.parse(q, op, budget)
            where = compiler.where(node)
            scoring = _scoring_terms(compiler, node)
        conds = [where]
        for fq in filters:
            conds.append(compiler.where(qp.parse(fq, op, budget)))
        where_sql = " AND ".join(f"({c})" for c in conds)
        score_sql = compiler.score(scoring)

        fields = _fl_fields(params.get("fl"))
        try:
            sort_keys = compiler.sort(sort, score_sql)
        except SortError as e:
            # CKAN turns this pysolr error into SearchQueryError('Invalid "sort"...')
            raise pysolr.SolrError(f"Can't determine a Sort Order: {e}")
        with _search_statements("search_vector" in where_sql):
            hits, page, facets = self._select(
                compiler, where_sql, score_sql, sort_keys, rows, start, facet_fields,
                facet_limit, mincount)
            docs = self._documents(page, fields)
        results = Results(hits, docs, {"facet_fields": facets} if facet_fields else {})
        _store(cache_key, results)
        return results

    def _select(self, compiler: Compiler, where_sql: str, score_sql: str,
                sort_keys: list[tuple[str, str]], rows: int, start: int,
                facet_fields: list[str], limit: int, mincount: int
                ) -> tuple[int, list[tuple[str, float]], dict[str, list[Any]]]:
        """One statement, one scan of the matches: the count, the page (ids and
        scores, in order) and the facet counts."""
        cols = {"p.id AS id", f"{score_sql} AS score"}
        order = []
        for i, (expr, direction) in enumerate(sort_keys):
            if expr == score_sql:
                order.append(f"score {direction} NULLS LAST")
                continue
            cols.add(f"{expr} AS s{i}")
            order.append(f"s{i} {direction} NULLS LAST")
        order.append("id COLLATE \"C\" ASC")
        paired = [f for f in facet_fields if f in FACET_PAIR_FIELDS]
        if paired:
            cols.add("p.facet_values AS facet_values")
        for field in facet_fields:
            compiler._check_field(field)
            if field in paired:
                continue
            if field in SCALAR_COLUMNS or field in ARRAY_COLUMNS or field == "private":
                cols.add(f"p.{field} AS {field}")
            else:
                cols.add("p.doc AS doc")
        parts = [
            "SELECT -2 AS fi, NULL::text AS val, count(*)::float8 AS num, 0::bigint AS ord "
            "FROM m"]
        if rows > 0:
            order_sql = ", ".join(order)
            # only the sort keys: copying whole rows would read every row's arrays
            keys = ", ".join(["id", "score"] + [f"s{i}" for i, (expr, _d) in
                                                enumerate(sort_keys) if expr != score_sql])
            parts.append(
                f"SELECT -1, id, score, row_number() OVER (ORDER BY {order_sql}) "
                f"FROM (SELECT {keys} FROM m ORDER BY {order_sql} "
                f"LIMIT {compiler.bind(rows)} OFFSET {compiler.bind(start)}) AS page")
        if paired:
            parts.append(self._paired_facets_sql(compiler, facet_fields, paired, limit,
                                                 mincount))
        for i, field in enumerate(facet_fields):
            if field not in paired:
                parts.append(self._facet_sql(compiler, i, field, limit, mincount))
        select_list = ", ".join(sorted(cols))
        sql = (f"WITH m AS MATERIALIZED (SELECT {select_list} "
               f"FROM {source_for(select_list, where_sql)} AS p WHERE {where_sql}) "
               + " UNION ALL ".join(f"({part})" for part in parts))
        hits = 0
        page: list[tuple[int, str, float]] = []
        facets: dict[str, list[Any]] = {f: [] for f in facet_fields}
        facet_rows: list[tuple[int, str, float, int]] = []
        for fi, val, num, ord_ in model.Session.execute(sa.text(sql), compiler.params):
            if fi == -2:
                hits = int(num)
            elif fi == -1:
                page.append((ord_, val, num))
            else:
                facet_rows.append((fi, val, num, ord_))
        for fi, val, num, _ord in sorted(facet_rows, key=lambda r: (r[0], r[3])):
            facets[facet_fields[fi]].extend([val, int(num)])
        return hits, [(val, num) for _o, val, num in sorted(page)], facets

    def _paired_facets_sql(self, compiler: Compiler, facet_fields: list[str],
                           paired: list[str], limit: int, mincount: int) -> str:
        """Count every precomputed facet in one pass over the matches."""
        sep = "chr(31)"
        limit_sql = "" if limit < 0 else f" AND rn <= {compiler.bind(limit)}"
        return (
            f"SELECT array_position(CAST({compiler.bind(facet_fields)} AS text[]), field) - 1, "
            f"val, cnt::float8, rn FROM (SELECT split_part(v, {sep}, 1) AS field, "
            f"substr(v, strpos(v, {sep}) + 1) AS val, cnt, row_number() OVER "
            f"(PARTITION BY split_part(v, {sep}, 1) ORDER BY cnt DESC, v ASC) AS rn "
            f"FROM (SELECT v, count(*) AS cnt FROM (SELECT unnest(p.facet_values) AS v "
            f"FROM m AS p) AS u GROUP BY v OFFSET 0) AS g "
            f"WHERE split_part(v, {sep}, 1) = ANY({compiler.bind(paired)})) AS f "
            f"WHERE cnt >= {compiler.bind(max(mincount, 1))}{limit_sql}")

    def _facet_sql(self, compiler: Compiler, i: int, field: str, limit: int,
                   mincount: int) -> str:
        values, is_set = compiler.values_sql(field)
        if field in ARRAY_COLUMNS:
            # arrays are de-duplicated at index time: one row per dataset and value
            source = f"(SELECT {values} AS val FROM m AS p) AS v"
        elif is_set:
            source = f"(SELECT DISTINCT p.id, v.val FROM m AS p, {values} AS v(val)) AS v"
        else:
            source = f"(SELECT {values} AS val FROM m AS p) AS v"
        lim = "" if limit < 0 else f" LIMIT {compiler.bind(limit)}"
        return (f"SELECT {i}, val, cnt::float8, row_number() OVER (ORDER BY cnt DESC, "
                f"val COLLATE \"C\" ASC) FROM (SELECT v.val AS val, count(*) AS cnt "
                f"FROM {source} WHERE v.val <> '' GROUP BY v.val) s "
                f"WHERE cnt >= {compiler.bind(max(mincount, 1))} "
                f"ORDER BY cnt DESC, val COLLATE \"C\" ASC{lim}")

    def _documents(self, page: list[tuple[str, float]],
                   fields: list[str]) -> list[dict[str, Any]]:
        """The stored fields ``fl`` asks for, for the ids of one page."""
        if not page:
            return []
        wants_all = any("*" in f for f in fields)
        cols = ["p.id", "p.name"]
        for payload in _PAYLOADS:
            if wants_all or payload in fields:
                cols.append(f"d.{payload}")
        if wants_all or any(f not in ("id", "name", "score") + _PAYLOADS
                            for f in fields):
            cols.append("d.doc")
        stored = {r["id"]: r for r in model.Session.execute(
            sa.text(f"SELECT {', '.join(cols)} FROM {TABLE_NAME} AS p "
                    f"JOIN {PAYLOAD_TABLE} AS d ON d.id = p.id "
                    f"WHERE p.id = ANY(:ids)"), {"ids": [i for i, _s in page]}).mappings()}
        return [_stored_fields(dict(stored[i], score=score), fields)
                for i, score in page if i in stored]


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
