"""Backup and restore of a portal: its PostgreSQL database and its storage folder.

``bin/satudata backup`` / ``bin/satudata restore`` call this module for the demo portal; a
production host calls it with its own database URL and ``ckan.storage_path`` (``deploy/README.md``)::

    python -m ckanext.satudata_blitar.backup create --database URL --storage DIR --out DIR
    python -m ckanext.satudata_blitar.backup restore BACKUP --database URL --storage DIR

A backup is a folder ``satudata-<database>-<UTC time>/`` holding

- ``database.dump``: ``pg_dump --format=custom`` of the whole database (CKAN's tables, the
  extension's: audit trail with its hash chains and trigger, records, checks, the embedded
  search index), one consistent snapshot;
- ``storage.tar``: the storage folder (uploads, letters' and statements' signed PDFs, report
  files) without ``webassets/`` and ``i18n/`` (rebuilt by ``ckan asset build`` and
  ``ckan translation js`` at each start);
- ``manifest.json``: the SHA-256 and size of both, and the SHA-256 of every file inside
  ``storage.tar``.

The database is dumped before the storage is copied, so every file the dump refers to is
already on disk (a file uploaded in between is an unused extra). ``restore`` refuses a backup
whose files do not match the manifest, a database that already holds tables, and a storage
folder that is not empty; after unpacking it checks every restored file against the manifest.
It needs no running CKAN: the target can be a fresh cluster.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tarfile
from typing import Any, Optional
from urllib.parse import urlsplit

from ckanext.satudata_blitar.storage import sha256_file

FORMAT = "satudata-backup/1"
#: folders of the storage rebuilt at each start (CSS/JS bundles, JavaScript translations)
SKIP_DIRS = ("webassets", "i18n")


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


def _storage_files(root: str) -> dict[str, str]:
    """Relative path -> SHA-256 of every regular file under ``root`` (``webassets/`` aside)."""
    out: dict[str, str] = {}
    if not os.path.isdir(root):
        return out
    for folder, dirs, files in os.walk(root):
        if folder == root:
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                out[os.path.relpath(path, root)] = sha256_file(path)
    return out


def _tool(pg_bin: Optional[str], name: str) -> str:
    path = os.path.join(pg_bin, name) if pg_bin else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise BackupError(f"{name} not found (give the PostgreSQL binaries with --pg-bin)")
    return path


def _run(argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"{os.path.basename(argv[0])} failed: {proc.stderr.strip()[-2000:]}")


def _db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


def create(database: str, storage: str, out: str, pg_bin: Optional[str] = None) -> str:
    """Write a backup of ``database`` and ``storage`` into a new folder under ``out``."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = os.path.join(out, f"satudata-{_db_name(database)}-{stamp}")
    os.makedirs(target)
    os.chmod(target, 0o700)  # user accounts, password hashes and unpublished data are inside
    dump = os.path.join(target, "database.dump")
    _run([_tool(pg_bin, "pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={dump}", f"--dbname={database}"])
    files = _storage_files(storage)
    tar_path = os.path.join(target, "storage.tar")
    with tarfile.open(tar_path, "w") as tar:
        for rel in files:
            tar.add(os.path.join(storage, rel), arcname=rel, recursive=False)
    manifest = {
        "format": FORMAT,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "database": _db_name(database),
        "files": {name: {"sha256": sha256_file(os.path.join(target, name)),
                         "bytes": os.path.getsize(os.path.join(target, name))}
                  for name in ("database.dump", "storage.tar")},
        "storage": files,
    }
    with open(os.path.join(target, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    return target


def verify(backup: str) -> dict[str, Any]:
    """The manifest of ``backup`` after checking both files against it."""
    try:
        with open(os.path.join(backup, "manifest.json")) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as error:
        raise BackupError(f"no readable manifest.json in {backup}: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{backup} is not a backup of this kind ({manifest.get('format')!r})")
    for name, want in manifest["files"].items():
        path = os.path.join(backup, name)
        if not os.path.isfile(path) or sha256_file(path) != want["sha256"]:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest: "
                              "the backup is damaged, restore another one")
    return manifest


def _has_tables(database: str, pg_bin: Optional[str]) -> bool:
    proc = subprocess.run([_tool(pg_bin, "psql"), "-qAt", f"--dbname={database}", "-c",
                           "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"cannot reach the target database: {proc.stderr.strip()}")
    return proc.stdout.strip() != "0"


def restore(backup: str, database: str, storage: str, pg_bin: Optional[str] = None) -> dict[str, Any]:
    """Restore ``backup`` into an empty ``database`` and an empty ``storage`` folder."""
    manifest = verify(backup)
    if _has_tables(database, pg_bin):
        raise BackupError(f"the database {_db_name(database)} already holds tables: restore "
                          "into a new, empty database")
    if os.path.isdir(storage) and any(
            name not in SKIP_DIRS for name in os.listdir(storage)):
        raise BackupError(f"the storage folder {storage} is not empty")
    _run([_tool(pg_bin, "pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", f"--dbname={database}", os.path.join(backup, "database.dump")])
    os.makedirs(storage, exist_ok=True)
    with tarfile.open(os.path.join(backup, "storage.tar")) as tar:
        tar.extractall(storage, filter="data")
    restored = _storage_files(storage)
    if restored != manifest["storage"]:
        missing = sorted(set(manifest["storage"]) - set(restored))
        changed = sorted(k for k in manifest["storage"]
                         if k in restored and restored[k] != manifest["storage"][k])
        raise BackupError(f"restored storage differs from the manifest (missing {missing[:5]}, "
                          f"changed {changed[:5]})")
    return manifest


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ckanext.satudata_blitar.backup",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("create", "restore"):
        p = sub.add_parser(name)
        if name == "restore":
            p.add_argument("backup", help="the backup folder")
        p.add_argument("--database", required=True, help="PostgreSQL URL of the portal database")
        p.add_argument("--storage", required=True, help="the portal's ckan.storage_path")
        p.add_argument("--pg-bin", help="folder of pg_dump, pg_restore and psql")
        if name == "create":
            p.add_argument("--out", required=True, help="folder to write the backup into")
    args = parser.parse_args(argv)
    try:
        if args.command == "create":
            target = create(args.database, args.storage, args.out, args.pg_bin)
            with open(os.path.join(target, "manifest.json")) as f:
                count = len(json.load(f)["storage"])
            print(f"backup written: {target} (database and {count} stored files)")
        else:
            manifest = restore(args.backup, args.database, args.storage, args.pg_bin)
            print(f"restored {args.backup} ({manifest['database']} of {manifest['created']}, "
                  f"{len(manifest['storage'])} stored files, all SHA-256 checked)")
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
