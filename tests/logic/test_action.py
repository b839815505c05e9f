"""satudata_* actions and the chained core actions that keep "unpublished ⇔ private"."""
from __future__ import annotations

import csv
import io

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle, permissions, workdays

from lifecycle_support import (audit_count, context_for, fresh_world, make_dataset, state_of,
                               transition_params, walk)
from sop_support import record_letter


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for):
    yield from fresh_world(reset_db, migrate_db_for)


def _as(world, role, action, **data):
    return helpers.call_action(action, context=context_for(world, role), **data)


def _private(package_id: str) -> bool:
    model.Session.expire_all()
    return model.Package.get(package_id).private


# -- the happy path through the API with tokens ----------------------------------------------------
def test_full_lifecycle_through_the_api(app, world):
    users = world["users"]
    dataset = make_dataset(world)
    headers = {role: {"Authorization": users[role]["token"]} for role in users}

    def post(action, role, **data):
        return app.post(f"/api/3/action/{action}", json=data, headers=headers[role])

    steps = [
        ("satudata_dataset_submit", "opd_editor", {}, "submitted"),
        ("satudata_dataset_verify", "walidata", {"note": "Sesuai"}, "verified"),
        ("satudata_dataset_validate", "opd_admin", {}, "validated"),
        ("satudata_dataset_publish", "walidata", {}, "published"),
    ]
    letter = None
    for action, role, data, state in steps:
        if action == "satudata_dataset_validate":
            # the Head of OPD records the signed letter, then validates with its number
            letter = record_letter(world["org_a"]["id"], [dataset["id"]],
                                   context=context_for(world, "opd_admin"))
            data = {"letter_ref": letter["number"]}
        res = post(action, role, id=dataset["name"], **data)
        assert res.status_code == 200, res.body
        assert res.json["result"]["state"] == state
    assert _private(dataset["id"]) is False

    # wrong role → 403, wrong state → 409 (ValidationError), nothing changes
    res = post("satudata_dataset_withdraw", "opd_admin", id=dataset["id"], reason="x")
    assert res.status_code == 403
    res = post("satudata_dataset_verify", "walidata", id=dataset["id"])
    assert res.status_code == 409
    assert "state" in res.json["error"]
    res = post("satudata_dataset_withdraw", "walidata", id=dataset["id"], reason="Edisi baru")
    assert res.status_code == 200
    assert res.json["result"]["state"] == "draft"
    assert res.json["result"]["returned"] is True
    assert _private(dataset["id"]) is True

    history = helpers.call_action("satudata_dataset_history", id=dataset["id"])
    assert [h["transition"] for h in history] == [
        "create", "submit", "verify", "validate", "publish", "withdraw"]
    assert history[3]["letter_ref"] == letter["id"]
    assert history[3]["role"] == "opd_admin"
    assert history[5]["reason"] == "Edisi baru"


def test_unknown_dataset_is_not_found(app, world):
    res = app.post("/api/3/action/satudata_dataset_submit", json={"id": "does-not-exist"},
                   headers={"Authorization": world["users"]["opd_editor"]["token"]})
    assert res.status_code == 404
    with pytest.raises(tk.ObjectNotFound):
        helpers.call_action("satudata_dataset_status_show", id="does-not-exist")
    with pytest.raises(tk.ObjectNotFound):
        helpers.call_action("satudata_dataset_history", id="does-not-exist")


def test_missing_id_is_a_validation_error(world):
    with pytest.raises(tk.ValidationError):
        helpers.call_action("satudata_dataset_status_show")


# -- requirements of each transition -----------------------------------------------------------------
@pytest.mark.parametrize("data,fields", [
    ({}, {"reason_category", "reason"}),
    ({"reason": "Perbaiki"}, {"reason_category"}),
    ({"reason_category": "duplikasi"}, {"reason"}),
    ({"reason_category": "bukan-kategori", "reason": "x"}, {"reason_category"}),
    ({"reason_category": "duplikasi", "reason": "   "}, {"reason"}),
])
def test_return_needs_reason_and_category(world, data, fields):
    dataset = make_dataset(world, "submitted")
    before = audit_count(dataset["id"])
    with pytest.raises(tk.ValidationError) as err:
        _as(world, "walidata", "satudata_dataset_return", id=dataset["id"], **data)
    assert set(err.value.error_dict) == fields
    assert state_of(dataset["id"]) == "submitted"
    assert audit_count(dataset["id"]) == before


