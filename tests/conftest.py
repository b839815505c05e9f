"""Shared fixtures. CKAN's own pytest plugin (``--ckan-ini=test.ini``) provides the rest."""
import pytest


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """CKAN's ``clean_db`` re-runs only core migrations: re-apply this package's tables."""
    reset_db()
    # the activity plugin (loaded in test.ini) has its own tables too
    migrate_db_for("activity")
    migrate_db_for("satudata_blitar")
    migrate_db_for("satudata_search")
