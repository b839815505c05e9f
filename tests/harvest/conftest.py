"""Fixtures of the harvester tests: an SDI dataset and datasets in the states harvesters meet."""
from __future__ import annotations

from typing import Any

import pytest

from ckan.tests import factories, helpers

from harvest_support import COMPLETE, SDI_FIELDS, upload_csv, walk, withdraw


@pytest.fixture
def harvest_world(clean_db, with_request_context) -> dict[str, Any]:
    """One OPD, one sector and datasets in the states a harvester may meet.

    ``published`` (full SDI metadata, in sector ``kependudukan``, an uploaded CSV), ``draft``,
    ``validated`` (still private), ``withdrawn`` (published once, then withdrawn); each walked
    through the real gates.
    """
    sysadmin = factories.Sysadmin()
    org = factories.Organization(name="dispendukcapil", title="Dinas Kependudukan dan "
                                 "Pencatatan Sipil")
    group = factories.Group(name="kependudukan", title="Kependudukan")
    common = {"owner_org": org["id"], "user": sysadmin}

    published = factories.Dataset(
        name="penduduk-kelurahan-2025", title="Jumlah Penduduk menurut Kelurahan, 2025",
        tags=[{"name": "penduduk"}, {"name": "kelurahan"}], groups=[{"name": group["name"]}],
        **dict(COMPLETE, **SDI_FIELDS), **common)
    upload_csv(published["id"], "penduduk.csv", name="Penduduk 2025")
    walk(published["id"], "published")
    draft = factories.Dataset(name="draf-rahasia", title="Draf rahasia", **common)
    validated = factories.Dataset(name="sudah-divalidasi", title="Sudah divalidasi",
                                  **COMPLETE, **common)
    walk(validated["id"], "validated")
    withdrawn = factories.Dataset(name="ditarik-2024", title="Ditarik 2024", **COMPLETE,
                                  **common)
    walk(withdrawn["id"], "published")
    withdraw(withdrawn["id"], reason="RAHASIA-ALASAN-INTERNAL")
    return {"sysadmin": sysadmin, "org": org, "group": group,
            "published": helpers.call_action("package_show", id=published["id"]),
            "draft": draft, "validated": validated, "withdrawn": withdrawn}


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker of the real-client tests (``-m "not slow"`` skips them)."""
    config.addinivalue_line(
        "markers", "slow: starts real CKAN sites and harvesters (minutes, not seconds)")
