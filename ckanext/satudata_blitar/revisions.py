"""Living data: update a published dataset through a pending revision, without taking it
offline (issue 15; documented in ``docs/revisions.md``).

Mechanism: a *shadow package*. Starting a revision copies the published dataset — metadata
and resources, each uploaded file copied through CKAN's uploader, each data check copied with
it — into a new private package of the same OPD, linked to the published one by a row of
``satudata_blitar_revision``. The producer edits the shadow with CKAN's own forms; the shadow
has its own lifecycle state and audit chain, so it walks the same SOP (the submit gate and its
data checks, verify or return, the validation letter, publish) through the same actions and
``lifecycle.apply_transition``, and every audit row names the revision (``revision_id``).
The public, search, DCAT, the change feed and every download keep serving the published
package, which stays locked.

``publish`` of a shadow (inside ``apply_transition``, one database transaction, holding the
shadow's and then the published dataset's status-row lock): the published package takes the
shadow's metadata through ``package_update`` (same id and URI); a resource whose file did not
change keeps its id, a new or replaced file moves to the published package with its own
resource row (the replaced one is marked deleted, its file kept); the version is recorded
(metadata, resources with the SHA-256 of each file, the validating letter); the published
dataset's audit chain gets an ``update`` row (the change feed's ``updated``), and the shadow is
purged. A crash before the commit leaves the old version public; after it, the new one.
``discard`` purges the shadow; nothing public changed.
"""
from __future__ import annotations

import datetime
import logging
import os
import re
import shutil
from typing import Any, Iterable, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import lifecycle, storage
from ckanext.satudata_blitar.model.checks import ResourceCheck
from ckanext.satudata_blitar.model.common import new_id, utcnow
from ckanext.satudata_blitar.model.lifecycle import AuditEntry
from ckanext.satudata_blitar.model.revisions import (
    REV_DISCARDED, REV_OPEN, REV_PUBLISHED, DatasetVersion, Revision,
)

log = logging.getLogger(__name__)

_rev = Revision.__table__
_ver = DatasetVersion.__table__

#: package_show keys that are not the dataset's own metadata (never copied, never diffed)
_VOLATILE = {
    "id", "name", "metadata_created", "metadata_modified", "creator_user_id", "state",
    "revision_id", "num_resources", "num_tags", "organization", "resources", "private",
    "relationships_as_object", "relationships_as_subject", "tracking_summary",
    "satudata_state", "isopen", "license_url", "license_title", "type",
}
#: resource keys compared by the diff (and not copied from the published row)
_RESOURCE_VOLATILE = {"id", "package_id", "created", "metadata_modified", "position",
                      "tracking_summary", "datastore_active", "cache_last_updated",
                      "cache_url", "mimetype_inner"}


# -- lookups -------------------------------------------------------------------------------------
def revision_for_shadow(package_id: Optional[str]) -> Optional[Revision]:
    """The revision whose shadow package is ``package_id`` (``None`` for other packages)."""
    if not package_id:
        return None
    return model.Session.query(Revision).filter(Revision.shadow_id == package_id).first()


def open_revision(package_id: str) -> Optional[Revision]:
    """The pending revision of a published dataset, if any."""
    return (model.Session.query(Revision)
            .filter(Revision.package_id == package_id, Revision.state == REV_OPEN).first())


def is_shadow(pkg: Optional[model.Package]) -> bool:
    return bool(pkg is not None and pkg.id and revision_for_shadow(pkg.id) is not None)


def not_shadow_clause(id_column: Any) -> Any:
    """SQL condition: the package is not the shadow of a revision (counts, lists of datasets
    that must not show a pending revision as a dataset of its own)."""
    return id_column.notin_(sa.select(_rev.c.shadow_id))


def lock_revision(revision_id: str) -> Revision:
    """The revision row, locked (``FOR UPDATE``) and read fresh."""
    return (model.Session.query(Revision).filter(Revision.id == revision_id)
            .with_for_update().populate_existing().one())


def closed_error(rev: Revision) -> tk.ValidationError:
    """The error of a step on a revision that was published or discarded meanwhile."""
    return tk.ValidationError({"state": [tk._(
        "This revision is {state} already. Reload the page to see the dataset's current "
        "state.").format(state=revision_state_label(rev.state).lower())]})


