"""A parser for the Lucene/Solr query subset that CKAN, its UI and harvesters send.

Supported: ``+``/``-``/``!`` prefixes, ``AND``/``&&``, ``OR``/``||``, ``NOT``, parentheses,
``field:value``, ``field:"quoted phrase"``, ``field:(a OR b)``, ranges ``[A TO B]`` /
``{A TO B}`` (mixed brackets too) with ``*`` and ``NOW`` date math, wildcards ``*`` and
``?``, ``*:*``, ``field:*`` and ``^boost`` (accepted, ignored). Anything else (fuzzy or
proximity ``~``, unbalanced parentheses, a dangling operator…) raises
:class:`ckan.lib.search.common.SearchQueryError`, which the API turns into HTTP 400;
so does a query beyond the limits of ``limits.py`` (nesting depth, number of terms).

Boolean semantics (documented in docs/search.md):

* ``AND`` binds tighter than ``OR``; ``OR`` binds only the clauses it joins, tighter than
  juxtaposition. ``+capacity:public organization:a OR organization:b +state:(active)``
  therefore means *public AND (a OR b) AND active*: an ``OR`` never widens the filter
  to private or deleted datasets.
* Juxtaposed clauses follow ``q.op``: with ``AND`` (what CKAN sends) every clause is
  required; with ``OR`` (Solr's default, used by CKAN's internal queries) plain clauses
  are optional when a required (``+``) clause exists and at least one must match
  otherwise — Lucene's MUST/SHOULD/MUST_NOT rules.
* ``-x`` / ``NOT x`` exclude; a purely negative query matches everything else.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Optional, Union

from ckan.lib.search.common import SearchQueryError

from . import limits

DEFAULT_FIELD = "text"

# -- AST -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MatchAll:
    pass


@dataclasses.dataclass(frozen=True)
class MatchNone:
    pass


@dataclasses.dataclass(frozen=True)
class Term:
    """``field:value``; ``pattern`` is a SQL LIKE pattern when the value has wildcards."""
    field: str
    value: str
    pattern: Optional[str] = None
    phrase: bool = False


@dataclasses.dataclass(frozen=True)
class Exists:
    field: str


@dataclasses.dataclass(frozen=True)
class Range:
    field: str
    low: Optional[str]
    high: Optional[str]
    include_low: bool
    include_high: bool


@dataclasses.dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclasses.dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


@dataclasses.dataclass(frozen=True)
class Not:
    child: "Node"


Node = Union[MatchAll, MatchNone, Term, Exists, Range, And, Or, Not]

# -- lexer -----------------------------------------------------------------------------

_LPAREN, _RPAREN, _AND, _OR, _NOT, _PLUS, _MINUS = (
    "(", ")", "AND", "OR", "NOT", "+", "-")
_TERMINATORS = set(' \t\r\n()"[]{}^~')
_RANGE_RE = re.compile(
    r'([\[{])\s*("(?:[^"\\]|\\.)*"|[^\s\]}]+)\s+TO\s+("(?:[^"\\]|\\.)*"|[^\s\]}]+)\s*([\]}])')


@dataclasses.dataclass
class _Tok:
    kind: str  # operator kinds above, or TERM, FIELD, PHRASE, RANGE
    value: str = ""
    pattern: Optional[str] = None
    low: Optional[str] = None
    high: Optional[str] = None
    include_low: bool = True
    include_high: bool = True
    pos: int = 0


def _like_escape(ch: str) -> str:
    return "\\" + ch if ch in "%_\\" else ch


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1]) if text.startswith('"') else text


def _lex(query: str) -> list[_Tok]:  # noqa: C901 - one flat state machine
    toks: list[_Tok] = []
    i, n = 0, len(query)
    after_field = False
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            after_field = False
            continue
        start = i
        if ch in "()":
            toks.append(_Tok(_LPAREN if ch == "(" else _RPAREN, pos=i))
            i += 1
        elif ch == '"':
            j = i + 1
            buf = []
            while j < n and query[j] != '"':
                if query[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(query[j])
                j += 1
            if j >= n:
                raise SearchQueryError(f"Unterminated quoted phrase at position {i}")
            toks.append(_Tok("PHRASE", "".join(buf), pos=i))
            i = j + 1
        elif ch in "[{":
            m = _RANGE_RE.match(query, i)
            if not m:
                raise SearchQueryError(
                    f"Invalid range at position {i}: expected [A TO B] or {{A TO B}}")
            low, high = _unquote(m.group(2)), _unquote(m.group(3))
            toks.append(_Tok("RANGE", low=None if low == "*" else low,
                             high=None if high == "*" else high,
                             include_low=m.group(1) == "[",
                             include_high=m.group(4) == "]", pos=i))
            i = m.end()
        elif ch == "^":
            m = re.compile(r"\^\d+(\.\d+)?").match(query, i)
            if not m or not toks:
                raise SearchQueryError(f"Invalid boost at position {i}")
            i = m.end()  # boosts only change scores: accepted and ignored
        elif ch == "~":
            raise SearchQueryError(
                f"Fuzzy and proximity searches (~) are not supported (position {i})")
        elif ch in "]}":
            raise SearchQueryError(f"Unexpected '{ch}' at position {i}")
        elif query.startswith("&&", i):
            toks.append(_Tok(_AND, pos=i))
            i += 2
        elif query.startswith("||", i):
            toks.append(_Tok(_OR, pos=i))
            i += 2
        elif ch in "+-!" and not after_field:
            if i + 1 >= n or query[i + 1].isspace():
                raise SearchQueryError(f"Dangling operator '{ch}' at position {i}")
            toks.append(_Tok({"+": _PLUS, "-": _MINUS, "!": _NOT}[ch], pos=i))
            i += 1
        else:
            value, pattern, wild = [], [], False
            field_name = None
            while i < n and query[i] not in _TERMINATORS:
                c = query[i]
                if c == "\\" and i + 1 < n:
                    value.append(query[i + 1])
                    pattern.append(_like_escape(query[i + 1]))
                    i += 2
                    continue
                if c == ":" and not after_field and field_name is None:
                    field_name = "".join(value)
                    i += 1
                    break
                if c in "*?":
                    wild = True
                    pattern.append("%" if c == "*" else "_")
                else:
                    pattern.append(_like_escape(c))
                value.append(c)
                i += 1
            if field_name is not None:
                if not field_name:
                    raise SearchQueryError(f"Missing field name before ':' at {start}")
                toks.append(_Tok("FIELD", field_name, pos=start))
                after_field = True
                continue
            text = "".join(value)
            if text in ("AND", "OR", "NOT") and not after_field:
                toks.append(_Tok(text, pos=start))
            else:
                toks.append(_Tok("TERM", text, "".join(pattern) if wild else None,
                                 pos=start))
        after_field = False
    return toks

# -- parser ----------------------------------------------------------------------------


class ClauseBudget:
    """The terms one search request may still use (:data:`limits.MAX_CLAUSES` for the
    query and all its filters together); every parse of the request spends from it."""

    def __init__(self, limit: int = limits.MAX_CLAUSES) -> None:
        self.left = limit

    def spend(self, count: int = 1) -> None:
        self.left -= count
        if self.left < 0:
            raise limits.too_many_clauses()


class _Parser:
    def __init__(self, toks: list[_Tok], default_op: str, budget: ClauseBudget) -> None:
        self.toks = toks
        self.i = 0
        self.default_op = default_op
        self.budget = budget
        self.depth = 0

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > limits.MAX_DEPTH:
            raise limits.too_deep()

    def _peek(self) -> Optional[_Tok]:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _next(self) -> _Tok:
        tok = self._peek()
        if tok is None:
            raise SearchQueryError("Unexpected end of query")
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self._seq(DEFAULT_FIELD)
        tok = self._peek()
        if tok is not None:
            raise SearchQueryError(f"Unexpected '{tok.kind}' at position {tok.pos}")
        return node

    def _seq(self, field: str) -> Node:
        must: list[Node] = []
        should: list[Node] = []
        must_not: list[Node] = []
        while True:
            tok = self._peek()
            if tok is None or tok.kind == _RPAREN:
                break
            if tok.kind in (_AND, _OR):
                raise SearchQueryError(
                    f"'{tok.kind}' without a left operand at position {tok.pos}")
            mod, node = self._unit(field)
            if mod == _MINUS:
                must_not.append(node)
            elif mod == _PLUS or self.default_op == "AND":
                must.append(node)
            else:
                should.append(node)
        if not (must or should or must_not):
            raise SearchQueryError("Empty query or empty parentheses")
        parts = list(must)
        if should and not must:
            parts.append(should[0] if len(should) == 1 else Or(tuple(should)))
        parts.extend(Not(n) for n in must_not)
        if not must and not should:
            parts.insert(0, MatchAll())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def _unit(self, field: str) -> tuple[Optional[str], Node]:
        members = [self._and_chain(field)]
        while (tok := self._peek()) is not None and tok.kind == _OR:
            self._next()
            if self._peek() is None or self._peek().kind in (_RPAREN, _OR, _AND):
                raise SearchQueryError(f"'OR' without a right operand at {tok.pos}")
            members.append(self._and_chain(field))
        if len(members) == 1:
            return members[0]
        return None, Or(tuple(_apply(m) for m in members))

    def _and_chain(self, field: str) -> tuple[Optional[str], Node]:
        members = [self._clause(field)]
        while (tok := self._peek()) is not None and tok.kind == _AND:
            self._next()
            if self._peek() is None or self._peek().kind in (_RPAREN, _OR, _AND):
                raise SearchQueryError(f"'AND' without a right operand at {tok.pos}")
            members.append(self._clause(field))
        if len(members) == 1:
            return members[0]
        return None, And(tuple(_apply(m) for m in members))

    def _clause(self, field: str) -> tuple[Optional[str], Node]:
        tok = self._peek()
        mod = None
        if tok is not None and tok.kind in (_PLUS, _MINUS, _NOT):
            self._next()
            mod = _PLUS if tok.kind == _PLUS else _MINUS
            if tok.kind == _NOT:
                self._enter()
                inner_mod, node = self._clause(field)
                self.depth -= 1
                return _MINUS, _apply((inner_mod, node))
        return mod, self._primary(field)

    def _primary(self, field: str) -> Node:
        tok = self._next()
        if tok.kind == _LPAREN:
            self._enter()
            node = self._seq(field)
            closing = self._peek()
            if closing is None or closing.kind != _RPAREN:
                raise SearchQueryError(f"Missing ')' for '(' at position {tok.pos}")
            self._next()
            self.depth -= 1
            return node
        if tok.kind in ("TERM", "PHRASE", "RANGE"):
            self.budget.spend()
        if tok.kind == "FIELD":
            nxt = self._peek()
            if nxt is None or nxt.kind not in (_LPAREN, "TERM", "PHRASE", "RANGE"):
                raise SearchQueryError(f"Missing value after '{tok.value}:'")
            if tok.value == "*" and nxt.kind == "TERM" and nxt.value == "*":
                self._next()
                self.budget.spend()
                return MatchAll()
            return self._primary(tok.value)
        if tok.kind == "TERM":
            if tok.value == "*":
                return MatchAll() if field == DEFAULT_FIELD else Exists(field)
            return Term(field, tok.value, tok.pattern)
        if tok.kind == "PHRASE":
            return Term(field, tok.value, None, phrase=True)
        if tok.kind == "RANGE":
            return Range(field, tok.low, tok.high, tok.include_low, tok.include_high)
        if tok.kind == _RPAREN:
            raise SearchQueryError(f"Unbalanced ')' at position {tok.pos}")
        raise SearchQueryError(f"Unexpected '{tok.kind}' at position {tok.pos}")


def _apply(member: tuple[Optional[str], Node]) -> Node:
    mod, node = member
    return Not(node) if mod == _MINUS else node


def parse(query: str, default_op: str = "AND",
          budget: Optional[ClauseBudget] = None) -> Node:
    """Parse a Lucene/Solr query string into a :data:`Node` tree, spending one clause
    of ``budget`` (a fresh :class:`ClauseBudget` by default) per term."""
    if not isinstance(query, str):
        raise SearchQueryError(f"Query must be a string, not {type(query).__name__}")
    if not query.strip():
        return MatchAll()
    op = (default_op or "OR").upper()
    if op not in ("AND", "OR"):
        raise SearchQueryError(f"Invalid q.op {default_op!r}")
    return _Parser(_lex(query), op, budget or ClauseBudget()).parse()


# -- dismax ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class DismaxQuery:
    required: tuple[Term, ...]
    optional: tuple[Term, ...]
    prohibited: tuple[Term, ...]


_DISMAX_RE = re.compile(r'([+-]?)("(?:[^"\\]|\\.)*"?|\S+)')


def parse_dismax(query: str, budget: Optional[ClauseBudget] = None) -> DismaxQuery:
    """Split a dismax ``q`` (plain words, ``"phrases"``, ``+must``, ``-not``), spending
    one clause of ``budget`` per word or phrase.

    Like Solr's dismax parser, every other Lucene operator is taken literally; the bare
    words ``AND``/``OR`` are dropped since users type them as operators.
    """
    budget = budget or ClauseBudget()
    req: list[Term] = []
    opt: list[Term] = []
    neg: list[Term] = []
    for mod, text in _DISMAX_RE.findall(query):
        phrase = text.startswith('"')
        if phrase:
            text = re.sub(r"\\(.)", r"\1", text[1:-1] if text.endswith('"') and len(text) > 1
                          else text[1:])
        elif text in ("AND", "OR", "&&", "||"):
            continue
        budget.spend()
        term = Term(DEFAULT_FIELD, text, None, phrase=phrase)
        {"+": req, "-": neg}.get(mod, opt).append(term)
    return DismaxQuery(tuple(req), tuple(opt), tuple(neg))


def min_should_match(spec: Optional[str], optional: int) -> int:
    """How many of ``optional`` clauses must match under Solr's ``mm`` ``spec``
    (e.g. CKAN's ``"2<-1 5<80%"``)."""
    if optional == 0:
        return 0
    spec = (spec or "100%").strip()

    def _one(expr: str) -> int:
        pct = expr.endswith("%")
        try:
            num = float(expr.rstrip("%")) if pct else int(expr)
        except ValueError:
            raise SearchQueryError(f"Invalid mm (minimum should match) value {spec!r}")
        if pct:
            amount = int(optional * abs(num) / 100)
        else:
            amount = int(abs(num))
        return optional - amount if num < 0 else amount

    if "<" in spec:
        result = optional  # at or below the first threshold every clause is required
        for part in spec.split():
            threshold, _, expr = part.partition("<")
            try:
                if optional > int(threshold):
                    result = _one(expr)
            except ValueError:
                raise SearchQueryError(f"Invalid mm (minimum should match) value {spec!r}")
    else:
        result = _one(spec)
    return max(1, min(optional, result))
