"""The ``submit`` gate: complete SDI metadata and every tabular resource passing its check.

``submit_problems(package_dict)`` is a plain function (field -> messages, empty = OK).
The plugin hands it to the lifecycle as its ``ISatudataLifecycle`` implementation.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import config
from ckanext.satudata_blitar.checks import runner
from ckanext.satudata_blitar.checks.messages import render


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return False


def _field_label(name: str) -> str:
    """Label of a scheming field in the reader's language, else the field name."""
    try:
        from ckanext.scheming.helpers import scheming_get_dataset_schema, scheming_language_text
    except ImportError:
        return name
    try:
        schema = scheming_get_dataset_schema("dataset")
    except Exception:  # noqa: BLE001 - scheming not loaded: plain field names
        schema = None
    try:
        lang = tk.h.lang()
    except RuntimeError:  # outside a request (jobs, CLI): the portal's default language
        lang = tk.config.get("ckan.locale_default") or "id"
    for field in (schema or {}).get("dataset_fields", []):
        if field["field_name"] == name:
            return scheming_language_text(field.get("label"), prefer_lang=lang) or name
    return name


def metadata_problems(package_dict: dict[str, Any]) -> dict[str, list[str]]:
    """Required SDI metadata that is still empty (configurable list)."""
    problems: dict[str, list[str]] = {}
    for name in config.submit_required_fields():
        value = package_dict.get(name)
        if name == "tag_string" and _is_empty(value):
            value = package_dict.get("tags")
        if _is_empty(value):
            problems[name] = [tk._("%(field)s must be filled in before the dataset is submitted.")
                              % {"field": _field_label(name)}]
    start, end = runner.dataset_period(package_dict)
    if start and end and end < start:
        problems.setdefault("periode_referensi_selesai", []).append(
            tk._("The last year of the reference period is before the first year."))
    return problems


def resource_problems(package_dict: dict[str, Any]) -> dict[str, list[str]]:
    """Every tabular resource must have a current, passing data check."""
    messages: list[str] = []
    for resource in package_dict.get("resources", []):
        if resource.get("state", "active") != "active" or runner.tabular_format(resource) is None:
            continue
        label = resource.get("name") or resource["id"]
        row = runner.get_check(resource["id"])
        if row is None:
            messages.append(tk._("Resource %(name)s has not been checked yet. Upload the file "
                                 "again or run the check.") % {"name": label})
        elif row.status in ("pending", "running"):
            messages.append(tk._("Resource %(name)s is still being checked. Wait for the check "
                                 "to finish, then submit again.") % {"name": label})
        elif runner.is_stale(row, resource, package_dict):
            messages.append(tk._("The file, the data standard or the reference period of "
                                 "resource %(name)s changed after its check. Run the check "
                                 "again.") % {"name": label})
        elif row.status == "skipped" and config.require_upload():
            messages.append(tk._("Resource %(name)s is a link, not an uploaded file, so it "
                                 "cannot be checked. Upload the file to the portal.")
                            % {"name": label})
        elif row.status == "failed":
            first = next((i for i in (row.report or {}).get("issues", [])
                          if i.get("severity") == "error"), None)
            detail = render(first) if first else ""
            messages.append(tk._("Resource %(name)s does not pass the data-standard check "
                                 "(%(count)s problems). First problem: %(detail)s")
                            % {"name": label, "count": row.error_count, "detail": detail})
    return {"resources": messages} if messages else {}


def submit_problems(package_dict: dict[str, Any]) -> dict[str, list[str]]:
    """What stops a dataset from being submitted for review (empty dict: nothing).

    :param package_dict: the dataset as returned by ``package_show``
    :returns: field name (or ``resources``) -> plain-language messages
    """
    if not config.submit_checks_enabled():
        return {}
    problems = metadata_problems(package_dict)
    problems.update(resource_problems(package_dict))
    return problems

