"""Auth functions of the lifecycle: transitions, status and history, queue, audit export, roles.

Each has its action's name and delegates to one rule of ``permissions.py``, so that a site
can override one rule and tests can aim at the rules directly. Core auth functions are
chained to apply the edit lock (``permissions.permission_edit``) — to sysadmins as well.
Auth functions also run without the actions' schemas (pages call ``check_access``): they look
rows up only with a clean reference (``logic.common.ref``); anything else is not found.
"""
from __future__ import annotations

from ckanext.satudata_blitar import permissions
from typing import Any, Optional
import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthFunction, AuthResult, Context, DataDict
from ckanext.satudata_blitar.logic.common import context_user as _user
from ckanext.satudata_blitar.logic.common import ref as _ref


def _value(data_dict: Any, key: str) -> Any:
    return data_dict.get(key) if isinstance(data_dict, dict) else None


def _package(data_dict: DataDict, key: str = "id") -> model.Package:
    ident = _ref(_value(data_dict, key))
    pkg = model.Package.get(ident) if ident else None
    if pkg is None:
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return pkg


def _transition_auth(name: str, context: Context, data_dict: DataDict) -> AuthResult:
    pkg = _package(data_dict)
    allowed, msg = permissions.permission_transition(_user(context), pkg, name)
    return {"success": allowed, "msg": msg}


def satudata_dataset_submit(context: Context, data_dict: DataDict) -> AuthResult:
    """Editor or admin of the dataset's OPD."""
    return _transition_auth("submit", context, data_dict)


def satudata_dataset_verify(context: Context, data_dict: DataDict) -> AuthResult:
    """Walidata."""
    return _transition_auth("verify", context, data_dict)


def satudata_dataset_return(context: Context, data_dict: DataDict) -> AuthResult:
    """Walidata."""
    return _transition_auth("return", context, data_dict)


def satudata_dataset_validate(context: Context, data_dict: DataDict) -> AuthResult:
    """Admin of the dataset's OPD (Kepala OPD) or Walidata on the OPD's behalf."""
    return _transition_auth("validate", context, data_dict)


def satudata_dataset_publish(context: Context, data_dict: DataDict) -> AuthResult:
    """Walidata."""
    return _transition_auth("publish", context, data_dict)


def satudata_dataset_withdraw(context: Context, data_dict: DataDict) -> AuthResult:
    """Walidata."""
    return _transition_auth("withdraw", context, data_dict)


@tk.auth_allow_anonymous_access
def satudata_dataset_status_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Whoever may see the dataset may see its state."""
    return authz.is_authorized("package_show", context, {"id": _package(data_dict).id})


def satudata_dataset_history(context: Context, data_dict: DataDict) -> AuthResult:
    """The OPD's members, the SOP roles and sysadmins."""
    pkg = _package(data_dict)
    if permissions.permission_view_history(_user(context), pkg):
        return {"success": True}
    return {"success": False,
            "msg": tk._("Only members of the dataset's OPD, Walidata, Pembina Data and "
                        "Sekretariat SDI may read its history.")}


def satudata_queue_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Any signed-in user (the queue only lists what the user may act on)."""
    return {"success": True}


def satudata_audit_export(context: Context, data_dict: DataDict) -> AuthResult:
    """Auditors: Walidata, Pembina Data, Sekretariat SDI and sysadmins."""
    if permissions.permission_read_all(_user(context)):
        return {"success": True}
    return {"success": False,
            "msg": tk._("Only Walidata, Pembina Data, Sekretariat SDI and system "
                        "administrators may export the audit trail.")}


def _sysadmin_only(context: Context, data_dict: DataDict) -> AuthResult:
    # sysadmins never reach this (no auth_sysadmins_check)
    return {"success": False,
            "msg": tk._("Only system administrators may manage Satu Data roles.")}


def satudata_role_assign(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only."""
    return _sysadmin_only(context, data_dict)


