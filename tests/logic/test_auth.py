"""Permission matrix of the lifecycle: every role × every transition × every state.

Each cell calls the transition action *through auth* (``ignore_auth=False``) on a fresh
dataset of OPD A in the given state, and asserts the outcome:

* allowed → the state moves to the transition's target and one audit row is written with
  the role the user acted in;
* wrong role → ``NotAuthorized``; wrong state → ``ValidationError`` on ``state``; in both
  cases the state and the audit trail are untouched.

Datasets are complete and walked through the real gates; ``validate`` names a real letter
covering the dataset (:func:`lifecycle_support.transition_params`).
"""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.satudata_blitar import lifecycle

from lifecycle_support import (ROLES, audit_count, context_for, fresh_world, make_dataset,
                               state_of, transition_params, user_name, walk)

# Who may do which transition. Sysadmins may do everything, recorded as "sysadmin".
MAY = {
    "submit": {"opd_editor", "opd_admin", "sysadmin"},
    "verify": {"walidata", "sysadmin"},
    "return": {"walidata", "sysadmin"},
    "validate": {"opd_admin", "walidata", "sysadmin"},
    "publish": {"walidata", "sysadmin"},
    "withdraw": {"walidata", "sysadmin"},
}
RECORDED_ROLE = {
    "opd_editor": "opd_editor", "opd_admin": "opd_admin", "walidata": "walidata",
    "sysadmin": "sysadmin",
}
CELLS = [(role, transition, state)
         for role in ROLES for transition in lifecycle.TRANSITIONS for state in lifecycle.STATES]


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for):
    yield from fresh_world(reset_db, migrate_db_for)


def test_matrix_covers_every_cell():
    assert len(ROLES) == 8
    assert len(CELLS) == 8 * 6 * 5 == 240
    assert set(MAY) == set(lifecycle.TRANSITIONS)


@pytest.mark.parametrize("role,transition,state", CELLS)
def test_transition_matrix(world, role, transition, state):
    dataset = make_dataset(world, state)
    before = audit_count(dataset["id"])
    t = lifecycle.TRANSITIONS[transition]
    allowed_role = role in MAY[transition]
    allowed_state = state in t.sources
    params = transition_params(transition, dataset["id"])
    call = lambda: helpers.call_action(  # noqa: E731
        f"satudata_dataset_{transition}", context=context_for(world, role),
        id=dataset["id"], **params)

    if allowed_role and allowed_state:
        result = call()
        assert result["state"] == t.target
        assert state_of(dataset["id"]) == t.target
        assert audit_count(dataset["id"]) == before + 1
        last = helpers.call_action("satudata_dataset_history", id=dataset["id"])[-1]
        assert (last["transition"], last["from_state"], last["to_state"]) == (
            transition, state, t.target)
        assert last["role"] == RECORDED_ROLE[role]
        assert last["actor_name"] == user_name(world, role)
    else:
        expected = tk.NotAuthorized if not allowed_role else tk.ValidationError
        with pytest.raises(expected) as err:
            call()
        if allowed_role:
            assert set(err.value.error_dict) == {"state"}
        assert state_of(dataset["id"]) == state
        assert audit_count(dataset["id"]) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("transition", list(lifecycle.TRANSITIONS))
def test_transition_auth_functions(world, role, transition):
    """``call_auth`` agrees with the table (auth checks the role; the action the state)."""
    dataset = make_dataset(world)
    context = {"user": user_name(world, role) or "", "model": __import__("ckan.model").model}
    if role in MAY[transition]:
        assert helpers.call_auth(f"satudata_dataset_{transition}", context, id=dataset["id"])
    else:
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth(f"satudata_dataset_{transition}", context, id=dataset["id"])


@pytest.mark.parametrize("role,allowed", [
    ("anonymous", False), ("other_opd", False), ("opd_editor", True), ("opd_admin", True),
    ("walidata", True), ("pembina", True), ("sekretariat", True), ("sysadmin", True),
])
def test_read_unpublished_and_history(world, role, allowed):
    """Drafts and their history: the OPD, the SOP roles and sysadmins; nobody else."""
    import ckan.model as model
    dataset = make_dataset(world, lifecycle.SUBMITTED)
    context = {"user": user_name(world, role) or "", "model": model}
    for auth in ("package_show", "satudata_dataset_status_show", "satudata_dataset_history"):
        if allowed:
            assert helpers.call_auth(auth, dict(context), id=dataset["id"])
        else:
            with pytest.raises(tk.NotAuthorized):
                helpers.call_auth(auth, dict(context), id=dataset["id"])


@pytest.mark.parametrize("role,allowed", [
    ("anonymous", False), ("other_opd", False), ("opd_editor", False), ("opd_admin", False),
    ("walidata", True), ("pembina", True), ("sekretariat", True), ("sysadmin", True),
])
def test_audit_export_auth(world, role, allowed):
    import ckan.model as model
    context = {"user": user_name(world, role) or "", "model": model}
    if allowed:
        assert helpers.call_auth("satudata_audit_export", context)
    else:
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth("satudata_audit_export", context)


@pytest.mark.parametrize("action", ["satudata_role_assign", "satudata_role_revoke",
                                    "satudata_role_list"])
@pytest.mark.parametrize("role", ROLES)
def test_role_management_is_for_sysadmins(world, action, role):
    import ckan.model as model
    context = {"user": user_name(world, role) or "", "model": model}
    if role == "sysadmin":
        assert helpers.call_auth(action, context, user="x", role="walidata")
    else:
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth(action, context, user="x", role="walidata")


EDIT_AUTHS = ["package_update", "package_patch", "package_delete", "resource_create",
              "resource_patch",
              "resource_update", "resource_delete", "package_resource_reorder"]


@pytest.mark.parametrize("state", lifecycle.STATES)
@pytest.mark.parametrize("role", ["opd_editor", "opd_admin", "sysadmin"])
def test_edit_lock(world, state, role):
    """Drafts are editable by the OPD (and sysadmins); every other state is locked for all."""
    import ckan.model as model
    from ckan.tests import factories
    dataset = make_dataset(world)
    resource = factories.Resource(package_id=dataset["id"], format="PDF",
                                  url="http://example.com/lampiran.pdf")
    walk(dataset["id"], state)
    context = {"user": user_name(world, role), "model": model}
    data = {"id": dataset["id"], "package_id": dataset["id"]}
    for auth in EDIT_AUTHS:
        payload = dict(data, id=resource["id"]) if auth.startswith("resource_") and auth != "resource_create" else data
        if state == lifecycle.DRAFT:
            assert helpers.call_auth(auth, dict(context), **payload), auth
        else:
            with pytest.raises(tk.NotAuthorized) as err:
                helpers.call_auth(auth, dict(context), **payload)
            assert "locked" in str(err.value), (auth, str(err.value))


@pytest.mark.parametrize("role", ["anonymous", "other_opd", "walidata", "pembina", "sekretariat"])
def test_non_producers_cannot_edit_drafts(world, role):
    """Walidata reviews but never edits an OPD's data; Pembina and Sekretariat read only."""
    import ckan.model as model
    dataset = make_dataset(world)
    context = {"user": user_name(world, role) or "", "model": model}
    for auth in ("package_update", "package_delete", "resource_create"):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth(auth, dict(context), id=dataset["id"], package_id=dataset["id"])
