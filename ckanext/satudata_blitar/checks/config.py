"""Typed getters of the SDI-check options (declared in ``config_declaration.yaml``)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

DEFAULT_REQUIRED_FIELDS = [
    "title", "notes", "owner_org", "maintainer", "maintainer_email", "frequency",
    "periode_referensi_mulai", "cakupan_wilayah", "konsep", "definisi", "satuan",
]


def sync_max_bytes() -> int:
    """Files up to this size are checked during the upload; larger ones by a background job."""
    return tk.config.get("ckanext.satudata_blitar.checks.sync_max_bytes")


def limit_errors() -> int:
    """Stop listing problems of one file after this many."""
    return tk.config.get("ckanext.satudata_blitar.checks.limit_errors")


def job_queue() -> str:
    """RQ queue of the background checks."""
    return tk.config.get("ckanext.satudata_blitar.checks.job_queue")


def submit_checks_enabled() -> bool:
    """Whether ``submit`` requires complete SDI metadata and passing data checks."""
    return tk.config.get("ckanext.satudata_blitar.submit_checks")


def submit_required_fields() -> list[str]:
    """Dataset fields that must be filled in before ``submit``."""
    return tk.config.get("ckanext.satudata_blitar.submit_required_fields") or []


def require_upload() -> bool:
    """Whether a linked (not uploaded) CSV/XLSX blocks ``submit`` because it cannot be checked."""
    return tk.config.get("ckanext.satudata_blitar.checks.require_upload")


def region_name() -> str:
    """Region named in area-code messages."""
    return tk.config.get("ckanext.satudata_blitar.region_name") or "Kota Blitar"
