"""The ``satudata_blitar`` plugin: CKAN interfaces of the SOP of Satu Data Kota Blitar.

CKAN's blanket decorators register ``logic/action``, ``logic/auth``, ``logic/validators``,
``helpers``, ``views``, ``cli`` and ``config_declaration.yaml``; the methods below only hand
CKAN's events to the lifecycle, the permission rules and the data checks.
"""
from __future__ import annotations

import os
from typing import Any, Optional

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from ckanext.satudata_blitar import dbsession, i18n, lifecycle, permissions
from ckanext.satudata_blitar.checks import runner, submit
from ckanext.satudata_blitar.interfaces import ISatudataLifecycle
from ckanext.satudata_blitar.notify import events as notify_events
from ckanext.satudata_blitar.records import letters
from ckanext.satudata_blitar.views import package_types


@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.blueprints
@tk.blanket.cli
@tk.blanket.config_declarations
@tk.blanket.helpers
@tk.blanket.validators
class SatudataBlitarPlugin(DefaultTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IPermissionLabels)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(ISatudataLifecycle)

    # IConfigurer
    def update_config(self, config_: Any) -> None:
        tk.add_template_directory(config_, "templates")
        # scheming_datasets comes first in ckan.plugins, so its templates win over ours: the
        # guided dataset form (overrides/templates/scheming/…) goes on CKAN's
        # extra_template_paths, after any the site set
        overrides = os.path.join(os.path.dirname(__file__), "overrides", "templates")
        extra = [x for x in (config_.get("extra_template_paths") or "").split(",") if x]
        if overrides not in extra:
            config_["extra_template_paths"] = ",".join(extra + [overrides])
        tk.add_public_directory(config_, "public")
        tk.add_resource("assets", "satudata_blitar")
        # each role starts at its work after signing in (views/portal.py), unless the site
        # chose its own page
        if config_.get("ckan.auth.route_after_login") in (None, "", "dashboard.datasets"):
            config_["ckan.auth.route_after_login"] = "satudata_portal.start"

    # IMiddleware: links to packages of types without pages of their own; the database
    # session of a request that raised is released (dbsession.py)
    def make_middleware(self, app: Any, config_: Any) -> Any:
        return package_types.register(dbsession.register(app))

    # ITranslation (i18n/ sits at the repository root and is shipped as a sub-package)
    def i18n_directory(self) -> str:
        return os.path.dirname(i18n.__file__)

    def i18n_domain(self) -> str:
        return "ckanext-satudata_blitar"

    # IPermissionLabels
    def get_dataset_labels(self, dataset_obj: model.Package) -> list[str]:
        return permissions.dataset_labels(dataset_obj)

    def get_user_dataset_labels(self, user_obj: Optional[model.User]) -> list[str]:
        return permissions.user_labels(user_obj)

    # IPackageController
    def after_dataset_create(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        pkg = model.Package.get(pkg_dict["id"])
        if pkg is not None:
            actor = model.User.get(context.get("user") or "")
            lifecycle.record_creation(pkg, actor, permissions.creation_role(actor, pkg))

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        pkg = model.Package.get(pkg_dict["id"])
        if pkg is not None and lifecycle.is_governed(pkg):
            pkg_dict["satudata_state"] = lifecycle.get_state(pkg)
        return pkg_dict

    # IResourceController: the SDI data-standard check of CSV/XLSX uploads (never raises)
    def after_resource_create(self, context: Any, resource: dict[str, Any]) -> None:
        runner.after_resource_change(context, resource)

    def after_resource_update(self, context: Any, resource: dict[str, Any]) -> None:
        runner.after_resource_change(context, resource)

    # ISatudataLifecycle
    def satudata_submit_problems(self, pkg: model.Package,
                                 pkg_dict: dict[str, Any]) -> list[dict[str, str]]:
        return [{"field": field, "message": message}
                for field, messages in submit.submit_problems(pkg_dict).items()
                for message in messages]

    def satudata_letter_problems(self, pkg: model.Package, letter_ref: Optional[str],
                                 data: dict[str, Any]) -> list[str]:
        return letters.letter_checker(pkg, letter_ref, data)

    def satudata_after_transition(self, pkg: model.Package, transition: str,
                                  result: dict[str, Any], actor: Optional[model.User],
                                  details: dict[str, Any]) -> None:
        notify_events.on_transition(pkg, transition, result, actor, details)
