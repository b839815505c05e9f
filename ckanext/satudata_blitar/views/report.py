"""Pages of the annual report: full report, public summary, downloads, stored files, forms.

Every page calls the report actions, so the auth functions of ``logic/auth/report.py`` (and
the rules of ``permissions.py`` they delegate to) apply to every URL: the full report and its
files need ``satudata_report_annual``; the public pages use ``satudata_report_public``
(published data only).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import workdays
from ckanext.satudata_blitar.report import cache, compute, files, render
from ckanext.satudata_blitar.model.report import ReportFile
from ckanext.satudata_blitar.views.data import context

report = Blueprint("satudata_report", __name__, url_prefix="/satudata/laporan")


def _this_year() -> int:
    return workdays.today().year


def _year_arg() -> int:
    try:
        return int(tk.request.args.get("year") or _this_year())
    except ValueError:
        return _this_year()


def _years() -> list[int]:
    this = _this_year()
    return list(range(this, this - 6, -1))


def _allowed(action: str) -> bool:
    try:
        tk.check_access(action, context(), {})
    except tk.NotAuthorized:
        return False
    return True


def _file_response(data: bytes, fmt: str, name: str) -> Response:
    response = Response(data, mimetype=render.MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def read() -> Any:
    """The full report of a year (authorised roles); everyone else goes to the summary."""
    year = _year_arg()
    if not _allowed("satudata_report_annual"):
        return tk.redirect_to("satudata_report.public", year=year)
    try:
        document = tk.get_action("satudata_report_annual")(context(), {"year": year})
    except tk.ValidationError as error:
        return tk.abort(400, str(error.error_summary))
    digest = compute.document_sha256(document)
    file_rows = tk.get_action("satudata_report_file_list")(context(), {"year": year})
    extra = render.template_vars(document, digest, print_limit=render.print_list_limit())
    extra.update({"files": file_rows, "year": year, "years": _years(),
                  "formats": render.FORMATS,
                  "can_manage": _allowed("satudata_report_note_create")})
    return tk.render("satudata/report/read.html", extra)


def public() -> Any:
    """The public summary (published data only)."""
    year = _year_arg()
    try:
        document = tk.get_action("satudata_report_public")(context(), {"year": year})
    except tk.ValidationError as error:
        return tk.abort(400, str(error.error_summary))
    extra = cache.public_page(document, compute.document_sha256(document))
    extra.update({"year": year, "years": _years()})
    return tk.render("satudata/report/public.html", extra)


def download(year: int, fmt: str) -> Any:
    """The full report rendered now in one format (authorised roles only)."""
    if fmt not in render.FORMATS:
        return tk.abort(404, tk._("Unknown format"))
    try:
        document = tk.get_action("satudata_report_annual")(context(), {"year": year})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the Sekretariat SDI, Walidata and Pembina Data may "
                                  "download the full annual report."))
    except tk.ValidationError as error:
        return tk.abort(400, str(error.error_summary))
    data = render.render(document, fmt, compute.document_sha256(document))
    return _file_response(data, fmt, render.filename(document, fmt))


def public_download(year: int, fmt: str) -> Any:
    """The public summary in one format (cached, ``report/cache.py``)."""
    if fmt not in render.FORMATS:
        return tk.abort(404, tk._("Unknown format"))
    try:
        document = tk.get_action("satudata_report_public")(context(), {"year": year})
    except tk.ValidationError as error:
        return tk.abort(400, str(error.error_summary))
    data = cache.public_file(document, compute.document_sha256(document), fmt)
    return _file_response(data, fmt, render.filename(document, fmt))


def file_download(id: str) -> Any:  # noqa: A002 - the route's name
    """A stored, generated file (authorised roles only)."""
    try:
        info = tk.get_action("satudata_report_file_show")(context(), {"id": id})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the Sekretariat SDI, Walidata and Pembina Data may "
                                  "download report files."))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Report file not found"))
    row = model.Session.get(ReportFile, id)
    if row is None or info["status"] != "done" or not row.storage_key:
        return tk.abort(404, tk._("The file is not ready."))
    return _file_response(files.read(row), row.format, row.filename or f"laporan.{row.format}")


def _post(action: str, fields: tuple[str, ...], year: int, done: str) -> Any:
    data = {k: tk.request.form.get(k) for k in fields}
    data["year"] = year
    try:
        tk.get_action(action)(context(), data)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorized"))
    except tk.ValidationError as error:
        tk.h.flash_error(str(error.error_summary))
    else:
        tk.h.flash_success(done)
    return tk.redirect_to("satudata_report.read", year=year)


def generate(year: int) -> Any:
    """Start a background generation of a stored file."""
    return _post("satudata_report_generate", ("format",), year,
                 tk._("The file is being generated; its progress is shown below."))


def note(year: int) -> Any:
    """Record an evaluation note (Sekretariat SDI)."""
    return _post("satudata_report_note_create", ("section", "text"), year,
                 tk._("Note saved."))


def delivery(year: int) -> Any:
    """Record the delivery of the report (Sekretariat SDI)."""
    return _post("satudata_report_delivery_create",
                 ("delivered_date", "letter_number", "recipient", "copies", "notes"), year,
                 tk._("Delivery recorded."))


report.add_url_rule("", view_func=read, endpoint="read")
report.add_url_rule("/publik", view_func=public, endpoint="public")
report.add_url_rule("/<int:year>.<fmt>", view_func=download, endpoint="download")
report.add_url_rule("/publik/<int:year>.<fmt>", view_func=public_download,
                    endpoint="public_download")
report.add_url_rule("/berkas/<id>", view_func=file_download, endpoint="file_download")
report.add_url_rule("/<int:year>/buat", view_func=generate, endpoint="generate",
                    methods=["POST"])
report.add_url_rule("/<int:year>/catatan", view_func=note, endpoint="note", methods=["POST"])
report.add_url_rule("/<int:year>/penyerahan", view_func=delivery, endpoint="delivery",
                    methods=["POST"])
