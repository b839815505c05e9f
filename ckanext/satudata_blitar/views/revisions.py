"""Pages of revisions and versions (issue 15): start a revision of a published dataset, the
revision page with its diff for reviewers, discard, the version list of a dataset and a
previous version's files. Every page calls the actions (auth, schemas) and shows what they
return; the dataset page shows :func:`panel` through one snippet."""
from __future__ import annotations

import os
from typing import Any, Optional

from flask import Blueprint, send_file

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import lifecycle, permissions, revisions
from ckanext.satudata_blitar.views.data import context, user_name

revision_pages = Blueprint("satudata_revisions", __name__)


def _call(action: str, data: dict[str, Any]) -> Any:
    return tk.get_action(action)(context(), data)


def _refused(exc: Exception) -> Any:
    """403 for a refusal; 404 for what does not exist or cannot name anything (bad input)."""
    if isinstance(exc, tk.NotAuthorized):
        return tk.abort(403, tk._("Not authorized to see this page"))
    return tk.abort(404, tk._("Not found"))


def panel(pkg_dict: dict[str, Any]) -> Optional[dict[str, Any]]:
    """What the dataset page shows about revisions, for the current user (``None``: nothing):
    on a revision, which dataset it revises and the links to its diff and discard; on a
    published dataset, the pending revision and its state, the start button and the version
    list, each only when the actions allow it."""
    user = user_name()
    if not user or not pkg_dict.get("id"):
        return None
    pkg = model.Package.get(pkg_dict["id"])
    if pkg is None:
        return None
    rev = revisions.revision_for_shadow(pkg.id)
    if rev is not None:
        main = model.Package.get(rev.package_id)
        try:
            shown = _call("satudata_revision_show", {"id": rev.id})
        except (tk.NotAuthorized, tk.ObjectNotFound):
            return None
        can_discard = False
        try:
            tk.check_access("satudata_revision_discard", context(), {"id": rev.id})
            can_discard = shown["lifecycle_state"] == lifecycle.DRAFT
        except tk.NotAuthorized:
            pass
        return {"kind": "revision", "revision": shown, "can_discard": can_discard,
                "main": {"name": main.name, "title": main.title} if main else None}
    try:
        versions = _call("satudata_version_list", {"id": pkg.id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
    pending = revisions.open_revision(pkg.id)
    can_start = (pending is None and lifecycle.get_state(pkg) == lifecycle.PUBLISHED
                 and permissions.permission_revision_start(user, pkg)[0])
    return {"kind": "dataset", "versions": versions, "can_start": can_start,
            "pending": _call("satudata_revision_show", {"id": pending.id}) if pending else None}


def start(id: str) -> Any:
    """POST: start a revision and open its edit form."""
    try:
        rev = _call("satudata_revision_start", {"id": id})
    except tk.ValidationError as exc:
        for messages in exc.error_dict.values():
            for message in messages if isinstance(messages, list) else [messages]:
                tk.h.flash_error(message)
        return tk.redirect_to("dataset.read", id=id)
    except (tk.NotAuthorized, tk.ObjectNotFound) as exc:
        return _refused(exc)
    tk.h.flash_success(tk._(
        "Revision started: edit it here. The published version stays online until the "
        "Walidata publishes this revision."))
    return tk.redirect_to("dataset.edit", id=rev["shadow_name"])


def discard(revision_id: str) -> Any:
    """POST: discard a draft revision."""
    try:
        rev = _call("satudata_revision_show", {"id": revision_id})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError) as exc:
        return _refused(exc)
    try:
        _call("satudata_revision_discard", {"id": revision_id,
                                            "note": tk.request.form.get("note") or None})
    except tk.ValidationError as exc:
        tk.h.flash_error("; ".join(str(m) for m in exc.error_dict.values()))
        return tk.redirect_to("satudata_revisions.revision_read", revision_id=revision_id)
    except (tk.NotAuthorized, tk.ObjectNotFound) as exc:
        return _refused(exc)
    tk.h.flash_success(tk._("Revision discarded; the published version is unchanged."))
    return tk.redirect_to("dataset.read", id=rev["package_id"])


def revision_read(revision_id: str) -> Any:
    """The revision against the published version: metadata side by side, resources, rows."""
    try:
        rev = _call("satudata_revision_show", {"id": revision_id})
        main = _call("package_show", {"id": rev["package_id"]})
        changes = (_call("satudata_revision_diff", {"id": revision_id})
                   if rev["state"] == "open" else None)
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError) as exc:
        return _refused(exc)
    return tk.render("satudata/revisions/revision_read.html",
                     {"revision": rev, "pkg_dict": main, "diff": changes})


def version_list(id: str) -> Any:
    """The published versions of a dataset with their files' SHA-256 and letters."""
    try:
        pkg_dict = _call("package_show", {"id": id})
        versions = _call("satudata_version_list", {"id": id})
        revs = _call("satudata_revision_list", {"id": id})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError) as exc:
        return _refused(exc)
    return tk.render("satudata/revisions/version_list.html",
                     {"pkg_dict": pkg_dict, "versions": versions, "revisions": revs})


def version_file(id: str, number: int, resource_id: str) -> Any:
    """The file of a resource as it was in version ``number`` (kept on disk when a revision
    replaced it)."""
    try:
        version = _call("satudata_version_show", {"id": id, "version": number})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError) as exc:
        return _refused(exc)
    entry = next((r for r in version["resources"] if r["id"] == resource_id), None)
    if entry is None or entry.get("url_type") != "upload":
        return tk.abort(404, tk._("Not found"))
    path = revisions.file_path(entry)
    if not path or not os.path.exists(path):
        return tk.abort(404, tk._("The file of this version is no longer stored."))
    name = os.path.basename(entry.get("url") or "") or resource_id
    return send_file(path, as_attachment=True, download_name=name)


revision_pages.add_url_rule("/dataset/<id>/revisi", view_func=start, methods=["POST"])
revision_pages.add_url_rule("/satudata/revisi/<revision_id>", view_func=revision_read)
revision_pages.add_url_rule("/satudata/revisi/<revision_id>/buang", view_func=discard,
                            methods=["POST"])
revision_pages.add_url_rule("/dataset/<id>/versi", view_func=version_list)
revision_pages.add_url_rule("/dataset/<id>/versi/<int:number>/resource/<resource_id>",
                            view_func=version_file)
