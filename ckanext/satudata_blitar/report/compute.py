"""The annual report as one JSON document (``satudata_report_annual``), computed with SQL.

Every rendering (HTML, PDF, XLSX, CSV) is made from the dict returned by :func:`build`; its
structure is documented in ``docs/report.md`` and versioned by :data:`VERSION`.

How it is computed (a handful of queries, no per-dataset action calls):

1. the governed, active datasets that existed before the end of the period, with their
   current status row (one query);
2. their audit rows up to the end of the period, ordered by dataset and time (one query):
   the state at the end of the period, the transitions of the year and the working-day
   durations of each step are derived from these in one pass;
3. the SDI fields of the published ones (``package_extra``), their resource formats and tags
   (three queries), the data checks finished in the year (one query);
4. the Daftar Data, statements, validation letters, evaluation notes and deliveries of the
   year (a few small queries).

Dates are calendar dates in the portal's time zone (WIB); working days come from
:mod:`ckanext.satudata_blitar.workdays` (public holidays, *cuti bersama*, local days off).
"""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import sqlalchemy as sa

import ckan.model as model

from ckanext.satudata_blitar import lifecycle, workdays
from ckanext.satudata_blitar import config
from ckanext.satudata_blitar import deadlines, revisions
from ckanext.satudata_blitar.checks.reference import load_reference
from ckanext.satudata_blitar.checks.standards import builtin_standards
from ckanext.satudata_blitar.model.report import ReportDelivery, ReportNote

#: version of the document structure (``docs/report.md``); bump on incompatible changes
VERSION = "1.0"
KIND = "satudata_report_annual"

#: the document's name of each step of ``workdays.STEPS`` (``timing`` and ``standards``)
TIMING_KEYS: dict[str, str] = {"verification": "review", "validation": "validation",
                               "publication": "publication"}
#: transitions counted per OPD (datasets that went through each in the year)
COUNTED = ("submit", "verify", "validate", "publish", "return", "withdraw")
COUNT_KEYS = {"submit": "submitted", "verify": "verified", "validate": "validated",
              "publish": "published", "return": "returned", "withdraw": "withdrawn"}
#: open, machine-readable formats (SDI principle Interoperabilitas)
MACHINE_READABLE = frozenset({
    "CSV", "TSV", "XLSX", "XLS", "ODS", "JSON", "GEOJSON", "JSON-LD", "JSONLD", "XML", "RDF",
    "TTL", "KML", "GPKG", "PARQUET", "SHP",
})
FIELDS_FROM_PACKAGE = ("title", "notes", "owner_org", "maintainer", "maintainer_email",
                       "author", "author_email", "license_id", "url", "version")
EXTRA_KEYS = ("frequency", "periode_referensi_mulai", "periode_referensi_selesai",
              "cakupan_wilayah", "standar_data", "id_sds", "daftar_data_item")

#: quality indicators → SDI principles and EPSS indicator codes they are evidence for
INDICATORS: dict[str, dict[str, list[str]]] = {
    "complete_metadata": {"principles": ["metadata"], "epss": ["10201"]},
    "registered_standard": {"principles": ["standar_data"], "epss": ["10101", "20501"]},
    "reference_codes": {"principles": ["kode_referensi"], "epss": ["10401"]},
    "machine_readable": {"principles": ["interoperabilitas"], "epss": ["10301", "20403"]},
    "updated_on_time": {"principles": [], "epss": ["20301", "20302"]},
}
#: EPSS indicators (Peraturan BPS 3/2022) the document carries evidence for, with the keys
#: of the evidence in this document. Evidence only: no score is computed.
EPSS: list[dict[str, Any]] = [
    {"code": "10101", "name": "Penerapan Standar Data Statistik",
     "evidence": ["quality.indicators.registered_standard", "quality.data_checks"]},
    {"code": "10201", "name": "Penerapan Metadata Statistik",
     "evidence": ["quality.indicators.complete_metadata"]},
    {"code": "10301", "name": "Interoperabilitas Data",
     "evidence": ["quality.indicators.machine_readable"]},
    {"code": "10401", "name": "Kode Referensi",
     "evidence": ["quality.indicators.reference_codes"]},
    {"code": "20301", "name": "Aktualitas", "evidence": ["quality.indicators.updated_on_time"]},
    {"code": "20302", "name": "Ketepatan waktu diseminasi",
     "evidence": ["quality.indicators.updated_on_time"]},
    {"code": "20401", "name": "Ketersediaan data",
     "evidence": ["summary.realisation_rate", "opds"]},
    {"code": "20403", "name": "Format data", "evidence": ["quality.indicators.machine_readable"]},
    {"code": "20501", "name": "Keterbandingan data",
     "evidence": ["quality.indicators.registered_standard"]},
    {"code": "30401", "name": "Diseminasi data", "evidence": ["published_datasets"]},
    {"code": "40304", "name": "Pelaksanaan tugas Walidata",
     "evidence": ["timing", "quality.returns", "letters"]},
]
PUBLIC_EPSS = ("10101", "10201", "10301", "10401", "20401", "20403", "20501", "30401")


