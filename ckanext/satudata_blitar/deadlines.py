"""What is due or overdue, for whom: the one place that reads the step clocks from the
database.

The queue, the dataset status (workflow panel), ``satudata_deadline_list`` and the Pembina,
Walidata and Sekretariat overviews all take their due dates and verdicts from the functions
here, which feed the audit trail to ``workdays.StepClocks`` and ask ``workdays.due``; the
annual report feeds the same clock in its own single pass over the year's audit rows.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import lifecycle, permissions, workdays
from ckanext.satudata_blitar.model.lifecycle import AuditEntry, DatasetStatus
from ckanext.satudata_blitar.model.records import DD_AGREED, DD_DRAFT, DaftarData, Statement
from ckanext.satudata_blitar.records.common import org_names
from ckanext.satudata_blitar.records.daftar_data import (
    agreement_deadline, items_of, latest_agreed, statement_deadline,
)

#: the step that waits in each state
STATE_STEPS = {lifecycle.SUBMITTED: "verification", lifecycle.VERIFIED: "validation",
               lifecycle.VALIDATED: "publication"}


# -- datasets --------------------------------------------------------------------------------
def clocks_of(package_ids: Iterable[str]) -> dict[str, workdays.StepClocks]:
    """The step clocks of each dataset, fed its whole audit trail (one query)."""
    ids = list(set(package_ids))
    out = {pid: workdays.StepClocks() for pid in ids}
    if not ids:
        return out
    audit = AuditEntry.__table__
    rows = model.Session.execute(
        sa.select(audit.c.package_id, audit.c.transition, audit.c.timestamp)
        .where(audit.c.package_id.in_(ids))
        .order_by(audit.c.package_id, audit.c.timestamp, audit.c.id))
    for package_id, transition, timestamp in rows:
        out[package_id].feed(transition, workdays.local_date(timestamp))
    return out


def step_deadline(clocks: workdays.StepClocks, state: str, since: Optional[dt.datetime],
                  on: Optional[dt.date] = None) -> Optional[dict[str, Any]]:
    """The running step of a dataset in ``state``: its start, due date and verdict.

    ``None`` when no step waits in ``state``. A dataset whose trail has no start for the
    step (older than the plugin) counts from ``since``.
    """
    step = STATE_STEPS.get(state)
    if step is None:
        return None
    on = on or workdays.today()
    clock = clocks.running(step)
    start = clock.start or (workdays.local_date(since) if since else None)
    due = workdays.due(step, start, clock.all_pauses(), on=on)
    return {"step": step, "start": start.isoformat() if start else None,
            "due": due.isoformat() if due else None,
            "overdue": workdays.is_overdue(due, on),
            "working_days_left": workdays.days_left(due, on)}


def dataset_deadlines(rows: Iterable[tuple[str, str, Optional[dt.datetime]]],
                      on: Optional[dt.date] = None) -> dict[str, Optional[dict[str, Any]]]:
    """:func:`step_deadline` of many datasets given as ``(package_id, state, since)``."""
    rows = list(rows)
    clocks = clocks_of(r[0] for r in rows)
    return {pid: step_deadline(clocks[pid], state, since, on) for pid, state, since in rows}


# -- the deadline list -----------------------------------------------------------------------
def kind_label(kind: str) -> str:
    """What is to be done for a deadline of ``kind``, in the current language (the deadline
    list and the daily digest)."""
    labels = {
        "verification": tk._("Verify the dataset"),
        "publication": tk._("Publish the validated dataset"),
        "validation": tk._("Record the validation letter"),
        "returned": tk._("Fix the returned dataset"),
        "update": tk._("Update the data"),
        "agreement": tk._("Agree the Daftar Data in the Forum"),
        "daftar_data_missing": tk._("Draft this year's Daftar Data"),
        "statement": tk._("Submit the availability statement"),
    }
    return labels.get(kind, kind)


def _entry(kind: str, due: Optional[dt.date], on: dt.date, **values: Any) -> dict[str, Any]:
    out = {"kind": kind, "label": kind_label(kind),
           "due": due.isoformat() if due else None,
           "overdue": workdays.is_overdue(due, on),
           "working_days_left": workdays.days_left(due, on)}
    out.update(values)
    return out


def _orgs_of(user: model.User) -> list[str]:
    orgs = tk.get_action("organization_list_for_user")(
        {"user": user.name, "ignore_auth": True}, {"id": user.id, "permission": "read"})
    return [o["id"] for o in orgs]


def _dataset_entries(kinds: set[str], org_ids: Optional[list[str]], on: dt.date,
                     horizon: int) -> list[dict[str, Any]]:
    status = DatasetStatus.__table__
    wanted = {state for state, step in STATE_STEPS.items() if step in kinds}
    if "returned" in kinds:
        wanted.add(lifecycle.DRAFT)
    if "update" in kinds:
        wanted.add(lifecycle.PUBLISHED)
    query = (model.Session.query(model.Package, status.c.state, status.c.since,
                                 status.c.last_transition)
             .join(status, status.c.package_id == model.Package.id)
             .filter(model.Package.state == "active", status.c.state.in_(wanted))
             .filter(lifecycle.governed_clause(model.Package.type)))
    if org_ids is not None:
        if not org_ids:
            return []
        query = query.filter(model.Package.owner_org.in_(org_ids))
    rows = query.order_by(status.c.since).all()
    clocks = clocks_of(pkg.id for pkg, state, _, _ in rows if state in STATE_STEPS)
    out = []
    for pkg, state, since, last in rows:
        base = {"package_id": pkg.id, "name": pkg.name, "title": pkg.title,
                "owner_org": pkg.owner_org, "state": state,
                "since": since.isoformat() if since else None}
        if state in STATE_STEPS:
            step = step_deadline(clocks[pkg.id], state, since, on)
            assert step is not None
            due = dt.date.fromisoformat(step["due"]) if step["due"] else None
            out.append(_entry(step["step"], due, on, **base))
        elif state == lifecycle.DRAFT and last in ("return", "withdraw"):
            out.append(_entry("returned", None, on, **base))
        elif state == lifecycle.PUBLISHED:
            extras = pkg.extras
            period = extras.get("periode_referensi_selesai") or extras.get(
                "periode_referensi_mulai")
            due = workdays.next_update_due(extras.get("frequency"),
                                           workdays.local_date(since),
                                           int(period) if str(period or "").isdigit() else None)
            if due is not None and due <= on + dt.timedelta(days=horizon):
                out.append(_entry("update", due, on, frequency=extras.get("frequency"), **base))
    return out


def _records_entries(kinds: set[str], org_ids: Optional[list[str]],
                     on: dt.date) -> list[dict[str, Any]]:
    out = []
    if "agreement" in kinds:
        for dd in model.Session.query(DaftarData).filter(DaftarData.status == DD_DRAFT):
            out.append(_entry("agreement", agreement_deadline(dd), on, daftar_data_id=dd.id,
                              year=dd.year, revision=dd.revision))
    if "daftar_data_missing" in kinds and latest_agreed(on.year) is None:
        draft = model.Session.query(DaftarData).filter(DaftarData.year == on.year).first()
        if draft is None:
            out.append(_entry("daftar_data_missing", None, on, year=on.year))
    if "statement" in kinds:
        years = [r[0] for r in model.Session.query(DaftarData.year)
                 .filter(DaftarData.status == DD_AGREED).distinct()]
        for year in sorted(years):
            dd = latest_agreed(year)
            if dd is None:
                continue
            orgs = {i.owner_org for i in items_of(dd)}
            done = {r[0] for r in model.Session.query(Statement.owner_org)
                    .filter(Statement.daftar_data_id == dd.id)}
            names = org_names(orgs)
            for org_id in sorted(orgs - done):
                if org_ids is not None and org_id not in org_ids:
                    continue
                org = names.get(org_id)
                out.append(_entry("statement", statement_deadline(dd), on,
                                  daftar_data_id=dd.id, year=dd.year, owner_org=org_id,
                                  title=org.title if org else org_id))
    return out


def deadline_items(user: model.User, on: Optional[dt.date] = None,
                   horizon: int = 30, every_opd: bool = False) -> list[dict[str, Any]]:
    """What is due or overdue for ``user``, by role (oldest deadline first).

    Walidata: verification and publication. OPD members: validation letters, returned
    datasets, data updates due within ``horizon`` days (from frequency and period),
    statements. Sekretariat SDI: Daftar Data agreement and statements of every OPD.
    Pembina Data and sysadmins, and anyone with ``every_opd`` (the overview of every OPD;
    the caller checks ``permissions.permission_list_deadlines``): everything.
    """
    on = on or workdays.today()
    roles = permissions.portal_roles(user)
    everything = every_opd or permissions.is_sysadmin(user) or lifecycle.PEMBINA in roles
    out: list[dict[str, Any]] = []
    global_kinds: set[str] = set()
    if everything or lifecycle.WALIDATA in roles:
        global_kinds |= {"verification", "publication"}
    if everything:
        global_kinds |= {"validation", "returned", "update"}
    if global_kinds:
        out += _dataset_entries(global_kinds, None, on, horizon)
    record_kinds: set[str] = set()
    if everything or lifecycle.SEKRETARIAT in roles:
        record_kinds = {"agreement", "daftar_data_missing", "statement"}
        out += _records_entries(record_kinds, None, on)
    org_ids = _orgs_of(user)
    if org_ids and not everything:
        opd_kinds = {"validation", "returned", "update"} - global_kinds
        out += _dataset_entries(opd_kinds, org_ids, on, horizon)
        if "statement" not in record_kinds:
            out += _records_entries({"statement"}, org_ids, on)
    out.sort(key=lambda e: (e["due"] is None, e["due"] or "", e["kind"]))
    return out


# -- updates through revisions (issue 15) ----------------------------------------------------
def revision_updates(org_ids: list[str], start_utc: dt.datetime,
                     end_utc: dt.datetime) -> dict[str, Any]:
    """The revisions published in ``[start_utc, end_utc)`` by the datasets of ``org_ids``:
    each update's verdict against the update-due date the previous version's frequency and
    period gave (``workdays.next_update_due`` from that version's publication, judged by
    ``workdays.on_time``), and per OPD the median working days from the revision's first
    submit to its publication. ``{"total": {...}, "by_opd": {org_id: {...}}}``."""
    from ckanext.satudata_blitar.model.revisions import (  # noqa: PLC0415
        REV_PUBLISHED, DatasetVersion, Revision,
    )

    rev, ver, audit = Revision.__table__, DatasetVersion.__table__, AuditEntry.__table__
    previous = ver.alias("previous")
    first_submit = (sa.select(sa.func.min(audit.c.timestamp))
                    .where(audit.c.revision_id == rev.c.id, audit.c.transition == "submit")
                    .scalar_subquery())
    rows = model.Session.execute(
        sa.select(model.Package.owner_org, rev.c.closed_at, first_submit.label("submitted"),
                  previous.c.published_at, previous.c.metadata)
        .select_from(rev.join(model.Package, model.Package.id == rev.c.package_id)
                     .outerjoin(previous, sa.and_(previous.c.package_id == rev.c.package_id,
                                                  previous.c.number == rev.c.number - 1)))
        .where(rev.c.state == REV_PUBLISHED, rev.c.closed_at >= start_utc,
               rev.c.closed_at < end_utc, model.Package.owner_org.in_(org_ids))).all()

    def tally() -> dict[str, Any]:
        return {"updates": 0, "on_time": 0, "late": 0, "without_due_date": 0, "days": []}

    total, by_opd = tally(), {}
    for org, published, submitted, before, metadata in rows:
        day = workdays.local_date(published)
        due = None
        if before is not None:
            meta = metadata or {}
            period = str(meta.get("periode_referensi_selesai")
                         or meta.get("periode_referensi_mulai") or "")
            due = workdays.next_update_due(meta.get("frequency"), workdays.local_date(before),
                                           int(period[:4]) if period[:4].isdigit() else None)
        for bucket in (total, by_opd.setdefault(org, tally())):
            bucket["updates"] += 1
            if due is None:
                bucket["without_due_date"] += 1
            elif workdays.on_time(day, due):
                bucket["on_time"] += 1
            else:
                bucket["late"] += 1
            if submitted is not None:
                bucket["days"].append(workdays.working_days_between(
                    workdays.local_date(submitted), day))

    def close(bucket: dict[str, Any]) -> dict[str, Any]:
        days = sorted(bucket.pop("days"))
        middle = len(days) // 2
        bucket["median_working_days_submit_to_publish"] = (
            None if not days else days[middle] if len(days) % 2
            else (days[middle - 1] + days[middle]) / 2)
        return bucket

    return {"total": close(total), "by_opd": {org: close(b) for org, b in by_opd.items()}}
