"""Shared fixtures. CKAN's own pytest plugin (``--ckan-ini=test.ini``) provides the rest."""
import os

import pytest
import sqlalchemy as sa

import ckan.model as model


@pytest.fixture(scope="session")
def reset_db(reset_db):
    """CKAN's reset, after emptying the append-only audit table with ``TRUNCATE``.

    CKAN's reset runs ``DELETE`` on every table it knows, and the audit table's row trigger
    refuses every ``DELETE`` of a row; on an empty table no row trigger fires. ``TRUNCATE``
    is the table owner's operation, as ``DROP TABLE`` in ``ckan db clean`` (see the
    migration ``audit_hash_chain``); no test-only switch exists in the trigger.
    """
    def reset() -> None:
        model.Session.close_all()
        with model.meta.engine.begin() as conn:
            if conn.execute(sa.text("SELECT to_regclass('satudata_blitar_audit')")).scalar():
                conn.execute(sa.text("TRUNCATE satudata_blitar_audit"))
        reset_db()
    return reset


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """CKAN's ``clean_db`` re-runs only core migrations: re-apply this package's tables."""
    reset_db()
    # the activity plugin (loaded in test.ini) has its own tables too
    migrate_db_for("activity")
    migrate_db_for("satudata_blitar")
    migrate_db_for("satudata_search")


# -- Solr contract suite (`bin/satudata test-solr`, deploy/README.md "Beyond one machine") ------
SOLR_URL = os.environ.get("SOLR_URL")
if SOLR_URL:
    @pytest.fixture(autouse=True)
    def _solr_instead_of_satudata_search(ckan_config, monkeypatch):
        """With ``SOLR_URL`` set, every test runs on CKAN's own Solr backend: ``satudata_search``
        is dropped from whatever plugin list the test (or its ``ckan_config`` mark) asks for,
        before ``with_plugins`` loads the list."""
        plugins = ckan_config.get("ckan.plugins") or []
        if isinstance(plugins, str):
            plugins = plugins.split()
        monkeypatch.setitem(ckan_config, "ckan.plugins",
                            " ".join(p for p in plugins if p != "satudata_search"))
        monkeypatch.setitem(ckan_config, "solr_url", SOLR_URL)
