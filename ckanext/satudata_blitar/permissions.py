"""Every permission rule of the portal: who holds which SOP role, and who may do what.

Each rule is one small function returning ``(allowed, message)`` (or a bool for plain
questions); every auth function in ``logic/auth/`` delegates to exactly one of them, and the
pages ask the same functions. Roles: ``walidata``, ``pembina`` and ``sekretariat`` are rows of
``satudata_blitar_role``; OPD roles are CKAN organization memberships (``editor`` = producer,
``admin`` = Kepala OPD); sysadmins may do everything. Visibility of unpublished datasets is
decided here too (:func:`dataset_labels`, :func:`user_labels` for ``IPermissionLabels``).
"""
from __future__ import annotations

from typing import Any, Callable, Optional
import sqlalchemy as sa
import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultPermissionLabels
from ckanext.satudata_blitar import lifecycle
from ckanext.satudata_blitar.model import RoleAssignment
from ckanext.satudata_blitar.model.records import DD_AGREED, DaftarData


# -- roles -----------------------------------------------------------------------------------
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


def is_sysadmin(user_obj: Optional[model.User]) -> bool:
    return bool(user_obj and user_obj.sysadmin and user_obj.state == "active")


def _holds(user_obj: Optional[model.User], role: str, org_id: Optional[str] = None) -> bool:
    """Sysadmins, holders of the SOP ``role`` and, given ``org_id``, the OPD's admin
    (Kepala OPD)."""
    if is_sysadmin(user_obj) or role in portal_roles(user_obj):
        return True
    return bool(org_id and user_obj and opd_role(user_obj, org_id) == "admin")


def acting_role(user: Any, pkg: model.Package, transition: str) -> Optional[str]:
    """The role in which ``user`` may perform ``transition`` on ``pkg`` (``None``: may not)."""
    user_obj = user_object(user)
    if not user_obj or user_obj.state != "active":
        return None
    held = portal_roles(user_obj)
    capacity = opd_role(user_obj, pkg.owner_org)
    for actor in lifecycle.any_transition(transition).actors:
        if actor in held:
            return actor
        if actor == lifecycle.OPD_ADMIN and capacity == "admin":
            return lifecycle.OPD_ADMIN
        if actor == lifecycle.OPD_EDITOR and capacity == "editor":
            return lifecycle.OPD_EDITOR
    if is_sysadmin(user_obj):
        return lifecycle.SYSADMIN
    return None


def creation_role(actor: Optional[model.User], pkg: model.Package) -> str:
    """The role recorded in the audit row of a dataset's creation."""
    if actor is None:
        return lifecycle.SYSTEM
    capacity = opd_role(actor, pkg.owner_org)
    role = {"admin": lifecycle.OPD_ADMIN, "editor": lifecycle.OPD_EDITOR}.get(capacity or "", "")
    return role or (lifecycle.SYSADMIN if actor.sysadmin else (capacity or "user"))


# -- the lifecycle ----------------------------------------------------------------------------
def permission_transition(user: Any, pkg: model.Package, transition: str) -> tuple[bool, str]:
    """May ``user`` perform ``transition`` on ``pkg``? (role only; the state is checked later)."""
    t = lifecycle.any_transition(transition)
    if not lifecycle.is_governed(pkg):
        return False, tk._("This kind of dataset does not follow the publication lifecycle.")
    if acting_role(user, pkg, transition):
        return True, ""
    who = ", ".join(lifecycle.role_label(a) for a in t.actors)
    return False, tk._("Only {who} may {action} this dataset.").format(
        who=who, action=lifecycle.transition_label(transition).lower())


def permission_read_all(user: Any) -> bool:
    """Walidata, Pembina Data, Sekretariat SDI and sysadmins read every dataset and the audit."""
    user_obj = user_object(user)
    return is_sysadmin(user_obj) or bool(portal_roles(user_obj))


