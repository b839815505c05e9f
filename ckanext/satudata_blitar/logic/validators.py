"""Validators of the SDI dataset schema (``schemas/dataset.yaml``).

They check the form of a value only; whether a field is filled in at all is checked when
the dataset is submitted (``checks/submit.py`` ``submit_problems``), so drafts stay incomplete-able.
"""
from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

_SDS_RE = re.compile(r"^[A-Z]{1,2}\d{5}\.\d{2}\.\d{2}$")
_PERIOD_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?(/\d{4}(-(0[1-9]|1[0-2]))?)?$")


def satudata_year(value: Any) -> str:
    """A four-digit year between 1900 and 2100."""
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= 2100:
        raise tk.Invalid(tk._("Enter a year with four digits, e.g. 2025."))
    return text


def satudata_period_end(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                        context: Context) -> None:
    """The last year of the reference period is not before the first year."""
    end = data.get(key)
    start = data.get(key[:-1] + ("periode_referensi_mulai",))
    try:
        if end and start and int(str(end)) < int(str(start)):
            errors[key].append(tk._("The last year cannot be before the first year."))
    except ValueError:
        return


def satudata_sds_code(value: Any) -> Any:
    """A national SDS code like SP00001.00.00 (Peraturan BPS 4/2021), or empty."""
    if value in (None, ""):
        return value
    text = str(value).strip()
    if not _SDS_RE.match(text):
        raise tk.Invalid(tk._("An SDS code looks like SP00001.00.00: 1-2 capital letters, five "
                              "digits, then two groups of two digits."))
    return text


def satudata_period_text(value: Any) -> Any:
    """Period covered by a resource: ``2025``, ``2025-06`` or ``2025-01/2025-06``."""
    if value in (None, ""):
        return value
    text = str(value).strip()
    if not _PERIOD_RE.match(text):
        raise tk.Invalid(tk._("Write the period as 2025, 2025-06 or 2025-01/2025-06."))
    return text

