"""The state machine itself: table, hooks for issues 5/6, labels, migration rule, atomicity."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.satudata_blitar import lifecycle
from ckanext.satudata_blitar.model import AuditEntry, DatasetStatus

from lifecycle_support import (audit_count, default_hooks, fresh_world, make_dataset, state_of,
                               transition_params)


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for):
    yield from fresh_world(reset_db, migrate_db_for)


@pytest.fixture(autouse=True)
def _default_hooks(world):
    with default_hooks():
        yield


# -- the table of transitions -------------------------------------------------------------------------
def test_transition_table_matches_the_sop():
    table = {name: (t.sources, t.target, set(t.actors)) for name, t in lifecycle.TRANSITIONS.items()}
    assert table == {
        "submit": (("draft",), "submitted", {"opd_editor", "opd_admin"}),
        "verify": (("submitted",), "verified", {"walidata"}),
        "return": (("submitted", "verified", "validated"), "draft", {"walidata"}),
        "validate": (("verified",), "validated", {"opd_admin", "walidata"}),
        "publish": (("validated",), "published", {"walidata"}),
        "withdraw": (("published",), "draft", {"walidata"}),
    }
    assert lifecycle.LOCKED_STATES == ("submitted", "verified", "validated", "published")
    assert set(lifecycle.reason_category_labels()) == set(lifecycle.REASON_CATEGORIES)


def test_state_cannot_be_written_through_package_update(world):
    """The state lives in its own table: extras or top-level keys do not touch it."""
    dataset = make_dataset(world)
    helpers.call_action("package_patch", context={"user": world["users"]["opd_editor"]["name"]},
                        id=dataset["id"], extras=[{"key": "satudata_state", "value": "published"}],
                        satudata_state="published")
    assert state_of(dataset["id"]) == "draft"
    assert model.Package.get(dataset["id"]).private is True


# -- hooks ----------------------------------------------------------------------------------------------
def test_submit_requirements_are_empty_by_default(world):
    pkg = model.Package.get(make_dataset(world)["id"])
    assert lifecycle.submit_requirements(pkg, {}) == []


def test_registered_submit_checker_blocks_submit(world):
    dataset = make_dataset(world)
    calls = []

    def checker(pkg, pkg_dict):
        calls.append(pkg_dict["id"])
        return [{"field": "notes", "message": "Isi deskripsi."},
                {"field": "resources", "message": "Berkas CSV gagal diperiksa."}]

    lifecycle.register_submit_checker(checker)
    lifecycle.register_submit_checker(checker)  # idempotent
    try:
        assert lifecycle.submit_checkers().count(checker) == 1
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("satudata_dataset_submit", id=dataset["id"])
        assert err.value.error_dict == {"notes": ["Isi deskripsi."],
                                        "resources": ["Berkas CSV gagal diperiksa."]}
        assert calls == [dataset["id"]]
        assert state_of(dataset["id"]) == "draft"
    finally:
        lifecycle.unregister_submit_checker(checker)
    helpers.call_action("satudata_dataset_submit", id=dataset["id"])
    assert state_of(dataset["id"]) == "submitted"


def test_submit_checker_is_not_run_in_the_wrong_state(world):
    dataset = make_dataset(world, "verified")
    lifecycle.register_submit_checker(lambda pkg, d: [{"field": "x", "message": "y"}])
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("satudata_dataset_submit", id=dataset["id"])
    assert set(err.value.error_dict) == {"state"}


def test_letter_checker_is_pluggable(world):
    dataset = make_dataset(world, "verified")
    seen = []

    def checker(pkg, letter_ref, data):
        seen.append(letter_ref)
        return [] if letter_ref == "SURAT-OK" else ["Surat tidak ditemukan."]

    assert lifecycle.letter_errors(model.Package.get(dataset["id"]), "", {})  # default: required
    assert not lifecycle.letter_errors(model.Package.get(dataset["id"]), "x", {})
    lifecycle.set_letter_checker(checker)
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("satudata_dataset_validate", id=dataset["id"], letter_ref="SURAT-X")
    assert err.value.error_dict == {"letter_ref": ["Surat tidak ditemukan."]}
    helpers.call_action("satudata_dataset_validate", id=dataset["id"], letter_ref="SURAT-OK")
    assert seen == ["SURAT-X", "SURAT-OK"]
    lifecycle.set_letter_checker(None)
    assert lifecycle.get_letter_checker() is lifecycle._default_letter_checker
    last = helpers.call_action("satudata_dataset_history", id=dataset["id"])[-1]
    assert last["letter_ref"] == "SURAT-OK"


def test_letter_checker_may_normalise_the_reference(world):
    """A checker may write the accepted letter's id back into ``data`` for the audit row."""
    dataset = make_dataset(world, "verified")

    def checker(pkg, letter_ref, data):
        data["letter_ref"] = "letter-id-42"
        return []

    lifecycle.set_letter_checker(checker)
    helpers.call_action("satudata_dataset_validate", id=dataset["id"])
    assert helpers.call_action("satudata_dataset_history",
                               id=dataset["id"])[-1]["letter_ref"] == "letter-id-42"