def test_return_records_category_and_reason(world):
    dataset = make_dataset(world, "validated")
    result = _as(world, "walidata", "satudata_dataset_return", id=dataset["id"],
                 reason_category="kode_wilayah_salah", reason="Kode kecamatan 35.72.04 tidak ada.")
    assert result["state"] == "draft" and result["returned"] is True
    last = helpers.call_action("satudata_dataset_history", id=dataset["id"])[-1]
    assert last["reason_category"] == "kode_wilayah_salah"
    assert last["reason"] == "Kode kecamatan 35.72.04 tidak ada."
    assert last["from_state"] == "validated"
    assert last["reason_category_label"]


def test_withdraw_needs_reason(world):
    dataset = make_dataset(world, "published")
    with pytest.raises(tk.ValidationError) as err:
        _as(world, "walidata", "satudata_dataset_withdraw", id=dataset["id"])
    assert set(err.value.error_dict) == {"reason"}
    assert state_of(dataset["id"]) == "published"
    assert _private(dataset["id"]) is False


@pytest.mark.parametrize("role", ["opd_admin", "walidata"])
def test_validate_needs_a_letter(world, role):
    dataset = make_dataset(world, "verified")
    for ref in (None, "L-1"):  # no letter covers it; no letter has that reference
        with pytest.raises(tk.ValidationError) as err:
            _as(world, role, "satudata_dataset_validate", id=dataset["id"], letter_ref=ref)
        assert set(err.value.error_dict) == {"letter_ref"}
        assert state_of(dataset["id"]) == "verified"
    letter = record_letter(world["org_a"]["id"], [dataset["id"]],
                           context=context_for(world, role))
    result = _as(world, role, "satudata_dataset_validate", id=dataset["id"],
                 letter_ref=letter["id"])
    assert result["state"] == "validated"


def test_walidata_validating_on_behalf_is_recorded(world):
    dataset = make_dataset(world, "verified")
    letter = record_letter(world["org_a"]["id"], [dataset["id"]])
    _as(world, "walidata", "satudata_dataset_validate", id=dataset["id"],
        letter_ref=letter["number"])
    last = helpers.call_action("satudata_dataset_history", id=dataset["id"])[-1]
    assert (last["role"], last["letter_ref"]) == ("walidata", letter["id"])


def test_sysadmin_transition_is_recorded_as_sysadmin(world):
    dataset = make_dataset(world, "submitted")
    _as(world, "sysadmin", "satudata_dataset_verify", id=dataset["id"])
    last = helpers.call_action("satudata_dataset_history", id=dataset["id"])[-1]
    assert last["role"] == "sysadmin"
    assert last["actor_name"] == world["users"]["sysadmin"]["name"]


# -- unpublished ⇔ private ------------------------------------------------------------------------------
def test_new_datasets_are_private_drafts(world):
    dataset = factories.Dataset(owner_org=world["org_a"]["id"], private=False,
                                user=world["users"]["opd_editor"])
    assert dataset["private"] is True
    assert state_of(dataset["id"]) == "draft"
    history = helpers.call_action("satudata_dataset_history", id=dataset["id"])
    assert [(h["transition"], h["to_state"], h["role"]) for h in history] == [
        ("create", "draft", "opd_editor")]


@pytest.mark.parametrize("role", ["opd_editor", "sysadmin"])
def test_datasets_outside_an_opd_are_refused(world, role):
    with pytest.raises(tk.ValidationError) as err:
        _as(world, role, "package_create", name=f"no-org-{role}", private=False)
    assert "owner_org" in err.value.error_dict
    assert model.Package.get(f"no-org-{role}") is None