def permission_view_history(user: Any, pkg: model.Package) -> bool:
    """The audit trail of a dataset: its OPD's members, the SOP roles and sysadmins."""
    user_obj = user_object(user)
    if not user_obj:
        return False
    return permission_read_all(user_obj) or opd_role(user_obj, pkg.owner_org) is not None


def permission_edit(user: Any, pkg: model.Package) -> tuple[bool, str]:
    """Lock rule: metadata and resources are read-only in :data:`lifecycle.LOCKED_STATES`."""
    if not lifecycle.is_governed(pkg):
        return True, ""
    state = lifecycle.get_state(pkg)
    if state not in lifecycle.LOCKED_STATES:
        return True, ""
    if state == lifecycle.PUBLISHED:
        return False, tk._(
            'Dataset "{name}" is {state} and locked; it stays online while it is updated: '
            "start a revision (Update data) and edit the revision, which replaces the "
            "published version when the Walidata publishes it. To take the data off the "
            "portal, ask the Walidata to withdraw it.").format(
            name=pkg.name, state=lifecycle.state_label(state))
    return False, tk._(
        'Dataset "{name}" is {state} and locked while it is held by {holder}. Ask the '
        "Walidata to return it to draft if it must change.").format(
        name=pkg.name, state=lifecycle.state_label(state), holder=lifecycle.lock_holder(state))


def permission_revision_start(user: Any, pkg: model.Package) -> tuple[bool, str]:
    """Start a revision of a published dataset (``revisions.start``): the producers and the
    head of its OPD, and sysadmins. The dataset's state and the one-pending-revision rule are
    the action's checks."""
    user_obj = user_object(user)
    if not lifecycle.is_governed(pkg):
        return False, tk._("This kind of dataset does not follow the publication lifecycle.")
    if is_sysadmin(user_obj) or (
            user_obj and user_obj.state == "active"
            and opd_role(user_obj, pkg.owner_org) in ("admin", "editor")):
        return True, ""
    return False, tk._("Only the producers and the head of the dataset's OPD may start a "
                       "revision of it.")


def permission_ungoverned_type(user: Any, package_type: Optional[str]) -> tuple[bool, str]:
    """Create or change a package of a type outside the lifecycle
    (``ckanext.satudata_blitar.ungoverned_types``): sysadmins only. Governed types follow
    the lifecycle's own rules."""
    if lifecycle.is_governed_type(package_type) or is_sysadmin(user_object(user)):
        return True, ""
    return False, tk._(
        'Packages of type "{type}" are outside the publication lifecycle: only system '
        "administrators may create or change them.").format(type=package_type)


def allowed_transitions(user: Any, pkg: model.Package, state: Optional[str] = None) -> list[str]:
    """Transitions the user may perform now (role and state)."""
    state = state or lifecycle.get_state(pkg)
    return [name for name, t in lifecycle.TRANSITIONS.items()
            if state in t.sources and acting_role(user, pkg, name)]


# -- SOP records ------------------------------------------------------------------------------
def permission_manage_daftar_data(user: Any) -> tuple[bool, str]:
    """Create, edit, import, agree, revise and carry over a Daftar Data: Sekretariat SDI."""
    if _holds(user_object(user), lifecycle.SEKRETARIAT):
        return True, ""
    return False, tk._("Only the Sekretariat SDI may manage the Daftar Data.")


def permission_read_daftar_data(user: Any, dd: Optional[DaftarData] = None) -> tuple[bool, str]:
    """Agreed lists are public; drafts are read by Walidata, Pembina Data and Sekretariat SDI."""
    if dd is not None and dd.status == DD_AGREED:
        return True, ""
    if permission_read_all(user_object(user)):
        return True, ""
    if dd is None:  # listing: agreed lists only for everyone else
        return True, ""
    return False, tk._("A draft Daftar Data is read only by the Sekretariat SDI, Walidata "
                       "and Pembina Data.")


