"""Blueprints of satudata_blitar picked up by ``checks/wiring.blueprints`` (``get_blueprint``).

``workflow`` holds the pages of each SOP role: Dataset Saya (OPD producer), the Walidata
queue, the transition confirmations, validation-letter recording, the Pembina Data overview
and the Sekretariat SDI page.
"""
from __future__ import annotations

from flask import Blueprint

from ckanext.satudata_blitar.views.workflow import workflow


def get_blueprint() -> list[Blueprint]:
    """Blueprints registered by the plugin."""
    return [workflow]
