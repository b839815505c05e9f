"""Who may do what with the SOP records: every rule from allowed and refused roles."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.satudata_blitar import lifecycle

from . import support

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]

R = support.ROLES
SOP_READERS = {"walidata", "pembina", "sekretariat", "sysadmin"}
OPD_A = {"opd_member", "opd_editor", "opd_admin"}

#: auth function → roles allowed (every other role of ROLES is refused)
MATRIX = {
    "satudata_daftar_data_create": {"sekretariat", "sysadmin"},
    "satudata_daftar_data_update": {"sekretariat", "sysadmin"},
    "satudata_daftar_data_agree": {"sekretariat", "sysadmin"},
    "satudata_daftar_data_revise": {"sekretariat", "sysadmin"},
    "satudata_daftar_data_carry_over": {"sekretariat", "sysadmin"},
    "satudata_daftar_data_import": {"sekretariat", "sysadmin"},
    "draft_daftar_data_show": SOP_READERS,
    "agreed_daftar_data_show": set(R),
    "satudata_statement_create": {"opd_admin", "sekretariat", "sysadmin"},
    "satudata_statement_show": OPD_A | SOP_READERS,
    "satudata_validation_letter_create": {"opd_admin", "walidata", "sysadmin"},
    "satudata_validation_letter_update": {"opd_admin", "walidata", "sysadmin"},
    "satudata_validation_letter_show": OPD_A | SOP_READERS,
    "letter_pdf": OPD_A | SOP_READERS,
    "satudata_deadline_list": set(R) - {"anonymous"},
    "satudata_validation_letter_list": set(R) - {"anonymous"},
    "satudata_statement_list": set(R) - {"anonymous"},
}


@pytest.fixture
def records_world(pdf):
    world = support.make_world()
    draft = helpers.call_action("satudata_daftar_data_create", year=2025, items=[
        support.item_row("DD-001", "dinas-kesehatan")])
    agreed = helpers.call_action("satudata_daftar_data_create", year=2026, items=[
        support.item_row("DD-001", "dinas-kesehatan")])
    helpers.call_action("satudata_daftar_data_agree", id=agreed["id"],
                        agreed_date="2026-01-15", minute_number="BA/01")
    statement = helpers.call_action(
        "satudata_statement_create", daftar_data_id=agreed["id"], owner_org="dinas-kesehatan",
        number="1/2026", letter_date="2026-01-20", signatory_name="A",
        signatory_nip=support.NIP, signatory_position="Kepala Dinas",
        items=[{"code": "DD-001", "available": True}], upload=pdf())
    pkg = support.dataset(world, lifecycle.VERIFIED)
    letter = support.letter(world, [pkg["id"]])
    world.update(draft=draft, agreed=agreed, statement=statement, letter=letter)
    return world


def _data(world, name):
    return {
        "satudata_daftar_data_update": {"id": world["draft"]["id"]},
        "satudata_daftar_data_agree": {"id": world["draft"]["id"]},
        "satudata_daftar_data_revise": {"id": world["agreed"]["id"]},
        "satudata_daftar_data_carry_over": {"id": world["agreed"]["id"]},
        "satudata_daftar_data_import": {"id": world["draft"]["id"]},
        "draft_daftar_data_show": {"id": world["draft"]["id"]},
        "agreed_daftar_data_show": {"id": world["agreed"]["id"]},
        "satudata_daftar_data_create": {"year": 2027},
        "satudata_statement_create": {"owner_org": world["org_a"]["id"]},
        "satudata_statement_show": {"id": world["statement"]["id"]},
        "satudata_validation_letter_create": {"owner_org": world["org_a"]["id"]},
        "satudata_validation_letter_update": {"id": world["letter"]["id"]},
        "satudata_validation_letter_show": {"id": world["letter"]["id"]},
        "letter_pdf": {"id": world["letter"]["id"]},
    }.get(name, {})


_AUTH = {"draft_daftar_data_show": "satudata_daftar_data_show",
         "agreed_daftar_data_show": "satudata_daftar_data_show",
         "letter_pdf": "satudata_validation_letter_show"}


@pytest.mark.parametrize("rule", sorted(MATRIX))
def test_permission_matrix(records_world, rule):
    """Each rule is tried by every role (one world per rule keeps the suite fast)."""
    got = {role for role in R
           if support.allowed(records_world, role, _AUTH.get(rule, rule),
                              **_data(records_world, rule))}
    assert got == MATRIX[rule], f"{rule}: allowed {sorted(got)}"


def test_lists_only_show_what_the_caller_may_read(records_world):
    world = records_world
    theirs = support.dataset(world, lifecycle.VERIFIED, org="org_b")
    support.letter(world, [theirs["id"]], org="org_b")
    mine = helpers.call_action("satudata_validation_letter_list",
                               context=support.ctx(world, "opd_member"))
    assert {x["owner_org"] for x in mine} == {world["org_a"]["id"]}
    other = helpers.call_action("satudata_validation_letter_list",
                                context=support.ctx(world, "other_opd"))
    assert {x["owner_org"] for x in other} == {world["org_b"]["id"]}
    assert len(helpers.call_action("satudata_validation_letter_list",
                                   context=support.ctx(world, "pembina"))) == 2
    assert helpers.call_action("satudata_statement_list",
                               context=support.ctx(world, "other_opd")) == []
    anon = helpers.call_action("satudata_daftar_data_list",
                               context={"user": "", "ignore_auth": False})
    assert [d["status"] for d in anon] == ["agreed"]
    assert len(helpers.call_action("satudata_daftar_data_list",
                                   context=support.ctx(world, "walidata"))) == 2


def test_refused_actions_change_nothing(records_world):
    world = records_world
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("satudata_daftar_data_update", context=support.ctx(world, "walidata"),
                            id=world["draft"]["id"], title="Diubah")
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("satudata_validation_letter_update",
                            context=support.ctx(world, "other_opd"),
                            id=world["letter"]["id"], subject="Diubah")
    assert helpers.call_action("satudata_validation_letter_show",
                               id=world["letter"]["id"])["subject"] != "Diubah"
