"""Pages of the SOP records: Daftar Data, availability statements, validation letters and the
deadline list. Views call the actions and render their results; the rules live in
``records/`` and ``permissions.py``.
"""
from __future__ import annotations

import base64
from typing import Any, Optional

from flask import Blueprint, Response, redirect, send_file

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import permissions
from ckanext.satudata_blitar import workdays
from ckanext.satudata_blitar.records import letters
from ckanext.satudata_blitar.records.common import resolve_org
from ckanext.satudata_blitar.records.pdf import pdf_path
from ckanext.satudata_blitar.model.records import Statement, ValidationLetter
from ckanext.satudata_blitar.views.data import context as _context

records = Blueprint("satudata_records", __name__, url_prefix="/satudata")


def _form() -> dict[str, Any]:
    return {k: v for k, v in tk.request.form.items()}


def _upload(data: dict[str, Any]) -> None:
    upload = tk.request.files.get("upload")
    if upload is not None and upload.filename:
        data["upload"] = upload


def _errors(exc: tk.ValidationError) -> dict[str, Any]:
    return exc.error_dict if isinstance(exc.error_dict, dict) else {"": [str(exc)]}


def _orgs_for_select() -> list[dict[str, Any]]:
    return tk.get_action("organization_list")(
        {"ignore_auth": True}, {"all_fields": True, "limit": 1000})


# -- Daftar Data -----------------------------------------------------------------------------
def daftar_data_list() -> Any:
    """Every Daftar Data revision the user may read; the Sekretariat drafts a new one here."""
    errors: dict[str, Any] = {}
    data: dict[str, Any] = {}
    if tk.request.method == "POST":
        data = _form()
        try:
            created = tk.get_action("satudata_daftar_data_create")(_context(), data)
        except tk.NotAuthorized as exc:
            return tk.abort(403, str(exc))
        except tk.ValidationError as exc:
            errors = _errors(exc)
        else:
            tk.h.flash_success(tk._("Draft Daftar Data {year} created.").format(
                year=created["year"]))
            return tk.redirect_to("satudata_records.daftar_data_read", id=created["id"])
    lists = tk.get_action("satudata_daftar_data_list")(_context(), {})
    can_manage = permissions.permission_manage_daftar_data(tk.current_user.name if
                                                     tk.current_user else None)[0]
    return tk.render("satudata/records/daftar_data_list.html", {
        "lists": lists, "can_manage": can_manage, "errors": errors, "data": data,
        "this_year": workdays.today().year})


def daftar_data_read(id: str) -> Any:
    """One revision: items, realising datasets, agreement, revisions, import/export."""
    try:
        dd = tk.get_action("satudata_daftar_data_show")(_context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Daftar Data not found"))
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc))
    can_manage = permissions.permission_manage_daftar_data(
        tk.current_user.name if tk.current_user else None)[0]
    return tk.render("satudata/records/daftar_data_read.html", {
        "dd": dd, "can_manage": can_manage, "errors": {}, "today": workdays.today().isoformat()})


_DD_OPS = {
    "agree": "satudata_daftar_data_agree",
    "revise": "satudata_daftar_data_revise",
    "carry-over": "satudata_daftar_data_carry_over",
    "import": "satudata_daftar_data_import",
}


def daftar_data_op(id: str, op: str) -> Any:
    """POST forms of a revision: agree, revise, carry over, import."""
    if op not in _DD_OPS:
        return tk.abort(404)
    data = dict(_form(), id=id)
    _upload(data)
    try:
        result = tk.get_action(_DD_OPS[op])(_context(), data)
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Daftar Data not found"))
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc))
    except tk.ValidationError as exc:
        dd = tk.get_action("satudata_daftar_data_show")(_context(), {"id": id})
        return tk.render("satudata/records/daftar_data_read.html", {
            "dd": dd, "can_manage": True, "errors": _errors(exc), "op": op,
            "today": workdays.today().isoformat()})
    tk.h.flash_success(tk._("Saved."))
    return tk.redirect_to("satudata_records.daftar_data_read", id=result["id"])


def daftar_data_export(id: str, fmt: str) -> Any:
    """Download a revision as CSV or XLSX."""
    try:
        out = tk.get_action("satudata_daftar_data_export")(_context(), {"id": id, "format": fmt})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Daftar Data not found"))
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc))
    except tk.ValidationError:
        return tk.abort(404)
    body = (base64.b64decode(out["content"]) if out["encoding"] == "base64"
            else ("\ufeff" + out["content"]).encode("utf-8"))
    return Response(body, mimetype=out["content_type"], headers={
        "Content-Disposition": f'attachment; filename="{out["filename"]}"'})