def satudata_role_revoke(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only."""
    return _sysadmin_only(context, data_dict)


def satudata_role_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only."""
    return _sysadmin_only(context, data_dict)


# -- the edit lock on core auth functions -------------------------------------------------------
def _locked(next_auth: AuthFunction, context: Context, data_dict: DataDict,
            *pkgs: Optional[model.Package]) -> AuthResult:
    for pkg in pkgs:
        if pkg is None:
            continue
        # who may not see a dataset learns nothing of it, not even its name in the lock message
        for allowed, msg in (permissions.permission_read_dataset(_user(context), pkg),
                             permissions.permission_edit(_user(context), pkg),
                             permissions.permission_ungoverned_type(_user(context), pkg.type)):
            if not allowed:
                return {"success": False, "msg": msg}
    if authz.is_sysadmin(context.get("user")):
        return {"success": True}
    return next_auth(context, data_dict)


def _clean_ref(value: Any) -> Optional[str]:
    """A reference core's auth may look up; a value that cannot name a row is not found."""
    if value is None or value == "":
        return None
    ident = _ref(value)
    if ident is None:
        raise tk.ObjectNotFound(tk._("Not found"))
    return ident


def _pkg_or_none(value: Any) -> Optional[model.Package]:
    if isinstance(value, model.Package):
        return value
    ident = _clean_ref(value)
    return model.Package.get(ident) if ident else None


def _resource_pkg(data_dict: DataDict) -> Optional[model.Package]:
    ident = _clean_ref(_value(data_dict, "id"))
    res = model.Resource.get(ident) if ident else None
    return res.package if res is not None else None


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def package_show(next_auth: AuthFunction, context: Context, data_dict: DataDict) -> AuthResult:
    """Core's rule (the permission labels); a refusal does not name the dataset (core's
    message carries its id, which an outsider asking by name must not learn). Also asked by
    ``resource_show`` and every "whoever may see the dataset" rule."""
    _clean_ref(_value(data_dict, "id"))  # an id that cannot name a dataset is not found
    result = next_auth(context, data_dict)
    if result.get("success"):
        return result
    return {"success": False, "msg": tk._("Not authorized to see this dataset")}


@tk.chained_auth_function
@tk.auth_sysadmins_check
def package_update(next_auth: AuthFunction, context: Context, data_dict: DataDict) -> AuthResult:
    """Locked datasets cannot be edited (also covers package_patch and package_revise)."""
    pkg = context.get("package") or _pkg_or_none(_value(data_dict, "id"))
    return _locked(next_auth, context, data_dict, pkg)


@tk.chained_auth_function
@tk.auth_sysadmins_check
def package_delete(next_auth: AuthFunction, context: Context, data_dict: DataDict) -> AuthResult:
    """A locked dataset cannot be deleted (a published one is withdrawn first)."""
    return _locked(next_auth, context, data_dict, _pkg_or_none(_value(data_dict, "id")))


@tk.chained_auth_function
@tk.auth_sysadmins_check
def resource_create(next_auth: AuthFunction, context: Context, data_dict: DataDict) -> AuthResult:
    """Resources of a locked dataset cannot be added (nor views of its resources:
    ``resource_view_create`` asks this with the resource's ``id``)."""
    pkg = _pkg_or_none(_value(data_dict, "package_id")) or _resource_pkg(data_dict)
    return _locked(next_auth, context, data_dict, pkg)


@tk.chained_auth_function
@tk.auth_sysadmins_check
def resource_update(next_auth: AuthFunction, context: Context, data_dict: DataDict) -> AuthResult:
    """Resources of a locked dataset cannot be changed (also covers resource_patch)."""
    return _locked(next_auth, context, data_dict, _resource_pkg(data_dict))


@tk.chained_auth_function
@tk.auth_sysadmins_check
def resource_delete(next_auth: AuthFunction, context: Context, data_dict: DataDict) -> AuthResult:
    """Resources of a locked dataset cannot be deleted."""
    return _locked(next_auth, context, data_dict, _resource_pkg(data_dict))


@tk.chained_auth_function
@tk.auth_sysadmins_check
def package_resource_reorder(next_auth: AuthFunction, context: Context,
                             data_dict: DataDict) -> AuthResult:
    """Resources of a locked dataset cannot be reordered."""
    return _locked(next_auth, context, data_dict, _pkg_or_none(_value(data_dict, "id")))


@tk.chained_auth_function
@tk.auth_sysadmins_check
def package_owner_org_update(next_auth: AuthFunction, context: Context,
                             data_dict: DataDict) -> AuthResult:
    """A locked dataset cannot move to another OPD."""
    return _locked(next_auth, context, data_dict, _pkg_or_none(_value(data_dict, "id")))


@tk.chained_auth_function
@tk.auth_sysadmins_check
def package_patch(next_auth: AuthFunction, context: Context, data_dict: DataDict) -> AuthResult:
    """Locked datasets cannot be patched."""
    return _locked(next_auth, context, data_dict, _pkg_or_none(_value(data_dict, "id")))


@tk.chained_auth_function
@tk.auth_sysadmins_check
def package_revise(next_auth: AuthFunction, context: Context, data_dict: DataDict) -> AuthResult:
    """Locked datasets cannot be revised (core asks with the revised dict as ``update``)."""
    ident = None
    for key in ("update", "match"):
        part = _value(data_dict, key)
        if isinstance(part, dict):
            ident = ident or part.get("id") or part.get("name")
    return _locked(next_auth, context, data_dict, _pkg_or_none(ident))


@tk.chained_auth_function
@tk.auth_sysadmins_check
def resource_patch(next_auth: AuthFunction, context: Context, data_dict: DataDict) -> AuthResult:
    """Resources of a locked dataset cannot be patched."""
    return _locked(next_auth, context, data_dict, _resource_pkg(data_dict))


def _related_pkgs(data_dict: DataDict) -> tuple[Optional[model.Package], ...]:
    return tuple(_pkg_or_none(_value(data_dict, key)) for key in ("subject", "object"))


@tk.chained_auth_function
@tk.auth_sysadmins_check
def package_relationship_create(next_auth: AuthFunction, context: Context,
                                data_dict: DataDict) -> AuthResult:
    """Relationships are metadata of both datasets: neither may be locked."""
    return _locked(next_auth, context, data_dict, *_related_pkgs(data_dict))


@tk.chained_auth_function
@tk.auth_sysadmins_check
def package_relationship_update(next_auth: AuthFunction, context: Context,
                                data_dict: DataDict) -> AuthResult:
    """Relationships of a locked dataset cannot be changed."""
    return _locked(next_auth, context, data_dict, *_related_pkgs(data_dict))


@tk.chained_auth_function
@tk.auth_sysadmins_check
def package_relationship_delete(next_auth: AuthFunction, context: Context,
                                data_dict: DataDict) -> AuthResult:
    """Relationships of a locked dataset cannot be deleted."""
    return _locked(next_auth, context, data_dict, *_related_pkgs(data_dict))


def _view_resource(context: Context, data_dict: DataDict) -> Optional[model.Resource]:
    """The resource of the view being changed: the one the action found (from the view's id)
    before the ``resource_id`` the caller sent."""
    resource = context.get("resource")
    if isinstance(resource, model.Resource):
        return resource
    view_id = _clean_ref(_value(data_dict, "id"))
    view = model.ResourceView.get(view_id) if view_id else None
    ident = view.resource_id if view is not None else _clean_ref(_value(data_dict, "resource_id"))
    return model.Resource.get(ident) if ident else None


@tk.chained_auth_function
@tk.auth_sysadmins_check
def resource_view_create(next_auth: AuthFunction, context: Context,
                         data_dict: DataDict) -> AuthResult:
    """Views of a locked dataset's resources cannot be added."""
    ident = _clean_ref(_value(data_dict, "resource_id"))
    resource = model.Resource.get(ident) if ident else None
    return _locked(next_auth, context, data_dict, resource.package if resource else None)


@tk.chained_auth_function
@tk.auth_sysadmins_check
def resource_view_update(next_auth: AuthFunction, context: Context,
                         data_dict: DataDict) -> AuthResult:
    """Views of a locked dataset's resources cannot be changed; core's rule is asked about the
    view's own resource, not a ``resource_id`` the caller chose."""
    resource = _view_resource(context, data_dict)
    if resource is not None and isinstance(data_dict, dict):
        data_dict = dict(data_dict, resource_id=resource.id)
    return _locked(next_auth, context, data_dict, resource.package if resource else None)


@tk.chained_auth_function
@tk.auth_sysadmins_check
def resource_view_delete(next_auth: AuthFunction, context: Context,
                         data_dict: DataDict) -> AuthResult:
    """Views of a locked dataset's resources cannot be deleted."""
    resource = _view_resource(context, data_dict)
    return _locked(next_auth, context, data_dict, resource.package if resource else None)


@tk.chained_auth_function
@tk.auth_sysadmins_check
def resource_view_reorder(next_auth: AuthFunction, context: Context,
                          data_dict: DataDict) -> AuthResult:
    """Views of a locked dataset's resources cannot be reordered."""
    ident = _clean_ref(_value(data_dict, "resource_id"))
    resource = model.Resource.get(ident) if ident else None
    return _locked(next_auth, context, data_dict, resource.package if resource else None)

