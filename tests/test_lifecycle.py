"""The state machine itself: table, the requirements of ``submit`` and ``validate``
(``ISatudataLifecycle``), labels, migration rule, atomicity."""
from __future__ import annotations

import itertools
from typing import Any

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle, permissions
from ckanext.satudata_blitar.checks.submit import submit_problems
from ckanext.satudata_blitar.interfaces import ISatudataLifecycle
from ckanext.satudata_blitar.model import AuditEntry, DatasetStatus

from lifecycle_support import (audit_count, context_for, fresh_world, make_dataset, state_of,
                               transition_params)
from sop_support import COMPLETE, PASSING_CSV, record_letter, upload_csv

#: the SDI fields the submit gate requires by default (besides title and owner_org)
SDI_REQUIRED = {"notes", "maintainer", "maintainer_email", "frequency",
                "periode_referensi_mulai", "cakupan_wilayah", "konsep", "definisi", "satuan"}


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for):
    yield from fresh_world(reset_db, migrate_db_for)


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


# -- what submit and validate require: ISatudataLifecycle ----------------------------------------------
def _draft(world, **kwargs: Any) -> dict[str, Any]:
    """A draft of OPD A as a producer starts it: no SDI metadata yet."""
    return factories.Dataset(owner_org=world["org_a"]["id"], user=world["users"]["opd_editor"],
                             **kwargs)


def _shown(package_id: str) -> dict[str, Any]:
    return helpers.call_action("package_show", id=package_id)


def test_the_plugin_is_the_lifecycles_implementation(world):
    """``lifecycle.submit_requirements``/``letter_errors`` ask every ``ISatudataLifecycle``
    implementation; ``satudata_blitar`` answers with the submit gate and the letter check."""
    plugins = {plugin.name: plugin for plugin in p.PluginImplementations(ISatudataLifecycle)}
    assert list(plugins) == ["satudata_blitar"]
    ours = plugins["satudata_blitar"]

    incomplete = model.Package.get(_draft(world, notes="")["id"])
    answer = lifecycle.submit_requirements(incomplete, _shown(incomplete.id))
    assert answer == ours.satudata_submit_problems(incomplete, _shown(incomplete.id))
    assert answer == [{"field": field, "message": message}
                      for field, messages in submit_problems(_shown(incomplete.id)).items()
                      for message in messages]
    assert {a["field"] for a in answer} == SDI_REQUIRED
    complete = model.Package.get(make_dataset(world)["id"])
    assert lifecycle.submit_requirements(complete, _shown(complete.id)) == []

    verified = model.Package.get(make_dataset(world, "verified")["id"])
    assert lifecycle.letter_errors(verified, "", {}) == [
        f'No validation letter covers dataset "{verified.name}": record the letter of the '
        "Head of OPD first."]
    letter = record_letter(verified.owner_org, [verified.id])
    data: dict[str, Any] = {}
    assert lifecycle.letter_errors(verified, letter["number"], data) == []
    assert data["letter_ref"] == letter["id"]  # the accepted letter, by id, for the audit row


def test_submit_of_an_incomplete_dataset_is_refused_with_the_gates_field_messages(world):
    dataset = _draft(world, notes="")
    editor = context_for(world, "opd_editor")
    before = audit_count(dataset["id"])
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("satudata_dataset_submit", context=dict(editor), id=dataset["id"])
    assert err.value.error_dict == submit_problems(_shown(dataset["id"]))
    assert set(err.value.error_dict) == SDI_REQUIRED
    assert state_of(dataset["id"]) == "draft"
    assert audit_count(dataset["id"]) == before

    # the producer fills in the metadata: now it goes
    helpers.call_action("package_patch", context=dict(editor), id=dataset["id"], **COMPLETE)
    helpers.call_action("satudata_dataset_submit", context=dict(editor), id=dataset["id"])
    assert state_of(dataset["id"]) == "submitted"


def test_submit_with_a_failing_file_is_refused_until_the_file_passes(world):
    dataset = make_dataset(world)
    editor = context_for(world, "opd_editor")
    wrong = PASSING_CSV.replace(b"35.72.02.1001", b"35.79.02.1001")
    resource = upload_csv(dataset["id"], "penduduk-salah.csv", data=wrong, context=editor)
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("satudata_dataset_submit", context=dict(editor), id=dataset["id"])
    assert list(err.value.error_dict) == ["resources"]
    (message,) = err.value.error_dict["resources"]
    assert "penduduk-salah.csv" in message and "35.79.02.1001" in message
    assert state_of(dataset["id"]) == "draft"

    helpers.call_action("resource_delete", context=dict(editor), id=resource["id"])
    upload_csv(dataset["id"], "penduduk.csv", context=editor)
    helpers.call_action("satudata_dataset_submit", context=dict(editor), id=dataset["id"])
    assert state_of(dataset["id"]) == "submitted"


def test_validate_without_a_covering_letter_is_refused(world):
    dataset = make_dataset(world, "verified")
    other = make_dataset(world, "verified")
    other_letter = record_letter(world["org_a"]["id"], [other["id"]])
    before = audit_count(dataset["id"])
    for ref, message in (
            (None, f'No validation letter covers dataset "{dataset["name"]}"'),
            ("000.5/404/410.tidak-ada/2026",
             'Validation letter "000.5/404/410.tidak-ada/2026" not found'),
            (other_letter["id"], f'does not cover dataset "{dataset["name"]}"')):
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("satudata_dataset_validate", id=dataset["id"], letter_ref=ref)
        assert list(err.value.error_dict) == ["letter_ref"], ref
        assert message in err.value.error_dict["letter_ref"][0], ref
        assert state_of(dataset["id"]) == "verified"
        assert audit_count(dataset["id"]) == before

    letter = record_letter(world["org_a"]["id"], [dataset["id"]])
    helpers.call_action("satudata_dataset_validate", id=dataset["id"], letter_ref=letter["number"])
    assert state_of(dataset["id"]) == "validated"
    last = helpers.call_action("satudata_dataset_history", id=dataset["id"])[-1]
    assert last["letter_ref"] == letter["id"]