# -- labels and search ------------------------------------------------------------------------------------
@pytest.mark.parametrize("state", lifecycle.STATES)
def test_dataset_labels(world, state):
    dataset = make_dataset(world, state)
    labels = permissions.dataset_labels(model.Package.get(dataset["id"]))
    if state == "published":
        assert labels == ["public"]
    else:
        assert "public" not in labels
        assert lifecycle.REVIEWER_LABEL in labels
        assert f"member-{world['org_a']['id']}" in labels
        assert f"creator-{world['users']['opd_editor']['id']}" in labels


def test_public_flag_alone_does_not_make_a_dataset_public(world):
    """Defence in depth: private=False written behind the lifecycle's back shows nothing."""
    dataset = make_dataset(world, "validated")
    model.Session.execute(sa.text("UPDATE package SET private = false WHERE id = :id"),
                          {"id": dataset["id"]})
    model.Session.commit()
    model.Session.expire_all()
    assert "public" not in permissions.dataset_labels(model.Package.get(dataset["id"]))
    with pytest.raises(tk.NotAuthorized):
        helpers.call_auth("package_show", {"user": "", "model": model}, id=dataset["id"])


def test_user_labels(world):
    for role in ("walidata", "pembina", "sekretariat"):
        user = model.User.get(world["users"][role]["name"])
        assert lifecycle.REVIEWER_LABEL in permissions.user_labels(user)
    editor = model.User.get(world["users"]["opd_editor"]["name"])
    assert lifecycle.REVIEWER_LABEL not in permissions.user_labels(editor)
    assert f"member-{world['org_a']['id']}" in permissions.user_labels(editor)


def test_state_is_indexed_for_search(world):
    datasets = {state: make_dataset(world, state, tags=[{"name": "lc-index"}])
                for state in lifecycle.STATES}
    context = {"user": world["users"]["walidata"]["name"], "ignore_auth": False}
    for state, dataset in datasets.items():
        result = helpers.call_action("package_search", context=dict(context),
                                     fq=f"satudata_state:{state} tags:lc-index",
                                     include_private=True)
        assert [r["name"] for r in result["results"]] == [dataset["name"]], state


# -- atomicity ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("transition,state", [("publish", "validated"), ("withdraw", "published"),
                                              ("verify", "submitted")])
def test_failed_transition_leaves_state_and_audit_untouched(world, monkeypatch, transition, state):
    dataset = make_dataset(world, state)
    before_audit = audit_count(dataset["id"])
    before_private = model.Package.get(dataset["id"]).private

    def boom(*args, **kwargs):
        raise RuntimeError("the database went away half-way")

    monkeypatch.setattr(lifecycle, "_sync_activity_labels", boom)
    with pytest.raises(RuntimeError):
        helpers.call_action(f"satudata_dataset_{transition}", id=dataset["id"],
                            **transition_params(transition))
    model.Session.expire_all()
    assert state_of(dataset["id"]) == state
    assert audit_count(dataset["id"]) == before_audit
    assert model.Package.get(dataset["id"]).private is before_private