# -- statements ------------------------------------------------------------------------------
def statement_list() -> Any:
    """Statements the user may read, and the OPDs still owing one."""
    try:
        statements = tk.get_action("satudata_statement_list")(_context(), {})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Sign in to see the statements."))
    return tk.render("satudata/records/statement_list.html", {
        "statements": statements, "statement_days": workdays.step_days("statement")})


def statement_new() -> Any:
    """Form: choose the agreed Daftar Data and the OPD, answer each item, upload the PDF."""
    args = dict(tk.request.args)
    data: dict[str, Any] = dict(args)
    errors: dict[str, Any] = {}
    if tk.request.method == "POST":
        data = _form()
        _upload(data)
        codes = tk.request.form.getlist("item_code")
        data["items"] = [{"code": c, "available": data.get(f"available_{c}", ""),
                          "reason": data.get(f"reason_{c}", "")} for c in codes]
        try:
            created = tk.get_action("satudata_statement_create")(_context(), data)
        except tk.NotAuthorized as exc:
            return tk.abort(403, str(exc))
        except tk.ValidationError as exc:
            errors = _errors(exc)
        else:
            tk.h.flash_success(tk._("Statement recorded."))
            return tk.redirect_to("satudata_records.statement_read", id=created["id"])
        data.pop("upload", None)
    agreed = [d for d in tk.get_action("satudata_daftar_data_list")(_context(), {})
              if d["status"] == "agreed"]
    dd = None
    dd_id = data.get("daftar_data_id") or (agreed[0]["id"] if agreed else None)
    if dd_id:
        dd = tk.get_action("satudata_daftar_data_show")(_context(), {"id": dd_id})
    org = resolve_org(data.get("owner_org"))
    items = [i for i in (dd or {}).get("items", []) if org and i["owner_org"] == org.id]
    return tk.render("satudata/records/statement_new.html", {
        "data": data, "errors": errors, "agreed": agreed, "dd": dd, "org": org,
        "items": items, "orgs": _orgs_for_select(), "today": workdays.today().isoformat()})


def statement_read(id: str) -> Any:
    """One statement with its answers and its deadline."""
    try:
        st = tk.get_action("satudata_statement_show")(_context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Statement not found"))
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc))
    dd = tk.get_action("satudata_daftar_data_show")({"ignore_auth": True},
                                                    {"id": st["daftar_data_id"]})
    names = {i["id"]: i for i in dd["items"]}
    return tk.render("satudata/records/statement_read.html", {"st": st, "items": names})


def _signed_pdf(show_action: str, table: Any, id: str, not_found: str,
                default_name: str) -> Any:
    """A record's signed PDF, for whoever may see the full record (``show_action``'s auth)."""
    try:
        tk.check_access(show_action, _context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, not_found)
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc))
    row = model.Session.get(table, id)
    if not row.pdf_key:
        return tk.abort(404)
    return send_file(pdf_path(row.pdf_key), mimetype="application/pdf",
                     as_attachment=True, download_name=row.pdf_filename or default_name)


def statement_pdf(id: str) -> Any:
    """The signed statement (OPD members, Walidata, Pembina Data, Sekretariat SDI)."""
    return _signed_pdf("satudata_statement_show", Statement, id,
                       tk._("Statement not found"), "surat-pernyataan.pdf")


# -- validation letters ------------------------------------------------------------------------
def letter_list() -> Any:
    """Validation letters the user may read."""
    try:
        letters = tk.get_action("satudata_validation_letter_list")(_context(), {})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Sign in to see the validation letters."))
    return tk.render("satudata/records/letter_list.html", {"letters": letters})


def _letter_org(orgs: list[model.Group], value: Any,
                pkg: Optional[model.Package]) -> Optional[model.Group]:
    """The OPD the form is for: the one chosen (if the user may record its letters), else the
    OPD of the dataset the form was opened from, else the user's only OPD."""
    by_id = {o.id: o for o in orgs}
    chosen = resolve_org(value)
    if chosen is not None and chosen.id in by_id:
        return by_id[chosen.id]
    if pkg is not None and pkg.owner_org in by_id:
        return by_id[pkg.owner_org]
    return orgs[0] if len(orgs) == 1 else None


def _validate_with(letter: dict[str, Any]) -> None:
    """Validate each dataset the new letter covers (verified → validated), reporting each."""
    for pkg in letter.get("datasets") or []:
        try:
            tk.get_action("satudata_dataset_validate")(
                _context(), {"id": pkg["id"], "letter_ref": letter["id"]})
        except (tk.ValidationError, tk.NotAuthorized) as exc:
            detail = getattr(exc, "error_summary", None) or str(exc)
            tk.h.flash_error(tk._('"{title}" was not validated: {detail}').format(
                title=pkg["title"], detail=detail))
        else:
            tk.h.flash_success(tk._('"{title}" is validated and waits for publication by '
                                    "the Walidata.").format(title=pkg["title"]))


