"""The SOP dataset lifecycle: states, transitions, who may do each, and how they are applied.

``draft`` → ``submitted`` → ``verified`` → ``validated`` → ``published`` (SOP steps 6–9).
``return`` sends ``submitted``/``verified``/``validated`` back to ``draft`` with a reason,
``withdraw`` takes a ``published`` dataset back to ``draft`` (private) with a reason.

Rules kept here (everything else delegates to these functions):

* **Roles** — ``walidata``, ``pembina``, ``sekretariat`` live in ``satudata_blitar_role``;
  OPD roles are CKAN organization memberships (``editor`` = producer, ``admin`` = Kepala OPD).
* **Visibility** — :func:`dataset_labels` / :func:`user_labels` (``IPermissionLabels``):
  only a ``published`` dataset that is public and active carries ``public``.
* **Unpublished ⇔ private** — only :func:`apply_transition` writes ``package.private``.
* **Locks** — :func:`permission_edit`: metadata and resources are read-only while
  ``submitted``, ``verified``, ``validated`` and ``published`` (the documented way to change a
  published dataset is ``withdraw`` → edit → the lifecycle again).
* **Migration rule** for datasets that existed before the plugin was enabled: a dataset with
  no status row is ``draft`` if private (or not active) and ``published`` if public and
  active. :func:`get_state` applies the rule lazily, the alembic migration and
  ``ckan satudata migrate-existing`` (:func:`migrate_existing_datasets`) write it down with a
  synthetic audit row by ``system``.

Hooks for other issues:

* :func:`register_submit_checker` — "complete SDI metadata and passing data checks" (issue 5).
* :func:`set_letter_checker` — "a validation letter record" for ``validate`` (issue 6).
"""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any, Callable, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

import ckan.authz as authz
import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultPermissionLabels

from ckanext.satudata_blitar import workdays
from ckanext.satudata_blitar.model import AuditEntry, DatasetStatus, RoleAssignment

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
#: package types governed by the lifecycle (harvest sources, showcases … are not)
GOVERNED_TYPES: tuple[str, ...] = ("dataset",)

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

# SOP time standards, in working days
STEP_DAYS: dict[str, int] = {SUBMITTED: 5, VERIFIED: 5}


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


# -- hooks for issues 5 and 6 ------------------------------------------------------------------
#: ``checker(package, package_dict) -> list of {"field": str, "message": str}``
SubmitChecker = Callable[[model.Package, dict[str, Any]], list[dict[str, str]]]
#: ``checker(package, letter_ref, data) -> list of error messages`` (empty = accepted)
LetterChecker = Callable[[model.Package, Optional[str], dict[str, Any]], list[str]]

_submit_checkers: list[SubmitChecker] = []


def register_submit_checker(checker: SubmitChecker) -> SubmitChecker:
    """Register a check run by ``submit`` (usable as a decorator; idempotent).

    A checker returns a list of error dicts ``{"field": ..., "message": ...}``; any error
    refuses the submission with a ``ValidationError`` listing every message by field.
    """
    if checker not in _submit_checkers:
        _submit_checkers.append(checker)
    return checker


def unregister_submit_checker(checker: SubmitChecker) -> None:
    """Remove a checker registered with :func:`register_submit_checker`."""
    if checker in _submit_checkers:
        _submit_checkers.remove(checker)


def submit_requirements(pkg: model.Package, pkg_dict: dict[str, Any]) -> list[dict[str, str]]:
    """Errors that stop ``submit``: empty by default, filled by registered checkers."""
    errors: list[dict[str, str]] = []
    for checker in list(_submit_checkers):
        errors.extend(checker(pkg, pkg_dict) or [])
    return errors


def _default_letter_checker(pkg: model.Package, letter_ref: Optional[str],
                            data: dict[str, Any]) -> list[str]:
    if not (letter_ref or "").strip():
        return [tk._("Record the validation letter of the Head of OPD (letter_ref) "
                     "before validating.")]
    return []


_letter_checker: list[LetterChecker] = [_default_letter_checker]


