"""Run the data-standard check of a resource and store the result.

Called after a resource is created or updated (``IResourceController``): small files are
checked at once, large ones by a CKAN background job (``ckan jobs worker``). The resource
itself is never changed or deleted here; a failing file stays in the dataset with its report,
so the producer sees what is wrong.
"""
from __future__ import annotations

import datetime
import logging
import os
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import config, spreadsheets, storage
from ckanext.satudata_blitar.checks import engine
from ckanext.satudata_blitar.checks import messages as m
from ckanext.satudata_blitar.model.checks import ResourceCheck
from ckanext.satudata_blitar.checks.standards import get_standard

log = logging.getLogger(__name__)

_FORMAT_ALIASES = {
    "csv": "csv", "text/csv": "csv",
    "xlsx": "xlsx", "excel": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


def tabular_format(resource: dict[str, Any]) -> Optional[str]:
    """``csv`` or ``xlsx`` for a tabular resource (format field first, then the file name)."""
    fmt = (resource.get("format") or "").strip().lower().lstrip(".")
    if fmt in _FORMAT_ALIASES:
        return _FORMAT_ALIASES[fmt]
    if fmt:
        return None
    ext = os.path.splitext((resource.get("url") or "").split("?")[0])[1].lower().lstrip(".")
    return _FORMAT_ALIASES.get(ext)


def dataset_period(pkg_dict: dict[str, Any]) -> tuple[Optional[int], Optional[int]]:
    """Reference period (first year, last year) from the dataset metadata."""
    def _year(value: Any) -> Optional[int]:
        try:
            return int(str(value).strip()[:4])
        except (TypeError, ValueError):
            return None

    start = _year(pkg_dict.get("periode_referensi_mulai"))
    end = _year(pkg_dict.get("periode_referensi_selesai")) or start
    return start, end


def standard_name(resource: dict[str, Any], pkg_dict: dict[str, Any]) -> Optional[str]:
    """Standard of a resource: its own field, else the dataset's."""
    return resource.get("standar_data") or pkg_dict.get("standar_data") or None


def _fingerprint(resource: dict[str, Any], pkg_dict: dict[str, Any]) -> str:
    start, end = dataset_period(pkg_dict)
    # the file name, not the full download URL (which changes with ckan.site_url)
    name = os.path.basename((resource.get("url") or "").split("?")[0])
    return "|".join(str(x) for x in (
        name, resource.get("last_modified"), resource.get("size"),
        standard_name(resource, pkg_dict), start, end))


def _package_dict(package_id: str) -> dict[str, Any]:
    return tk.get_action("package_show")(
        {"ignore_auth": True, "use_cache": False, "for_view": False}, {"id": package_id})


def _row(resource_id: str, package_id: str) -> ResourceCheck:
    row = model.Session.get(ResourceCheck, resource_id)
    if row is None:
        row = ResourceCheck(resource_id=resource_id, package_id=package_id, status="pending")
        model.Session.add(row)
    return row


def _store(row: ResourceCheck, status: str, report: Optional[dict[str, Any]],
           standard: Optional[str], fingerprint: str) -> None:
    row.status = status
    row.report = report
    row.standard = standard
    row.fingerprint = fingerprint
    row.error_count = (report or {}).get("error_count", 0)
    row.warning_count = (report or {}).get("warning_count", 0)
    row.finished = datetime.datetime.utcnow() if status not in ("pending", "running") else None
    row.job_id = None if row.finished else row.job_id


def schedule(resource_id: str, *, force_sync: bool = False,
             rerun: bool = True) -> Optional[dict[str, Any]]:
    """Check a resource now (small file) or enqueue a job (large file).

    :param resource_id: the resource to check
    :param force_sync: check now whatever the size
    :param rerun: check again even if file, standard and period did not change
    :returns: the stored check as a dict, or None if the resource is not tabular
    """
    res_obj = model.Resource.get(resource_id)
    if res_obj is None or res_obj.state != "active":
        return None
    pkg_dict = _package_dict(res_obj.package_id)
    resource = next((r for r in pkg_dict.get("resources", []) if r["id"] == resource_id), None)
    if resource is None:
        return None
    fmt = tabular_format(resource)
    row = model.Session.get(ResourceCheck, resource_id)
    if fmt is None:
        if row is not None:
            model.Session.delete(row)
            model.Session.commit()
        return None
    row = _row(resource_id, pkg_dict["id"])
    std = standard_name(resource, pkg_dict)
    fingerprint = _fingerprint(resource, pkg_dict)
    if (not rerun and row.fingerprint == fingerprint
            and row.status in ("passed", "failed", "skipped")):
        return row.as_dict()  # e.g. only the resource's name changed
    if resource.get("url_type") != "upload":
        report = _skipped_report(fmt, std)
        _store(row, "skipped", report, std, fingerprint)
        model.Session.commit()
        return row.as_dict()
    path = storage.resource_file_path(resource)
    size = _work_size(path, fmt)
    if force_sync or size <= config.sync_max_bytes():
        return _run(row, resource, pkg_dict, path, fmt, std, fingerprint)
    _store(row, "pending", None, std, fingerprint)
    row.requested = datetime.datetime.utcnow()
    model.Session.commit()
    job = tk.enqueue_job(run_check_job, [resource_id], title=f"satudata check {resource_id}",
                         queue=config.job_queue(), rq_kwargs={"timeout": 3600})
    row = model.Session.get(ResourceCheck, resource_id)
    if row is not None and row.status == "pending":
        row.job_id = job.id
        model.Session.commit()
    return row.as_dict() if row is not None else None


def _work_size(path: Optional[str], fmt: str) -> int:
    """How much a check of the file reads: its size, or for an XLSX what its parts unpack
    to (a 2 MB workbook can hold 100 MB of sheet), so large workbooks go to the job too.
    A workbook refused from its table of contents alone (a ZIP bomb) reads nothing: 0."""
    if not path or not os.path.exists(path):
        return 0
    size = os.path.getsize(path)
    if fmt == "xlsx":
        if spreadsheets.quick_refusal(path, spreadsheets.limits()) is not None:
            return 0
        size = max(size, spreadsheets.declared_size(path) or 0)
    return size


def _skipped_report(fmt: str, std: Optional[str]) -> dict[str, Any]:
    required = config.require_upload()
    item = m.issue("not-uploaded", m.ERROR if required else m.WARNING)
    return {"status": "skipped", "valid": not required, "standard": std, "format": fmt,
            "issues": [item], "error_count": int(required), "warning_count": int(not required),
            "rows": 0}


def _run(row: ResourceCheck, resource: dict[str, Any], pkg_dict: dict[str, Any],
         path: Optional[str], fmt: str, std: Optional[str], fingerprint: str) -> dict[str, Any]:
    row.status = "running"
    model.Session.commit()
    descriptor = get_standard(std)
    if std and descriptor is None:
        report = {"status": "failed", "valid": False, "standard": std, "format": fmt,
                  "issues": [m.issue("standard-unknown", standard=std)], "error_count": 1,
                  "warning_count": 0, "rows": 0}
    else:
        report = engine.check_file(path or "", fmt, standard=descriptor, standard_name=std,
                                   period=dataset_period(pkg_dict), region=config.region_name(),
                                   limit_errors=config.limit_errors())
    row = model.Session.get(ResourceCheck, resource["id"]) or row
    _store(row, report["status"], report, std, fingerprint)
    model.Session.commit()
    log.info("data check of resource %s: %s (%s errors)", resource["id"], report["status"],
             report.get("error_count"))
    return row.as_dict()


def run_check_job(resource_id: str) -> Optional[str]:
    """Background job: check one resource whatever its size (``ckan jobs worker``)."""
    try:
        result = schedule(resource_id, force_sync=True)
    except Exception:
        model.Session.rollback()
        row = model.Session.get(ResourceCheck, resource_id)
        if row is not None:
            report = {"status": "failed", "valid": False, "issues": [
                m.issue("check-crashed", note="internal error")], "error_count": 1,
                "warning_count": 0, "rows": 0}
            _store(row, "failed", report, row.standard, row.fingerprint or "")
            model.Session.commit()
        log.exception("data check job of resource %s failed", resource_id)
        raise
    return result["status"] if result else None


def after_resource_change(context: dict[str, Any], resource: dict[str, Any]) -> None:
    """``IResourceController`` hook: never raises, so an upload is never lost by a check."""
    try:
        schedule(resource["id"], rerun=False)
    except Exception:  # noqa: BLE001 - the upload itself already succeeded
        model.Session.rollback()
        log.exception("could not check resource %s", resource.get("id"))


def get_check(resource_id: str) -> Optional[ResourceCheck]:
    """The stored check of a resource, if any."""
    return model.Session.get(ResourceCheck, resource_id)


def is_stale(row: ResourceCheck, resource: dict[str, Any], pkg_dict: dict[str, Any]) -> bool:
    """True if the file, the standard or the reference period changed since the check."""
    return row.fingerprint != _fingerprint(resource, pkg_dict)


def _job_in_hand(job_id: Optional[str]) -> bool:
    """True if the RQ job ``job_id`` is waiting in its queue or held by a live worker.

    A worker that was killed leaves its job ``started`` and its own key behind for minutes;
    one on this host whose process is gone, or that now holds another job, holds nothing.
    """
    if not job_id:
        return False
    import socket

    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus
    from rq.worker import Worker
    from ckan.lib.redis import connect_to_redis

    redis = connect_to_redis()
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
        return True
    if status != JobStatus.STARTED or not job.worker_name:
        return False
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + job.worker_name,
                                connection=redis)
    if worker is None or worker.get_current_job_id() != job_id:
        return False
    if worker.hostname == socket.gethostname() and worker.pid:
        try:
            os.kill(worker.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
    return True


def requeue_unfinished() -> list[str]:
    """Check again every resource whose check is ``pending`` or ``running`` with no job in hand.

    That is a check whose job was never queued (Redis was away at upload time), whose worker
    was killed mid-check, or whose job was lost. Small files are checked at once, large ones
    queued again. Run before a job worker starts (``ckan satudata checks requeue``:
    ``bin/satudata up``'s supervisor and ``deploy/satudata-worker.service`` do); checking a
    file twice stores the same result, so a race with a live worker costs time only.

    :returns: the ids of the resources checked again or queued
    """
    rows = (model.Session.query(ResourceCheck.resource_id, ResourceCheck.job_id)
            .filter(ResourceCheck.status.in_(("pending", "running")))
            .order_by(ResourceCheck.requested).all())
    model.Session.rollback()
    done = []
    from redis.exceptions import RedisError

    for resource_id, job_id in rows:
        try:
            if _job_in_hand(job_id):
                continue
        except RedisError as error:  # no queue to look at or to put the check into
            log.warning("Redis unreachable (%s): data checks are put back later", error)
            break
        try:
            schedule(resource_id)
        except Exception:  # noqa: BLE001 - one bad resource must not stop the others
            model.Session.rollback()
            log.exception("could not check resource %s again", resource_id)
            continue
        log.info("data check of resource %s put back (job %s was not in hand)",
                 resource_id, job_id)
        done.append(resource_id)
    return done
