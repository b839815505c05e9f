"""The SOP dataset lifecycle as data: states, transitions, and how a transition is applied.

``draft`` → ``submitted`` → ``verified`` → ``validated`` → ``published`` (SOP steps 6–9).
``return`` sends ``submitted``/``verified``/``validated`` back to ``draft`` with a reason,
``withdraw`` takes a ``published`` dataset back to ``draft`` (private) with a reason.
:func:`apply_transition` is the only writer of the state, the audit row and
``package.private`` (unpublished ⇔ private). Audit rows are only ever appended, each to its
dataset's hash chain (``audit.link``) under the dataset's status-row lock. Who may perform a
transition lives in ``permissions.py``; what ``submit`` and ``validate`` require is asked of the
:class:`~ckanext.satudata_blitar.interfaces.ISatudataLifecycle` implementations. A dataset
without a status row (older than the plugin) is ``draft`` if private or not active and
``published`` otherwise (:func:`derived_state`).
"""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import audit, config, permissions, request_memo
from ckanext.satudata_blitar.interfaces import ISatudataLifecycle
from ckanext.satudata_blitar.model import AuditEntry, DatasetStatus

log = logging.getLogger(__name__)

# -- states -------------------------------------------------------------------------------------
DRAFT = "draft"
SUBMITTED = "submitted"
VERIFIED = "verified"
VALIDATED = "validated"
PUBLISHED = "published"
STATES: tuple[str, ...] = (DRAFT, SUBMITTED, VERIFIED, VALIDATED, PUBLISHED)
#: states in which metadata and resources cannot be edited
LOCKED_STATES: tuple[str, ...] = (SUBMITTED, VERIFIED, VALIDATED, PUBLISHED)

# -- roles --------------------------------------------------------------------------------------
WALIDATA = "walidata"
PEMBINA = "pembina"
SEKRETARIAT = "sekretariat"
PORTAL_ROLES: tuple[str, ...] = (WALIDATA, PEMBINA, SEKRETARIAT)
OPD_EDITOR = "opd_editor"
OPD_ADMIN = "opd_admin"
SYSADMIN = "sysadmin"
SYSTEM = "system"
#: permission label carried by every unpublished dataset and by every SOP-role holder
REVIEWER_LABEL = "satudata-reviewer"

# -- return reasons (fixed list; Indonesian labels via the message catalog) ----------------------
REASON_CATEGORIES: tuple[str, ...] = (
    "metadata_tidak_lengkap",
    "standar_data_tidak_sesuai",
    "kode_wilayah_salah",
    "data_tidak_valid",
    "duplikasi",
    "lainnya",
)



@dataclass(frozen=True)
class Transition:
    """One allowed move of the state machine.

    ``actors`` lists the roles that may perform it, in the order used to pick the role a
    user acts in (recorded in the audit row). Sysadmins may perform every transition.
    """

    name: str
    sources: tuple[str, ...]
    target: str
    actors: tuple[str, ...]
    needs_reason: bool = False
    needs_reason_category: bool = False
    needs_letter: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("submit", (DRAFT,), SUBMITTED, (OPD_ADMIN, OPD_EDITOR)),
        Transition("verify", (SUBMITTED,), VERIFIED, (WALIDATA,)),
        Transition("return", (SUBMITTED, VERIFIED, VALIDATED), DRAFT, (WALIDATA,),
                   needs_reason=True, needs_reason_category=True),
        Transition("validate", (VERIFIED,), VALIDATED, (OPD_ADMIN, WALIDATA), needs_letter=True),
        Transition("publish", (VALIDATED,), PUBLISHED, (WALIDATA,)),
        Transition("withdraw", (PUBLISHED,), DRAFT, (WALIDATA,), needs_reason=True),
    )
}


#: transitions of a revision only (``revisions.py``): the OPD throws a draft revision away
REVISION_TRANSITIONS: dict[str, Transition] = {
    "discard": Transition("discard", (DRAFT,), "discarded", (OPD_ADMIN, OPD_EDITOR)),
}


def any_transition(name: str) -> Transition:
    """A transition of :data:`TRANSITIONS` or :data:`REVISION_TRANSITIONS` (``KeyError``
    for unknown names)."""
    return TRANSITIONS.get(name) or REVISION_TRANSITIONS[name]


