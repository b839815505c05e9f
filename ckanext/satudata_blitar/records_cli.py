"""``ckan satudata daftar-data …``: import and export the Daftar Data as CSV or XLSX."""
from __future__ import annotations

import base64
import os
import sys
from typing import Any, Optional

import click

import ckan.plugins.toolkit as tk
from werkzeug.datastructures import FileStorage

__all__ = ["daftar_data"]


def _context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def _fail(error: Exception) -> None:
    summary = getattr(error, "error_dict", None) or str(error)
    if isinstance(summary, dict):
        for field, messages in summary.items():
            for message in messages if isinstance(messages, list) else [messages]:
                click.secho(f"error: {field}: {message}", fg="red", err=True)
    else:
        click.secho(f"error: {summary}", fg="red", err=True)
    sys.exit(1)


def _resolve(ref: str) -> dict[str, Any]:
    """A revision by id, or the agreed revision in force for a year."""
    key = "year" if ref.isdigit() and len(ref) == 4 else "id"
    return tk.get_action("satudata_daftar_data_show")(_context(), {key: ref})


@click.group("daftar-data", short_help="Import and export the Daftar Data (CSV/XLSX).")
def daftar_data() -> None:
    """Daftar Data of Satu Data Kota Blitar."""


@daftar_data.command("list")
def dd_list() -> None:
    """List every revision: id, year, revision, status, agreement."""
    for dd in tk.get_action("satudata_daftar_data_list")(_context(), {}):
        click.echo(f"{dd['id']}\t{dd['year']}\tr{dd['revision']}\t{dd['status']}\t"
                   f"{dd['agreed_date'] or ''}\t{dd['minute_number'] or ''}")


@daftar_data.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--id", "dd_id", default=None, help="Import into this draft revision.")
@click.option("--year", type=int, default=None,
              help="Import into the year's open draft (created when the year has no list).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Default: from the file extension.")
def dd_import(path: str, dd_id: Optional[str], year: Optional[int], fmt: Optional[str]) -> None:
    """Replace a draft's items with the rows of PATH; nothing is imported if a row is bad."""
    if not dd_id and not year:
        _fail(click.UsageError("give --id or --year"))
    try:
        if not dd_id:
            drafts = [d for d in tk.get_action("satudata_daftar_data_list")(
                _context(), {"year": year}) if d["status"] == "draft"]
            if drafts:
                dd_id = drafts[0]["id"]
            else:
                dd_id = tk.get_action("satudata_daftar_data_create")(
                    _context(), {"year": year})["id"]
        with open(path, "rb") as f:
            upload = FileStorage(f, filename=os.path.basename(path))
            result = tk.get_action("satudata_daftar_data_import")(
                _context(), {"id": dd_id, "upload": upload,
                             "format": fmt or path.rsplit(".", 1)[-1]})
    except (tk.ValidationError, tk.ObjectNotFound) as error:
        _fail(error)
        return
    click.echo(f"{result['id']}: {len(result['items'])} items imported "
               f"(Daftar Data {result['year']} r{result['revision']}, {result['status']})")


@daftar_data.command("export")
@click.argument("ref")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Default: daftar-data-<year>-r<revision>.<format> in the current folder.")
def dd_export(ref: str, fmt: str, output: Optional[str]) -> None:
    """Write the revision REF (id, or a year for its agreed revision) as CSV or XLSX."""
    try:
        dd = _resolve(ref)
        out = tk.get_action("satudata_daftar_data_export")(_context(),
                                                            {"id": dd["id"], "format": fmt})
    except (tk.ValidationError, tk.ObjectNotFound) as error:
        _fail(error)
        return
    body = (base64.b64decode(out["content"]) if out["encoding"] == "base64"
            else ("\ufeff" + out["content"]).encode("utf-8"))
    target = output or out["filename"]
    with open(target, "wb") as f:
        f.write(body)
    click.echo(f"{target}: {len(dd['items'])} items")
