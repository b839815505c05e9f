"""Fixtures of the SDI tests: fixture files, standards, an OPD with a producer."""
from __future__ import annotations

import io
import json
import os
from typing import Any

import pytest

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
STANDARDS = os.path.join(os.path.dirname(__file__), "..", "..", "schemas", "standards")


def fixture_path(name: str) -> str:
    """Path of a file in tests/sdi/fixtures."""
    return os.path.join(FIXTURES, name)


def standard(name: str) -> dict[str, Any]:
    """A shipped data standard (Table Schema) by name."""
    with open(os.path.join(STANDARDS, f"{name}.json"), encoding="utf-8") as f:
        return json.load(f)


def indonesian(text: str) -> str:
    """Translate a msgid with the compiled Indonesian catalog of this extension."""
    return _catalog().gettext(text)


def _catalog():
    import gettext

    from ckanext.satudata_blitar import i18n

    return gettext.translation("ckanext-satudata_blitar", os.path.dirname(i18n.__file__),
                               languages=["id"])


def upload(data: bytes | str, filename: str):
    """An uploaded file as CKAN's uploader receives it from a form (werkzeug FileStorage)."""
    from werkzeug.datastructures import FileStorage

    if isinstance(data, str):
        with open(fixture_path(data), "rb") as f:
            data = f.read()
    return FileStorage(stream=io.BytesIO(data), filename=filename)


@pytest.fixture
def sdi_world(with_plugins, clean_db):
    """An OPD with an editor (producer), a Walidata, a sysadmin and a stranger."""
    from ckan.tests import factories, helpers

    producer = factories.UserWithToken(name="produsen_dinkes")
    walidata = factories.UserWithToken(name="walidata_kominfo")
    stranger = factories.UserWithToken(name="orang_lain")
    sysadmin = factories.SysadminWithToken(name="admin_portal")
    org = factories.Organization(name="dinkes", users=[
        {"name": producer["name"], "capacity": "editor"}])
    try:
        helpers.call_action("satudata_role_assign", user=walidata["name"], role="walidata")
    except KeyError:  # lifecycle not installed: the Walidata is then a sysadmin only
        pass
    return {"producer": producer, "walidata": walidata, "stranger": stranger,
            "sysadmin": sysadmin, "org": org}


def call(action: str, **kwargs: Any) -> Any:
    """``helpers.call_action`` as the site user (activity needs a user; auth is skipped)."""
    import ckan.plugins.toolkit as tk
    from ckan.tests import helpers

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return helpers.call_action(action, context={"user": site_user}, **kwargs)