def state_label(state: Optional[str]) -> str:
    """Indonesian/English label of a state (Draf, Diajukan, …)."""
    labels = {
        DRAFT: tk._("Draft"),
        SUBMITTED: tk._("Submitted"),
        VERIFIED: tk._("Verified"),
        VALIDATED: tk._("Validated"),
        PUBLISHED: tk._("Published"),
    }
    return labels.get(state or "", state or "")


def transition_label(name: str) -> str:
    """Label of a transition for the UI and the audit export."""
    labels = {
        "create": tk._("Created"),
        "migrate": tk._("Migrated"),
        "submit": tk._("Submit"),
        "verify": tk._("Verify"),
        "return": tk._("Returned"),
        "validate": tk._("Validate"),
        "publish": tk._("Publish"),
        "withdraw": tk._("Withdrawn"),
        "update": tk._("Updated (revision published)"),
        "discard": tk._("Revision discarded"),
    }
    return labels.get(name, name)


def reason_category_labels() -> dict[str, str]:
    """The fixed list of return reasons with their labels."""
    return {
        "metadata_tidak_lengkap": tk._("Incomplete metadata"),
        "standar_data_tidak_sesuai": tk._("Data standard not followed"),
        "kode_wilayah_salah": tk._("Wrong area code"),
        "data_tidak_valid": tk._("Invalid data"),
        "duplikasi": tk._("Duplicate data"),
        "lainnya": tk._("Other"),
    }


def frequency_label(code: Optional[str], lang: Optional[str] = None) -> str:
    """Label of an update-frequency code (``tahunan`` → Tahunan / Annual) in the reader's
    language, from the choices of the dataset schema (schemas/dataset.yaml, the one list)."""
    from ckanext.scheming.helpers import (  # noqa: PLC0415
        scheming_field_by_name, scheming_get_dataset_schema, scheming_language_text,
    )
    from ckanext.satudata_blitar import formats  # noqa: PLC0415

    if not code:
        return ""
    schema = scheming_get_dataset_schema("dataset") or {}
    field = scheming_field_by_name(schema.get("dataset_fields") or [], "frequency") or {}
    for choice in field.get("choices") or []:
        if choice.get("value") == code:
            return scheming_language_text(choice.get("label") or code,
                                          prefer_lang=lang or formats.current_language())
    return code


def role_label(role: str) -> str:
    """Label of a role as recorded in the audit trail."""
    labels = {
        WALIDATA: tk._("Walidata"),
        PEMBINA: tk._("Pembina Data"),
        SEKRETARIAT: tk._("Sekretariat SDI"),
        OPD_EDITOR: tk._("OPD producer"),
        OPD_ADMIN: tk._("Head of OPD"),
        SYSADMIN: tk._("System administrator"),
        SYSTEM: tk._("System"),
    }
    return labels.get(role, role)


# -- extension points -------------------------------------------------------------------------
def submit_requirements(pkg: model.Package, pkg_dict: dict[str, Any]) -> list[dict[str, str]]:
    """What stops ``submit``: the problems of every :class:`ISatudataLifecycle` implementation."""
    errors: list[dict[str, str]] = []
    for plugin in p.PluginImplementations(ISatudataLifecycle):
        errors.extend(plugin.satudata_submit_problems(pkg, pkg_dict) or [])
    return errors


def submit_problems_by_field(pkg: model.Package, pkg_dict: dict[str, Any]) -> dict[str, list[str]]:
    """:func:`submit_requirements` grouped by field, as the action's error and the pages show
    them."""
    problems: dict[str, list[str]] = {}
    for error in submit_requirements(pkg, pkg_dict):
        problems.setdefault(error.get("field") or "dataset", []).append(error["message"])
    return problems


def submit_required_fields() -> list[str]:
    """The dataset fields the submit gate asks for, in its order: the fields
    :func:`submit_requirements` names for an empty dataset (no second list: the dataset form
    marks exactly these "required for submission")."""
    blank = model.Package(type="dataset")
    fields = (e.get("field") for e in submit_requirements(blank, {"type": "dataset",
                                                                  "resources": []}))
    return [f for f in dict.fromkeys(fields) if f and f not in ("dataset", "resources")]


def letter_errors(pkg: model.Package, letter_ref: Optional[str], data: dict[str, Any]) -> list[str]:
    """What stops ``validate`` with this letter reference (every implementation is asked)."""
    errors: list[str] = []
    for plugin in p.PluginImplementations(ISatudataLifecycle):
        errors.extend(plugin.satudata_letter_problems(pkg, letter_ref, data) or [])
    return errors


