"""Auth functions of the SOP records; each has its action's name and delegates to one rule
of ``permissions.py``. They look rows up only with a clean reference (``logic.common.ref``):
pages call them without the actions' schemas, and anything else is not found."""
from __future__ import annotations

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict
from ckanext.satudata_blitar import permissions
from ckanext.satudata_blitar.logic.common import auth_result as _result
from ckanext.satudata_blitar.logic.common import context_user as _user
from ckanext.satudata_blitar.logic.common import ref as _ref
from ckanext.satudata_blitar.model.records import DaftarData
from ckanext.satudata_blitar.records.common import parse_bool, resolve_org
from ckanext.satudata_blitar.records.letters import get_letter
from ckanext.satudata_blitar.records.statements import get_statement


# -- Daftar Data -----------------------------------------------------------------------------
def _manage_daftar_data(context: Context) -> AuthResult:
    return _result(permissions.permission_manage_daftar_data(_user(context)))


def _read_daftar_data(context: Context, data_dict: DataDict) -> AuthResult:
    ident = _ref(data_dict.get("id"))
    dd = model.Session.get(DaftarData, ident) if ident else None
    return _result(permissions.permission_read_daftar_data(_user(context), dd))


def satudata_daftar_data_create(context: Context, data_dict: DataDict) -> AuthResult:
    return _manage_daftar_data(context)


def satudata_daftar_data_update(context: Context, data_dict: DataDict) -> AuthResult:
    return _manage_daftar_data(context)


def satudata_daftar_data_agree(context: Context, data_dict: DataDict) -> AuthResult:
    return _manage_daftar_data(context)


def satudata_daftar_data_revise(context: Context, data_dict: DataDict) -> AuthResult:
    return _manage_daftar_data(context)


def satudata_daftar_data_carry_over(context: Context, data_dict: DataDict) -> AuthResult:
    return _manage_daftar_data(context)


def satudata_daftar_data_import(context: Context, data_dict: DataDict) -> AuthResult:
    return _manage_daftar_data(context)


@tk.auth_allow_anonymous_access
def satudata_daftar_data_export(context: Context, data_dict: DataDict) -> AuthResult:
    return _read_daftar_data(context, data_dict)


@tk.auth_allow_anonymous_access
def satudata_daftar_data_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _read_daftar_data(context, data_dict)


@tk.auth_allow_anonymous_access
def satudata_daftar_data_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _read_daftar_data(context, data_dict)


# -- statements ------------------------------------------------------------------------------
def satudata_statement_create(context: Context, data_dict: DataDict) -> AuthResult:
    org = resolve_org(data_dict.get("owner_org"))
    if org is None:
        return {"success": False, "msg": tk._("Unknown OPD")}
    return _result(permissions.permission_manage_statement(_user(context), org.id))


def satudata_statement_show(context: Context, data_dict: DataDict) -> AuthResult:
    st = get_statement(_ref(data_dict.get("id")) or "")
    return _result(permissions.permission_read_opd_record(_user(context), st.owner_org))


def satudata_statement_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _result(permissions.permission_list_deadlines(_user(context)))


# -- validation letters ----------------------------------------------------------------------
def satudata_validation_letter_create(context: Context, data_dict: DataDict) -> AuthResult:
    org = resolve_org(data_dict.get("owner_org"))
    if org is None:
        return {"success": False, "msg": tk._("Unknown OPD")}
    return _result(permissions.permission_manage_letter(_user(context), org.id))


def satudata_validation_letter_update(context: Context, data_dict: DataDict) -> AuthResult:
    letter = get_letter(_ref(data_dict.get("id")) or "")
    return _result(permissions.permission_manage_letter(_user(context), letter.owner_org))


def satudata_validation_letter_show(context: Context, data_dict: DataDict) -> AuthResult:
    letter = get_letter(_ref(data_dict.get("id")) or "")
    return _result(permissions.permission_read_opd_record(_user(context), letter.owner_org))


def satudata_validation_letter_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _result(permissions.permission_list_deadlines(_user(context)))


@tk.auth_allow_anonymous_access
def satudata_dataset_letter_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Whoever may see the dataset sees the letters that validated it (public metadata)."""
    ident = _ref(data_dict.get("id"))
    if ident is None or model.Package.get(ident) is None:
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return authz.is_authorized("package_show", context, {"id": ident})


# -- deadlines -------------------------------------------------------------------------------
def satudata_deadline_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _result(permissions.permission_list_deadlines(
        _user(context), bool(parse_bool(data_dict.get("all")))))
