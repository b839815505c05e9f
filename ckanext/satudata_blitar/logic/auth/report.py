"""Auth functions of the annual report; each has its action's name and delegates to one rule
of ``permissions.py``. The public summary is open to everyone: it is built from published
datasets and the agreed (public) Daftar Data only."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict
from ckanext.satudata_blitar import permissions
from ckanext.satudata_blitar.logic.common import auth_result as _result
from ckanext.satudata_blitar.logic.common import context_user as _user


def _read(context: Context) -> AuthResult:
    return _result(permissions.permission_read_report(_user(context)))


def _manage(context: Context) -> AuthResult:
    return _result(permissions.permission_manage_report(_user(context)))


def satudata_report_annual(context: Context, data_dict: DataDict) -> AuthResult:
    return _read(context)


@tk.auth_allow_anonymous_access
def satudata_report_public(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": True}


def satudata_report_generate(context: Context, data_dict: DataDict) -> AuthResult:
    return _read(context)


def satudata_report_file_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _read(context)


def satudata_report_file_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _read(context)


def satudata_report_note_create(context: Context, data_dict: DataDict) -> AuthResult:
    return _manage(context)


def satudata_report_note_delete(context: Context, data_dict: DataDict) -> AuthResult:
    return _manage(context)


def satudata_report_delivery_create(context: Context, data_dict: DataDict) -> AuthResult:
    return _manage(context)