def letter_new() -> Any:
    """The one form of a validation letter (SOP step 8): OPD, datasets, number, date, subject,
    signatory and the signed PDF; optionally validates the covered datasets at once.

    The Kepala OPD records for the OPD they head, the Walidata (and sysadmins) choose the OPD
    (``?owner_org=``); ``?dataset=`` (from a dataset's pages) ticks that dataset and selects
    its OPD. The datasets offered are the OPD's verified ones (``letter_candidates``).
    """
    user = _context()["user"]
    if not user:
        return tk.redirect_to("user.login", came_from=tk.request.full_path)
    orgs = permissions.letter_organizations(user)
    if not orgs:
        return tk.abort(403, permissions.permission_manage_letter(user, "")[1])
    pkg = model.Package.get(tk.request.args.get("dataset") or "")
    every_opd = permissions.permission_manage_letter(user, "")[0]
    data: dict[str, Any] = {"letter_date": workdays.today().isoformat(),
                            "validate_now": "" if every_opd else "1",
                            "datasets": [pkg.id] if pkg is not None else []}
    errors: dict[str, Any] = {}
    if tk.request.method == "POST":
        data = {k: v for k, v in _form().items() if k != "_csrf_token"}
        _upload(data)
        data["datasets"] = tk.request.form.getlist("datasets")
        try:
            created = tk.get_action("satudata_validation_letter_create")(_context(), data)
        except tk.NotAuthorized as exc:
            return tk.abort(403, str(exc))
        except tk.ValidationError as exc:
            errors = _errors(exc)
        else:
            tk.h.flash_success(tk._("Validation letter {number} recorded.").format(
                number=created["number"]))
            if data.get("validate_now"):
                _validate_with(created)
            return tk.redirect_to("satudata_records.letter_read", id=created["id"])
        data.pop("upload", None)
    org = _letter_org(orgs, data.get("owner_org") or tk.request.args.get("owner_org"), pkg)
    return tk.render("satudata/records/letter_new.html", {
        "data": data, "errors": errors, "orgs": orgs, "org": org,
        "datasets": letters.letter_candidates(org.id) if org else [],
        "today": workdays.today().isoformat()})


def letter_old_url() -> Any:
    """The letter form's former address: moved permanently, with its query arguments (a
    POST keeps its method and body)."""
    url = tk.h.url_for("satudata_records.letter_new", **tk.request.args.to_dict(flat=False))
    return redirect(url, code=308 if tk.request.method == "POST" else 301)


def letter_read(id: str) -> Any:
    """One letter: metadata, datasets, checksum and the PDF link."""
    try:
        letter = tk.get_action("satudata_validation_letter_show")(_context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Validation letter not found"))
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc))
    return tk.render("satudata/records/letter_read.html", {"letter": letter})


def letter_pdf(id: str) -> Any:
    """The signed letter (OPD members, Walidata, Pembina Data, Sekretariat SDI)."""
    return _signed_pdf("satudata_validation_letter_show", ValidationLetter, id,
                       tk._("Validation letter not found"), "surat-validasi.pdf")


# -- deadlines -------------------------------------------------------------------------------
def deadlines() -> Any:
    """What is due or overdue for the signed-in user."""
    try:
        entries = tk.get_action("satudata_deadline_list")(_context(), {})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Sign in to see your deadlines."))
    return tk.render("satudata/records/deadlines.html", {
        "entries": entries, "today": workdays.today().isoformat()})


records.add_url_rule("/daftar-data", view_func=daftar_data_list, methods=["GET", "POST"])
records.add_url_rule("/daftar-data/<id>", view_func=daftar_data_read)
records.add_url_rule("/daftar-data/<id>/<op>", view_func=daftar_data_op, methods=["POST"])
records.add_url_rule("/daftar-data/<id>/export.<fmt>", view_func=daftar_data_export)
records.add_url_rule("/statements", view_func=statement_list)
records.add_url_rule("/statements/new", view_func=statement_new, methods=["GET", "POST"])
records.add_url_rule("/statements/<id>", view_func=statement_read)
records.add_url_rule("/statements/<id>/pdf", view_func=statement_pdf)
records.add_url_rule("/letters", view_func=letter_list)
records.add_url_rule("/letters/new", view_func=letter_new, methods=["GET", "POST"])
records.add_url_rule("/surat-validasi/baru", view_func=letter_old_url, methods=["GET", "POST"])
records.add_url_rule("/letters/<id>", view_func=letter_read)
records.add_url_rule("/letters/<id>/pdf", view_func=letter_pdf)
records.add_url_rule("/deadlines", view_func=deadlines)
