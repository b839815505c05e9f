"""Turn parsed queries, sorts and facets into parameterised SQL over the index table.

Every user value travels as a bound parameter; only identifiers chosen from fixed
tables below (column names, operators) are ever written into the SQL text. The
table is aliased ``p``.
"""
from __future__ import annotations

import datetime
import json
import re
from typing import Any, Optional

from dateutil.parser import isoparse
from dateutil.relativedelta import relativedelta

from ckan.lib.search.common import SearchQueryError

from . import limits
from . import parser as qp
from .text import is_text_field, words

#: Solr string fields that have their own column (exact, case-sensitive match).
SCALAR_COLUMNS = frozenset({
    "id", "name", "site_id", "state", "capacity", "dataset_type", "entity_type",
    "owner_org", "organization", "license_id", "title_string",
})
ARRAY_COLUMNS = frozenset({"tags", "groups", "res_format", "permission_labels"})
DATE_COLUMNS = frozenset({"metadata_created", "metadata_modified"})
NUMERIC_FIELDS = frozenset({"num_resources", "num_tags"})
#: CKAN's ngram fields (autocomplete) are matched as word prefixes of these fields.
_NGRAM_SOURCES = {"name_ngram": "name", "title_ngram": "title"}
_FIELD_RE = re.compile(r"^[A-Za-z0-9_.\-@]+$")

_ISO_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?"
                     r"(Z|[+-][0-9]{2}:[0-9]{2})?")
_DATE_MATH_RE = re.compile(r"([+-])([0-9]+)([A-Z]+)|/([A-Z]+)")
_UNITS = {
    "YEAR": "years", "YEARS": "years", "MONTH": "months", "MONTHS": "months",
    "DAY": "days", "DAYS": "days", "DATE": "days", "HOUR": "hours", "HOURS": "hours",
    "MINUTE": "minutes", "MINUTES": "minutes", "SECOND": "seconds",
    "SECONDS": "seconds", "MILLI": "microseconds", "MILLIS": "microseconds",
    "MILLISECOND": "microseconds", "MILLISECONDS": "microseconds",
}
_ROUND = ["years", "months", "days", "hours", "minutes", "seconds"]


def is_date_field(field: str) -> bool:
    return field in DATE_COLUMNS or field == "indexed_ts" or field.endswith("_date")