def get_revision(ref: str) -> Revision:
    """A revision by its id, or by its shadow package's id or name."""
    rev = model.Session.get(Revision, ref) if ref else None
    if rev is None and ref:
        pkg = model.Package.get(ref)
        rev = revision_for_shadow(pkg.id) if pkg is not None else None
    if rev is None:
        raise tk.ObjectNotFound(tk._("Revision not found"))
    return rev


# -- files ---------------------------------------------------------------------------------------
file_path = storage.resource_file_path


def file_sha256(resource: dict[str, Any]) -> Optional[str]:
    """SHA-256 (hex) of an uploaded resource's file; ``None`` for links and missing files."""
    path = file_path(resource)
    if not path or not os.path.exists(path):
        return None
    return storage.sha256_file(path)


def _resource_row(res: model.Resource) -> dict[str, Any]:
    return {"id": res.id, "url_type": res.url_type, "url": res.url}


def _copy_file(source: model.Resource, target_id: str) -> None:
    src = file_path(_resource_row(source))
    dst = file_path({"id": target_id, "url_type": "upload", "url": source.url})
    if not src or not dst or not os.path.exists(src):
        return
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)


# -- versions ------------------------------------------------------------------------------------
def _package_dict(package_id: str) -> dict[str, Any]:
    return tk.get_action("package_show")(
        {"ignore_auth": True, "use_cache": False, "for_view": False}, {"id": package_id})


def _resource_summary(resource: dict[str, Any]) -> dict[str, Any]:
    return {"id": resource["id"], "name": resource.get("name"),
            "format": resource.get("format"), "url_type": resource.get("url_type"),
            "url": resource.get("url"), "size": resource.get("size"),
            "sha256": file_sha256(resource)}


def _validating_letter(package_id: str) -> Optional[str]:
    return model.Session.execute(
        sa.select(AuditEntry.letter_ref)
        .where(AuditEntry.package_id == package_id, AuditEntry.transition == "validate")
        .order_by(AuditEntry.seq.desc()).limit(1)).scalar()


def record_version(pkg: model.Package, actor: Optional[model.User], *,
                   published_at: Optional[datetime.datetime] = None,
                   revision_id: Optional[str] = None,
                   letter_ref: Optional[str] = None) -> DatasetVersion:
    """Snapshot what the public sees of ``pkg`` now as its next version (in the caller's
    transaction)."""
    model.Session.flush()
    pkg_dict = _package_dict(pkg.id)
    number = (model.Session.execute(
        sa.select(sa.func.max(_ver.c.number)).where(_ver.c.package_id == pkg.id)).scalar()
        or 0) + 1
    version = DatasetVersion(
        id=new_id(), package_id=pkg.id, number=number, revision_id=revision_id,
        published_at=published_at or utcnow(),
        published_by=actor.name if actor else lifecycle.SYSTEM,
        letter_ref=letter_ref or _validating_letter(pkg.id),
        metadata_={k: v for k, v in pkg_dict.items() if k != "resources"},
        resources=[_resource_summary(r) for r in pkg_dict.get("resources", [])])
    model.Session.add(version)
    model.Session.flush()
    return version


def versions_of(package_id: str) -> list[DatasetVersion]:
    return (model.Session.query(DatasetVersion)
            .filter(DatasetVersion.package_id == package_id)
            .order_by(DatasetVersion.number.desc()).all())


def _ensure_first_version(pkg: model.Package) -> None:
    """A dataset published before versions were recorded gets its current public state as
    version 1 (dated when it entered ``published``)."""
    if model.Session.query(DatasetVersion.id).filter(
            DatasetVersion.package_id == pkg.id).first() is None:
        status = lifecycle.get_status(pkg)
        record_version(pkg, None, published_at=status.get("since"))


# -- starting a revision -------------------------------------------------------------------------
def _shadow_name(pkg: model.Package, rev: Revision) -> str:
    base = re.sub(r"[^a-z0-9_-]", "-", pkg.name.lower())[:70].strip("-") or "dataset"
    return f"{base}-revisi-{rev.number}-{rev.id[:6]}"