@pytest.mark.parametrize("action", ["package_update", "package_patch"])
@pytest.mark.parametrize("private", [False, "false", "False", 0])
def test_private_false_is_refused_before_publication(world, action, private):
    dataset = make_dataset(world)
    data = dict(dataset) if action == "package_update" else {"id": dataset["id"]}
    data["private"] = private
    with pytest.raises(tk.ValidationError) as err:
        _as(world, "opd_editor", action, **data)
    assert "private" in err.value.error_dict
    assert _private(dataset["id"]) is True


def test_update_without_private_keeps_the_dataset_private(world):
    dataset = make_dataset(world)
    data = {k: v for k, v in dataset.items() if k != "private"}
    data["title"] = "Judul baru"
    result = _as(world, "opd_editor", "package_update", **data)
    assert result["private"] is True and result["title"] == "Judul baru"
    assert _private(dataset["id"]) is True


def test_owner_org_cannot_be_removed(world):
    dataset = make_dataset(world)
    with pytest.raises(tk.ValidationError) as err:
        _as(world, "sysadmin", "package_patch", id=dataset["id"], owner_org="")
    assert "owner_org" in err.value.error_dict


def test_internal_calls_cannot_make_a_draft_public_either(world):
    """Even with ``ignore_auth`` (other plugins, jobs), only ``publish`` makes data public."""
    dataset = make_dataset(world)
    with pytest.raises(tk.ValidationError):
        helpers.call_action("package_patch", id=dataset["id"], private=False)
    assert _private(dataset["id"]) is True


def test_bulk_update_public_is_refused_for_unpublished(world):
    datasets = [make_dataset(world, state) for state in ("draft", "validated")]
    with pytest.raises(tk.ValidationError):
        _as(world, "opd_admin", "bulk_update_public",
            datasets=[d["id"] for d in datasets], org_id=world["org_a"]["id"])
    assert all(_private(d["id"]) for d in datasets)


def test_bulk_update_private_is_refused_for_published(world):
    dataset = make_dataset(world, "published")
    with pytest.raises(tk.ValidationError):
        _as(world, "opd_admin", "bulk_update_private", datasets=[dataset["id"]],
            org_id=world["org_a"]["id"])
    assert _private(dataset["id"]) is False


def test_bulk_update_delete_is_refused_for_locked(world):
    dataset = make_dataset(world, "submitted")
    with pytest.raises(tk.ValidationError):
        _as(world, "opd_admin", "bulk_update_delete", datasets=[dataset["id"]],
            org_id=world["org_a"]["id"])
    model.Session.expire_all()
    assert model.Package.get(dataset["id"]).state == "active"


def test_bulk_update_private_and_delete_work_for_drafts(world):
    dataset = make_dataset(world)
    _as(world, "opd_admin", "bulk_update_delete", datasets=[dataset["id"]],
        org_id=world["org_a"]["id"])
    model.Session.expire_all()
    assert model.Package.get(dataset["id"]).state == "deleted"


def test_edit_form_visibility_cannot_publish(app, world):
    """The dataset edit form posting ``private=False`` is refused with a clear message."""
    dataset = make_dataset(world)
    env = {"Authorization": world["users"]["opd_editor"]["token"]}
    res = app.post(f"/dataset/edit/{dataset['name']}", headers=env, data={
        "name": dataset["name"], "title": "Judul", "owner_org": world["org_a"]["id"],
        "private": "False", "save": ""})
    assert _private(dataset["id"]) is True
    assert res.status_code in (200, 400, 409)


