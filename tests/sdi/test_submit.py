"""The submit gate: complete SDI metadata and passing data checks (wired into the lifecycle)."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories

from ckanext.satudata_blitar.checks.submit import submit_problems

from .conftest import call, indonesian, upload
from .test_schema import FULL

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db")]
GATE = "ckanext.satudata_blitar.submit_checks"


def _complete(org_id, **kw):
    data = dict(FULL, name="lengkap", owner_org=org_id)
    data.update(kw)
    return call("package_create", **data)


def _with_file(dataset, fixture):
    call("resource_create", package_id=dataset["id"], format="CSV", url="",
                        upload=upload(fixture, fixture), name=fixture)
    return call("package_show", id=dataset["id"])


def test_incomplete_metadata_is_listed_by_field():
    dataset = call("package_create", name="draf",
                                  owner_org=factories.Organization()["id"])
    problems = submit_problems(dataset)
    for field in ("notes", "maintainer", "frequency", "periode_referensi_mulai",
                  "cakupan_wilayah", "konsep", "definisi", "satuan"):
        assert field in problems, field
    assert "title" not in problems  # title falls back to the name


def test_complete_metadata_and_passing_file_is_ok():
    dataset = _with_file(_complete(factories.Organization()["id"]), "wifi_valid.csv")
    assert submit_problems(dataset) == {}


def test_failing_file_blocks_with_its_first_problem():
    dataset = _with_file(_complete(factories.Organization()["id"]), "wifi_area_unknown.csv")
    problems = submit_problems(dataset)
    assert list(problems) == ["resources"]
    assert "35.72.9" in problems["resources"][0]
    assert "wifi_area_unknown.csv" in problems["resources"][0]


def test_changing_the_reference_period_makes_the_check_stale():
    dataset = _with_file(_complete(factories.Organization()["id"]), "wifi_valid.csv")
    call("package_patch", id=dataset["id"], periode_referensi_mulai="2024",
                        periode_referensi_selesai="2024")
    dataset = call("package_show", id=dataset["id"])
    problems = submit_problems(dataset)
    assert "resources" in problems and "changed" in problems["resources"][0]
    res_id = dataset["resources"][0]["id"]
    rerun = call("satudata_resource_check_run", id=res_id)
    assert rerun["status"] == "failed"  # rows of 2025 are now outside 2024
    assert rerun["report"]["issues"][0]["code"] == "year-outside-period"


def test_required_fields_are_configurable(monkeypatch):
    monkeypatch.setitem(tk.config, "ckanext.satudata_blitar.submit_required_fields",
                        ["title", "satuan"])
    dataset = call("package_create", name="draf2",
                                  owner_org=factories.Organization()["id"])
    assert list(submit_problems(dataset)) == ["satuan"]


def test_gate_is_on_unless_switched_off():
    """The default, and the suite's config: every test walks datasets through the gate."""
    from ckanext.satudata_blitar import config

    assert config.submit_checks_enabled() is True


def test_gate_can_be_switched_off(monkeypatch):
    monkeypatch.setitem(tk.config, GATE, False)
    dataset = call("package_create", name="draf3",
                                  owner_org=factories.Organization()["id"])
    assert submit_problems(dataset) == {}


def test_lifecycle_submit_is_refused_with_field_errors():
    dataset = call("package_create", name="draf4",
                                  owner_org=factories.Organization()["id"])
    with pytest.raises(tk.ValidationError) as exc:
        call("satudata_dataset_submit", id=dataset["id"])
    errors = exc.value.error_dict
    assert "konsep" in errors and "satuan" in errors


def test_lifecycle_submit_passes_when_complete():
    dataset = _with_file(_complete(factories.Organization()["id"]), "wifi_valid.csv")
    status = call("satudata_dataset_submit", id=dataset["id"])
    assert status["state"] == "submitted"


def test_indonesian_catalog_has_the_check_messages():
    from ckanext.satudata_blitar.checks.messages import TEMPLATES

    missing = [code for code, msgid in TEMPLATES.items()
               if msgid != "%(note)s" and indonesian(msgid) == msgid]
    assert missing == []
    assert indonesian("Row %(row)s, column %(column)s: ") == "Baris %(row)s, kolom %(column)s: "
