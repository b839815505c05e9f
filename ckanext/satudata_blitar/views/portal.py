"""The city's site: where each role starts after signing in.

=====================================  ==========================================================
``/satudata/mulai``                    redirects to the signed-in user's first page
                                       (``portal.start_endpoint``); CKAN's
                                       ``ckan.auth.route_after_login`` points here
=====================================  ==========================================================
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import portal
from ckanext.satudata_blitar.views import data as d

site = Blueprint("satudata_portal", __name__, url_prefix="/satudata")


def start() -> Any:
    """The signed-in user's work: Antrean, Sekretariat, Pembina, Dataset Saya or the dashboard;
    an anonymous visitor goes to the home page."""
    return tk.redirect_to(portal.start_endpoint(d.user_name() or None))


site.add_url_rule("/mulai", view_func=start, endpoint="start")
