"""The ``satudata_search`` plugin: CKAN dataset search answered from PostgreSQL.

See ``patch.py`` for how the backend is put in force and ``backend.py`` for the engine.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as p

from . import model as _model  # noqa: F401  (declares the table on CKAN's metadata)
from . import patch


class SatudataSearchPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)

    # IConfigurer: runs before CKAN's startup Solr schema check
    def update_config(self, config_: Any) -> None:
        patch.install()

    # IConfigurable
    def configure(self, config_: Any) -> None:
        patch.install()