def permission_manage_statement(user: Any, org_id: str) -> tuple[bool, str]:
    """Record or change an OPD's statement: its admin (Kepala OPD) or the Sekretariat SDI."""
    if _holds(user_object(user), lifecycle.SEKRETARIAT, org_id):
        return True, ""
    return False, tk._("Only the head of the OPD (organization admin) or the Sekretariat SDI "
                       "may record the OPD's statement.")


def permission_manage_letter(user: Any, org_id: str) -> tuple[bool, str]:
    """Record or change an OPD's validation letter: its admin or the Walidata."""
    if _holds(user_object(user), lifecycle.WALIDATA, org_id):
        return True, ""
    return False, tk._("Only the head of the OPD (organization admin) or the Walidata may "
                       "record the OPD's validation letters.")


def letter_organizations(user: Any) -> list[model.Group]:
    """The OPDs whose validation letters ``user`` may record, by title: every OPD when
    :func:`permission_manage_letter` allows the user regardless of the OPD (Walidata,
    sysadmin), else those of the user's OPDs the rule allows (the OPDs the user heads)."""
    user_obj = user_object(user)
    if not user_obj or user_obj.state != "active":
        return []
    query = (model.Session.query(model.Group)
             .filter(model.Group.is_organization.is_(True), model.Group.state == "active")
             .order_by(model.Group.title, model.Group.name))
    if permission_manage_letter(user_obj, "")[0]:
        return query.all()
    member = model.Member
    mine = query.join(member, member.group_id == model.Group.id).filter(
        member.table_name == "user", member.table_id == user_obj.id, member.state == "active")
    return [org for org in mine if permission_manage_letter(user_obj, org.id)[0]]


def permission_read_opd_record(user: Any, org_id: str) -> tuple[bool, str]:
    """Full statement/letter records and their PDFs: the OPD's members, Walidata, Pembina
    Data, Sekretariat SDI and sysadmins."""
    user_obj = user_object(user)
    if permission_read_all(user_obj):
        return True, ""
    if user_obj and opd_role(user_obj, org_id):
        return True, ""
    return False, tk._("Only members of the OPD, Walidata, Pembina Data and Sekretariat SDI "
                       "may read this record and its signed PDF.")


def permission_list_deadlines(user: Any, every_opd: bool = False) -> tuple[bool, str]:
    """Any signed-in user (the list only holds what concerns the user); every deadline of
    every OPD (``every_opd``, the overview of the OPDs): those who read everything
    (:func:`permission_read_all`)."""
    user_obj = user_object(user)
    if not user_obj or user_obj.state != "active":
        return False, tk._("Sign in to see your deadlines.")
    if every_opd and not permission_read_all(user_obj):
        return False, tk._("Only the Walidata, Pembina Data and Sekretariat SDI see the "
                           "deadlines of every OPD.")
    return True, ""


# -- notifications -------------------------------------------------------------------------------
def permission_notices(user: Any) -> tuple[bool, str]:
    """One's own notices and notification preferences: any signed-in user (each sees only
    the notices addressed to them, about datasets they may see)."""
    user_obj = user_object(user)
    if not user_obj or user_obj.state != "active":
        return False, tk._("Sign in to see your notifications.")
    return True, ""


def permission_read_mail_log(user: Any) -> tuple[bool, str]:
    """The log of every mail the portal sent (addresses, results): sysadmins only."""
    if is_sysadmin(user_object(user)):
        return True, ""
    return False, tk._("Only system administrators may see the mail log.")


# -- annual report and data standards -----------------------------------------------------------
def permission_read_report(user: Any) -> tuple[bool, str]:
    """Full report, stored files, generation: Sekretariat SDI, Walidata, Pembina, sysadmins."""
    if permission_read_all(user_object(user)):
        return True, ""
    return False, tk._("Only the Sekretariat SDI, Walidata and Pembina Data may see the full "
                       "annual report; everyone can see its public summary.")


def permission_manage_report(user: Any) -> tuple[bool, str]:
    """Evaluation notes and the delivery record: Sekretariat SDI and sysadmins."""
    if _holds(user_object(user), lifecycle.SEKRETARIAT):
        return True, ""
    return False, tk._("Only the Sekretariat SDI may record evaluation notes and the "
                       "delivery of the annual report.")


