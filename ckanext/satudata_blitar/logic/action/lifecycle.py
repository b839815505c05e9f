"""Actions of satudata_blitar: one per lifecycle transition, reads, roles, audit export.

Every action's input is checked by its schema (``logic/schema.py``) before auth and before
the database. Transitions (``satudata_dataset_<name>``): ``submit``, ``verify``, ``return``,
``validate``, ``publish``, ``withdraw``. Each checks auth (role), checks the requirements of
the step, then calls ``lifecycle.apply_transition`` (row lock, state, audit row and
``private`` flag in one transaction).

Chained core actions keep "unpublished ⇔ private": ``package_create`` (always private, always
in an OPD), ``package_update``/``package_patch`` (``private`` cannot change outside
``publish``/``withdraw``), ``bulk_update_public``/``bulk_update_private``/``bulk_update_delete``.
Chained core reads that name datasets outside the search (``member_list``, ``tag_list``,
``tag_search``, ``tag_autocomplete``) keep to what ``permissions.dataset_reader`` lets the
caller see.
"""
from __future__ import annotations

from ckanext.satudata_blitar import deadlines, permissions
import csv
import io
from typing import Any, Optional
import sqlalchemy as sa
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict
from ckanext.satudata_blitar import lifecycle, revisions, spreadsheets
from ckanext.satudata_blitar.logic import schema
from ckanext.satudata_blitar.logic.common import context_user as _context_user
from ckanext.satudata_blitar.logic.common import check_core_input
from ckanext.satudata_blitar.logic.common import ref as _ref
from ckanext.satudata_blitar.logic.validators import satudata_bool
from ckanext.satudata_blitar.model import AuditEntry, DatasetStatus, RoleAssignment


# -- helpers --------------------------------------------------------------------------------------
def _get_package(id_or_name: str) -> model.Package:
    pkg = model.Package.get(id_or_name)
    if pkg is None or pkg.state == "deleted":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return pkg


def _status_dict(pkg: model.Package, user: Optional[model.User]) -> dict[str, Any]:
    status = lifecycle.get_status(pkg)
    state = status["state"]
    since = status.get("since")
    step = deadlines.dataset_deadlines([(pkg.id, state, since)])[pkg.id]
    return {
        "package_id": pkg.id,
        "name": pkg.name,
        "title": pkg.title,
        "owner_org": pkg.owner_org,
        "state": state,
        "state_label": lifecycle.state_label(state),
        "since": since.isoformat() if since else None,
        "last_transition": status.get("last_transition"),
        "returned": state == lifecycle.DRAFT and status.get("last_transition") in ("return", "withdraw"),
        "locked": state in lifecycle.LOCKED_STATES,
        "allowed_transitions": permissions.allowed_transitions(user, pkg, state) if user else [],
        "deadline": step["due"] if step else None,
        "overdue": bool(step and step["overdue"]),
    }


def _transition(name: str, context: Context, data: DataDict) -> dict[str, Any]:
    t = lifecycle.TRANSITIONS[name]
    try:
        tk.check_access(f"satudata_dataset_{name}", context, data)
        pkg = _get_package(data["id"])
    except tk.ObjectNotFound:
        closed = revisions.revision_for_shadow(data["id"])  # published or discarded meanwhile
        if closed is not None:
            raise revisions.closed_error(closed)
        raise
    user = _context_user(context)
    role = permissions.acting_role(user, pkg, name)
    if role is None:
        if not context.get("ignore_auth"):  # pragma: no cover - auth already refused
            raise tk.NotAuthorized(permissions.permission_transition(user, pkg, name)[1])
        # an internal call that skipped auth (CLI, jobs): recorded as the system acting
        role = lifecycle.SYSTEM

    current = lifecycle.get_state(pkg)
    if current not in t.sources:
        raise lifecycle.conflict_error(pkg, name, current)

    errors: dict[str, list[str]] = {}
    if t.needs_letter:
        letter = lifecycle.letter_errors(pkg, data.get("letter_ref"), data)
        if letter:
            errors["letter_ref"] = letter
    if name == "submit":
        pkg_dict = tk.get_action("package_show")(
            {"ignore_auth": True, "use_cache": False}, {"id": pkg.id})
        for field, messages in lifecycle.submit_problems_by_field(pkg, pkg_dict).items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise tk.ValidationError(errors)

    done = lifecycle.apply_transition(
        pkg, name, user, role,
        note=data.get("note"), reason=data.get("reason"),
        reason_category=data.get("reason_category"), letter_ref=data.get("letter_ref"),
        defer_commit=bool(context.get("defer_commit")),
    )
    if done.get("revision_id") and name == "publish":
        # a published revision's package is gone: the dataset it updated answers
        return dict(_status_dict(_get_package(done["package_id"]), user),
                    revision_id=done["revision_id"])
    return _status_dict(pkg, user)


