"""Wiring of the ``satudata_blitar`` plugin: the SOP lifecycle of Satu Data Kota Blitar.

Only interface wiring lives here; rules live in ``lifecycle.py`` and ``logic/``.
"""
from __future__ import annotations

import os

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from ckanext.satudata_blitar import i18n as _i18n_pkg
from ckanext.satudata_blitar import lifecycle
from ckanext.satudata_blitar.checks import runner as _checks_runner
from ckanext.satudata_blitar.checks import wiring as _sdi
from ckanext.satudata_blitar.views import helpers as _workflow_helpers
from ckanext.satudata_blitar import records as _records
from ckanext.satudata_blitar.logic import records as _records_logic
from ckanext.satudata_blitar import records_views as _records_views
from ckanext.satudata_blitar.report import logic as _report_logic  # annual report
from ckanext.satudata_blitar import report_views as _report_views  # annual report


@tk.blanket.config_declarations
# actions/auth/helpers: the blanket modules (logic/action.py, logic/auth.py, helpers.py) merged
# with the SDI checks' own modules by checks/wiring.py; keep the wiring functions as subjects.
@tk.blanket.actions(lambda: {**_sdi.actions(), **_records_logic.get_actions(), **_report_logic.get_actions()})  # + SOP records
@tk.blanket.auth_functions(lambda: {**_sdi.auth_functions(), **_records_logic.get_auth_functions(), **_report_logic.get_auth_functions()})  # + SOP records
@tk.blanket.helpers(lambda: {**_sdi.helpers(), **_workflow_helpers.HELPERS})  # + workflow pages
@tk.blanket.validators(_sdi.validators)
@tk.blanket.blueprints(lambda: [*_sdi.blueprints(), _records_views.records, _report_views.report])  # + SOP records
@tk.blanket.cli
class SatudataBlitarPlugin(DefaultTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IPermissionLabels)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IResourceController, inherit=True)

    # IConfigurer
    def update_config(self, config_):
        tk.add_template_directory(config_, "templates")
        tk.add_public_directory(config_, "public")
        tk.add_resource("assets", "satudata_blitar")
        # submit requires complete SDI metadata and passing data checks (issue 5)
        _sdi.register_submit_checker()
        # validate requires a validation letter covering the dataset (issue 6)
        lifecycle.set_letter_checker(_records.letter_checker)

    # ITranslation
    def i18n_directory(self) -> str:
        # i18n/ sits at the repository root and is shipped as a sub-package.
        return os.path.dirname(_i18n_pkg.__file__)

    def i18n_domain(self) -> str:
        return "ckanext-satudata_blitar"

    # IPermissionLabels (lifecycle: public only when published)
    def get_dataset_labels(self, dataset_obj):
        return lifecycle.dataset_labels(dataset_obj)

    def get_user_dataset_labels(self, user_obj):
        return lifecycle.user_labels(user_obj)

    # IPackageController
    def after_dataset_create(self, context, pkg_dict):
        pkg = model.Package.get(pkg_dict["id"])
        if pkg is not None:
            lifecycle.record_creation(pkg, model.User.get(context.get("user") or ""))

    def before_dataset_index(self, pkg_dict):
        pkg = model.Package.get(pkg_dict["id"])
        if pkg is not None and lifecycle.is_governed(pkg):
            pkg_dict["satudata_state"] = lifecycle.get_state(pkg)
        return pkg_dict

    # IResourceController (SDI data-standard check of CSV/XLSX uploads; never raises)
    def after_resource_create(self, context, resource):
        _checks_runner.after_resource_change(context, resource)

    def after_resource_update(self, context, resource):
        _checks_runner.after_resource_change(context, resource)