# -- locks ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("state", ["submitted", "verified", "validated", "published"])
@pytest.mark.parametrize("role", ["opd_editor", "opd_admin", "sysadmin"])
def test_locked_datasets_cannot_be_edited(world, state, role):
    dataset = make_dataset(world)
    resource = factories.Resource(package_id=dataset["id"], name="awal", format="PDF",
                                  url="http://example.com/awal.pdf")
    walk(dataset["id"], state)
    attempts = [
        ("package_patch", {"id": dataset["id"], "title": "diubah"}),
        ("resource_create", {"package_id": dataset["id"], "url": "http://x/y.csv"}),
        ("resource_patch", {"id": resource["id"], "name": "diubah"}),
        ("resource_delete", {"id": resource["id"]}),
        ("package_delete", {"id": dataset["id"]}),
    ]
    for action, data in attempts:
        with pytest.raises(tk.NotAuthorized) as err:
            _as(world, role, action, **data)
        message = str(err.value)
        assert lifecycle.state_label(state) in message, message
    shown = helpers.call_action("package_show", id=dataset["id"])
    assert shown["title"] != "diubah" and shown["state"] == "active"
    assert [r["name"] for r in shown["resources"]] == ["awal"]


def test_locked_message_names_state_and_holder(app, world):
    dataset = make_dataset(world, "verified")
    res = app.post("/api/3/action/package_patch", json={"id": dataset["id"], "title": "x"},
                   headers={"Authorization": world["users"]["opd_editor"]["token"]})
    assert res.status_code == 403
    message = res.json["error"]["message"]
    assert dataset["name"] in message
    # Indonesian is the default locale
    assert "Terverifikasi" in message and "Kepala OPD" in message


def test_returned_dataset_can_be_edited_again(world):
    dataset = make_dataset(world, "submitted")
    _as(world, "walidata", "satudata_dataset_return", id=dataset["id"],
        **transition_params("return"))
    result = _as(world, "opd_editor", "package_patch", id=dataset["id"], title="Sudah diperbaiki")
    assert result["title"] == "Sudah diperbaiki"
    _as(world, "opd_editor", "satudata_dataset_submit", id=dataset["id"])
    assert state_of(dataset["id"]) == "submitted"


# -- reads ---------------------------------------------------------------------------------------------
def test_status_show_lists_allowed_transitions_for_the_caller(world):
    dataset = make_dataset(world, "verified")
    expected = {
        "opd_editor": [], "opd_admin": ["validate"], "walidata": ["return", "validate"],
        "pembina": [], "sekretariat": [], "sysadmin": ["return", "validate"],
    }
    for role, allowed in expected.items():
        status = _as(world, role, "satudata_dataset_status_show", id=dataset["id"])
        assert status["state"] == "verified"
        assert status["locked"] is True
        assert sorted(status["allowed_transitions"]) == allowed, role
        assert status["deadline"]  # 5 working days for validation
        assert status["overdue"] is False


def test_status_show_for_published_is_public(world):
    dataset = make_dataset(world, "published")
    status = _as(world, "anonymous", "satudata_dataset_status_show", id=dataset["id"])
    assert status["state"] == "published" and status["allowed_transitions"] == []
    draft = make_dataset(world)
    with pytest.raises(tk.NotAuthorized):
        _as(world, "anonymous", "satudata_dataset_status_show", id=draft["id"])
    with pytest.raises(tk.NotAuthorized):
        _as(world, "other_opd", "satudata_dataset_status_show", id=draft["id"])


def test_deadline_counts_working_days(world):
    dataset = make_dataset(world, "submitted")
    status = helpers.call_action("satudata_dataset_status_show", id=dataset["id"])
    from ckanext.satudata_blitar import workdays
    import datetime
    since = datetime.datetime.fromisoformat(status["since"])
    assert status["deadline"] == workdays.add_working_days(
        workdays.local_date(since), 5).isoformat()
    assert workdays.is_overdue(datetime.date(2020, 1, 1)) is True


def test_queue_list(world):
    drafts = make_dataset(world)
    submitted = make_dataset(world, "submitted")
    verified = make_dataset(world, "verified")
    validated = make_dataset(world, "validated")
    published = make_dataset(world, "published")

    def ids(role):
        return {row["package_id"] for row in _as(world, role, "satudata_queue_list")}

    walidata = ids("walidata")
    assert {submitted["id"], validated["id"]} <= walidata
    assert not {drafts["id"], verified["id"], published["id"]} & walidata
    opd = ids("opd_editor")
    assert {drafts["id"], verified["id"]} <= opd
    assert not {submitted["id"], validated["id"], published["id"]} & opd
    assert ids("other_opd").isdisjoint({drafts["id"], verified["id"]})
    assert ids("pembina") == set()
    row = next(r for r in _as(world, "walidata", "satudata_queue_list")
               if r["package_id"] == submitted["id"])
    assert row["allowed_transitions"] == ["verify", "return"]
    assert row["deadline"] and row["overdue"] is False