# -- state --------------------------------------------------------------------------------------
_status = DatasetStatus.__table__


def is_governed_type(package_type: Optional[str]) -> bool:
    """Whether the lifecycle applies to packages of this type: every type but those of
    ``ckanext.satudata_blitar.ungoverned_types`` (an explicit allow-list, empty by default)."""
    return (package_type or "dataset") not in config.ungoverned_types()


def is_governed(pkg: model.Package) -> bool:
    """Whether the lifecycle applies to this package (by type, :func:`is_governed_type`)."""
    return is_governed_type(pkg.type)


def governed_clause(type_column: Any) -> Any:
    """SQL condition on a package ``type`` column: the package is governed."""
    ungoverned = config.ungoverned_types()
    if not ungoverned:
        return sa.true()
    return sa.func.coalesce(type_column, "dataset").notin_(ungoverned)


def registered_types() -> set[str]:
    """Package types CKAN knows: ``dataset`` and those of every ``IDatasetForm`` plugin
    (scheming schemas, ckanext-harvest …). Only they have pages (URLs) of their own."""
    types = {"dataset"}
    for plugin in p.PluginImplementations(p.IDatasetForm):
        types.update(plugin.package_types())
    return types


def derived_state(pkg: model.Package) -> str:
    """Migration rule for a dataset without a status row (existed before the plugin)."""
    if pkg.state == "active" and not pkg.private:
        return PUBLISHED
    return DRAFT


def get_state(pkg: model.Package) -> str:
    """Current lifecycle state, read from the database once per request
    (``request_memo``: forgotten as soon as the request writes anything)."""
    if not pkg.id:
        return DRAFT
    memo = request_memo.memo("lifecycle_states")
    if memo is not None and pkg.id in memo:
        return memo[pkg.id] or derived_state(pkg)
    state = model.Session.execute(
        sa.select(_status.c.state).where(_status.c.package_id == pkg.id)
    ).scalar()
    if memo is not None:
        memo[pkg.id] = state
    return state or derived_state(pkg)


def get_status(pkg: model.Package) -> dict[str, Any]:
    """State row as a dict (derived when the dataset has no row yet)."""
    row = model.Session.execute(
        sa.select(_status).where(_status.c.package_id == pkg.id)
    ).mappings().first()
    if row:
        return dict(row)
    return {"package_id": pkg.id, "state": derived_state(pkg), "since": pkg.metadata_created,
            "updated_by": None, "last_transition": None}


def lock_holder(state: str) -> str:
    """Who holds a locked dataset (named in the lock message)."""
    return {
        SUBMITTED: tk._("Walidata (verification)"),
        VERIFIED: tk._("the Head of OPD (validation letter)"),
        VALIDATED: tk._("Walidata (publication)"),
        PUBLISHED: tk._("Walidata (withdraw it to change it)"),
    }.get(state, "")


# -- applying a transition ------------------------------------------------------------------------
def _ensure_status_row(pkg: model.Package) -> None:
    """Write down the migration rule for a dataset without a row (no-op when it has one)."""
    model.Session.execute(
        pg_insert(_status)
        .values(package_id=pkg.id, state=derived_state(pkg),
                since=datetime.datetime.utcnow(), updated_by=SYSTEM,
                last_transition="migrate")
        .on_conflict_do_nothing(index_elements=["package_id"])
    )


def _lock_status(pkg: model.Package) -> Optional[str]:
    """Lock the dataset's status row (``SELECT … FOR UPDATE``) and return its state.

    Every writer of an audit row holds this lock, so a dataset's hash chain grows one row at
    a time, whatever the number of processes.
    """
    return model.Session.execute(
        sa.select(_status.c.state).where(_status.c.package_id == pkg.id).with_for_update()
    ).scalar()


def lock_state(pkg: model.Package) -> str:
    """Lock the dataset's status row (written first for a dataset without one) and return its
    state; the lock lasts until the transaction ends."""
    _ensure_status_row(pkg)
    return _lock_status(pkg) or derived_state(pkg)