# -- transitions ----------------------------------------------------------------------------------
@schema.validate(schema.dataset_submit)
def satudata_dataset_submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The OPD asks the Walidata to review a draft (SOP step 6 → 7): draft → submitted.

    Requires complete SDI metadata and passing data checks (``lifecycle.submit_requirements``).

    :param id: dataset id or name
    :type id: string
    :param note: optional note for the audit trail
    :type note: string
    :returns: the new status (as ``satudata_dataset_status_show``)
    :rtype: dictionary
    """
    return _transition("submit", context, data_dict)


@schema.validate(schema.dataset_verify)
def satudata_dataset_verify(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Walidata confirms a submitted dataset conforms (SOP step 7): submitted → verified.

    :param id: dataset id or name
    :type id: string
    :param note: optional note for the audit trail
    :type note: string
    :rtype: dictionary
    """
    return _transition("verify", context, data_dict)


@schema.validate(schema.dataset_return)
def satudata_dataset_return(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Walidata sends a dataset back to the OPD: submitted/verified/validated → draft.

    :param id: dataset id or name
    :type id: string
    :param reason_category: one of ``metadata_tidak_lengkap``, ``standar_data_tidak_sesuai``,
        ``kode_wilayah_salah``, ``data_tidak_valid``, ``duplikasi``, ``lainnya`` (mandatory)
    :type reason_category: string
    :param reason: what the OPD must fix (mandatory)
    :type reason: string
    :param note: optional note
    :type note: string
    :rtype: dictionary
    """
    return _transition("return", context, data_dict)


@schema.validate(schema.dataset_validate)
def satudata_dataset_validate(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Record the OPD's approval (SOP step 8): verified → validated.

    Done by the Head of OPD (org admin) or by the Walidata on the OPD's behalf.

    :param id: dataset id or name
    :type id: string
    :param letter_ref: reference of the validation letter signed by the Head of OPD
        (mandatory; checked by ``lifecycle.letter_errors``)
    :type letter_ref: string
    :param note: optional note
    :type note: string
    :rtype: dictionary
    """
    return _transition("validate", context, data_dict)


@schema.validate(schema.dataset_publish)
def satudata_dataset_publish(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Walidata publishes a validated dataset (SOP step 9): validated → published (public).

    :param id: dataset id or name
    :type id: string
    :param note: optional note
    :type note: string
    :rtype: dictionary
    """
    return _transition("publish", context, data_dict)


@schema.validate(schema.dataset_withdraw)
def satudata_dataset_withdraw(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Walidata withdraws a published dataset: published → draft (private again).

    :param id: dataset id or name
    :type id: string
    :param reason: why it is withdrawn (mandatory)
    :type reason: string
    :param reason_category: optional category (see ``satudata_dataset_return``)
    :type reason_category: string
    :param note: optional note
    :type note: string
    :rtype: dictionary
    """
    return _transition("withdraw", context, data_dict)


# -- reads ----------------------------------------------------------------------------------------
@tk.side_effect_free
@schema.validate(schema.dataset_status_show)
def satudata_dataset_status_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """State of a dataset, the transitions the caller may do now, and the step's deadline.

    :param id: dataset id or name
    :type id: string
    :returns: ``state``, ``state_label``, ``since``, ``allowed_transitions``, ``deadline``
        (working days, SOP), ``overdue``, ``locked``, ``returned``
    :rtype: dictionary
    """
    pkg = _get_package(data_dict["id"])
    tk.check_access("satudata_dataset_status_show", context, {"id": pkg.id})
    return _status_dict(pkg, _context_user(context))


@tk.side_effect_free
@schema.validate(schema.dataset_history)
def satudata_dataset_history(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Audit rows of one dataset, oldest first.

    :param id: dataset id or name
    :type id: string
    :rtype: list of dictionaries
    """
    pkg = model.Package.get(data_dict["id"])
    if pkg is None:
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    tk.check_access("satudata_dataset_history", context, {"id": pkg.id})
    rows = (model.Session.query(AuditEntry)
            .filter(AuditEntry.package_id == pkg.id)
            .order_by(AuditEntry.timestamp, AuditEntry.id).all())
    return [_audit_dict(row) for row in rows]


def _audit_dict(row: AuditEntry) -> dict[str, Any]:
    out = row.as_dict()
    out["to_state_label"] = lifecycle.state_label(row.to_state)
    out["transition_label"] = lifecycle.transition_label(row.transition)
    out["role_label"] = lifecycle.role_label(row.role)
    if row.reason_category:
        out["reason_category_label"] = lifecycle.reason_category_labels().get(
            row.reason_category, row.reason_category)
    return out


@tk.side_effect_free
@schema.validate(schema.queue_list)
def satudata_queue_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """What waits for the caller.

    Walidata (and sysadmins): every OPD's ``submitted`` (to verify or return) and
    ``validated`` (to publish) datasets. OPD members: their OPDs' ``draft`` (including
    returned) and ``verified`` (waiting for the validation letter) datasets. Oldest first,
    with the SOP deadline and whether it is overdue.

    :rtype: list of dictionaries
    """
    tk.check_access("satudata_queue_list", context, data_dict)
    user = _context_user(context)
    if user is None:
        return []
    status = DatasetStatus.__table__
    conditions = []
    if lifecycle.WALIDATA in permissions.portal_roles(user) or user.sysadmin:
        conditions.append(status.c.state.in_([lifecycle.SUBMITTED, lifecycle.VALIDATED]))
    orgs = tk.get_action("organization_list_for_user")(
        {"user": user.name}, {"id": user.id, "permission": "read"})
    org_ids = [o["id"] for o in orgs]
    if org_ids and not user.sysadmin:
        conditions.append(sa.and_(
            model.Package.owner_org.in_(org_ids),
            status.c.state.in_([lifecycle.DRAFT, lifecycle.VERIFIED])))
    if not conditions:
        return []
    rows = (model.Session.query(model.Package, status.c.state, status.c.since,
                                status.c.last_transition)
            .join(status, status.c.package_id == model.Package.id)
            .filter(model.Package.state == "active")
            .filter(lifecycle.governed_clause(model.Package.type))
            .filter(sa.or_(*conditions))
            .order_by(status.c.since, model.Package.name).all())
    steps = deadlines.dataset_deadlines((pkg.id, state, since) for pkg, state, since, _ in rows)
    out = []
    for pkg, state, since, last in rows:
        step = steps[pkg.id]
        out.append({
            "package_id": pkg.id, "name": pkg.name, "title": pkg.title,
            "owner_org": pkg.owner_org, "state": state,
            "state_label": lifecycle.state_label(state),
            "since": since.isoformat() if since else None,
            "returned": state == lifecycle.DRAFT and last in ("return", "withdraw"),
            "deadline": step["due"] if step else None,
            "overdue": bool(step and step["overdue"]),
            "allowed_transitions": permissions.allowed_transitions(user, pkg, state),
        })
    return out


#: every field of the row hash (``audit.FIELDS``) is exported, so an auditor can recompute it
AUDIT_CSV_COLUMNS = ["timestamp", "package_id", "package_name", "owner_org", "transition",
                     "from_state", "to_state", "actor_name", "role", "note", "reason",
                     "reason_category", "letter_ref", "id", "actor_id", "seq", "prev_hash",
                     "row_hash", "revision_id"]


@tk.side_effect_free
@schema.validate(schema.audit_export)
def satudata_audit_export(context: Context, data_dict: DataDict) -> str:
    """The audit trail as CSV text (UTF-8, header row), oldest first, for auditors.

    :param owner_org: only this OPD (id)
    :type owner_org: string
    :param package_id: only this dataset (id)
    :type package_id: string
    :param since: only rows at or after this ISO date/time
    :type since: string
    :param until: only rows before this ISO date/time
    :type until: string
    :rtype: string
    """
    tk.check_access("satudata_audit_export", context, data_dict)
    query = model.Session.query(AuditEntry)
    if data_dict.get("owner_org"):
        query = query.filter(AuditEntry.owner_org == data_dict["owner_org"])
    if data_dict.get("package_id"):
        query = query.filter(AuditEntry.package_id == data_dict["package_id"])
    if data_dict.get("since"):
        query = query.filter(AuditEntry.timestamp >= data_dict["since"])
    if data_dict.get("until"):
        query = query.filter(AuditEntry.timestamp < data_dict["until"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(spreadsheets.csv_row(AUDIT_CSV_COLUMNS))
    for row in query.order_by(AuditEntry.timestamp, AuditEntry.id):
        values = row.as_dict()
        writer.writerow(spreadsheets.csv_row(values[c] for c in AUDIT_CSV_COLUMNS))
    return buffer.getvalue()


# -- roles ----------------------------------------------------------------------------------------
def _role_user(value: str) -> model.User:
    user = model.User.get(value)
    if user is None or user.state == "deleted":
        raise tk.ObjectNotFound(tk._('User "{user}" not found').format(user=value))
    return user


@schema.validate(schema.role_assign)
def satudata_role_assign(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Give a user a Satu Data role (sysadmins only). Idempotent.

    :param user: user id or name
    :type user: string
    :param role: ``walidata``, ``pembina`` or ``sekretariat``
    :type role: string
    :rtype: dictionary
    """
    tk.check_access("satudata_role_assign", context, data_dict)
    user = _role_user(data_dict["user"])
    row = model.Session.get(RoleAssignment, (user.id, data_dict["role"]))
    if row is None:
        row = RoleAssignment(user_id=user.id, role=data_dict["role"],
                             granted_by=context.get("user") or lifecycle.SYSTEM)
        model.Session.add(row)
        if not context.get("defer_commit"):
            model.Session.commit()
    return dict(row.as_dict(), user_name=user.name)


@schema.validate(schema.role_revoke)
def satudata_role_revoke(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Take a Satu Data role away from a user (sysadmins only).

    :param user: user id or name
    :type user: string
    :param role: ``walidata``, ``pembina`` or ``sekretariat``
    :type role: string
    :rtype: dictionary
    """
    tk.check_access("satudata_role_revoke", context, data_dict)
    user = _role_user(data_dict["user"])
    row = model.Session.get(RoleAssignment, (user.id, data_dict["role"]))
    if row is None:
        raise tk.ObjectNotFound(tk._('User "{user}" does not have the role "{role}".').format(
            user=user.name, role=data_dict["role"]))
    model.Session.delete(row)
    if not context.get("defer_commit"):
        model.Session.commit()
    return {"user_id": user.id, "user_name": user.name, "role": data_dict["role"], "revoked": True}


@tk.side_effect_free
@schema.validate(schema.role_list)
def satudata_role_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Satu Data role assignments (sysadmins only).

    :param user: only this user (id or name)
    :type user: string
    :param role: only this role
    :type role: string
    :rtype: list of dictionaries
    """
    tk.check_access("satudata_role_list", context, data_dict)
    query = (model.Session.query(RoleAssignment, model.User.name)
             .join(model.User, model.User.id == RoleAssignment.user_id))
    if data_dict.get("user"):
        query = query.filter(RoleAssignment.user_id == _role_user(data_dict["user"]).id)
    if data_dict.get("role"):
        query = query.filter(RoleAssignment.role == data_dict["role"])
    return [dict(row.as_dict(), user_name=name)
            for row, name in query.order_by(RoleAssignment.role, model.User.name)]


# -- chained core actions: unpublished ⇔ private ----------------------------------------------------
def _private_error(message: str) -> tk.ValidationError:
    return tk.ValidationError({"private": [message]})


def _org_required_error() -> tk.ValidationError:
    return tk.ValidationError({"owner_org": [tk._(
        "Every dataset must belong to an OPD (organization): choose the OPD that produces it.")]})


def _check_type(context: Context, package_type: Any, creating: bool) -> None:
    """Every type is governed but the allow-list, which is for sysadmins
    (``permissions.permission_ungoverned_type``); a new package of a type no plugin
    registers is refused (CKAN has no pages for it)."""
    if not isinstance(package_type, str):
        raise tk.ValidationError({"type": [tk._("The dataset type must be a text.")]})
    if not lifecycle.is_governed_type(package_type):
        if not context.get("ignore_auth"):
            allowed, message = permissions.permission_ungoverned_type(
                _context_user(context), package_type)
            if not allowed:
                raise tk.NotAuthorized(message)
    elif creating and package_type not in lifecycle.registered_types():
        raise tk.ValidationError({"type": [tk._(
            'Unknown dataset type "{type}": this portal only creates datasets of the types '
            "it registers ({types}).").format(
            type=package_type, types=", ".join(sorted(lifecycle.registered_types())))]})


@tk.chained_action
def package_create(next_action: Action, context: Context, data_dict: DataDict) -> Any:
    """New datasets belong to an OPD and start as private drafts (``private`` is forced);
    types outside the lifecycle are for sysadmins, unknown types are refused."""
    check_core_input(data_dict, refs=("id", "owner_org"))
    _check_type(context, data_dict.get("type") or "dataset", creating=True)
    if lifecycle.is_governed_type(data_dict.get("type")):
        if not data_dict.get("owner_org"):
            raise _org_required_error()
        data_dict["private"] = True
    return next_action(context, data_dict)


@tk.chained_action
def package_update(next_action: Action, context: Context, data_dict: DataDict) -> Any:
    """``private`` follows the lifecycle: only ``publish`` makes a dataset public."""
    check_core_input(data_dict, refs=("id", "name"))
    ident = _ref(data_dict.get("id")) or _ref(data_dict.get("name"))
    pkg = model.Package.get(ident) if ident else None
    if pkg is not None:
        _check_type(context, pkg.type or "dataset", creating=False)
    if pkg is not None and lifecycle.is_governed(pkg):
        state = lifecycle.get_state(pkg)
        required = state != lifecycle.PUBLISHED
        if "owner_org" in data_dict and not data_dict.get("owner_org"):
            raise _org_required_error()
        if "private" in data_dict and data_dict["private"] not in (None, ""):
            try:
                wanted = satudata_bool(data_dict["private"])
            except tk.Invalid as e:
                raise _private_error(e.error) from e
            if wanted != required:
                if required:
                    raise _private_error(tk._(
                        "This dataset is {state}: it stays private until the Walidata "
                        "publishes it.").format(state=lifecycle.state_label(state)))
                raise _private_error(tk._(
                    "This dataset is published: to make it private, ask the Walidata to "
                    "withdraw it."))
        data_dict["private"] = required
    return next_action(context, data_dict)


def _bulk_packages(context: Context, data_dict: DataDict, action: str) -> list[model.Package]:
    """The governed datasets named of the OPD ``org_id`` (the only ones core changes); refused
    when one is of a type for sysadmins only. Core's auth (the OPD's editors) is asked first,
    so that a refusal names datasets only to those who may see them."""
    check_core_input(data_dict, refs=("org_id",), ref_lists=("datasets",))
    tk.check_access(action, context, data_dict)
    ids = data_dict.get("datasets") or []
    if not isinstance(ids, (list, tuple)):
        ids = [ids]
    refs = [_ref(i) for i in ids]
    pkgs = [pkg for pkg in (model.Package.get(i) for i in refs if i)
            if pkg is not None and pkg.owner_org == data_dict.get("org_id")]
    for pkg in pkgs:
        _check_type(context, pkg.type or "dataset", creating=False)
    return [pkg for pkg in pkgs if lifecycle.is_governed(pkg)]


@tk.chained_action
def bulk_update_public(next_action: Action, context: Context, data_dict: DataDict) -> Any:
    """Refused for any dataset that is not published: only ``publish`` makes data public."""
    blocked = [pkg.name for pkg in _bulk_packages(context, data_dict, "bulk_update_public")
               if lifecycle.get_state(pkg) != lifecycle.PUBLISHED]
    if blocked:
        raise _private_error(tk._(
            "Datasets become public only when the Walidata publishes them; not published "
            "yet: {names}.").format(names=", ".join(sorted(blocked))))
    return next_action(context, data_dict)


@tk.chained_action
def bulk_update_private(next_action: Action, context: Context, data_dict: DataDict) -> Any:
    """Refused for published datasets: they become private through ``withdraw``."""
    blocked = [pkg.name for pkg in _bulk_packages(context, data_dict, "bulk_update_private")
               if lifecycle.get_state(pkg) == lifecycle.PUBLISHED]
    if blocked:
        raise _private_error(tk._(
            "Published datasets become private only when the Walidata withdraws them: "
            "{names}.").format(names=", ".join(sorted(blocked))))
    return next_action(context, data_dict)


@tk.chained_action
def bulk_update_delete(next_action: Action, context: Context, data_dict: DataDict) -> Any:
    """Refused for locked datasets (under review or published)."""
    blocked = [pkg.name for pkg in _bulk_packages(context, data_dict, "bulk_update_delete")
               if lifecycle.get_state(pkg) in lifecycle.LOCKED_STATES]
    if blocked:
        raise tk.ValidationError({"datasets": [tk._(
            "These datasets are under review or published and cannot be deleted: "
            "{names}.").format(names=", ".join(sorted(blocked)))]})
    return next_action(context, data_dict)


# -- core reads that name datasets outside the search: tags and members ---------------------------
@tk.chained_action
@tk.side_effect_free
def member_list(next_action: Action, context: Context, data_dict: DataDict) -> Any:
    """Core's members of a group or OPD without the datasets the caller may not see (core
    lists every dataset member, private ones included, to anyone)."""
    members = next_action(context, data_dict)
    if context.get("ignore_auth"):
        return members
    ids = [m[0] for m in members if m[1] == "package"]
    if not ids:
        return members
    can_see = permissions.dataset_reader(_context_user(context))
    pkgs = {pkg.id: pkg for pkg in
            model.Session.query(model.Package).filter(model.Package.id.in_(ids))}
    return [m for m in members
            if m[1] != "package" or (m[0] in pkgs and can_see(pkgs[m[0]]))]


# a tag that only unpublished datasets carry is theirs
def _visible_tags(context: Context, names: list[str]) -> set[str]:
    if context.get("ignore_auth"):
        return set(names)
    return permissions.visible_tags(_context_user(context), names)


def _page(items: list[Any], data_dict: DataDict) -> list[Any]:
    """``offset``/``limit`` of core's tag search, applied after the filter."""
    bounds: dict[str, Optional[int]] = {}
    for key in ("offset", "limit"):
        value = data_dict.get(key)
        try:
            bounds[key] = None if value in (None, "") else max(int(value), 0)
        except (TypeError, ValueError, OverflowError):
            raise tk.ValidationError({key: [tk._(
                "The search parameter {name} must be a whole number").format(name=key)]})
    start = bounds["offset"] or 0
    end = None if bounds["limit"] is None else start + bounds["limit"]
    return items[start:end]


@tk.chained_action
@tk.side_effect_free
def tag_list(next_action: Action, context: Context, data_dict: DataDict) -> Any:
    """Core's free tags without those only datasets the caller may not see carry
    (``permissions.visible_tags``); vocabulary tags are the vocabulary's own."""
    result = next_action(context, data_dict)
    if data_dict.get("vocabulary_id"):
        return result
    names = [t["name"] if isinstance(t, dict) else t for t in result]
    visible = _visible_tags(context, names)
    return [t for t, name in zip(result, names) if name in visible]


@tk.chained_action
@tk.side_effect_free
def tag_search(next_action: Action, context: Context, data_dict: DataDict) -> Any:
    """Core's tag search over the free tags the caller may see; ``count``, ``offset`` and
    ``limit`` count those only."""
    if "vocabulary_id" in data_dict:
        return next_action(context, data_dict)
    found = next_action(context, dict(data_dict, offset=None, limit=None))
    visible = _visible_tags(context, [t["name"] for t in found["results"]])
    results = [t for t in found["results"] if t["name"] in visible]
    return {"count": len(results), "results": _page(results, data_dict)}


@tk.chained_action
@tk.side_effect_free
def tag_autocomplete(next_action: Action, context: Context, data_dict: DataDict) -> Any:
    """Core's tag names matching the query, among the free tags the caller may see."""
    if "vocabulary_id" in data_dict:
        return next_action(context, data_dict)
    names = next_action(context, dict(data_dict, offset=None, limit=None))
    visible = _visible_tags(context, names)
    return _page([name for name in names if name in visible], data_dict)