def set_letter_checker(checker: Optional[LetterChecker]) -> None:
    """Replace the check of ``letter_ref`` done by ``validate`` (``None`` restores the default,
    which only requires a non-empty reference)."""
    _letter_checker[0] = checker or _default_letter_checker


def get_letter_checker() -> LetterChecker:
    """The checker currently used by ``validate``."""
    return _letter_checker[0]


def submit_checkers() -> list[SubmitChecker]:
    """The checkers currently run by ``submit``."""
    return list(_submit_checkers)


def letter_errors(pkg: model.Package, letter_ref: Optional[str], data: dict[str, Any]) -> list[str]:
    """Errors that stop ``validate`` for this letter reference."""
    return list(_letter_checker[0](pkg, letter_ref, data) or [])


# -- state --------------------------------------------------------------------------------------
_status = DatasetStatus.__table__


def is_governed(pkg: model.Package) -> bool:
    """Whether the lifecycle applies to this package (by type)."""
    return (pkg.type or "dataset") in GOVERNED_TYPES


def derived_state(pkg: model.Package) -> str:
    """Migration rule for a dataset without a status row (existed before the plugin)."""
    if pkg.state == "active" and not pkg.private:
        return PUBLISHED
    return DRAFT


def get_state(pkg: model.Package) -> str:
    """Current lifecycle state, read fresh from the database (never cached in memory)."""
    if not pkg.id:
        return DRAFT
    state = model.Session.execute(
        sa.select(_status.c.state).where(_status.c.package_id == pkg.id)
    ).scalar()
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


# -- roles --------------------------------------------------------------------------------------
def user_object(user: Any) -> Optional[model.User]:
    """The ``model.User`` for a user object, name or id (``None`` stays ``None``)."""
    if user is None or isinstance(user, model.User):
        return user
    return model.User.get(user)


def portal_roles(user: Any) -> set[str]:
    """SOP roles (walidata, pembina, sekretariat) held by a user."""
    user_obj = user_object(user)
    if not user_obj or not user_obj.id or user_obj.state != "active":
        return set()
    rows = model.Session.execute(
        sa.select(RoleAssignment.__table__.c.role)
        .where(RoleAssignment.__table__.c.user_id == user_obj.id)
    ).scalars()
    return set(rows)


def opd_role(user: Any, org_id: Optional[str]) -> Optional[str]:
    """CKAN capacity (admin/editor/member) of the user in the dataset's OPD, if any."""
    user_obj = user_object(user)
    if not user_obj or not org_id:
        return None
    return authz.users_role_for_group_or_org(org_id, user_obj.name)


def _is_sysadmin(user_obj: Optional[model.User]) -> bool:
    return bool(user_obj and user_obj.sysadmin and user_obj.state == "active")


def acting_role(user: Any, pkg: model.Package, transition: str) -> Optional[str]:
    """The role in which ``user`` may perform ``transition`` on ``pkg`` (``None``: may not)."""
    user_obj = user_object(user)
    if not user_obj or user_obj.state != "active":
        return None
    held = portal_roles(user_obj)
    capacity = opd_role(user_obj, pkg.owner_org)
    for actor in TRANSITIONS[transition].actors:
        if actor in held:
            return actor
        if actor == OPD_ADMIN and capacity == "admin":
            return OPD_ADMIN
        if actor == OPD_EDITOR and capacity == "editor":
            return OPD_EDITOR
    if _is_sysadmin(user_obj):
        return SYSADMIN
    return None


# -- permission functions (auth functions delegate here) ------------------------------------------
def permission_transition(user: Any, pkg: model.Package, transition: str) -> tuple[bool, str]:
    """May ``user`` perform ``transition`` on ``pkg``? (role only; the state is checked later)."""
    t = TRANSITIONS[transition]
    if not is_governed(pkg):
        return False, tk._("This kind of dataset does not follow the publication lifecycle.")
    if acting_role(user, pkg, transition):
        return True, ""
    who = ", ".join(role_label(a) for a in t.actors)
    return False, tk._("Only {who} may {action} this dataset.").format(
        who=who, action=transition_label(transition).lower())


