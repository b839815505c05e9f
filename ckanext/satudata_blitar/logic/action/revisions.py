"""Actions of revisions of published datasets and of their published versions (issue 15;
mechanism in ``revisions.py`` and ``docs/revisions.md``).

``satudata_revision_start`` copies a published dataset into a private revision package; the
producer edits that package with CKAN's forms and API (``package_update``, ``resource_create``
…), and the revision walks the lifecycle through the lifecycle's own actions on it
(``satudata_dataset_submit`` / ``verify`` / ``return`` / ``validate`` / ``publish`` with the
revision package's id): same gate, same letter check, same audit trail. Publishing it
replaces the published version atomically. ``satudata_revision_discard`` throws a draft
revision away.
"""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.satudata_blitar import lifecycle, permissions, revisions
from ckanext.satudata_blitar.logic import schema
from ckanext.satudata_blitar.logic.common import context_user as _context_user

__all__ = ["satudata_revision_start", "satudata_revision_discard", "satudata_revision_show",
           "satudata_revision_list", "satudata_revision_diff", "satudata_version_list",
           "satudata_version_show"]


def _dataset(ident: str) -> model.Package:
    pkg = model.Package.get(ident)
    if pkg is None or pkg.state == "deleted" or revisions.is_shadow(pkg):
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return pkg


def _revision_dict(rev: Any) -> dict[str, Any]:
    """A revision with its package's name and lifecycle state (while it is open)."""
    out = rev.as_dict()
    shadow = model.Package.get(rev.shadow_id) if rev.state == "open" else None
    out["shadow_name"] = shadow.name if shadow is not None else None
    state = lifecycle.get_state(shadow) if shadow is not None else rev.state
    out["lifecycle_state"] = state
    out["lifecycle_state_label"] = (lifecycle.state_label(state) if shadow is not None
                                    else revisions.revision_state_label(rev.state))
    return out


@schema.validate(schema.revision_start)
def satudata_revision_start(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Start a revision of a published dataset: a private copy (metadata, resources, their
    files and data checks) that the OPD edits while the public keeps the published version.

    One pending revision per dataset; the dataset must be published.

    :param id: id or name of the published dataset
    :type id: string
    :returns: the revision (``id``, ``shadow_id``, ``shadow_name`` — the package to edit —,
        ``number``, ``state``)
    :rtype: dictionary
    """
    pkg = _dataset(data_dict["id"])
    tk.check_access("satudata_revision_start", context, {"id": pkg.id})
    rev = revisions.start(pkg, _context_user(context))
    return _revision_dict(rev)


@schema.validate(schema.revision_discard)
def satudata_revision_discard(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Throw a draft revision away (its package is purged; nothing public changed).

    :param id: the revision's id, or its package's id or name
    :type id: string
    :param note: optional note for the audit trail
    :type note: string
    :rtype: dictionary
    """
    tk.check_access("satudata_revision_discard", context, data_dict)
    rev = revisions.get_revision(data_dict["id"])
    shadow = model.Package.get(rev.shadow_id)
    if rev.state != "open" or shadow is None:
        raise tk.ValidationError({"id": [tk._("This revision is closed already.")]})
    user = _context_user(context)
    role = permissions.acting_role(user, shadow, "discard") or lifecycle.SYSTEM
    lifecycle.apply_transition(shadow, "discard", user, role, note=data_dict.get("note"),
                               defer_commit=bool(context.get("defer_commit")))
    model.Session.refresh(rev)
    return _revision_dict(rev)


@tk.side_effect_free
@schema.validate(schema.revision_show)
def satudata_revision_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """A revision: its dataset, number, state and (while open) its package and lifecycle state.

    :param id: the revision's id, or its package's id or name
    :type id: string
    :rtype: dictionary
    """
    tk.check_access("satudata_revision_show", context, data_dict)
    return _revision_dict(revisions.get_revision(data_dict["id"]))


@tk.side_effect_free
@schema.validate(schema.revision_list)
def satudata_revision_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Every revision of a dataset (open, published, discarded), newest first.

    :param id: id or name of the dataset
    :type id: string
    :rtype: list of dictionaries
    """
    pkg = _dataset(data_dict["id"])
    tk.check_access("satudata_revision_list", context, {"id": pkg.id})
    return [_revision_dict(rev) for rev in revisions.revisions_of(pkg.id)]


@tk.side_effect_free
@schema.validate(schema.revision_diff)
def satudata_revision_diff(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """What an open revision changes against the published version: metadata fields side by
    side, resources kept, added, removed or replaced (SHA-256 of each file), and for CSV/XLSX
    a summary of rows added, removed and changed (by the key the data standard declares).

    :param id: the revision's id, or its package's id or name
    :type id: string
    :rtype: dictionary
    """
    tk.check_access("satudata_revision_diff", context, data_dict)
    rev = revisions.get_revision(data_dict["id"])
    if rev.state != "open":
        raise tk.ValidationError({"id": [tk._(
            "This revision is closed: compare the published versions instead.")]})
    return revisions.diff(rev)


@tk.side_effect_free
@schema.validate(schema.version_list)
def satudata_version_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The published versions of a dataset, newest first: number, time, publisher, letter,
    resources with the SHA-256 of each file.

    :param id: id or name of the dataset
    :type id: string
    :rtype: list of dictionaries
    """
    pkg = _dataset(data_dict["id"])
    tk.check_access("satudata_version_list", context, {"id": pkg.id})
    return [v.as_dict(full=False) for v in revisions.versions_of(pkg.id)]


@tk.side_effect_free
@schema.validate(schema.version_show)
def satudata_version_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One published version of a dataset with its metadata as the public saw it.

    :param id: id or name of the dataset
    :type id: string
    :param version: the version number (1 = first publication)
    :type version: int
    :rtype: dictionary
    """
    pkg = _dataset(data_dict["id"])
    tk.check_access("satudata_version_show", context, {"id": pkg.id})
    for version in revisions.versions_of(pkg.id):
        if version.number == data_dict["version"]:
            return version.as_dict()
    raise tk.ObjectNotFound(tk._("Version not found"))
