"""Public change feed for harvesters: published, updated, withdrawn (and deleted) datasets.

ckanext-harvest's CKAN harvester never propagates deletions, and a withdrawn dataset becomes
private, so a harvester that only searches keeps a stale copy. This feed lists the public facts
a harvester needs, read from the lifecycle's audit trail (``satudata_blitar_audit``):

``published``  first publication of a dataset (or its migration as already public),
``updated``    publication of a dataset that had been published before (a published
               revision, or withdraw → edit → lifecycle → publish; same id and URI),
``withdrawn``  a published dataset was withdrawn (it is private now; same id and URI if it
               comes back),
``deleted``    a published dataset was deleted by a sysadmin.

Only ids, names (as they were public), event times and links are shown; reasons, notes and
actors are internal records and never appear. Titles are shown only for datasets that are
public now. Events are ordered by ``(timestamp, id)``; ``cursor`` pages without gaps.
"""
from __future__ import annotations

import datetime
from typing import Any, Optional

import sqlalchemy as sa
from dateutil.parser import isoparse

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.satudata_blitar.logic import schema
from ckanext.satudata_blitar.model import AuditEntry, DatasetStatus

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
EVENTS: tuple[str, ...] = ("published", "updated", "withdrawn", "deleted")

_audit = AuditEntry.__table__
_status = DatasetStatus.__table__


def _parse_time(value: Any, field: str) -> datetime.datetime:
    """An ISO 8601 time as naive UTC (the audit table stores naive UTC)."""
    try:
        parsed = isoparse(str(value).strip().replace(" ", "T"))
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError):
        raise tk.ValidationError({field: [tk._("Use an ISO 8601 date or time, e.g. "
                                               "2026-01-31 or 2026-01-31T08:00:00Z")]})
    return parsed


def _encode_cursor(timestamp: datetime.datetime, event_id: str) -> str:
    return f"{timestamp.isoformat()}|{event_id}"


def _events_query() -> sa.sql.Select:
    """Union of lifecycle events (audit rows) and deletions of published datasets."""
    earlier = _audit.alias("earlier")
    published_before = sa.exists().where(
        earlier.c.package_id == _audit.c.package_id,
        earlier.c.to_state == "published",
        sa.or_(earlier.c.timestamp < _audit.c.timestamp,
               sa.and_(earlier.c.timestamp == _audit.c.timestamp, earlier.c.id < _audit.c.id)),
    )
    event = sa.case(
        (_audit.c.transition == "withdraw", sa.literal("withdrawn")),
        (published_before, sa.literal("updated")),
        else_=sa.literal("published"),
    )
    lifecycle = sa.select(
        _audit.c.id.label("event_id"),
        event.label("event"),
        _audit.c.package_id.label("package_id"),
        _audit.c.package_name.label("package_name"),
        _audit.c.timestamp.label("timestamp"),
    ).where(sa.or_(_audit.c.transition == "withdraw", _audit.c.to_state == "published"),
            # a revision's own rows are internal; its publication is the dataset's ``update``
            sa.or_(_audit.c.revision_id.is_(None), _audit.c.transition == "update"))

    pkg = model.package_table
    deleted = sa.select(
        (sa.literal("deleted-") + pkg.c.id).label("event_id"),
        sa.literal("deleted").label("event"),
        pkg.c.id.label("package_id"),
        pkg.c.name.label("package_name"),
        pkg.c.metadata_modified.label("timestamp"),
    ).select_from(pkg.join(_status, _status.c.package_id == pkg.c.id)).where(
        pkg.c.state == "deleted", _status.c.state == "published")
    return sa.union_all(lifecycle, deleted).subquery("events")


def change_events(since: Optional[datetime.datetime] = None,
                  cursor: Optional[tuple[datetime.datetime, str]] = None,
                  limit: int = DEFAULT_LIMIT,
                  events: Optional[list[str]] = None) -> list[dict[str, Any]]:
    """Public change events in ``(timestamp, id)`` order.

    :param since: events at or after this naive-UTC time
    :param cursor: events strictly after this ``(timestamp, id)`` (from ``next_cursor``)
    :param limit: page size
    :param events: only these event kinds
    """
    ev = _events_query()
    query = sa.select(ev)
    if since is not None:
        query = query.where(ev.c.timestamp >= since)
    if cursor is not None:
        query = query.where(sa.tuple_(ev.c.timestamp, ev.c.event_id) > sa.tuple_(
            sa.literal(cursor[0]), sa.literal(cursor[1])))
    if events:
        query = query.where(ev.c.event.in_(events))
    query = query.order_by(ev.c.timestamp, ev.c.event_id).limit(limit)
    rows = model.Session.execute(query).mappings().all()

    ids = {r["package_id"] for r in rows}
    public: dict[str, tuple[str, str]] = {}
    if ids:
        pkg = model.package_table
        found = model.Session.execute(
            sa.select(pkg.c.id, pkg.c.name, pkg.c.title)
            .join(_status, _status.c.package_id == pkg.c.id, isouter=True)
            .where(pkg.c.id.in_(ids), pkg.c.state == "active", pkg.c.private.is_(False),
                   sa.or_(_status.c.state == "published", _status.c.state.is_(None)))
        ).all()
        public = {row.id: (row.name, row.title) for row in found}

    site = str(tk.config.get("ckan.site_url") or "").rstrip("/")
    out = []
    for r in rows:
        item: dict[str, Any] = {
            "id": r["event_id"],
            "event": r["event"],
            "timestamp": r["timestamp"].isoformat() + "Z",
            "dataset_id": r["package_id"],
            "dataset_name": r["package_name"],
            "uri": f"{site}/dataset/{r['package_id']}",
            "public_now": r["package_id"] in public,
        }
        if r["package_id"] in public:
            name, title = public[r["package_id"]]
            item["dataset_name_now"] = name
            item["title"] = title
            item["url"] = f"{site}/dataset/{name}"
            item["api_url"] = f"{site}/api/3/action/package_show?id={r['package_id']}"
        out.append(item)
    return out