def _shadow_dict(main_dict: dict[str, Any], rev: Revision, name: str) -> dict[str, Any]:
    out = {k: v for k, v in main_dict.items() if k not in _VOLATILE}
    out.update(id=rev.shadow_id, name=name, private=True, type=main_dict.get("type"),
               owner_org=main_dict.get("owner_org"), resources=[])
    out["groups"] = [{"name": g["name"]} for g in main_dict.get("groups") or []]
    return out


def _copy_resources(main: model.Package, shadow: model.Package) -> dict[str, str]:
    """Copy every active resource of ``main`` (row, file, data check) into ``shadow``;
    returns ``{copy id: original id}``."""
    origins: dict[str, str] = {}
    skip = {"id", "package_id", "created", "metadata_modified"}
    columns = [c.name for c in model.Resource.__table__.columns if c.name not in skip]
    originals = sorted((r for r in main.resources_all if r.state == "active"),
                       key=lambda r: (r.position or 0))
    for res in originals:
        copy = model.Resource()
        for column in columns:
            setattr(copy, column, getattr(res, column))
        copy.id = new_id()
        copy.package_id = shadow.id
        model.Session.add(copy)
        origins[copy.id] = res.id
        if res.url_type == "upload":
            _copy_file(res, copy.id)
    model.Session.flush()
    for copy_id, orig_id in origins.items():
        check = model.Session.get(ResourceCheck, orig_id)
        if check is not None:
            model.Session.add(ResourceCheck(
                resource_id=copy_id, package_id=shadow.id, status=check.status,
                standard=check.standard, fingerprint=check.fingerprint,
                error_count=check.error_count, warning_count=check.warning_count,
                report=check.report, requested=check.requested, finished=check.finished))
    return origins


def start(main: model.Package, actor: Optional[model.User]) -> Revision:
    """Open a revision of the published dataset ``main``: lock its status row, check that it
    is published and has no pending revision, copy it into a new private shadow package.
    Of two users starting at once, the second waits for the lock and then finds the first's
    revision (a partial unique index refuses a second open revision anyway)."""
    session = model.Session
    try:
        state = lifecycle.lock_state(main)
        if state != lifecycle.PUBLISHED:
            raise tk.ValidationError({"state": [tk._(
                'Dataset "{name}" is {state}: only a published dataset is updated through a '
                "revision; edit it directly and take it through the lifecycle.").format(
                name=main.name, state=lifecycle.state_label(state))]})
        pending = open_revision(main.id)
        shadow_left = model.Package.get(pending.shadow_id) if pending is not None else None
        if pending is not None and (shadow_left is None or shadow_left.state != "active"):
            # its package was deleted (a draft may be): nothing is left to continue
            pending.state, pending.closed_at, pending.closed_by = (
                REV_DISCARDED, utcnow(), lifecycle.SYSTEM)
            session.flush()
            pending = None
        if pending is not None:
            raise tk.ValidationError({"revision": [tk._(
                'Dataset "{name}" already has a pending revision (version {number}, started '
                "by {user}). Continue that revision, or discard it before starting another."
                ).format(name=main.name, number=pending.number, user=pending.created_by)]})
        _ensure_first_version(main)
        number = (session.execute(sa.select(sa.func.max(_ver.c.number))
                                  .where(_ver.c.package_id == main.id)).scalar() or 0) + 1
        rev = Revision(id=new_id(), package_id=main.id, shadow_id=new_id(), number=number,
                       state=REV_OPEN, origins={},
                       created_by=actor.name if actor else lifecycle.SYSTEM,
                       created_at=utcnow())
        session.add(rev)
        session.flush()
        main_dict = _package_dict(main.id)
        user_name = actor.name if actor else tk.get_action("get_site_user")(
            {"ignore_auth": True}, {})["name"]
        tk.get_action("package_create")(
            {"user": user_name, "ignore_auth": True, "defer_commit": True},
            _shadow_dict(main_dict, rev, _shadow_name(main, rev)))
        shadow = model.Package.get(rev.shadow_id)
        assert shadow is not None
        rev.origins = _copy_resources(main, shadow)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return rev