class ExtraRequirementPlugin(p.SingletonPlugin):
    """A site's own requirements on top of the SOP's: a keyword before ``submit``, a note
    saying who checked the letter on ``validate``. Records what it is asked."""

    p.implements(ISatudataLifecycle)
    asked: list[tuple[str, str]] = []

    def satudata_submit_problems(self, pkg, pkg_dict):
        self.asked.append(("submit", pkg.id))
        if pkg_dict.get("tags"):
            return []
        return [{"field": "tag_string", "message": "Add at least one keyword."}]

    def satudata_letter_problems(self, pkg, letter_ref, data):
        self.asked.append(("validate", pkg.id))
        if (data.get("note") or "").strip():
            return []
        return ["Say in the note who checked the letter."]


@pytest.fixture
def extra_requirement(tmp_path, monkeypatch):
    """:class:`ExtraRequirementPlugin` loaded by CKAN's plugin loader from a
    ``ckan.test_plugins`` entry point (the group of CKAN's own test plugins)."""
    import ckan.plugins

    info = tmp_path / "satudata_lifecycle_test_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: satudata-lifecycle-test-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[ckan.test_plugins]\nsatudata_extra_requirement = {__name__}:ExtraRequirementPlugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    plugin = ckan.plugins.load("satudata_extra_requirement")
    ExtraRequirementPlugin.asked.clear()
    yield plugin
    ckan.plugins.unload("satudata_extra_requirement")


def test_another_plugin_adds_requirements_the_lifecycle_honours(world, extra_requirement):
    names = [plugin.name for plugin in p.PluginImplementations(ISatudataLifecycle)]
    assert names == ["satudata_blitar", "satudata_extra_requirement"]
    editor = context_for(world, "opd_editor")

    # complete SDI metadata but no keyword: only the site's requirement speaks
    dataset = make_dataset(world)
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("satudata_dataset_submit", context=dict(editor), id=dataset["id"])
    assert err.value.error_dict == {"tag_string": ["Add at least one keyword."]}
    assert state_of(dataset["id"]) == "draft"
    # every implementation is asked: the gate's fields and the site's together
    incomplete = _draft(world, notes="")
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("satudata_dataset_submit", context=dict(editor), id=incomplete["id"])
    assert set(err.value.error_dict) == SDI_REQUIRED | {"tag_string"}

    helpers.call_action("package_patch", context=dict(editor), id=dataset["id"],
                        tags=[{"name": "kependudukan"}])
    helpers.call_action("satudata_dataset_submit", context=dict(editor), id=dataset["id"])
    helpers.call_action("satudata_dataset_verify", id=dataset["id"])
    letter = record_letter(world["org_a"]["id"], [dataset["id"]])
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("satudata_dataset_validate", id=dataset["id"], letter_ref=letter["id"])
    assert err.value.error_dict == {"letter_ref": ["Say in the note who checked the letter."]}
    assert state_of(dataset["id"]) == "verified"
    helpers.call_action("satudata_dataset_validate", id=dataset["id"], letter_ref=letter["id"],
                        note="Diperiksa Sekretariat Dinas.")
    assert state_of(dataset["id"]) == "validated"
    assert helpers.call_action("satudata_dataset_history",
                               id=dataset["id"])[-1]["letter_ref"] == letter["id"]


def test_requirements_are_not_asked_in_the_wrong_state(world, extra_requirement):
    dataset = make_dataset(world, "verified", tags=[{"name": "kependudukan"}])
    ExtraRequirementPlugin.asked.clear()
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("satudata_dataset_submit", id=dataset["id"])
    assert set(err.value.error_dict) == {"state"}
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("satudata_dataset_validate", id=make_dataset(world)["id"])
    assert set(err.value.error_dict) == {"state"}
    assert ExtraRequirementPlugin.asked == []


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
_older = itertools.count(1)


def _older_than_the_plugin(world, private: bool, **metadata: Any) -> dict[str, Any]:
    """A dataset written straight to CKAN's table, as before the plugin was enabled: no status
    row, no audit row (audit rows cannot be deleted to fake one). ``metadata`` is added
    afterwards with ``package_patch``, which writes neither."""
    pkg = model.Package(name=f"dataset-lama-{next(_older)}", title="Dataset lama",
                        type="dataset", private=private, owner_org=world["org_a"]["id"],
                        state="active")
    model.Session.add(pkg)
    model.Session.commit()
    if metadata:
        helpers.call_action("package_patch", context={"user": world["users"]["opd_editor"]["name"]},
                            id=pkg.id, **metadata)
    model.Session.expire_all()
    return {"id": pkg.id, "name": pkg.name}


def test_migration_rule_lazily_and_written_down(world):
    old_private = _older_than_the_plugin(world, True)
    old_public = _older_than_the_plugin(world, False)
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
    dataset = _older_than_the_plugin(world, True, **COMPLETE)
    helpers.call_action("satudata_dataset_submit", id=dataset["id"])
    history = helpers.call_action("satudata_dataset_history", id=dataset["id"])
    assert [(h["from_state"], h["to_state"]) for h in history] == [("draft", "submitted")]


@pytest.mark.ckan_config("ckanext.satudata_blitar.ungoverned_types", "harvest")
def test_allow_listed_types_are_not_governed(world):
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