def parse_date(value: str, now: Optional[datetime.datetime] = None) -> datetime.datetime:
    """A Solr date: ISO 8601 (``2026-11-25T11:00:26.965704Z``) or ``NOW``, either
    followed by date math (``NOW-1DAY``, ``NOW/DAY``, ``2020-01-01T00:00:00Z+1YEAR``).

    At most :data:`limits.MAX_DATE_MATH_STEPS` steps of at most :data:`limits.MAX_INT`
    units each; every date along the way must fall in the years
    :data:`limits.MIN_YEAR` to :data:`limits.MAX_YEAR`."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    text = value.strip()
    if text.startswith("NOW"):
        base, math = now, text[3:]
    else:
        m = _ISO_RE.match(text)
        if not m:
            raise SearchQueryError(f"Invalid date {value!r}")
        try:
            base = isoparse(m.group(0))
        except ValueError:
            raise SearchQueryError(f"Invalid date {value!r}")
        math = text[m.end():]
    if base.tzinfo is None:
        base = base.replace(tzinfo=datetime.timezone.utc)
    pos = 0
    steps = 0
    while pos < len(math):
        m = _DATE_MATH_RE.match(math, pos)
        if not m:
            raise SearchQueryError(f"Invalid date math in {value!r}")
        steps += 1
        if steps > limits.MAX_DATE_MATH_STEPS:
            raise limits.too_much_date_math(value)
        if m.group(4):
            unit = _UNITS.get(m.group(4))
            if unit not in _ROUND:
                raise SearchQueryError(f"Invalid date rounding in {value!r}")
            keep = _ROUND.index(unit)
            fields = {"months": 1, "days": 1, "hours": 0, "minutes": 0, "seconds": 0}
            base = base.replace(microsecond=0, **{
                k.rstrip("s"): v for k, v in fields.items() if _ROUND.index(k) > keep})
        else:
            unit = _UNITS.get(m.group(3))
            if unit is None:
                raise SearchQueryError(f"Invalid date unit in {value!r}")
            if len(m.group(2)) > len(str(limits.MAX_INT)) or int(m.group(2)) > limits.MAX_INT:
                raise limits.too_much_date_math(value)
            amount = int(m.group(2)) * (1000 if unit == "microseconds" else 1)
            try:
                delta = relativedelta(**{unit: amount})
                base = base + delta if m.group(1) == "+" else base - delta
            except (OverflowError, ValueError):
                raise limits.date_out_of_range(value)
        pos = m.end()
    return base


class Compiler:
    """Collects bound parameters while compiling; one instance per SQL statement."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    # -- expressions per field kind ------------------------------------------------

    def _check_field(self, field: str) -> None:
        if not _FIELD_RE.match(field):
            raise SearchQueryError(f"Invalid field name {field!r}")

    def _json_values(self, field: str) -> str:
        """SQL set of the text values of ``field`` in the document (scalar or list)."""
        f = self.bind(field)
        return (
            "jsonb_array_elements_text(CASE WHEN jsonb_typeof(p.doc->{f}) = 'array' "
            "THEN p.doc->{f} WHEN jsonb_typeof(p.doc->{f}) IN ('string', 'number', "
            "'boolean') THEN jsonb_build_array(p.doc->{f}) ELSE '[]'::jsonb END)"
        ).replace("{f}", f)

    def values_sql(self, field: str) -> tuple[str, bool]:
        """(SQL, is_set) giving the values of ``field``: a scalar expression or a
        set-returning one."""
        self._check_field(field)
        if field in SCALAR_COLUMNS:
            return f"p.{field}", False
        if field in ARRAY_COLUMNS:
            return f"unnest(p.{field})", True
        if field == "private":
            return "CASE WHEN p.private THEN 'true' ELSE 'false' END", False
        return self._json_values(field), True

    def _date_sql(self, field: str) -> str:
        if field in DATE_COLUMNS:
            return f"p.{field}"
        f = self.bind(field)
        return (f"(CASE WHEN (p.doc->>{f}) ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}' "
                f"THEN (p.doc->>{f})::timestamptz END)")

    def _tsquery(self, term: qp.Term, prefix: bool) -> Optional[str]:
        """A tsquery string for a term (words joined by & / <->), or None if the term
        has no words. Words are alphanumeric only, so they cannot inject tsquery
        syntax; the string is bound as a parameter anyway."""
        value = term.value
        trailing_wild = False
        if term.pattern is not None:
            if re.search(r"[*?]", value.rstrip("*")):
                raise SearchQueryError(
                    f"Only trailing wildcards are supported on text fields: {value!r}")
            trailing_wild = True
            value = value.rstrip("*")
        ws = words(value)
        if not ws:
            return None
        if term.phrase:
            return " <-> ".join(f"'{w}'" for w in ws)
        star = ":*" if (prefix or trailing_wild) else ""
        return " & ".join(f"'{w}'{star}" for w in ws)

    def fulltext(self, term: qp.Term, prefix: bool = True) -> Optional[str]:
        tsq = self._tsquery(term, prefix)
        if tsq is None:
            return None
        return f"p.search_vector @@ to_tsquery('simple', {self.bind(tsq)})"

    def _text_field(self, term: qp.Term) -> str:
        field = _NGRAM_SOURCES.get(term.field, term.field)
        ngram = term.field in _NGRAM_SOURCES
        value = term.value
        if term.pattern is not None:
            if re.search(r"[*?]", value.rstrip("*")):
                raise SearchQueryError(
                    f"Only trailing wildcards are supported on text fields: {value!r}")
            value, ngram = value.rstrip("*"), True
        ws = words(value)
        if not ws:
            return "TRUE"
        col = f"(' ' || COALESCE(p.ftext->>{self.bind(field)}, '') || ' ')"
        if term.phrase or len(ws) > 1 and ngram:
            pats = [" " + " ".join(ws) + (" " if not ngram else "")]
        else:
            pats = [f" {w}" + ("" if ngram else " ") for w in ws]
        return " AND ".join(
            f"strpos({col}, {self.bind(pat)}) > 0" for pat in pats)

    # -- leaves ------------------------------------------------------------------

    def _term(self, node: qp.Term) -> str:
        field = node.field
        self._check_field(field)
        if field == qp.DEFAULT_FIELD:
            return self.fulltext(node) or "TRUE"
        if is_text_field(field):
            return self._text_field(node)
        if is_date_field(field):
            if node.pattern is not None:
                raise SearchQueryError(f"Wildcards are not supported on dates: {field}")
            return f"{self._date_sql(field)} = {self.bind(parse_date(node.value))}"
        if field in NUMERIC_FIELDS and node.pattern is None:
            return self._numeric_cmp(field, "=", node.value)
        if node.pattern is not None:
            return self._any_value(field, f"LIKE {self.bind(node.pattern)}")
        if field in SCALAR_COLUMNS:
            return f"p.{field} = {self.bind(node.value)}"
        if field in ARRAY_COLUMNS:
            return f"p.{field} @> ARRAY[{self.bind(node.value)}]::text[]"
        if field == "private":
            if node.value not in ("true", "false"):
                return "FALSE"
            return f"p.private = {self.bind(node.value == 'true')}"
        alternatives = [node.value]
        if node.value in ("true", "false"):
            alternatives.append(node.value == "true")
        elif re.fullmatch(r"-?\d+(\.\d+)?", node.value):
            alternatives.append(json.loads(node.value))
        conds = []
        for alt in alternatives:
            conds.append(f"p.doc @> CAST({self.bind(json.dumps({field: alt}))} AS jsonb)")
            conds.append(f"p.doc @> CAST({self.bind(json.dumps({field: [alt]}))} AS jsonb)")
        return "(" + " OR ".join(conds) + ")"

    def _any_value(self, field: str, predicate: str) -> str:
        values, is_set = self.values_sql(field)
        if is_set:
            return f"EXISTS (SELECT 1 FROM {values} AS v(val) WHERE v.val {predicate})"
        return f"{values} {predicate}"

    def _numeric_cmp(self, field: str, op: str, value: str) -> str:
        try:
            number = float(value)
        except ValueError:
            raise SearchQueryError(f"Invalid number {value!r} for {field}")
        f = self.bind(field)
        return (f"(CASE WHEN jsonb_typeof(p.doc->{f}) = 'number' "
                f"THEN (p.doc->{f})::numeric END) {op} {self.bind(number)}")

    def _range(self, node: qp.Range) -> str:
        field = node.field
        self._check_field(field)
        lo_op = ">=" if node.include_low else ">"
        hi_op = "<=" if node.include_high else "<"
        if is_date_field(field):
            expr = self._date_sql(field)
            conds = [f"{expr} IS NOT NULL"]
            if node.low is not None:
                conds.append(f"{expr} {lo_op} {self.bind(parse_date(node.low))}")
            if node.high is not None:
                conds.append(f"{expr} {hi_op} {self.bind(parse_date(node.high))}")
            return " AND ".join(conds)
        if field in NUMERIC_FIELDS:
            conds = []
            if node.low is not None:
                conds.append(self._numeric_cmp(field, lo_op, node.low))
            if node.high is not None:
                conds.append(self._numeric_cmp(field, hi_op, node.high))
            f = self.bind(field)
            conds.append(f"jsonb_typeof(p.doc->{f}) = 'number'")
            return " AND ".join(conds)
        if is_text_field(field) or field == qp.DEFAULT_FIELD:
            raise SearchQueryError(f"Ranges are not supported on text field {field!r}")
        preds = []
        if node.low is not None:
            preds.append(f"{lo_op} {self.bind(node.low)}")
        if node.high is not None:
            preds.append(f"{hi_op} {self.bind(node.high)}")
        values, is_set = self.values_sql(field)
        if not preds:
            return self._exists(field)
        cond = " AND ".join(f"v.val COLLATE \"C\" {p}" for p in preds)
        if is_set:
            return f"EXISTS (SELECT 1 FROM {values} AS v(val) WHERE {cond})"
        return f"EXISTS (SELECT 1 FROM (SELECT {values} AS val) AS v WHERE {cond})"

    def _exists(self, field: str) -> str:
        self._check_field(field)
        if is_date_field(field):
            return f"{self._date_sql(field)} IS NOT NULL"
        if is_text_field(field):
            f = self.bind(_NGRAM_SOURCES.get(field, field))
            return f"COALESCE(p.ftext->>{f}, '') <> ''"
        return self._any_value(field, "<> ''")

    # -- tree --------------------------------------------------------------------

    def where(self, node: qp.Node) -> str:
        """A SQL boolean expression for ``node``. It may be NULL where a value is
        missing, which a WHERE clause treats as false; negations coalesce their operand
        so that ``-organization:a`` keeps datasets without an organisation."""
        if isinstance(node, qp.MatchAll):
            return "TRUE"
        if isinstance(node, qp.MatchNone):
            return "FALSE"
        if isinstance(node, qp.And):
            return "(" + " AND ".join(self.where(c) for c in node.children) + ")"
        if isinstance(node, qp.Or):
            return "(" + " OR ".join(self._or_parts(node.children)) + ")"
        if isinstance(node, qp.Not):
            return f"(NOT COALESCE({self.where(node.child)}, FALSE))"
        if isinstance(node, qp.Term):
            return f"({self._term(node)})"
        if isinstance(node, qp.Range):
            return f"({self._range(node)})"
        if isinstance(node, qp.Exists):
            return f"({self._exists(node.field)})"
        raise SearchQueryError(f"Unsupported query node {node!r}")

    def _or_parts(self, children: tuple[qp.Node, ...]) -> list[str]:
        """OR operands; plain values of one column are merged into one indexable
        test (``organization:a OR organization:b`` -> ``organization = ANY(...)``,
        ``permission_labels:("a" OR "b")`` -> ``permission_labels && ...``)."""
        by_column: dict[str, list[str]] = {}
        rest: list[qp.Node] = []
        for child in children:
            if (isinstance(child, qp.Term) and child.pattern is None
                    and (child.field in SCALAR_COLUMNS or child.field in ARRAY_COLUMNS)):
                by_column.setdefault(child.field, []).append(child.value)
            else:
                rest.append(child)
        parts = []
        for field, values in by_column.items():
            self._check_field(field)
            if field in ARRAY_COLUMNS:
                parts.append(f"p.{field} && CAST({self.bind(values)} AS text[])")
            else:
                parts.append(f"p.{field} = ANY({self.bind(values)})")
        parts.extend(self.where(c) for c in rest)
        return parts

    def dismax(self, query: qp.DismaxQuery, mm: Optional[str]) -> tuple[str, list[str]]:
        """WHERE expression for a dismax query and the tsqueries that score it."""
        conds: list[str] = []
        scoring: list[str] = []
        for term in query.required:
            tsq = self._tsquery(term, prefix=not term.phrase)
            if tsq:
                conds.append(f"p.search_vector @@ to_tsquery('simple', {self.bind(tsq)})")
                scoring.append(tsq)
        for term in query.prohibited:
            tsq = self._tsquery(term, prefix=not term.phrase)
            if tsq:
                conds.append(
                    f"NOT (p.search_vector @@ to_tsquery('simple', {self.bind(tsq)}))")
        optional = [t for t in (self._tsquery(term, prefix=not term.phrase)
                                for term in query.optional) if t]
        scoring.extend(optional)
        if optional:
            need = qp.min_should_match(mm, len(optional))
            binds = [self.bind(t) for t in optional]
            if need >= len(optional):
                conds.extend(f"p.search_vector @@ to_tsquery('simple', {b})" for b in binds)
            else:
                union = " | ".join(f"({t})" for t in optional)
                conds.append(f"p.search_vector @@ to_tsquery('simple', {self.bind(union)})")
                hits = " + ".join(
                    f"(p.search_vector @@ to_tsquery('simple', {b}))::int" for b in binds)
                conds.append(f"({hits}) >= {self.bind(need)}")
        if not conds:
            conds.append("TRUE")
        return " AND ".join(conds), scoring

    def score(self, tsqueries: list[str]) -> str:
        if not tsqueries:
            return "1.0::float8"
        union = " | ".join(f"({t})" for t in tsqueries)
        # ranking reads the compact title/name/tags/groups vector; a match found only
        # in other text still scores above zero (Solr's qf: name^4 title^4 tags^2...)
        tsq = self.bind(union)
        return (f"(ts_rank(p.rank_vector, to_tsquery('simple', {tsq})) + 0.01)::float8")

    def sort(self, spec: str, score_sql: str) -> list[tuple[str, str]]:
        """(expression, ASC|DESC) pairs for a Solr sort (``score desc, name asc``).
        Missing values sort last, as with Solr's ``sortMissingLast``."""
        keys = []
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            bits = item.split()
            if len(bits) != 2 or bits[1].lower() not in ("asc", "desc"):
                raise SortError(f"Can't determine a Sort Order (asc or desc) in sort spec "
                                f"{item!r}")
            field, direction = bits[0], bits[1].upper()
            if field == "score":
                expr = score_sql
            elif not _FIELD_RE.match(field):
                raise SortError(f"Can't determine a Sort Order in sort spec {item!r}")
            elif field in SCALAR_COLUMNS or field in DATE_COLUMNS:
                expr = f"p.{field}"
            elif field in ARRAY_COLUMNS:
                raise SortError(f"can not sort on multivalued field: {field}")
            elif is_date_field(field):
                expr = self._date_sql(field)
            elif field in NUMERIC_FIELDS:
                f = self.bind(field)
                expr = (f"(CASE WHEN jsonb_typeof(p.doc->{f}) = 'number' "
                        f"THEN (p.doc->{f})::numeric END)")
            elif field == "private":
                expr = "p.private"
            else:
                expr = f"(p.doc->>{self.bind(field)}) COLLATE \"C\""
            keys.append((expr, direction))
        return keys


class SortError(SearchQueryError):
    """An unusable ``sort`` parameter (CKAN reports it as 'Invalid "sort" parameter')."""
