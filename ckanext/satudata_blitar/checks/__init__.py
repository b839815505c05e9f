"""Data-standard checks of Satu Data Indonesia (frictionless 5) and the ``submit`` gate.

Public entry points:

* :func:`submit_problems` — what stops a dataset from being submitted (field -> messages).
* :func:`ckanext.satudata_blitar.checks.engine.check_file` — check one CSV/XLSX file.
* :mod:`ckanext.satudata_blitar.checks.runner` — check a resource now or as a job.
"""
from __future__ import annotations

from typing import Any


def submit_problems(package_dict: dict[str, Any]) -> dict[str, list[str]]:
    """What stops a dataset from being submitted for review (empty dict: nothing).

    :param package_dict: the dataset as returned by ``package_show``
    :returns: field name (or ``resources``) -> plain-language messages
    """
    from ckanext.satudata_blitar.checks.submit import submit_problems as _impl

    return _impl(package_dict)


__all__ = ["submit_problems"]
