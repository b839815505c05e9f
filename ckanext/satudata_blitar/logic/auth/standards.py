"""Auth functions of the data-standard registry and the resource checks; each has its
action's name. A resource is looked up only by a clean reference (``logic.common.ref``)."""
from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict
from ckanext.satudata_blitar import permissions
from ckanext.satudata_blitar.logic.common import auth_result as _result
from ckanext.satudata_blitar.logic.common import context_user as _user
from ckanext.satudata_blitar.logic.common import ref as _ref


# -- standards and checks -----------------------------------------------------------------------------------------


def _resource_id(data_dict: DataDict) -> str:
    """The id of an existing resource (core's auth needs one); anything else is not found."""
    ident = _ref(data_dict.get("id"))
    if ident is None or model.Resource.get(ident) is None:
        raise tk.ObjectNotFound(tk._("Resource not found"))
    return ident


def satudata_standard_create(context: Context, data_dict: DataDict) -> AuthResult:
    """Only the Walidata and sysadmins register data standards."""
    return _result(permissions.permission_manage_standards(_user(context)))


@tk.auth_allow_anonymous_access
def satudata_standard_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Data standards are public reference documents."""
    return {"success": True}


@tk.auth_allow_anonymous_access
def satudata_standard_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Data standards are public reference documents."""
    return {"success": True}


@tk.auth_allow_anonymous_access
def satudata_resource_check_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Whoever may see the resource may see its check."""
    tk.check_access("resource_show", context, {"id": _resource_id(data_dict)})
    return {"success": True}


def satudata_resource_check_run(context: Context, data_dict: DataDict) -> AuthResult:
    """Whoever may edit the resource may run its check again."""
    tk.check_access("resource_update", context, {"id": _resource_id(data_dict)})
    return {"success": True}