# -- small helpers ---------------------------------------------------------------------------
def rate(part: int, whole: int) -> Optional[float]:
    """Percentage with one decimal (half up), ``None`` when there is nothing to divide."""
    if not whole:
        return None
    value = decimal.Decimal(part * 100) / decimal.Decimal(whole)
    return float(value.quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP))


def _one_decimal(value: float) -> float:
    return float(decimal.Decimal(repr(value)).quantize(decimal.Decimal("0.1"),
                                                       rounding=decimal.ROUND_HALF_UP))


def percentile(values: list[int], q: float) -> Optional[float]:
    """Percentile by linear interpolation between closest ranks (PostgreSQL
    ``percentile_cont``), one decimal; ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
    return _one_decimal(value)


def local_midnight_utc(day: dt.date) -> dt.datetime:
    """00:00 of ``day`` in the portal's time zone as a naive UTC datetime (audit rows are
    naive UTC)."""
    aware = dt.datetime.combine(day, dt.time(0, 0), tzinfo=workdays.timezone())
    return aware.astimezone(dt.timezone.utc).replace(tzinfo=None)


def document_sha256(document: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a document (sorted keys, UTF-8, no spaces)."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


def canonical_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


@dataclass
class _Dataset:
    id: str
    name: str
    title: str
    owner_org: Optional[str]
    private: bool
    current_state: Optional[str]
    columns: Any  # the package row (mapping of FIELDS_FROM_PACKAGE)
    state_at_end: str = lifecycle.DRAFT
    transitions: set[str] = field(default_factory=set)
    last_publish: Optional[dt.date] = None
    published_in_year: bool = False
    extras: dict[str, str] = field(default_factory=dict)
    seen: bool = False  # has audit rows before the end of the period

    @property
    def public_now(self) -> bool:
        return not self.private and (self.current_state or lifecycle.PUBLISHED) == lifecycle.PUBLISHED


# -- the document ------------------------------------------------------------------------------
def build(year: int, organization: Optional[str] = None, public: bool = False,
          today: Optional[dt.date] = None) -> dict[str, Any]:
    """The report of ``year`` as a JSON-serialisable dict.

    :param year: report year (calendar year, WIB)
    :param organization: id of one OPD to restrict the report to (``None``: every OPD)
    :param public: the public summary: built only from datasets that are published at the
        end of the period *and* public now; no audit-trail facts (timing, returns, counts
        of unpublished work), no letters, notes or deliveries
    :param today: the date the report is made (default: today in WIB); the period ends on
        the earlier of 31 December and this date
    """
    today = today or workdays.today()
    start_day = dt.date(year, 1, 1)
    end_day = min(dt.date(year, 12, 31), today)
    if end_day < start_day:
        end_day = start_day - dt.timedelta(days=1)  # a future year: an empty period
    start_utc = local_midnight_utc(start_day)
    end_utc = local_midnight_utc(end_day + dt.timedelta(days=1))  # exclusive

    org_rows = _organizations(organization)
    org_ids = [o["id"] for o in org_rows]
    datasets = _datasets(org_ids, end_utc)
    durations: dict[str, list[tuple[int, bool]]] = {name: [] for name in workdays.STEPS}
    returns: Counter[str] = Counter()
    _walk_audit(datasets, org_ids, start_utc, end_utc, durations, returns)
    datasets = {k: d for k, d in datasets.items() if d.seen or d.current_state is None}

    counted = [d for d in datasets.values() if not public or d.public_now]
    published = [d for d in counted if d.state_at_end == lifecycle.PUBLISHED]
    _load_extras(published if public else list(datasets.values()))

    dd, items = _daftar_data(year, org_ids)
    realised_codes = _realised(items, published, year)
    statements = {} if public else _statements(year, org_ids, end_day)

    # per OPD
    by_org_counts: dict[str, Counter[str]] = defaultdict(Counter)
    by_org_states: dict[str, Counter[str]] = defaultdict(Counter)
    for d in counted:
        by_org_states[d.owner_org or ""][d.state_at_end] += 1
        for t in d.transitions:
            by_org_counts[d.owner_org or ""][COUNT_KEYS[t]] += 1
    items_by_org: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        items_by_org[item["owner_org"]].append(item)

    opds = []
    for org in org_rows:
        planned = items_by_org.get(org["id"], [])
        realised = sum(1 for i in planned if (i["owner_org"], i["code"]) in realised_codes)
        entry: dict[str, Any] = {
            "id": org["id"], "name": org["name"], "title": org["title"],
            "items_planned": len(planned), "items_realised": realised,
            "realisation_rate": rate(realised, len(planned)),
        }
        states = by_org_states.get(org["id"], Counter())
        if public:
            entry["published"] = states.get(lifecycle.PUBLISHED, 0)
        else:
            counts = by_org_counts.get(org["id"], Counter())
            entry["statement"] = statements.get(org["id"]) or (
                {"status": "missing"} if planned else {"status": "not_required"})
            entry["datasets"] = {COUNT_KEYS[t]: counts.get(COUNT_KEYS[t], 0) for t in COUNTED}
            entry["state_at_end"] = {s: states.get(s, 0) for s in lifecycle.STATES}
        opds.append(entry)

    items_realised = sum(1 for i in items if (i["owner_org"], i["code"]) in realised_codes)
    summary: dict[str, Any] = {
        "opd_count": len(org_rows),
        "opds_with_items": len([o for o in org_rows if items_by_org.get(o["id"])]),
        "items_planned": len(items),
        "items_realised": items_realised,
        "realisation_rate": rate(items_realised, len(items)),
        "datasets_published": len(published),
    }
    if not public:
        states = Counter(d.state_at_end for d in counted)
        summary["datasets_total"] = len(counted)
        summary["datasets_by_state"] = {s: states.get(s, 0) for s in lifecycle.STATES}

    document: dict[str, Any] = {
        "kind": KIND,
        "version": VERSION,
        "scope": "public" if public else "full",
        "year": year,
        "organization": ({"id": org_rows[0]["id"], "name": org_rows[0]["name"],
                          "title": org_rows[0]["title"]} if organization and org_rows else None),
        "region": config.region_name(),
        "period": {"start": start_day.isoformat(), "end": dt.date(year, 12, 31).isoformat(),
                   "as_of": end_day.isoformat(),
                   "complete": end_day >= dt.date(year, 12, 31)},
        "daftar_data": ({"id": dd.id, "revision": dd.revision,
                         "agreed_date": dd.agreed_date.isoformat() if dd.agreed_date else None,
                         "minute_number": dd.minute_number} if dd is not None else None),
        "summary": summary,
        "opds": opds,
        "quality": _quality(published, counted, org_ids, start_utc, end_utc, end_day,
                            returns, public),
        "published_datasets": _published_list(published, {o["id"]: o for o in org_rows}),
        "epss": [e for e in EPSS if not public or e["code"] in PUBLIC_EPSS],
    }
    if not public:
        document["standards"] = {key: workdays.step_days(step)
                                 for step, key in TIMING_KEYS.items()}
        document["timing"] = {key: _timing(durations[step], workdays.step_days(step))
                              for step, key in TIMING_KEYS.items()}
        document["letters"] = _letters(start_day, end_day, org_ids)
        # published revisions: updates on time or late, submit → publish (deadlines.py)
        document["updates"] = deadlines.revision_updates(org_ids, start_utc, end_utc)
        document["evaluation"] = _evaluation(year)
    return document


# -- queries -----------------------------------------------------------------------------------
def _organizations(organization: Optional[str]) -> list[dict[str, Any]]:
    g = model.group_table
    query = sa.select(g.c.id, g.c.name, g.c.title).where(
        g.c.is_organization.is_(True), g.c.state == "active")
    if organization:
        query = query.where(sa.or_(g.c.id == organization, g.c.name == organization))
    rows = model.Session.execute(query.order_by(g.c.title, g.c.name)).mappings().all()
    return [dict(r) for r in rows]


def _datasets(org_ids: list[str], end_utc: dt.datetime) -> dict[str, _Dataset]:
    p = model.package_table
    s = lifecycle.DatasetStatus.__table__
    cols = [p.c[name] for name in FIELDS_FROM_PACKAGE if name not in ("title", "owner_org")]
    query = (sa.select(p.c.id, p.c.name, p.c.title, p.c.owner_org, p.c.private,
                       p.c.metadata_created, s.c.state.label("current_state"), *cols)
             .select_from(p.outerjoin(s, s.c.package_id == p.c.id))
             .where(lifecycle.governed_clause(p.c.type), p.c.state == "active",
                    p.c.owner_org.in_(org_ids),
                    # a pending revision is not a dataset of its own (docs/revisions.md)
                    revisions.not_shadow_clause(p.c.id)))
    out: dict[str, _Dataset] = {}
    for row in model.Session.execute(query).mappings().all():
        # a dataset with a status row exists from its first audit row (``_walk_audit``);
        # one without (older than the plugin) from its creation date
        if row["current_state"] is None and row["metadata_created"] >= end_utc:
            continue
        out[row["id"]] = _Dataset(
            id=row["id"], name=row["name"], title=row["title"] or row["name"],
            owner_org=row["owner_org"], private=bool(row["private"]),
            current_state=row["current_state"], columns=row,
            # a dataset without audit rows before the end follows the migration rule
            state_at_end=(lifecycle.DRAFT if row["private"] else lifecycle.PUBLISHED))
    return out


#: transitions after which no step clock of ``workdays.StepClocks`` is running: the clocks
#: are cleared (create, withdraw, migrate) or the last step has ended (publish)
_QUIET = ("create", "withdraw", "migrate", "publish")


def _walk_audit(datasets: dict[str, _Dataset], org_ids: list[str], start_utc: dt.datetime,
                end_utc: dt.datetime, durations: dict[str, list[tuple[int, bool]]],
                returns: Counter[str]) -> None:
    """One pass over the audit rows: state at the end, transitions, and each finished step's
    working days and verdict from ``workdays.StepClocks`` (the portal's one step clock)."""
    # plain DB-API rows: 60,000 of them are read, SQLAlchemy row objects would double the
    # time. The calendar date in the portal's time zone is computed by PostgreSQL.
    # Bounded to the year: per dataset, the rows from its last row before the year after
    # which no step clock runs (``_QUIET``: create, withdraw, migrate or publish — that row
    # also gives the state the year starts in) up to the end; years of older history are
    # never read (index on package_id, timestamp).
    rows = _raw(
        "SELECT a.package_id, a.transition, a.to_state, a.timestamp, a.reason_category,"
        " timezone(%(tz)s, timezone('UTC', a.timestamp))::date"
        " FROM package p LEFT JOIN LATERAL (SELECT q.timestamp FROM satudata_blitar_audit q"
        "  WHERE q.package_id = p.id AND q.timestamp < %(start)s"
        "  AND q.transition = ANY(%(quiet)s::text[])"
        "  ORDER BY q.timestamp DESC LIMIT 1) AS since ON true"
        " JOIN satudata_blitar_audit a ON a.package_id = p.id"
        " AND a.timestamp >= COALESCE(since.timestamp, %(start)s) AND a.timestamp < %(end)s"
        " WHERE p.state = 'active'"
        " AND NOT (COALESCE(p.type, 'dataset') = ANY(%(ungoverned)s::text[]))"
        " AND p.owner_org = ANY(%(orgs)s)"
        " ORDER BY a.package_id, a.timestamp, a.id",
        {"tz": str(workdays.timezone()), "start": start_utc, "end": end_utc,
         "quiet": list(_QUIET), "ungoverned": list(config.ungoverned_types()),
         "orgs": org_ids})
    current: Optional[str] = None
    d: Optional[_Dataset] = None
    clocks = workdays.StepClocks()
    for package_id, transition, to_state, ts, category, day in rows:
        if package_id != current:
            current = package_id
            d = datasets.get(package_id)
            clocks = workdays.StepClocks()
        if d is None:
            continue
        d.state_at_end = to_state
        d.seen = True
        in_year = ts >= start_utc
        if transition == "publish":
            d.last_publish = day
            d.published_in_year = d.published_in_year or in_year
        if in_year and transition in COUNT_KEYS:
            d.transitions.add(transition)
            if transition == "return":
                returns[category or "lainnya"] += 1
        finished = clocks.feed(transition, day)
        if finished is not None and in_year:
            step, clock = finished
            durations[step].append(workdays.step_outcome(step, clock, day))


def _load_extras(datasets: list[_Dataset]) -> None:
    if not datasets:
        return
    by_id = {d.id: d for d in datasets}
    keys = list(EXTRA_KEYS) + _required_extra_keys()
    for package_id, key, value in _raw(
            "SELECT package_id, key, value FROM package_extra WHERE package_id = ANY(%(ids)s)"
            " AND key = ANY(%(keys)s) AND state = 'active'", {"ids": list(by_id), "keys": keys}):
        by_id[package_id].extras[key] = value or ""


def _raw(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Rows of a read-only query on the session's connection, as plain DB-API tuples."""
    cursor = model.Session.connection().connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _required_extra_keys() -> list[str]:
    return [f for f in config.submit_required_fields()
            if f not in FIELDS_FROM_PACKAGE and f != "tag_string"]


def _daftar_data(year: int, org_ids: list[str]) -> tuple[Any, list[dict[str, Any]]]:
    from ckanext.satudata_blitar.model.records import DaftarData, DaftarDataItem
    from ckanext.satudata_blitar.records.daftar_data import latest_agreed

    dd: Optional[DaftarData] = latest_agreed(year)
    if dd is None:
        return None, []
    t = DaftarDataItem.__table__
    rows = model.Session.execute(
        sa.select(t.c.code, t.c.name, t.c.owner_org)
        .where(t.c.daftar_data_id == dd.id, t.c.owner_org.in_(org_ids))
        .order_by(t.c.position, t.c.code)).mappings().all()
    return dd, [dict(r) for r in rows]


def _year_of(value: Optional[str]) -> Optional[int]:
    try:
        return int(str(value).strip()[:4])
    except (TypeError, ValueError):
        return None


def _realised(items: list[dict[str, Any]], published: list[_Dataset],
              year: int) -> set[tuple[str, str]]:
    """(OPD, item code) pairs realised: a linked dataset of the item's OPD is published at the
    end of the period and was published in the year or covers the year in its reference
    period."""
    wanted = {(i["owner_org"], i["code"]) for i in items}
    out: set[tuple[str, str]] = set()
    for d in published:
        code = (d.extras.get("daftar_data_item") or "").strip()
        key = (d.owner_org or "", code)
        if not code or key not in wanted:
            continue
        first = _year_of(d.extras.get("periode_referensi_mulai"))
        last = _year_of(d.extras.get("periode_referensi_selesai")) or first
        covers = first is not None and last is not None and first <= year <= last
        if d.published_in_year or covers:
            out.add(key)
    return out


def _statements(year: int, org_ids: list[str], end_day: dt.date) -> dict[str, dict[str, Any]]:
    from ckanext.satudata_blitar.model.records import DaftarData, Statement
    from ckanext.satudata_blitar.records.statements import statement_verdict

    s = Statement.__table__
    d = DaftarData.__table__
    rows = model.Session.execute(
        sa.select(s.c.owner_org, s.c.number, s.c.letter_date, s.c.created_at, d.c.agreed_date,
                  d.c.revision)
        .select_from(s.join(d, d.c.id == s.c.daftar_data_id))
        .where(s.c.year == year, s.c.owner_org.in_(org_ids))
        .order_by(s.c.owner_org, d.c.revision)).mappings().all()
    out: dict[str, dict[str, Any]] = {}
    for row in rows:  # the statement for the latest revision wins
        filed, due, on_time = statement_verdict(row["created_at"], row["agreed_date"])
        if filed > end_day:
            continue
        out[row["owner_org"]] = {
            "status": "on_time" if on_time else "late", "number": row["number"],
            "letter_date": row["letter_date"].isoformat(), "filed": filed.isoformat(),
            "due": due.isoformat() if due else None,
        }
    return out


def _timing(steps: list[tuple[int, bool]], standard: Optional[int]) -> dict[str, Any]:
    values = [days for days, _ in steps]
    within = sum(1 for _, in_time in steps if in_time)
    return {
        "standard_days": standard,
        "count": len(values),
        "median": percentile(values, 0.5),
        "p90": percentile(values, 0.9),
        "within_standard": within if standard is not None else None,
        "within_standard_rate": rate(within, len(values)) if standard is not None else None,
    }


def _area_codes(value: Optional[str]) -> list[str]:
    if not value:
        return []
    value = value.strip()
    if value.startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(v).strip() for v in parsed if str(v).strip()]
    return [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]


def _known_standards() -> set[str]:
    from ckanext.satudata_blitar.model.checks import Standard

    names = set(builtin_standards())
    names.update(model.Session.execute(sa.select(Standard.__table__.c.name)).scalars())
    return names


def _quality(published: list[_Dataset], counted: list[_Dataset], org_ids: list[str],
             start_utc: dt.datetime, end_utc: dt.datetime, end_day: dt.date,
             returns: Counter[str], public: bool) -> dict[str, Any]:
    ids = [d.id for d in published]
    formats: dict[str, set[str]] = defaultdict(set)
    tags: Counter[str] = Counter()
    for package_id, fmt, url in _raw(
            "SELECT package_id, format, url FROM resource"
            " WHERE package_id = ANY(%(ids)s) AND state = 'active'", {"ids": ids}):
        fmt = (fmt or "").strip().upper().lstrip(".")
        if not fmt and url and "." in url.rsplit("/", 1)[-1]:
            fmt = url.rsplit(".", 1)[-1].upper()
        formats[package_id].add(fmt)
    required = config.submit_required_fields()
    if "tag_string" in required:
        pt = model.package_tag_table
        for chunk in _chunks(ids, 5000):
            for package_id, n in model.Session.execute(
                    sa.select(pt.c.package_id, sa.func.count())
                    .where(pt.c.package_id.in_(chunk), pt.c.state == "active")
                    .group_by(pt.c.package_id)):
                tags[package_id] = n
    standards = _known_standards()
    reference = load_reference()

    counts: Counter[str] = Counter()
    dues: dict[tuple[str, dt.date, Optional[int]], Any] = {}
    areas: dict[str, list[str]] = {}
    frequency_total = 0
    for d in published:
        values = {name: d.columns[name] for name in FIELDS_FROM_PACKAGE}
        values.update(d.extras)
        raw_codes = values.get("cakupan_wilayah") or ""
        codes = areas.get(raw_codes)
        if codes is None:
            codes = areas[raw_codes] = _area_codes(raw_codes)
        complete = True
        for name in required:
            if name == "tag_string":
                complete = complete and tags.get(d.id, 0) > 0
            elif name == "cakupan_wilayah":
                complete = complete and bool(codes)
            elif not str(values.get(name) or "").strip():
                complete = False
        counts["complete_metadata"] += complete
        counts["registered_standard"] += (values.get("standar_data") or "") in standards
        counts["reference_codes"] += bool(codes) and all(
            reference.lookup(c)[0] is not None for c in codes)
        counts["machine_readable"] += bool(formats.get(d.id, set()) & MACHINE_READABLE)
        frequency = (values.get("frequency") or "").strip().lower()
        if frequency in workdays.FREQUENCY_INTERVALS and d.last_publish is not None:
            frequency_total += 1
            period_end = _year_of(values.get("periode_referensi_selesai")) or \
                _year_of(values.get("periode_referensi_mulai"))
            key = (frequency, d.last_publish, period_end)
            due = dues.get(key, False)
            if due is False:
                due = dues[key] = workdays.next_update_due(*key)
            # the deadline list's verdict on the same due date (``deadlines._dataset_entries``)
            counts["updated_on_time"] += due is not None and not workdays.is_overdue(due, end_day)
    indicators: dict[str, Any] = {}
    for key, mapping in INDICATORS.items():
        if public and key == "updated_on_time":
            continue
        total = frequency_total if key == "updated_on_time" else len(published)
        indicators[key] = {"count": counts[key], "total": total,
                           "rate": rate(counts[key], total), **mapping}
    quality: dict[str, Any] = {"published_total": len(published), "indicators": indicators,
                               "official_score": False}
    if not public:
        quality["returns"] = {
            "total": sum(returns.values()),
            "by_reason": {c: returns.get(c, 0) for c in lifecycle.REASON_CATEGORIES},
        }
        quality["data_checks"] = _data_checks(org_ids, start_utc, end_utc)
    return quality


def _data_checks(org_ids: list[str], start_utc: dt.datetime,
                 end_utc: dt.datetime) -> dict[str, Any]:
    from ckanext.satudata_blitar.model.checks import ResourceCheck

    c = ResourceCheck.__table__
    r = model.resource_table
    p = model.package_table
    rows = model.Session.execute(
        sa.select(c.c.status, sa.func.count())
        .select_from(c.join(r, r.c.id == c.c.resource_id).join(p, p.c.id == c.c.package_id))
        .where(c.c.status.in_(("passed", "failed")), c.c.finished >= start_utc,
               c.c.finished < end_utc, r.c.state == "active", p.c.state == "active",
               p.c.owner_org.in_(org_ids))
        .group_by(c.c.status)).all()
    by = dict(rows)
    passed, failed = by.get("passed", 0), by.get("failed", 0)
    return {"checked": passed + failed, "passed": passed, "failed": failed,
            "pass_rate": rate(passed, passed + failed),
            "principles": ["standar_data"], "epss": ["10101"]}


def _published_list(published: list[_Dataset],
                    orgs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for d in published:
        org = orgs.get(d.owner_org or "") or {}
        out.append({
            "id": d.id, "name": d.name, "title": d.title,
            "organization": org.get("name"), "organization_title": org.get("title"),
            "published_at": d.last_publish.isoformat() if d.last_publish else None,
            "frequency": d.extras.get("frequency") or None,
            "daftar_data_item": d.extras.get("daftar_data_item") or None,
            "standar_data": d.extras.get("standar_data") or None,
        })
    out.sort(key=lambda x: (x["organization_title"] or "", x["title"], x["name"]))
    return out


def _letters(start_day: dt.date, end_day: dt.date, org_ids: list[str]) -> list[dict[str, Any]]:
    from ckanext.satudata_blitar.model.records import LetterDataset, ValidationLetter

    v = ValidationLetter.__table__
    ld = LetterDataset.__table__
    p = model.package_table
    g = model.group_table
    rows = model.Session.execute(
        sa.select(v.c.id, v.c.number, v.c.letter_date, v.c.subject, v.c.signatory_name,
                  v.c.signatory_position, v.c.signatory_acting, g.c.name.label("org_name"),
                  g.c.title.label("org_title"))
        .select_from(v.join(g, g.c.id == v.c.owner_org))
        .where(v.c.letter_date >= start_day, v.c.letter_date <= end_day,
               v.c.owner_org.in_(org_ids))
        .order_by(v.c.letter_date, v.c.number)).mappings().all()
    names: dict[str, list[str]] = defaultdict(list)
    ids = [r["id"] for r in rows]
    if ids:
        for letter_id, name in model.Session.execute(
                sa.select(ld.c.letter_id, p.c.name)
                .select_from(ld.join(p, p.c.id == ld.c.package_id))
                .where(ld.c.letter_id.in_(ids)).order_by(p.c.name)):
            names[letter_id].append(name)
    return [{"number": r["number"], "letter_date": r["letter_date"].isoformat(),
             "subject": r["subject"], "organization": r["org_name"],
             "organization_title": r["org_title"], "signatory_name": r["signatory_name"],
             "signatory_position": ((r["signatory_acting"] + " " if r["signatory_acting"]
                                     else "") + r["signatory_position"]).strip(),
             "datasets": names.get(r["id"], [])} for r in rows]


def _evaluation(year: int) -> dict[str, Any]:
    notes = (model.Session.query(ReportNote).filter(ReportNote.year == year)
             .order_by(ReportNote.created_at, ReportNote.id).all())
    deliveries = (model.Session.query(ReportDelivery).filter(ReportDelivery.year == year)
                  .order_by(ReportDelivery.delivered_date, ReportDelivery.created_at).all())
    return {
        "notes": [{"section": n.section, "text": n.text, "created_by": n.created_by,
                   "created_at": n.created_at.isoformat() if n.created_at else None}
                  for n in notes],
        "deliveries": [{"delivered_date": x.delivered_date.isoformat(),
                        "letter_number": x.letter_number, "recipient": x.recipient,
                        "copies": x.copies, "notes": x.notes} for x in deliveries],
    }
