"""Typed access to every option of ``config_declaration.yaml`` (the defaults live there).

Code reads the extension's settings only through these functions, so each option has one
name, one type and one default.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

_PREFIX = "ckanext.satudata_blitar."


def _get(key: str) -> Any:
    return tk.config.get(_PREFIX + key)


def _list(key: str) -> tuple[str, ...]:
    value = _get(key) or []
    if isinstance(value, str):
        value = value.split()
    return tuple(value)


# -- region and calendar ---------------------------------------------------------------------
def region_code() -> str:
    """Kemendagri code of the region the portal serves (Kota Blitar: ``35.72``)."""
    return str(_get("region_code") or "35.72")


def region_name() -> str:
    """Name of the region, shown in the UI, messages and reports."""
    return str(_get("region_name") or "Kota Blitar")


def logo() -> str:
    """The city's logo in the header (a public path or a URL); '' when none is set."""
    return str(_get("logo") or "").strip()


def timezone_name() -> str:
    """Time zone in which SOP dates are counted (WIB)."""
    return str(_get("timezone") or "Asia/Jakarta")


def extra_days_off() -> tuple[str, ...]:
    """Local days off (``YYYY-MM-DD[:Name]``) added to the national holidays."""
    return _list("extra_days_off")


def working_days_override() -> tuple[str, ...]:
    """Dates that are working days although the ``holidays`` package lists them as off."""
    return _list("working_days_override")


# -- lifecycle -------------------------------------------------------------------------------
def ungoverned_types() -> tuple[str, ...]:
    """Package types outside the publication lifecycle (sysadmins only); every other type is
    governed."""
    return _list("ungoverned_types")


#: the SOP time standards, by step (option ``ckanext.satudata_blitar.days.<step>``)
STEPS = ("verification", "validation", "agreement", "statement")


def step_days(step: str) -> int:
    """Working days the SOP gives a step: ``verification``, ``validation``, ``agreement``,
    ``statement``."""
    if step not in STEPS:
        raise KeyError(step)
    return int(_get(f"days.{step}"))


# -- data checks and submit ------------------------------------------------------------------
def sync_max_bytes() -> int:
    """Files up to this size are checked during the upload; larger ones by a background job."""
    return int(_get("checks.sync_max_bytes"))


def limit_errors() -> int:
    """Stop listing problems of one file after this many."""
    return int(_get("checks.limit_errors"))


def job_queue() -> str:
    """RQ queue of the background checks."""
    return str(_get("checks.job_queue") or "default")


def xlsx_max_uncompressed_bytes() -> int:
    """An XLSX whose parts unpack to more than this is refused before it is opened."""
    return int(_get("xlsx_max_uncompressed_mb") or 200) * 1024 * 1024


def xlsx_max_cells() -> int:
    """Largest sheet (rows times columns) read from an XLSX."""
    return int(_get("xlsx_max_cells") or 20_000_000)


def submit_checks_enabled() -> bool:
    """Whether ``submit`` requires complete SDI metadata and passing data checks."""
    return bool(_get("submit_checks"))


def submit_required_fields() -> list[str]:
    """Dataset fields that must be filled in before ``submit``."""
    return list(_get("submit_required_fields") or [])


def require_upload() -> bool:
    """Whether a linked (not uploaded) CSV/XLSX blocks ``submit`` because it cannot be checked."""
    return bool(_get("checks.require_upload"))


# -- records ---------------------------------------------------------------------------------
def letter_max_bytes() -> int:
    """Largest signed PDF (letters, statements) accepted, in bytes."""
    return int(_get("letter_max_mb") or 5) * 1024 * 1024


# -- annual report ---------------------------------------------------------------------------
def report_government_name() -> str:
    return str(_get("report.government_name") or "Pemerintah Kota Blitar")


def report_agency_name() -> str:
    return str(_get("report.agency_name") or "Dinas Komunikasi, Informatika dan Statistik")


def report_job_queue() -> str:
    return str(_get("report.job_queue") or "default")


def report_pdf_list_limit() -> int:
    return int(_get("report.pdf_list_limit") or 300)


# -- notifications ---------------------------------------------------------------------------
def notify_job_queue() -> str:
    """RQ queue of the jobs that send notification mail."""
    return str(_get("notify.job_queue") or "default")


def notify_retry_minutes() -> tuple[int, ...]:
    """Minutes to wait before each new attempt of a mail the SMTP server did not take."""
    return tuple(int(v) for v in _list("notify.retry_minutes"))


def notify_due_soon_days() -> int:
    """The digest lists what is due within this many working days (and what is overdue)."""
    return int(_get("notify.due_soon_days") or 2)


def notify_escalate_after_days() -> int:
    """Working days overdue after which an item is copied once to the one above."""
    return int(_get("notify.escalate_after_days") or 3)