def permission_manage_standards(user: Any) -> tuple[bool, str]:
    """Register data standards: the Walidata and sysadmins."""
    if _holds(user_object(user), lifecycle.WALIDATA):
        return True, ""
    return False, tk._("Only the Walidata can register data standards.")


# -- visibility (IPermissionLabels) --------------------------------------------------------------
def dataset_labels(pkg: model.Package) -> list[str]:
    """``IPermissionLabels.get_dataset_labels``: public only when published."""
    if not lifecycle.is_governed(pkg):
        return DefaultPermissionLabels().get_dataset_labels(pkg)
    if pkg.state == "active" and not pkg.private and lifecycle.get_state(pkg) == lifecycle.PUBLISHED:
        return ["public"]
    labels = [lifecycle.REVIEWER_LABEL]
    if pkg.owner_org:
        labels.append(f"member-{pkg.owner_org}")
    if pkg.creator_user_id:
        labels.append(f"creator-{pkg.creator_user_id}")
    if authz.check_config_permission("allow_dataset_collaborators"):
        labels.append(f"collaborator-{pkg.id}")
    return labels


def user_labels(user_obj: Optional[model.User]) -> list[str]:
    """``IPermissionLabels.get_user_dataset_labels``: core labels plus the reviewer label
    (read once per request: ``request_memo``, forgotten as soon as the request writes)."""
    from ckanext.satudata_blitar import request_memo  # noqa: PLC0415

    memo = request_memo.memo("user_labels")
    key = getattr(user_obj, "id", None)
    if memo is not None and key in memo:
        return list(memo[key])
    labels = DefaultPermissionLabels().get_user_dataset_labels(user_obj)  # type: ignore[arg-type]
    if user_obj and not user_obj.is_anonymous and portal_roles(user_obj):
        labels.append(lifecycle.REVIEWER_LABEL)
    if memo is not None:
        memo[key] = list(labels)
    return labels


def dataset_reader(user: Any) -> Callable[[model.Package], bool]:
    """Which datasets ``user`` may see, as a test of one dataset: the rule of search,
    ``package_show`` and the activity streams (a label of :func:`dataset_labels` among the
    user's :func:`user_labels`; sysadmins see every dataset). The user's labels are read once,
    so a page naming many datasets asks this once. Anonymous callers see published datasets
    only."""
    user_obj = user_object(user)
    if is_sysadmin(user_obj):
        return lambda pkg: True
    labels = set(user_labels(user_obj))
    return lambda pkg: not labels.isdisjoint(dataset_labels(pkg))


def visible_tags(user: Any, names: list[str]) -> set[str]:
    """The free tags among ``names`` that ``user`` may see: those carried by an active dataset
    the user may see (:func:`dataset_reader`). A tag that only unpublished datasets carry is
    their metadata and stays with those who may see them."""
    if not names:
        return set()
    can_see = dataset_reader(user)
    rows = (model.Session.query(model.Tag.name, model.Package)
            .join(model.PackageTag, model.PackageTag.tag_id == model.Tag.id)
            .join(model.Package, model.Package.id == model.PackageTag.package_id)
            .filter(model.Tag.name.in_(set(names)), model.Tag.vocabulary_id.is_(None),
                    model.PackageTag.state == "active", model.Package.state == "active")
            .order_by(model.Tag.name, model.Package.private))  # public datasets first
    visible: set[str] = set()
    for name, pkg in rows:
        if name not in visible and can_see(pkg):
            visible.add(name)
    return visible


def permission_read_dataset(user: Any, pkg: model.Package) -> tuple[bool, str]:
    """May ``user`` see ``pkg`` — and so read its name, title or state on any page, list,
    export or feed? The same answer as ``package_show`` (:func:`dataset_reader`)."""
    if dataset_reader(user)(pkg):
        return True, ""
    return False, tk._("Not authorized to see this dataset")
