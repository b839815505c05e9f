"""A small world for the SOP record tests: two OPDs and a user in every role.

Datasets have complete SDI metadata and are walked through the real actions and gates, with
real validation letters (:mod:`sop_support`).
"""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle

from sop_support import COMPLETE, NIP, record_letter, walk

#: every role of the permission matrices
ROLES = ("anonymous", "plain_user", "other_opd", "opd_member", "opd_editor", "opd_admin",
         "walidata", "pembina", "sekretariat", "sysadmin")


def make_world() -> dict[str, Any]:
    """OPD A (member, editor, admin), OPD B (its admin is ``other_opd``), SOP roles, sysadmin."""
    users = {name: factories.User(name=f"rec_{name}")
             for name in ROLES if name not in ("anonymous", "sysadmin")}
    users["sysadmin"] = factories.Sysadmin(name="rec_sysadmin")
    org_a = factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan", users=[
        {"name": users["opd_member"]["name"], "capacity": "member"},
        {"name": users["opd_editor"]["name"], "capacity": "editor"},
        {"name": users["opd_admin"]["name"], "capacity": "admin"},
    ])
    org_b = factories.Organization(name="dinas-pendidikan", title="Dinas Pendidikan", users=[
        {"name": users["other_opd"]["name"], "capacity": "admin"},
    ])
    for role in lifecycle.PORTAL_ROLES:
        helpers.call_action("satudata_role_assign", user=users[role]["name"], role=role)
    return {"users": users, "org_a": org_a, "org_b": org_b}


def user_name(world: dict[str, Any], role: str) -> Optional[str]:
    return None if role == "anonymous" else world["users"][role]["name"]


def ctx(world: dict[str, Any], role: str) -> dict[str, Any]:
    """Context that goes through auth as ``role``."""
    return {"user": user_name(world, role) or "", "ignore_auth": False, "model": model}


def allowed(world: dict[str, Any], role: str, auth: str, **data: Any) -> bool:
    """Whether ``role`` passes the auth function ``auth``."""
    try:
        helpers.call_auth(auth, {"user": user_name(world, role) or "", "model": model}, **data)
    except Exception as e:  # NotAuthorized
        if type(e).__name__ != "NotAuthorized":
            raise
        return False
    return True


def dataset(world: dict[str, Any], state: str = lifecycle.DRAFT, org: str = "org_a",
            **kwargs: Any) -> dict[str, Any]:
    """A dataset of an OPD with complete SDI metadata, walked by the system to ``state``
    (``validate`` with a real letter of the OPD)."""
    pkg = factories.Dataset(owner_org=world[org]["id"], **dict(COMPLETE, **kwargs))
    walk(pkg["id"], state)
    return pkg


def letter(world: dict[str, Any], datasets: list[str], org: str = "org_a",
           **kwargs: Any) -> dict[str, Any]:
    """Record a validation letter of the OPD (a real signed PDF) as the system."""
    return record_letter(world[org]["id"], datasets, **kwargs)


def count(table: str) -> int:
    return model.Session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def item_row(code: str, org: str, **kw: Any) -> dict[str, Any]:
    row = {"code": code, "name": f"Data {code}", "owner_org": org, "frequency": "tahunan",
           "data_type": "statistik", "data_standard": "", "unit": "orang", "priority": "ya",
           "notes": ""}
    row.update(kw)
    return row
