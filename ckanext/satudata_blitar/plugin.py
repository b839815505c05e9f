"""Wiring of the ``satudata_blitar`` plugin: the SOP lifecycle of Satu Data Kota Blitar.

Only interface wiring lives here; rules live in ``lifecycle.py`` and ``logic/``.
"""
from __future__ import annotations

import os

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from ckanext.satudata_blitar import i18n as _i18n_pkg


@tk.blanket.config_declarations
class SatudataBlitarPlugin(DefaultTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)

    # IConfigurer
    def update_config(self, config_):
        tk.add_template_directory(config_, "templates")
        tk.add_public_directory(config_, "public")
        tk.add_resource("assets", "satudata_blitar")

    # ITranslation
    def i18n_directory(self) -> str:
        # i18n/ sits at the repository root and is shipped as a sub-package.
        return os.path.dirname(_i18n_pkg.__file__)

    def i18n_domain(self) -> str:
        return "ckanext-satudata_blitar"
