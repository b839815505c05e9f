"""Generated report files: a background job with progress, kept with CKAN's uploader.

A row of ``satudata_blitar_report_file`` is created ``queued``; the job
(:func:`generate_job`) moves it through ``running`` (with ``progress`` 0–100 and a
``stage``) to ``done`` (file stored, its size, the file's and the JSON's SHA-256) or
``failed``. Files are stored like the SOP records' signed PDFs: under a random key with
CKAN's resource uploader, outside the publicly served folder; an ``IUploader`` plugin (object
store) replaces local disk transparently.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import uuid
from typing import Any, Optional

from werkzeug.datastructures import FileStorage

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import uploader as _uploader

from ckanext.satudata_blitar.report import compute, render
from ckanext.satudata_blitar.model.report import ReportFile
from ckanext.satudata_blitar import config

log = logging.getLogger(__name__)


def job_queue() -> str:
    """RQ queue of report generation (``ckanext.satudata_blitar.report.job_queue``)."""
    return config.report_job_queue()


def _progress(row: ReportFile, progress: int, stage: str) -> None:
    row.progress = progress
    row.stage = stage
    model.Session.commit()


def store(data: bytes, filename: str, mimetype: str) -> str:
    """Store bytes with CKAN's resource uploader under a new random key; returns the key."""
    key = str(uuid.uuid4())
    upload = FileStorage(io.BytesIO(data), filename=filename, content_type=mimetype)
    uploader = _uploader.get_resource_uploader({"id": key, "url": filename, "upload": upload})
    uploader.upload(key, max(1, len(data) // (1024 * 1024) + 1))
    return key


def path_of(key: str) -> str:
    """Local path of a stored file (default uploader)."""
    uploader = _uploader.get_resource_uploader({"id": key})
    return uploader.get_path(key)  # type: ignore[attr-defined]


def read(row: ReportFile) -> bytes:
    with open(path_of(row.storage_key or ""), "rb") as f:
        return f.read()


def request(year: int, fmt: str, organization: Optional[str], user: Optional[str],
            run_now: bool = False) -> ReportFile:
    """Create the file row and enqueue its job (or run it now)."""
    row = ReportFile(year=year, format=fmt, organization=organization, requested_by=user,
                     status="queued", progress=0, stage="queued")
    model.Session.add(row)
    model.Session.commit()
    if run_now:
        generate_job(row.id)
    else:
        job = tk.enqueue_job(generate_job, [row.id], title=f"satudata report {year} {fmt}",
                             queue=job_queue(), rq_kwargs={"timeout": 1800})
        row = model.Session.get(ReportFile, row.id) or row
        if row.status == "queued":
            row.job_id = job.id
            model.Session.commit()
    model.Session.expire_all()
    return model.Session.get(ReportFile, row.id) or row


def generate_job(file_id: str) -> Optional[str]:
    """Background job: compute the document, render it, store the file (``ckan jobs worker``)."""
    row = model.Session.get(ReportFile, file_id)
    if row is None:
        return None
    try:
        row.status = "running"
        _progress(row, 5, "compute")
        document = compute.build(row.year, organization=row.organization)
        digest = compute.document_sha256(document)
        _progress(row, 40, "render")
        with render.i18n_context():
            data = render.render(document, row.format, digest)
            name = render.filename(document, row.format)
        _progress(row, 85, "store")
        row.storage_key = store(data, name, render.MIMETYPES[row.format])
        row.filename = name
        row.size = len(data)
        row.json_sha256 = digest
        row.file_sha256 = hashlib.sha256(data).hexdigest()
        row.generated_at = dt.datetime.utcnow()
        row.status = "done"
        _progress(row, 100, "done")
    except Exception as error:  # noqa: BLE001 - recorded on the row, then re-raised
        model.Session.rollback()
        row = model.Session.get(ReportFile, file_id)
        if row is not None:
            row.status = "failed"
            row.error = str(error)[:500]
            model.Session.commit()
        log.exception("report file %s failed", file_id)
        raise
    return row.status


def file_dict(row: ReportFile) -> dict[str, Any]:
    out = row.as_dict()
    out["status_label"] = {"queued": tk._("Queued"), "running": tk._("Running"),
                           "done": tk._("Done"), "failed": tk._("Failed")}.get(row.status,
                                                                                 row.status)
    return out