def change_feed(data: DataDict) -> dict[str, Any]:
    """One page of the feed for the parameters validated by ``schema.change_feed``."""
    since: Optional[datetime.datetime] = data.get("since")
    cursor: Optional[tuple[datetime.datetime, str]] = data.get("cursor")
    limit: int = data["limit"]
    items = change_events(since, cursor, limit, data.get("event") or data.get("events"))
    next_cursor = None
    if items:
        last = items[-1]
        next_cursor = _encode_cursor(
            _parse_time(last["timestamp"], "timestamp"), last["id"])
    return {
        "events": items,
        "count": len(items),
        "limit": limit,
        "since": since.isoformat() + "Z" if since else None,
        "cursor": _encode_cursor(*cursor) if cursor else None,
        # Pass this back as ``cursor`` for the next page; keep it to resume the next day.
        "next_cursor": next_cursor,
        "complete": len(items) < limit,
    }


# -- action and auth (registered by the satudata_harvest plugin) ---------------------------------
@tk.side_effect_free
@schema.validate(schema.change_feed)
def satudata_change_feed(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Public feed of published, updated, withdrawn and deleted datasets, oldest first.

    Only public facts: event kind, time (UTC), dataset id, the name it had when public, its
    URI, and — for datasets public now — title and links. Harvesters remove or hide their
    copies of ``withdrawn`` and ``deleted`` datasets and re-fetch ``published``/``updated``
    ones with ``package_show``.

    :param since: ISO 8601 time; events at or after it (optional)
    :param cursor: ``next_cursor`` of the previous page: events strictly after it (optional)
    :param limit: page size, 1–1000 (default 100)
    :param event: only these kinds, comma separated (published, updated, withdrawn, deleted)
    :returns: ``{"events": [...], "count", "next_cursor", "complete", ...}``
    """
    tk.check_access("satudata_change_feed", context, data_dict)
    return change_feed(data_dict)


@tk.auth_allow_anonymous_access
def satudata_change_feed_auth(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Everyone may read the change feed: it holds only facts that were public."""
    return {"success": True}


@tk.chained_action
@tk.side_effect_free
def dcat_datasets_list(next_action: Any, context: Context,
                       data_dict: DataDict) -> list[dict[str, Any]]:
    """``/dcat.json`` items with ``identifier``, ``uri`` and the SDI fields (see ``dcat.py``).

    ckanext-dcat 2.4.4's legacy converter emits ``identifier`` only for datasets with a
    ``guid`` extra, and its DCAT-JSON harvester crashes without one; the converter also drops
    the CKAN dict, so this replaces the action (same search, same paging, same access check)
    instead of post-processing its output.

    :param page: page number, from 1 (``ckanext.dcat.datasets_per_page`` datasets a page)
    :param modified_since: ISO 8601 time; only datasets modified since then
    """
    from ckanext.dcat import converters  # noqa: PLC0415

    from ckanext.satudata_blitar.harvest.dcat import dcat_json_extra  # noqa: PLC0415

    tk.check_access("dcat_datasets_list", context, data_dict)
    n = int(tk.config.get("ckanext.dcat.datasets_per_page") or 100)
    try:
        page = int(data_dict.get("page") or 1)
        if page < 1:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise tk.ValidationError({"page": [tk._("Page must be a whole number from 1")]})
    search: dict[str, Any] = {"q": data_dict.get("q") or "*:*", "rows": n,
                              "start": n * (page - 1), "sort": "metadata_modified desc",
                              "fq_list": ["-dataset_type:harvest", "-dataset_type:showcase"]}
    if data_dict.get("fq"):
        search["fq"] = data_dict["fq"]
    if data_dict.get("modified_since"):
        since = _parse_time(data_dict["modified_since"], "modified_since")
        search["fq_list"].append(f"metadata_modified:[{since.isoformat()}Z TO NOW]")
    results = tk.get_action("package_search")(dict(context), search)["results"]
    out = []
    for pkg in results:
        item = converters.ckan_to_dcat(pkg)
        # the OPD is the publisher (the converter falls back to the maintainer)
        item.update(dcat_json_extra(pkg))
        out.append(item)
    return out