# -- closing a revision (called by lifecycle.apply_transition, inside its transaction) --------
def _purge_shadow(shadow: model.Package) -> None:
    session = model.Session
    for member in session.query(model.Member).filter(
            model.Member.table_id == shadow.id, model.Member.table_name == "package"):
        member.purge()
    session.flush()
    session.expire(shadow)
    shadow.purge()
    session.flush()


def _same_file(copy: dict[str, Any], original: dict[str, Any]) -> bool:
    if (copy.get("url_type") or "") != (original.get("url_type") or ""):
        return False
    if copy.get("url_type") == "upload":
        first = file_sha256(copy)
        return first is not None and first == file_sha256(original)
    return (copy.get("url") or "") == (original.get("url") or "")


def merge_plan(rev: Revision, shadow_dict: dict[str, Any],
               main_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Each resource of the revision as it will be published: ``keep`` (same file as the
    published resource it was copied from: the published id stays), ``replace`` (copied from a
    published resource but the file changed: a new resource row) or ``add``."""
    published = {r["id"]: r for r in main_dict.get("resources", [])}
    plan = []
    for res in shadow_dict.get("resources", []):
        origin = (rev.origins or {}).get(res["id"])
        original = published.get(origin) if origin else None
        if original is not None and _same_file(res, original):
            plan.append({"action": "keep", "resource": res, "original": original})
        elif original is not None:
            plan.append({"action": "replace", "resource": res, "original": original})
        else:
            plan.append({"action": "add", "resource": res, "original": None})
    return plan


def publish(rev: Revision, shadow: model.Package, actor: Optional[model.User], role: str,
            now: datetime.datetime, append_audit: Any) -> model.Package:
    """Replace the public version of the revision's dataset with the revision (the caller,
    ``apply_transition``, holds the shadow's status-row lock and commits)."""
    session = model.Session
    main = model.Package.get(rev.package_id)
    if main is None or main.state != "active":
        raise tk.ValidationError({"state": [tk._("The dataset of this revision is gone.")]})
    main_state = lifecycle.lock_state(main)
    if main_state != lifecycle.PUBLISHED:
        raise tk.ValidationError({"state": [tk._(
            'Dataset "{name}" is {state} now: a revision is published only over a published '
            "dataset. Publish the dataset again first, or discard the revision.").format(
            name=main.name, state=lifecycle.state_label(main_state))]})
    letter_ref = _validating_letter(shadow.id)
    shadow_dict = _package_dict(shadow.id)
    main_dict = _package_dict(main.id)
    plan = merge_plan(rev, shadow_dict, main_dict)
    resources, moved = [], []
    for item in plan:
        res = {k: v for k, v in item["resource"].items()
               if k not in ("tracking_summary", "datastore_active")}
        if item["action"] == "keep":
            res["id"] = item["original"]["id"]
        else:
            moved.append(res["id"])
        res["package_id"] = main.id
        resources.append(res)
    update = {k: v for k, v in shadow_dict.items() if k not in _VOLATILE}
    update.update(id=main.id, name=main.name, owner_org=main.owner_org, type=main.type,
                  resources=resources)
    update["groups"] = [{"name": g["name"]} for g in shadow_dict.get("groups") or []]
    # new and replaced files move to the published package first (their rows keep their
    # ids and files), so that core's resource-id check accepts them and the shadow's purge
    # leaves them alone
    for resource_id in moved:
        row = model.Resource.get(resource_id)
        if row is not None:
            row.package_id = main.id
    session.flush()
    session.expire(main)
    session.expire(shadow)
    tk.get_action("package_update")(
        {"user": actor.name if actor else tk.get_action("get_site_user")(
            {"ignore_auth": True}, {})["name"],
         "ignore_auth": True, "defer_commit": True, "satudata_revision": rev.id},
        update)
    session.flush()
    if moved:
        session.execute(sa.update(ResourceCheck.__table__)
                        .where(ResourceCheck.__table__.c.resource_id.in_(moved))
                        .values(package_id=main.id))
    # the letter that validated the revision now covers the dataset it updated
    session.execute(sa.text(
        "UPDATE satudata_blitar_letter_dataset AS l SET package_id = :main "
        "WHERE l.package_id = :shadow AND NOT EXISTS (SELECT 1 FROM "
        "satudata_blitar_letter_dataset m WHERE m.letter_id = l.letter_id "
        "AND m.package_id = :main)"), {"main": main.id, "shadow": shadow.id})
    status = lifecycle.DatasetStatus.__table__
    session.execute(status.update().where(status.c.package_id == main.id).values(
        since=now, updated_by=actor.name if actor else lifecycle.SYSTEM,
        last_transition="update"))
    main.metadata_modified = now
    session.add(main)
    append_audit(main, "update", lifecycle.PUBLISHED, lifecycle.PUBLISHED, actor, role, now,
                 letter_ref=letter_ref, revision_id=rev.id,
                 note=f"version {rev.number}")
    record_version(main, actor, published_at=now, revision_id=rev.id, letter_ref=letter_ref)
    rev.state = REV_PUBLISHED
    rev.closed_at = now
    rev.closed_by = actor.name if actor else lifecycle.SYSTEM
    session.add(rev)
    _purge_shadow(shadow)
    return main


def discard(rev: Revision, shadow: model.Package, actor: Optional[model.User],
            now: datetime.datetime) -> None:
    """Throw the revision away (``apply_transition`` holds the lock and commits)."""
    rev.state = REV_DISCARDED
    rev.closed_at = now
    rev.closed_by = actor.name if actor else lifecycle.SYSTEM
    model.Session.add(rev)
    _purge_shadow(shadow)


def revisions_of(package_id: str) -> list[Revision]:
    return (model.Session.query(Revision).filter(Revision.package_id == package_id)
            .order_by(Revision.number.desc(), Revision.created_at.desc()).all())


def revision_ids(package_ids: Iterable[str]) -> dict[str, str]:
    """``{shadow package id: revision id}`` for those of ``package_ids`` that are shadows."""
    ids = list(package_ids)
    if not ids:
        return {}
    rows = model.Session.execute(sa.select(_rev.c.shadow_id, _rev.c.id)
                                 .where(_rev.c.shadow_id.in_(ids)))
    return {shadow: rid for shadow, rid in rows}


def revision_state_label(state: str) -> str:
    """Label of a closed revision's state."""
    return {REV_OPEN: tk._("Pending revision"), REV_PUBLISHED: tk._("Published"),
            REV_DISCARDED: tk._("Discarded")}.get(state, state)


# -- the diff reviewers see ------------------------------------------------------------------
#: rows compared per table at most (a larger file is summarised by its SHA-256 only)
DIFF_MAX_ROWS = 200_000


def _rows(resource: dict[str, Any]) -> Optional[tuple[list[str], list[list[str]]]]:
    """Header and rows of a CSV/XLSX upload as text (``None``: not tabular, unreadable or
    too large to compare)."""
    from ckanext.satudata_blitar import spreadsheets  # noqa: PLC0415
    from ckanext.satudata_blitar.checks.runner import tabular_format  # noqa: PLC0415

    fmt = tabular_format(resource)
    path = file_path(resource)
    if fmt is None or not path or not os.path.exists(path):
        return None
    try:
        if fmt == "csv":
            import csv  # noqa: PLC0415

            with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
                table = []
                for row in csv.reader(handle):
                    table.append(row)
                    if len(table) > DIFF_MAX_ROWS:
                        return None
        else:
            table = []
            for row in spreadsheets.XlsxTable(path)():
                table.append(["" if v is None else str(v) for v in row])
                if len(table) > DIFF_MAX_ROWS:
                    return None
    except Exception:  # noqa: BLE001 - a file the check refused is summarised by its hash
        return None
    if not table:
        return None
    return [h.strip() for h in table[0]], [[c.strip() for c in r] for r in table[1:] if any(r)]


def row_summary(old: dict[str, Any], new: dict[str, Any],
                key: Optional[list[str]]) -> Optional[dict[str, Any]]:
    """Rows added, removed and changed from ``old`` to ``new``: matched by ``key`` (the
    standard's ``primaryKey``) when both files have its columns, else as whole rows (then a
    change counts as one row removed and one added)."""
    first, second = _rows(old), _rows(new)
    if first is None or second is None:
        return None
    (head_a, rows_a), (head_b, rows_b) = first, second
    out: dict[str, Any] = {"rows_before": len(rows_a), "rows_after": len(rows_b),
                           "columns_added": [c for c in head_b if c not in head_a],
                           "columns_removed": [c for c in head_a if c not in head_b]}
    if key and all(k in head_a for k in key) and all(k in head_b for k in key):
        common = [c for c in head_a if c in head_b]

        def index(head: list[str], rows: list[list[str]]) -> dict[tuple, dict[str, str]]:
            pos = {c: i for i, c in enumerate(head)}
            return {tuple(r[pos[k]] if pos[k] < len(r) else "" for k in key):
                    {c: (r[pos[c]] if pos[c] < len(r) else "") for c in common}
                    for r in rows}

        a, b = index(head_a, rows_a), index(head_b, rows_b)
        changed = sorted(k for k in a.keys() & b.keys() if a[k] != b[k])
        out.update(key=key, rows_added=len(b.keys() - a.keys()),
                   rows_removed=len(a.keys() - b.keys()), rows_changed=len(changed),
                   examples_changed=[dict(zip(key, k)) for k in changed[:5]])
    else:
        from collections import Counter  # noqa: PLC0415

        a, b = Counter(map(tuple, rows_a)), Counter(map(tuple, rows_b))
        out.update(key=None, rows_added=sum((b - a).values()),
                   rows_removed=sum((a - b).values()), rows_changed=None)
    return out


def _standard_key(resource: dict[str, Any], pkg_dict: dict[str, Any]) -> Optional[list[str]]:
    from ckanext.satudata_blitar.checks.runner import standard_name  # noqa: PLC0415
    from ckanext.satudata_blitar.checks.standards import get_standard  # noqa: PLC0415

    descriptor = get_standard(standard_name(resource, pkg_dict)) or {}
    key = descriptor.get("primaryKey")
    if isinstance(key, str):
        return [key]
    return list(key) if isinstance(key, list) and key else None


def _names(items: Any, field: str = "name") -> list[str]:
    return sorted(i.get(field) for i in items or [] if isinstance(i, dict))


def diff(rev: Revision) -> dict[str, Any]:
    """What an open revision changes against the published version (see
    ``satudata_revision_diff``)."""
    shadow_dict = _package_dict(rev.shadow_id)
    main_dict = _package_dict(rev.package_id)
    metadata = []
    for field in sorted((set(shadow_dict) | set(main_dict)) - _VOLATILE):
        before, after = main_dict.get(field), shadow_dict.get(field)
        if field in ("tags", "groups"):
            before, after = _names(before), _names(after)
        if field == "extras":
            before = {e["key"]: e["value"] for e in before or []}
            after = {e["key"]: e["value"] for e in after or []}
        if (before or None) != (after or None):
            metadata.append({"field": field, "published": before, "revision": after})
    resources = []
    for item in merge_plan(rev, shadow_dict, main_dict):
        res, orig = item["resource"], item["original"]
        entry = {"action": item["action"], "id": res["id"], "name": res.get("name"),
                 "format": res.get("format"), "sha256": file_sha256(res),
                 "published_id": orig["id"] if orig else None,
                 "published_name": orig.get("name") if orig else None,
                 "published_sha256": file_sha256(orig) if orig else None,
                 "fields_changed": sorted(
                     k for k in ("name", "description", "format", "standar_data")
                     if orig and (res.get(k) or None) != (orig.get(k) or None))}
        if item["action"] == "replace":
            entry["rows"] = row_summary(orig, res, _standard_key(res, shadow_dict))
        resources.append(entry)
    kept = {item["original"]["id"] for item in merge_plan(rev, shadow_dict, main_dict)
            if item["original"]}
    for res in main_dict.get("resources", []):
        if res["id"] not in kept:
            resources.append({"action": "remove", "id": None, "name": None,
                              "format": res.get("format"), "sha256": None,
                              "published_id": res["id"], "published_name": res.get("name"),
                              "published_sha256": file_sha256(res), "fields_changed": []})
    return {"revision_id": rev.id, "package_id": rev.package_id, "number": rev.number,
            "metadata": metadata, "resources": resources}