def _append_audit(pkg: model.Package, transition: str, from_state: Optional[str],
                  to_state: str, actor: Optional[model.User], role: str,
                  timestamp: datetime.datetime, **details: Optional[str]) -> None:
    """Append one row to the dataset's audit chain (the caller holds :func:`_lock_status`).

    Every row of a revision's shadow package names the revision (``revision_id``)."""
    if not details.get("revision_id"):
        from ckanext.satudata_blitar import revisions  # noqa: PLC0415 - revisions imports us

        rev = revisions.revision_for_shadow(pkg.id)
        details["revision_id"] = rev.id if rev is not None else None
    audit.link(AuditEntry(
        package_id=pkg.id, package_name=pkg.name, owner_org=pkg.owner_org,
        transition=transition, from_state=from_state, to_state=to_state,
        actor_id=actor.id if actor else None, actor_name=actor.name if actor else SYSTEM,
        role=role, timestamp=timestamp,
        **{key: value or None for key, value in details.items()},
    ))


def conflict_error(pkg: model.Package, transition: str, current: str) -> tk.ValidationError:
    """The error of a transition attempted in the wrong (or a concurrently changed) state."""
    t = any_transition(transition)
    return tk.ValidationError({"state": [tk._(
        'Cannot {action} dataset "{name}": it is {state} now; this step needs it to be '
        "{needed}. Reload the page to see its current state.").format(
        action=transition_label(transition).lower(), name=pkg.name,
        state=state_label(current),
        needed=" / ".join(state_label(s) for s in t.sources))]})


def apply_transition(
    pkg: model.Package,
    transition: str,
    actor: Optional[model.User],
    role: str,
    *,
    note: Optional[str] = None,
    reason: Optional[str] = None,
    reason_category: Optional[str] = None,
    letter_ref: Optional[str] = None,
    defer_commit: bool = False,
) -> dict[str, Any]:
    """Move ``pkg`` along ``transition`` and write its audit row, atomically.

    The status row is locked (``SELECT … FOR UPDATE``) and updated only if it is still in a
    source state (conditional ``UPDATE``), so of two concurrent transitions on one dataset
    exactly one succeeds; the other gets :func:`conflict_error`. State, audit row and the
    ``private`` flag change in one database transaction; on any error nothing is kept.
    """
    from ckanext.satudata_blitar import revisions  # noqa: PLC0415 - revisions imports us

    t = any_transition(transition)
    session = model.Session
    try:
        revision = revisions.revision_for_shadow(pkg.id)
        if revision is not None:
            # two steps on one revision queue here (its package may be gone after the first)
            revision = revisions.lock_revision(revision.id)
            if revision.state != "open":
                raise revisions.closed_error(revision)
        elif transition in REVISION_TRANSITIONS:
            raise tk.ValidationError({"id": [tk._("This dataset is not a pending revision.")]})
        _ensure_status_row(pkg)
        current = _lock_status(pkg)
        now = datetime.datetime.utcnow()  # after the lock: times follow the chain's order
        if current not in t.sources:
            raise conflict_error(pkg, transition, current)
        result = session.execute(
            _status.update()
            .where(_status.c.package_id == pkg.id, _status.c.state == current)
            # (a discarded revision keeps its state until its package is purged below)
            .values(state=t.target if t.target in STATES else current, since=now,
                    updated_by=actor.name if actor else SYSTEM,
                    last_transition=transition)
        )
        if result.rowcount != 1:  # pragma: no cover - guarded by the row lock
            raise conflict_error(pkg, transition, current)
        _append_audit(pkg, transition, current, t.target, actor, role, now, note=note,
                      reason=reason, reason_category=reason_category, letter_ref=letter_ref,
                      revision_id=revision.id if revision is not None else None)
        if revision is not None and transition in ("publish", "discard"):
            # a revision never becomes public itself: its content replaces the published
            # version (same transaction), then its shadow package is purged
            result = {"package_id": revision.package_id, "revision_id": revision.id,
                      "from_state": current, "state": t.target, "transition": transition,
                      "role": role, "timestamp": now.isoformat()}
            if transition == "publish":
                main = revisions.publish(revision, pkg, actor, role, now, _append_audit)
                after_transition(main, transition, result, actor, {
                    "note": note, "letter_ref": letter_ref, "revision_id": revision.id})
            else:
                revisions.discard(revision, pkg, actor, now)
            if not defer_commit:
                session.commit()
            return result
        # Unpublished ⇔ private. Touching the package also re-indexes it at commit (the
        # search index carries ``satudata_state`` and the permission labels).
        pkg.private = t.target != PUBLISHED
        pkg.metadata_modified = now
        session.add(pkg)
        session.flush()
        if t.target == PUBLISHED:
            revisions.record_version(pkg, actor, published_at=now)
        _sync_activity_labels(pkg, actor, transition)
        result = {"package_id": pkg.id, "from_state": current, "state": t.target,
                  "transition": transition, "role": role, "timestamp": now.isoformat()}
        after_transition(pkg, transition, result, actor, {
            "note": note, "reason": reason, "reason_category": reason_category,
            "letter_ref": letter_ref})
        if not defer_commit:
            session.commit()
    except Exception:
        session.rollback()
        raise
    return result


