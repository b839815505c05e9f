"""demo/records.py builds agreed Daftar Data, statements and an overdue statement."""
from __future__ import annotations

import importlib.util
import os

import pytest

from ckan.tests import factories, helpers

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

_DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "demo")
_PATH = os.path.join(_DEMO, "records.py")


def test_demo_records(monkeypatch):
    monkeypatch.syspath_prepend(_DEMO)  # demo scripts import their siblings (pdf.py)
    spec = importlib.util.spec_from_file_location("demo_records", _PATH)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)  # type: ignore[union-attr]
    orgs = []
    for name, title in (("dinkes", "Dinas Kesehatan"), ("diskominfotik", "Diskominfotik")):
        factories.User(name=f"{name}-kepala")
        orgs.append(factories.Organization(name=name, title=title, users=[
            {"name": f"{name}-kepala", "capacity": "admin"}]))
    datasets = [{"title": "Jumlah Fasilitas Kesehatan, 2025", "owner_org": "dinkes"},
                {"title": "Cakupan Imunisasi, 2025", "owner_org": "dinkes"},
                {"title": "Titik Wifi Publik, 2025", "owner_org": "diskominfotik"}]
    demo.load_records(datasets, orgs)
    demo.load_records(datasets, orgs)  # idempotent
    lists = helpers.call_action("satudata_daftar_data_list")
    assert [(d["year"], d["status"]) for d in lists] == [(2026, "agreed"), (2025, "agreed")]
    statements = helpers.call_action("satudata_statement_list")
    assert sorted((s["year"], s["owner_org_name"]) for s in statements) == [
        (2025, "dinkes"), (2025, "diskominfotik"), (2026, "dinkes")]
    sysadmin = factories.Sysadmin()
    overdue = [e for e in helpers.call_action("satudata_deadline_list",
                                              context={"user": sysadmin["name"]})
               if e["kind"] == "statement"]
    assert [(e["year"], e["overdue"]) for e in overdue] == [(2026, True)]
