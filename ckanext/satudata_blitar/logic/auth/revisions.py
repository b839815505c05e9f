"""Auth functions of revisions and versions (issue 15), each named after its action and
delegating to one rule of ``permissions.py``. A revision's own steps (submit, verify, return,
validate, publish) are the lifecycle's actions on the revision's package, with their auth."""
from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.satudata_blitar import permissions
from ckanext.satudata_blitar.logic.common import auth_result
from ckanext.satudata_blitar.logic.common import context_user as _user
from ckanext.satudata_blitar.logic.common import ref as _ref

__all__ = ["satudata_revision_start", "satudata_revision_discard", "satudata_revision_show",
           "satudata_revision_list", "satudata_revision_diff", "satudata_version_list",
           "satudata_version_show"]


def _package(data_dict: DataDict) -> model.Package:
    ident = _ref(data_dict.get("id")) if isinstance(data_dict, dict) else None
    pkg = model.Package.get(ident) if ident else None
    if pkg is None:
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return pkg


def _revision_package(data_dict: DataDict) -> model.Package:
    """The published dataset of a revision given by its id or its package's id or name."""
    from ckanext.satudata_blitar import revisions  # noqa: PLC0415

    ident = _ref(data_dict.get("id")) if isinstance(data_dict, dict) else None
    rev = revisions.get_revision(ident or "")
    pkg = model.Package.get(rev.package_id)
    if pkg is None:
        raise tk.ObjectNotFound(tk._("Revision not found"))
    return pkg


def _history(context: Context, pkg: model.Package) -> AuthResult:
    if permissions.permission_view_history(_user(context), pkg):
        return {"success": True}
    return {"success": False,
            "msg": tk._("Only members of the dataset's OPD, Walidata, Pembina Data and "
                        "Sekretariat SDI may read its revisions and versions.")}


def satudata_revision_start(context: Context, data_dict: DataDict) -> AuthResult:
    """The producers and the head of the dataset's OPD, sysadmins."""
    return auth_result(permissions.permission_revision_start(_user(context),
                                                             _package(data_dict)))


def satudata_revision_discard(context: Context, data_dict: DataDict) -> AuthResult:
    """The producers and the head of the dataset's OPD, sysadmins (``discard``)."""
    from ckanext.satudata_blitar import revisions  # noqa: PLC0415

    ident = _ref(data_dict.get("id")) if isinstance(data_dict, dict) else None
    rev = revisions.get_revision(ident or "")
    shadow = model.Package.get(rev.shadow_id)
    if shadow is None:
        raise tk.ObjectNotFound(tk._("Revision not found"))
    return auth_result(permissions.permission_transition(_user(context), shadow, "discard"))


def satudata_revision_show(context: Context, data_dict: DataDict) -> AuthResult:
    """The OPD's members, the SOP roles and sysadmins."""
    return _history(context, _revision_package(data_dict))


def satudata_revision_list(context: Context, data_dict: DataDict) -> AuthResult:
    """The OPD's members, the SOP roles and sysadmins."""
    return _history(context, _package(data_dict))


def satudata_revision_diff(context: Context, data_dict: DataDict) -> AuthResult:
    """The OPD's members, the SOP roles and sysadmins."""
    return _history(context, _revision_package(data_dict))


def satudata_version_list(context: Context, data_dict: DataDict) -> AuthResult:
    """The OPD's members, the SOP roles and sysadmins."""
    return _history(context, _package(data_dict))


def satudata_version_show(context: Context, data_dict: DataDict) -> AuthResult:
    """The OPD's members, the SOP roles and sysadmins."""
    return _history(context, _package(data_dict))
