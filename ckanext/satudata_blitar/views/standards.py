"""Pages of the data standards (list, register, read, empty templates) and check reports."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar.checks.standards import template_file
from ckanext.satudata_blitar.views.data import context

standards = Blueprint("satudata_standards", __name__)

_MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def standard_list() -> str:
    """All data standards with links to their templates."""
    standards = tk.get_action("satudata_standard_list")(context(), {})
    return tk.render("satudata/standards/standard_list.html", {"standards": standards})


def standard_new() -> Any:
    """Form for the Walidata to register a Table Schema."""
    try:
        tk.check_access("satudata_standard_create", context(), {})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the Walidata can register data standards."))
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    if tk.request.method == "POST":
        data = {k: v for k, v in tk.request.form.items()}
        upload = tk.request.files.get("upload")
        if upload is not None and upload.filename:
            data["upload"] = upload
        try:
            created = tk.get_action("satudata_standard_create")(context(), data)
        except tk.ValidationError as exc:
            errors = exc.error_dict  # type: ignore[assignment]
        else:
            tk.h.flash_success(tk._("Data standard %(name)s registered.") % {"name": created["name"]})
            return tk.redirect_to("satudata_standards.standard_read", name=created["name"])
    data.pop("upload", None)
    return tk.render("satudata/standards/standard_new.html", {"data": data, "errors": errors})


def standard_read(name: str) -> str:
    """One standard: its columns and the template downloads."""
    try:
        standard = tk.get_action("satudata_standard_show")(context(), {"id": name})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data standard not found"))
    return tk.render("satudata/standards/standard_read.html", {"standard": standard})


def standard_template(name: str, fmt: str) -> Response:
    """Empty CSV or XLSX file with the header of the standard."""
    if fmt not in _MIMETYPES:
        return tk.abort(404, tk._("Only CSV and XLSX templates exist."))
    try:
        standard = tk.get_action("satudata_standard_show")(context(), {"id": name})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data standard not found"))
    body = template_file(standard["schema"], fmt)
    return Response(body, mimetype=_MIMETYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def area_codes() -> str:
    """The reference list of the region's area codes (Kemendagri and BPS), static public
    data shipped with the package (schemas/reference): what the area-code check accepts."""
    from ckanext.satudata_blitar.checks.reference import load_reference

    return tk.render("satudata/standards/area_codes.html", {"areas": load_reference().areas})


def resource_check(id: str, resource_id: str) -> str:
    """Full report of the data-standard check of a resource."""
    try:
        check = tk.get_action("satudata_resource_check_show")(context(), {"id": resource_id})
        pkg = tk.get_action("package_show")(context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Resource not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorized to see this resource"))
    resource = next((r for r in pkg["resources"] if r["id"] == resource_id), None)
    if resource is None:
        return tk.abort(404, tk._("Resource not found"))
    return tk.render("satudata/standards/resource_check.html",
                     {"check": check, "pkg_dict": pkg, "resource": resource})


standards.add_url_rule("/standar-data", view_func=standard_list)
standards.add_url_rule("/standar-data/baru", view_func=standard_new, methods=["GET", "POST"])
standards.add_url_rule("/standar-data/referensi/kode-wilayah", view_func=area_codes)
standards.add_url_rule("/standar-data/<name>", view_func=standard_read)
standards.add_url_rule("/standar-data/<name>/template.<fmt>", view_func=standard_template)
standards.add_url_rule("/dataset/<id>/resource/<resource_id>/pemeriksaan", view_func=resource_check)
