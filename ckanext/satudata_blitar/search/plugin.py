"""The ``satudata_search`` plugin: CKAN dataset search answered from PostgreSQL.

See ``patch.py`` for how the backend is put in force and ``backend.py`` for the engine.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as p

from . import limits
from . import model as _model  # noqa: F401  (declares the table on CKAN's metadata)
from . import patch, views


class SatudataSearchPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.IActions)
    p.implements(p.IBlueprint)

    # IConfigurer: runs before CKAN's startup Solr schema check
    def update_config(self, config_: Any) -> None:
        patch.install()

    # IConfigurable
    def configure(self, config_: Any) -> None:
        patch.install()

    # IActions: package_search with the limits of a request from outside
    def get_actions(self) -> dict[str, Any]:
        return {"package_search": limits.package_search}

    # IBlueprint: a readable 400 wherever a search query is refused
    def get_blueprint(self) -> Any:
        return views.search_limits
