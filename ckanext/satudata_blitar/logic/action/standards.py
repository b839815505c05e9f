"""Actions of the data-standard registry and of the data checks of resources. Every action's
input is checked by its schema (``logic/schema.py``) before auth."""
from __future__ import annotations

import datetime
from typing import Any
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict
from ckanext.satudata_blitar.checks import runner
from ckanext.satudata_blitar.checks import standards as std
from ckanext.satudata_blitar.checks.messages import render_report
from ckanext.satudata_blitar.logic import schema
from ckanext.satudata_blitar.model.checks import Standard


# -- data standards -----------------------------------------------------------------------------------
def _text_of(descriptor: Any, key: str) -> str:
    """A text property of a parsed Table Schema ("" when absent or not text)."""
    value = descriptor.get(key) if isinstance(descriptor, dict) else None
    return value.strip() if isinstance(value, str) else ""


@schema.validate(schema.standard_create)
def satudata_standard_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Register a data standard (a Table Schema) for the data checks.

    :param name: machine name, lowercase letters, digits, ``-`` and ``_`` (e.g.
        ``jumlah-penduduk-kecamatan``)
    :param title: title shown to producers (default: the schema's ``title``)
    :param schema: the Table Schema, as a JSON string or an object
    :param upload: alternatively, an uploaded ``.json`` file with the Table Schema
    :returns: the standard (name, title, fields, schema, ...)
    """
    tk.check_access("satudata_standard_create", context, data_dict)
    raw: Any = data_dict.get("schema", data_dict.get("upload"))
    errors: dict[str, list[str]] = {}
    if raw is None:
        errors["schema"] = [tk._("Upload a Table Schema JSON file or paste the schema.")]
        descriptor = None
    else:
        descriptor, problems = std.parse_descriptor(raw)
        if problems:
            errors["schema"] = problems
    name = data_dict.get("name") or _text_of(descriptor, "name")
    if not std.NAME_RE.match(name):
        errors["name"] = [tk._("Use 2-100 lowercase letters, digits, '-' or '_', starting with a "
                               "letter or digit.")]
    elif name in std.builtin_standards() or model.Session.get(Standard, name) is not None:
        errors["name"] = [tk._("A data standard named '%(name)s' already exists.")
                          % {"name": name}]
    if errors:
        raise tk.ValidationError(errors)
    assert descriptor is not None
    title = data_dict.get("title") or _text_of(descriptor, "title") or name
    descriptor = dict(descriptor, name=name, title=title)
    user_obj = model.User.get(context.get("user") or "")
    row = Standard(name=name, title=title, description=_text_of(descriptor, "description") or None,
                   schema=descriptor, sds_code=(descriptor.get("sdi") or {}).get("sdsCode"),
                   creator_id=user_obj.id if user_obj else None,
                   created=datetime.datetime.utcnow())
    model.Session.add(row)
    if not context.get("defer_commit"):
        model.Session.commit()
    return std.summary(name, descriptor, "registry")


@tk.side_effect_free
@schema.validate(schema.standard_show)
def satudata_standard_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One data standard with its Table Schema.

    :param id: the standard's name (``name`` is accepted too)
    """
    tk.check_access("satudata_standard_show", context, data_dict)
    name = data_dict.get("id") or data_dict.get("name")
    descriptor = std.get_standard(name)
    if descriptor is None:
        raise tk.ObjectNotFound(tk._("Data standard not found"))
    source = "builtin" if name in std.builtin_standards() else "registry"
    return std.summary(str(name), descriptor, source)


@tk.side_effect_free
@schema.validate(schema.standard_list)
def satudata_standard_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Every data standard (shipped and registered), without the full schemas.

    :param all_fields: include the Table Schemas (default false)
    """
    tk.check_access("satudata_standard_list", context, data_dict)
    out = std.list_standards()
    if not data_dict["all_fields"]:
        out = [{k: v for k, v in s.items() if k != "schema"} for s in out]
    return out


@tk.side_effect_free
@schema.validate(schema.resource_check_show)
def satudata_resource_check_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Status and full report of the data-standard check of a resource.

    Every issue carries ``message``, a sentence in the reader's language naming the row and
    the column and saying how to fix it, next to its machine-readable ``code``.

    :param id: the resource id
    """
    res_id = data_dict["id"]
    tk.check_access("satudata_resource_check_show", context, data_dict)
    res_obj = model.Resource.get(res_id)
    if res_obj is None:
        raise tk.ObjectNotFound(tk._("Resource not found"))
    row = runner.get_check(res_id)
    if row is None:
        applicable = runner.tabular_format({"format": res_obj.format, "url": res_obj.url})
        return {"resource_id": res_id, "package_id": res_obj.package_id,
                "status": "not_checked" if applicable else "not_applicable", "report": None}
    out = row.as_dict()
    if out["report"]:
        out["report"] = render_report(out["report"])
    return out


@schema.validate(schema.resource_check_run)
def satudata_resource_check_run(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Check a resource again (e.g. after changing the dataset's reference period).

    Large files are checked by a background job; the returned status is then ``pending``.

    :param id: the resource id
    """
    res_id = data_dict["id"]
    tk.check_access("satudata_resource_check_run", context, data_dict)
    if model.Resource.get(res_id) is None:
        raise tk.ObjectNotFound(tk._("Resource not found"))
    result = runner.schedule(res_id)
    if result is None:
        return {"resource_id": res_id, "status": "not_applicable", "report": None}
    if result.get("report"):
        result["report"] = render_report(result["report"])
    return result
