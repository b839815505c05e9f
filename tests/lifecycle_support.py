"""Shared helpers of the lifecycle tests: a small world of OPDs and users in every role.

Datasets are walked by :mod:`sop_support` (the real actions, the real submit gate and real
validation letters).
"""
from __future__ import annotations

from typing import Any, Iterator, Optional

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle

from sop_support import COMPLETE, record_letter, walk

#: every role of the permission matrix
ROLES = ("anonymous", "other_opd", "opd_editor", "opd_admin",
         "walidata", "pembina", "sekretariat", "sysadmin")


def make_world() -> dict[str, Any]:
    """OPD A (editor, admin), OPD B (a member of another OPD), SOP roles and a sysadmin."""
    users = {name: factories.UserWithToken(name=f"lc_{name}")
             for name in ROLES if name not in ("anonymous",)}
    users["sysadmin"] = factories.SysadminWithToken(name="lc_sysadmin_real")
    org_a = factories.Organization(name="opd-a", users=[
        {"name": users["opd_editor"]["name"], "capacity": "editor"},
        {"name": users["opd_admin"]["name"], "capacity": "admin"},
    ])
    org_b = factories.Organization(name="opd-b", users=[
        {"name": users["other_opd"]["name"], "capacity": "admin"},
    ])
    for role in lifecycle.PORTAL_ROLES:
        helpers.call_action("satudata_role_assign", user=users[role]["name"], role=role)
    return {"users": users, "org_a": org_a, "org_b": org_b}


def user_name(world: dict[str, Any], role: str) -> Optional[str]:
    """CKAN user name acting in ``role`` (``None`` for anonymous)."""
    if role == "anonymous":
        return None
    return world["users"][role]["name"]


def context_for(world: dict[str, Any], role: str) -> dict[str, Any]:
    """An action context that goes through auth as the given role."""
    name = user_name(world, role)
    return {"user": name or "", "ignore_auth": False}


def make_dataset(world: dict[str, Any], state: str = lifecycle.DRAFT, **kwargs: Any) -> dict[str, Any]:
    """A dataset of OPD A with complete SDI metadata, created by its editor and walked to
    ``state`` through the actions (:func:`sop_support.walk`)."""
    dataset = factories.Dataset(owner_org=world["org_a"]["id"],
                                user=world["users"]["opd_editor"], **dict(COMPLETE, **kwargs))
    walk(dataset["id"], state)
    return dataset


def state_of(package_id: str) -> str:
    """The stored lifecycle state of a dataset."""
    model.Session.expire_all()
    return lifecycle.get_state(model.Package.get(package_id))


def audit_count(package_id: str) -> int:
    """How many audit rows a dataset has."""
    from ckanext.satudata_blitar.model import AuditEntry
    return model.Session.query(AuditEntry).filter_by(package_id=package_id).count()


def transition_params(transition: str, package_id: Optional[str] = None) -> dict[str, str]:
    """Valid parameters for each transition.

    ``validate`` names a real validation letter covering ``package_id``, recorded now; a letter
    covers verified datasets only, so a dataset in another state gets none.
    """
    if transition == "validate":
        pkg = model.Package.get(package_id) if package_id else None
        if pkg is None or lifecycle.get_state(pkg) != lifecycle.VERIFIED:
            return {}
        return {"letter_ref": record_letter(pkg.owner_org, [pkg.id])["id"]}
    return {
        "return": {"reason_category": "metadata_tidak_lengkap", "reason": "Lengkapi definisi."},
        "withdraw": {"reason": "Digantikan edisi baru."},
    }.get(transition, {})


def fresh_world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    """Body of a module-scoped ``world`` fixture (``yield from``): clean database, plugins
    loaded once for the whole module (loading them per test costs seconds), the world."""
    import ckan.plugins
    ckan.plugins.load_all()
    yield _fresh_world(reset_db, migrate_db_for)
    ckan.plugins.unload_non_system_plugins()


def _fresh_world(reset_db, migrate_db_for) -> dict[str, Any]:
    reset_db()
    # the same tables as conftest.clean_db
    migrate_db_for("activity")
    migrate_db_for("satudata_blitar")
    migrate_db_for("satudata_search")
    return make_world()
