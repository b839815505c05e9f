"""Fixtures of the report tests: the fixture year, built once per module."""
from __future__ import annotations

from typing import Any

import pytest

from .support import build_year


@pytest.fixture(scope="module")
def year_world(reset_db, migrate_db_for) -> dict[str, Any]:
    """A clean database with the fixture year 2025 (see ``support.py``)."""
    import ckan.plugins

    ckan.plugins.load_all()
    reset_db()
    migrate_db_for("activity")
    migrate_db_for("satudata_blitar")
    migrate_db_for("satudata_search")
    return build_year()
