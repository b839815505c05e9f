"""Files on disk: where CKAN's uploader keeps a resource's file, and the SHA-256 of a file.

The data checks (``checks/runner.py``), the revisions (``revisions.py``: copying files, the
SHA-256 of each version's files) and the backup (``backup.py``: the manifest) all ask here.
"""
from __future__ import annotations

import hashlib
from typing import Any, Optional


def resource_file_path(resource: dict[str, Any]) -> Optional[str]:
    """Where CKAN's resource uploader keeps the resource's file (``None``: not an upload, or
    an uploader without local paths)."""
    if resource.get("url_type") != "upload":
        return None
    from ckan.lib import uploader  # noqa: PLC0415 - the backup runs without CKAN loaded
    upload = uploader.get_resource_uploader(resource)
    get_path = getattr(upload, "get_path", None)
    if get_path is None:
        return None
    try:
        return get_path(resource["id"])
    except Exception:  # noqa: BLE001 - uploaders differ; a missing path is reported by callers
        return None


def sha256_file(path: str) -> str:
    """SHA-256 (hex) of the file at ``path``, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
