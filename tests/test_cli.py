"""``ckan satudata …``: roles, the migration rule for older datasets, the audit export."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories

from ckanext.satudata_blitar import lifecycle, permissions

from lifecycle_support import fresh_world, make_dataset, state_of


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for):
    yield from fresh_world(reset_db, migrate_db_for)


def _run(cli, *args):
    result = cli.invoke(ckan_cli, ["satudata", *args])
    return result


def test_role_assign_list_revoke(cli, world):
    user = factories.User(name="calon-walidata")
    result = _run(cli, "role", "assign", "calon-walidata", "walidata")
    assert result.exit_code == 0, result.output
    assert lifecycle.WALIDATA in permissions.portal_roles("calon-walidata")
    result = _run(cli, "role", "list", "--role", "walidata")
    assert "calon-walidata\twalidata" in result.output
    result = _run(cli, "role", "revoke", "calon-walidata", "walidata")
    assert result.exit_code == 0, result.output
    assert permissions.portal_roles(user["id"]) == set()


def test_role_errors(cli, world):
    result = _run(cli, "role", "assign", "tidak-ada", "walidata")
    assert result.exit_code != 0
    result = _run(cli, "role", "assign", world["users"]["opd_editor"]["name"], "raja")
    assert result.exit_code != 0
    assert permissions.portal_roles(world["users"]["opd_editor"]["name"]) == set()


def test_migrate_existing(cli, world):
    dataset = make_dataset(world)
    model.Session.execute(
        sa.text("DELETE FROM satudata_blitar_dataset_status WHERE package_id = :id"),
        {"id": dataset["id"]})
    model.Session.execute(sa.text("UPDATE package SET private = false WHERE id = :id"),
                          {"id": dataset["id"]})
    model.Session.commit()
    result = _run(cli, "migrate-existing", "--dry-run")
    assert "would set: draft=0 published=1" in result.output, result.output
    result = _run(cli, "migrate-existing")
    assert "set: draft=0 published=1" in result.output, result.output
    assert state_of(dataset["id"]) == "published"
    result = _run(cli, "migrate-existing")
    assert "set: draft=0 published=0" in result.output


def test_audit_export(cli, world, tmp_path):
    dataset = make_dataset(world, "submitted")
    target = tmp_path / "audit.csv"
    result = _run(cli, "audit-export", "--org", "opd-a", "-o", str(target))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert {"create", "submit"} <= {r["transition"] for r in rows
                                    if r["package_id"] == dataset["id"]}
    assert {r["owner_org"] for r in rows} == {world["org_a"]["id"]}
    result = _run(cli, "audit-export", "--org", "tidak-ada")
    assert result.exit_code != 0
