"""The ``satudata_harvest`` plugin: what harvesters get from this portal.

* the ``satudata_change_feed`` action and its ``/satudata/changes.{json,atom}`` endpoints,
* ``/dcat.json`` items with ``identifier`` and SDI fields (chained ``dcat_datasets_list``).

It is a plugin of its own because ``satudata_blitar`` takes its actions and auth functions
from ``logic/`` through CKAN's blanket decorators, which own ``get_actions``; enable it after
``dcat`` and ``dcat_json_interface``. The RDF profile is the ``satudata_sdi`` entry point
(``ckan.rdf.profiles``), used by the ``dcat`` plugin.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as p

from ckanext.satudata_blitar.harvest import feed
from ckanext.satudata_blitar.harvest import views as harvest_views


class SatudataHarvestPlugin(p.SingletonPlugin):
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IBlueprint)

    # IActions
    def get_actions(self) -> dict[str, Any]:
        actions: dict[str, Any] = {"satudata_change_feed": feed.satudata_change_feed}
        if p.plugin_loaded("dcat_json_interface"):
            actions["dcat_datasets_list"] = feed.dcat_datasets_list
        return actions

    # IAuthFunctions
    def get_auth_functions(self) -> dict[str, Any]:
        return {"satudata_change_feed": feed.satudata_change_feed_auth}

    # IBlueprint
    def get_blueprint(self) -> list[Any]:
        return [harvest_views.satudata_harvest]
