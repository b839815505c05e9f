"""Auth functions of the notifications; each has its action's name and delegates to one rule
of ``permissions.py``."""
from __future__ import annotations

from ckan.types import AuthResult, Context, DataDict

from ckanext.satudata_blitar import permissions
from ckanext.satudata_blitar.logic.common import auth_result as _result
from ckanext.satudata_blitar.logic.common import context_user as _user


def _own(context: Context) -> AuthResult:
    return _result(permissions.permission_notices(_user(context)))


def satudata_notice_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _own(context)


def satudata_notice_mark_read(context: Context, data_dict: DataDict) -> AuthResult:
    return _own(context)


def satudata_notify_preference_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _own(context)


def satudata_notify_preference_update(context: Context, data_dict: DataDict) -> AuthResult:
    return _own(context)


def satudata_mail_log_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _result(permissions.permission_read_mail_log(_user(context)))