def test_defer_commit_leaves_the_commit_to_the_caller(world):
    dataset = make_dataset(world, "submitted")
    helpers.call_action("satudata_dataset_verify", context={"defer_commit": True},
                        id=dataset["id"])
    model.Session.rollback()
    assert state_of(dataset["id"]) == "submitted"


# -- migration rule -------------------------------------------------------------------------------------
def _forget_lifecycle(package_id: str, private: bool) -> None:
    """Make a dataset look like one created before the plugin was enabled."""
    model.Session.execute(sa.text("DELETE FROM satudata_blitar_dataset_status WHERE package_id = :id"),
                          {"id": package_id})
    model.Session.execute(sa.text("DELETE FROM satudata_blitar_audit WHERE package_id = :id"),
                          {"id": package_id})
    model.Session.execute(sa.text("UPDATE package SET private = :p WHERE id = :id"),
                          {"id": package_id, "p": private})
    model.Session.commit()
    model.Session.expire_all()


def test_migration_rule_lazily_and_written_down(world):
    old_private = make_dataset(world)
    old_public = make_dataset(world)
    _forget_lifecycle(old_private["id"], True)
    _forget_lifecycle(old_public["id"], False)
    # lazily: no row → derived from the flag
    assert state_of(old_private["id"]) == "draft"
    assert state_of(old_public["id"]) == "published"
    assert permissions.dataset_labels(model.Package.get(old_public["id"])) == ["public"]
    assert "public" not in permissions.dataset_labels(model.Package.get(old_private["id"]))

    assert lifecycle.migrate_existing_datasets(dry_run=True)["published"] >= 1
    assert model.Session.get(DatasetStatus, old_public["id"]) is None
    counts = lifecycle.migrate_existing_datasets()
    assert counts["draft"] >= 1 and counts["published"] >= 1
    for dataset, state in ((old_private, "draft"), (old_public, "published")):
        row = model.Session.get(DatasetStatus, dataset["id"])
        assert row.state == state and row.last_transition == "migrate"
        audit = model.Session.query(AuditEntry).filter_by(package_id=dataset["id"]).one()
        assert (audit.transition, audit.to_state, audit.actor_name, audit.role) == (
            "migrate", state, "system", "system")
    # idempotent
    assert lifecycle.migrate_existing_datasets() == {"draft": 0, "published": 0}
    # a migrated published dataset follows the lifecycle from there
    helpers.call_action("satudata_dataset_withdraw", id=old_public["id"], reason="Koreksi")
    assert state_of(old_public["id"]) == "draft"
    assert model.Package.get(old_public["id"]).private is True


def test_transition_on_a_dataset_without_a_row_writes_the_rule_first(world):
    dataset = make_dataset(world)
    _forget_lifecycle(dataset["id"], True)
    helpers.call_action("satudata_dataset_submit", id=dataset["id"])
    history = helpers.call_action("satudata_dataset_history", id=dataset["id"])
    assert [(h["from_state"], h["to_state"]) for h in history] == [("draft", "submitted")]


def test_non_dataset_types_are_not_governed(world):
    pkg = model.Package(name="bukan-dataset", type="harvest", private=False,
                        owner_org=world["org_a"]["id"], state="active")
    assert not lifecycle.is_governed(pkg)
    assert permissions.dataset_labels(pkg) == ["public"]


def test_purged_dataset_keeps_its_audit_trail(world):
    dataset = make_dataset(world, "submitted")
    helpers.call_action("satudata_dataset_return", id=dataset["id"],
                        **transition_params("return"))
    helpers.call_action("dataset_purge", id=dataset["id"])
    assert model.Session.get(DatasetStatus, dataset["id"]) is None
    assert audit_count(dataset["id"]) == 3