def test_history_is_refused_to_outsiders(world):
    dataset = make_dataset(world, "published")
    for role in ("anonymous", "other_opd"):
        with pytest.raises(tk.NotAuthorized):
            _as(world, role, "satudata_dataset_history", id=dataset["id"])
    assert _as(world, "pembina", "satudata_dataset_history", id=dataset["id"])


def test_audit_export_csv(app, world):
    dataset = make_dataset(world, "submitted")
    _as(world, "walidata", "satudata_dataset_return", id=dataset["id"],
        reason_category="data_tidak_valid", reason='Nilai "negatif", periksa; baris 3')
    text = _as(world, "pembina", "satudata_audit_export", package_id=dataset["id"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["transition"] for r in rows] == ["create", "submit", "return"]
    assert rows[-1]["reason"] == 'Nilai "negatif", periksa; baris 3'
    assert rows[-1]["reason_category"] == "data_tidak_valid"
    assert rows[-1]["actor_name"] == world["users"]["walidata"]["name"]
    # by OPD: only that OPD's rows
    other = factories.Dataset(owner_org=world["org_b"]["id"], user=world["users"]["other_opd"])
    text = _as(world, "sekretariat", "satudata_audit_export", owner_org=world["org_b"]["id"])
    assert {r["package_id"] for r in csv.DictReader(io.StringIO(text))} == {other["id"]}
    res = app.get("/api/3/action/satudata_audit_export",
                  headers={"Authorization": world["users"]["opd_admin"]["token"]})
    assert res.status_code == 403


# -- roles ---------------------------------------------------------------------------------------------
def test_role_assign_list_revoke(world):
    user = factories.User()
    row = helpers.call_action("satudata_role_assign", user=user["name"], role="pembina")
    assert row["role"] == "pembina" and row["user_id"] == user["id"]
    # idempotent
    helpers.call_action("satudata_role_assign", user=user["id"], role="pembina")
    listed = helpers.call_action("satudata_role_list", user=user["name"])
    assert [(r["user_name"], r["role"]) for r in listed] == [(user["name"], "pembina")]
    assert user["name"] in {r["user_name"] for r in
                            helpers.call_action("satudata_role_list", role="pembina")}
    assert lifecycle.REVIEWER_LABEL in permissions.user_labels(model.User.get(user["id"]))
    helpers.call_action("satudata_role_revoke", user=user["name"], role="pembina")
    assert helpers.call_action("satudata_role_list", user=user["name"]) == []
    assert lifecycle.REVIEWER_LABEL not in permissions.user_labels(model.User.get(user["id"]))
    with pytest.raises(tk.ObjectNotFound):
        helpers.call_action("satudata_role_revoke", user=user["name"], role="pembina")


@pytest.mark.parametrize("data,exc", [
    ({"user": "nobody-here", "role": "walidata"}, tk.ObjectNotFound),
    ({"role": "walidata"}, tk.ValidationError),
    ({"user": "lc_pembina", "role": "raja"}, tk.ValidationError),
])
def test_role_assign_errors(world, data, exc):
    with pytest.raises(exc):
        helpers.call_action("satudata_role_assign", **data)


def test_role_assign_through_the_api_needs_a_sysadmin(app, world):
    user = factories.User()
    for role, status in (("walidata", 403), ("sysadmin", 200)):
        res = app.post("/api/3/action/satudata_role_assign",
                       json={"user": user["name"], "role": "sekretariat"},
                       headers={"Authorization": world["users"][role]["token"]})
        assert res.status_code == status
