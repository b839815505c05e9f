"""Shared helpers of the lifecycle tests: a small world of OPDs and users in every role."""
from __future__ import annotations

import contextlib
from typing import Any, Iterator, Optional

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle

#: every role of the permission matrix
ROLES = ("anonymous", "other_opd", "opd_editor", "opd_admin",
         "walidata", "pembina", "sekretariat", "sysadmin")

#: how to reach each state from draft (transition, extra parameters), acting as the system
PATH = (
    ("submit", {}),
    ("verify", {}),
    ("validate", {"letter_ref": "000.5/1/410.test/2025"}),
    ("publish", {}),
)


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
    """A dataset of OPD A created by its editor and walked (as the system) to ``state``."""
    dataset = factories.Dataset(owner_org=world["org_a"]["id"],
                                user=world["users"]["opd_editor"], **kwargs)
    walk(dataset["id"], state)
    return dataset


def walk(package_id: str, state: str) -> None:
    """Move a draft along the happy path until it reaches ``state``."""
    if state == lifecycle.DRAFT:
        return
    for transition, extra in PATH:
        helpers.call_action(f"satudata_dataset_{transition}", id=package_id, **extra)
        if lifecycle.TRANSITIONS[transition].target == state:
            return
    raise AssertionError(f"unknown state {state}")


def state_of(package_id: str) -> str:
    """The stored lifecycle state of a dataset."""
    model.Session.expire_all()
    return lifecycle.get_state(model.Package.get(package_id))


def audit_count(package_id: str) -> int:
    """How many audit rows a dataset has."""
    from ckanext.satudata_blitar.model import AuditEntry
    return model.Session.query(AuditEntry).filter_by(package_id=package_id).count()


def transition_params(transition: str) -> dict[str, str]:
    """Valid parameters for each transition."""
    return {
        "return": {"reason_category": "metadata_tidak_lengkap", "reason": "Lengkapi definisi."},
        "withdraw": {"reason": "Digantikan edisi baru."},
        "validate": {"letter_ref": "000.5/2/410.test/2025"},
    }.get(transition, {})


@contextlib.contextmanager
def default_hooks():
    """Run with the lifecycle's default hooks (no submit checkers, letter_ref only required).

    Issues 5 and 6 install their own checkers when the plugin loads; the lifecycle tests
    exercise the state machine and the hook contract, those issues' tests their checkers.
    """
    letter = lifecycle.get_letter_checker()
    checkers = lifecycle.submit_checkers()
    lifecycle.set_letter_checker(None)
    for checker in checkers:
        lifecycle.unregister_submit_checker(checker)
    try:
        yield
    finally:
        lifecycle.set_letter_checker(letter)
        for checker in checkers:
            lifecycle.register_submit_checker(checker)


def fresh_world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    """Body of a module-scoped ``world`` fixture (``yield from``): clean database, plugins
    loaded once for the whole module (loading them per test costs seconds), the world."""
    import ckan.plugins
    ckan.plugins.load_all()
    with default_hooks():
        world = _fresh_world(reset_db, migrate_db_for)
    yield world
    ckan.plugins.unload_non_system_plugins()


def _fresh_world(reset_db, migrate_db_for) -> dict[str, Any]:
    reset_db()
    # the same tables as conftest.clean_db
    migrate_db_for("activity")
    migrate_db_for("satudata_blitar")
    migrate_db_for("satudata_search")
    return make_world()