def permission_read_all(user: Any) -> bool:
    """Walidata, Pembina Data, Sekretariat SDI and sysadmins read every dataset and the audit."""
    user_obj = user_object(user)
    return _is_sysadmin(user_obj) or bool(portal_roles(user_obj))


def permission_view_history(user: Any, pkg: model.Package) -> bool:
    """The audit trail of a dataset: its OPD's members, the SOP roles and sysadmins."""
    user_obj = user_object(user)
    if not user_obj:
        return False
    return permission_read_all(user_obj) or opd_role(user_obj, pkg.owner_org) is not None


def lock_holder(state: str) -> str:
    """Who holds a locked dataset (named in the lock message)."""
    return {
        SUBMITTED: tk._("Walidata (verification)"),
        VERIFIED: tk._("the Head of OPD (validation letter)"),
        VALIDATED: tk._("Walidata (publication)"),
        PUBLISHED: tk._("Walidata (withdraw it to change it)"),
    }.get(state, "")


def permission_edit(user: Any, pkg: model.Package) -> tuple[bool, str]:
    """Lock rule: metadata and resources are read-only in :data:`LOCKED_STATES`."""
    if not is_governed(pkg):
        return True, ""
    state = get_state(pkg)
    if state not in LOCKED_STATES:
        return True, ""
    if state == PUBLISHED:
        return False, tk._(
            'Dataset "{name}" is {state} and locked; it is held by {holder}. To change it, '
            "ask the Walidata to withdraw it, edit the draft and take it through the "
            "lifecycle again.").format(name=pkg.name, state=state_label(state),
                                      holder=lock_holder(state))
    return False, tk._(
        'Dataset "{name}" is {state} and locked while it is held by {holder}. Ask the '
        "Walidata to return it to draft if it must change.").format(
        name=pkg.name, state=state_label(state), holder=lock_holder(state))


def allowed_transitions(user: Any, pkg: model.Package, state: Optional[str] = None) -> list[str]:
    """Transitions the user may perform now (role and state)."""
    state = state or get_state(pkg)
    return [name for name, t in TRANSITIONS.items()
            if state in t.sources and acting_role(user, pkg, name)]


# -- permission labels ----------------------------------------------------------------------------
def dataset_labels(pkg: model.Package) -> list[str]:
    """``IPermissionLabels.get_dataset_labels``: public only when published."""
    if not is_governed(pkg):
        return DefaultPermissionLabels().get_dataset_labels(pkg)
    if pkg.state == "active" and not pkg.private and get_state(pkg) == PUBLISHED:
        return ["public"]
    labels = [REVIEWER_LABEL]
    if pkg.owner_org:
        labels.append(f"member-{pkg.owner_org}")
    if pkg.creator_user_id:
        labels.append(f"creator-{pkg.creator_user_id}")
    if authz.check_config_permission("allow_dataset_collaborators"):
        labels.append(f"collaborator-{pkg.id}")
    return labels


def user_labels(user_obj: Optional[model.User]) -> list[str]:
    """``IPermissionLabels.get_user_dataset_labels``: core labels plus the reviewer label."""
    labels = DefaultPermissionLabels().get_user_dataset_labels(user_obj)  # type: ignore[arg-type]
    if user_obj and not user_obj.is_anonymous and portal_roles(user_obj):
        labels.append(REVIEWER_LABEL)
    return labels


# -- deadlines ---------------------------------------------------------------------------------
def deadline(state: str, since: Optional[datetime.datetime]) -> Optional[datetime.date]:
    """Due date of the step that waits in ``state`` (SOP: 5 working days each, WIB dates)."""
    if state not in STEP_DAYS or not since:
        return None
    return workdays.add_working_days(workdays.local_date(since), STEP_DAYS[state])


def is_overdue(due: Optional[datetime.date]) -> bool:
    """Whether a deadline has passed (today in the portal's time zone)."""
    if due is None:
        return False
    return workdays.local_date(datetime.datetime.now(datetime.timezone.utc)) > due


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