def after_transition(pkg: model.Package, transition: str, result: dict[str, Any],
                     actor: Optional[model.User], details: dict[str, Any]) -> None:
    """Report a transition to every :class:`ISatudataLifecycle` implementation (the
    notifications), each in a savepoint of the transition's transaction: an error there is
    logged and undone, and never stops the transition."""
    for plugin in p.PluginImplementations(ISatudataLifecycle):
        try:
            with model.Session.begin_nested():
                plugin.satudata_after_transition(pkg, transition, result, actor, details)
        except Exception:  # noqa: BLE001 - reporting a step must not undo it
            log.exception("satudata_after_transition of %s failed on %s", plugin, transition)


def _sync_activity_labels(pkg: model.Package, actor: Optional[model.User],
                          transition: str) -> None:
    """Keep the activity stream as private as the dataset (activity plugin only).

    Activities carry the permission labels of the moment they were written; a withdrawn
    dataset must not stay visible through activities written while it was public. Publishing
    adds one public "changed package" activity so the public stream shows the publication.
    """
    if not p.plugin_loaded("activity"):
        return
    labels = permissions.dataset_labels(pkg)
    if transition == "withdraw":
        model.Session.execute(
            sa.text("UPDATE activity SET permission_labels = :labels "
                    "WHERE object_id = :id AND activity_type LIKE :kind"),
            {"labels": labels, "id": pkg.id, "kind": "% package"},
        )
    elif transition == "publish":
        from ckanext.activity.model import Activity  # noqa: PLC0415

        if actor is None:  # the system publishing (CLI, jobs): CKAN's site user
            site = tk.get_action("get_site_user")({"ignore_auth": True}, {})
            actor = model.User.get(site["name"])
        dictized = tk.get_action("package_show")(
            {"ignore_auth": True, "for_view": False, "use_cache": False}, {"id": pkg.id})
        model.Session.add(Activity(
            actor.id, pkg.id, "changed package",
            {"package": dictized, "actor": actor.name}, labels))


def record_creation(pkg: model.Package, actor: Optional[model.User], role: str) -> None:
    """New datasets start in ``draft`` (called from ``after_dataset_create``, same transaction)."""
    if not is_governed(pkg):
        return
    now = datetime.datetime.utcnow()
    model.Session.execute(
        pg_insert(_status)
        .values(package_id=pkg.id, state=DRAFT, since=now,
                updated_by=actor.name if actor else SYSTEM, last_transition="create")
        .on_conflict_do_nothing(index_elements=["package_id"])
    )
    _lock_status(pkg)
    _append_audit(pkg, "create", None, DRAFT, actor, role, now)


def migrate_existing_datasets(dry_run: bool = False) -> dict[str, int]:
    """Apply the migration rule to every governed dataset without a status row.

    Private (or not active) → ``draft``, public and active → ``published``; each gets a
    synthetic audit row by ``system``. Idempotent. Returns counts per new state.
    """
    session = model.Session
    counts = {DRAFT: 0, PUBLISHED: 0}
    known = sa.select(_status.c.package_id)
    pkgs = (session.query(model.Package)
            .filter(governed_clause(model.Package.type))
            .filter(model.Package.state != "deleted")
            .filter(model.Package.id.notin_(known))
            .all())
    now = datetime.datetime.utcnow()
    for pkg in pkgs:
        state = derived_state(pkg)
        counts[state] += 1
        if dry_run:
            continue
        _ensure_status_row(pkg)
        _lock_status(pkg)
        _append_audit(pkg, "migrate", None, state, None, SYSTEM, now,
                      note="Initial state set when the lifecycle plugin was enabled")
    if not dry_run:
        session.commit()
    return counts