def conflict_error(pkg: model.Package, transition: str, current: str) -> tk.ValidationError:
    """The error of a transition attempted in the wrong (or a concurrently changed) state."""
    t = TRANSITIONS[transition]
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
    t = TRANSITIONS[transition]
    session = model.Session
    now = datetime.datetime.utcnow()
    try:
        _ensure_status_row(pkg)
        current = session.execute(
            sa.select(_status.c.state).where(_status.c.package_id == pkg.id).with_for_update()
        ).scalar()
        if current not in t.sources:
            raise conflict_error(pkg, transition, current)
        result = session.execute(
            _status.update()
            .where(_status.c.package_id == pkg.id, _status.c.state == current)
            .values(state=t.target, since=now,
                    updated_by=actor.name if actor else SYSTEM,
                    last_transition=transition)
        )
        if result.rowcount != 1:  # pragma: no cover - guarded by the row lock
            raise conflict_error(pkg, transition, current)
        session.add(AuditEntry(
            package_id=pkg.id, package_name=pkg.name, owner_org=pkg.owner_org,
            transition=transition, from_state=current, to_state=t.target,
            actor_id=actor.id if actor else None,
            actor_name=actor.name if actor else SYSTEM, role=role, timestamp=now,
            note=note or None, reason=reason or None,
            reason_category=reason_category or None, letter_ref=letter_ref or None,
        ))
        # Unpublished ⇔ private. Touching the package also re-indexes it at commit (the
        # search index carries ``satudata_state`` and the permission labels).
        pkg.private = t.target != PUBLISHED
        pkg.metadata_modified = now
        session.add(pkg)
        session.flush()
        _sync_activity_labels(pkg, actor, transition)
        if not defer_commit:
            session.commit()
    except Exception:
        session.rollback()
        raise
    return {"package_id": pkg.id, "from_state": current, "state": t.target,
            "transition": transition, "role": role, "timestamp": now.isoformat()}


def _sync_activity_labels(pkg: model.Package, actor: Optional[model.User],
                          transition: str) -> None:
    """Keep the activity stream as private as the dataset (activity plugin only).

    Activities carry the permission labels of the moment they were written; a withdrawn
    dataset must not stay visible through activities written while it was public. Publishing
    adds one public "changed package" activity so the public stream shows the publication.
    """
    if not p.plugin_loaded("activity"):
        return
    labels = dataset_labels(pkg)
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


def record_creation(pkg: model.Package, actor: Optional[model.User]) -> None:
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
    role = SYSTEM
    if actor:
        capacity = opd_role(actor, pkg.owner_org)
        role = {"admin": OPD_ADMIN, "editor": OPD_EDITOR}.get(capacity or "", "")
        if not role:
            role = SYSADMIN if actor.sysadmin else (capacity or "user")
    model.Session.add(AuditEntry(
        package_id=pkg.id, package_name=pkg.name, owner_org=pkg.owner_org,
        transition="create", from_state=None, to_state=DRAFT,
        actor_id=actor.id if actor else None, actor_name=actor.name if actor else SYSTEM,
        role=role, timestamp=now,
    ))


def migrate_existing_datasets(dry_run: bool = False) -> dict[str, int]:
    """Apply the migration rule to every governed dataset without a status row.

    Private (or not active) → ``draft``, public and active → ``published``; each gets a
    synthetic audit row by ``system``. Idempotent. Returns counts per new state.
    """
    session = model.Session
    counts = {DRAFT: 0, PUBLISHED: 0}
    known = sa.select(_status.c.package_id)
    pkgs = (session.query(model.Package)
            .filter(model.Package.type.in_(GOVERNED_TYPES))
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
        session.add(AuditEntry(
            package_id=pkg.id, package_name=pkg.name, owner_org=pkg.owner_org,
            transition="migrate", from_state=None, to_state=state, actor_id=None,
            actor_name=SYSTEM, role=SYSTEM, timestamp=now,
            note="Initial state set when the lifecycle plugin was enabled",
        ))
    if not dry_run:
        session.commit()
    return counts
