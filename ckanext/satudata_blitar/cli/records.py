"""``ckan satudata daftar-data …``: import and export the Daftar Data as CSV or XLSX."""
from __future__ import annotations

import base64
import os
from typing import Any, Optional
import click
import ckan.plugins.toolkit as tk
from werkzeug.datastructures import FileStorage
from ckanext.satudata_blitar.cli.common import fail, site_context


def _resolve(ref: str) -> dict[str, Any]:
    """A revision by id, or the agreed revision in force for a year."""
    key = "year" if ref.isdigit() and len(ref) == 4 else "id"
    return tk.get_action("satudata_daftar_data_show")(site_context(), {key: ref})


@click.group("daftar-data", short_help="Import and export the Daftar Data (CSV/XLSX).")
def daftar_data() -> None:
    """Daftar Data of Satu Data Kota Blitar."""


@daftar_data.command("list")
def dd_list() -> None:
    """List every revision: id, year, revision, status, agreement."""
    for dd in tk.get_action("satudata_daftar_data_list")(site_context(), {}):
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
        fail(click.UsageError("give --id or --year"))
    try:
        if not dd_id:
            drafts = [d for d in tk.get_action("satudata_daftar_data_list")(
                site_context(), {"year": year}) if d["status"] == "draft"]
            if drafts:
                dd_id = drafts[0]["id"]
            else:
                dd_id = tk.get_action("satudata_daftar_data_create")(
                    site_context(), {"year": year})["id"]
        with open(path, "rb") as f:
            upload = FileStorage(f, filename=os.path.basename(path))
            result = tk.get_action("satudata_daftar_data_import")(
                site_context(), {"id": dd_id, "upload": upload,
                             "format": fmt or path.rsplit(".", 1)[-1]})
    except (tk.ValidationError, tk.ObjectNotFound) as error:
        fail(error)
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
        out = tk.get_action("satudata_daftar_data_export")(site_context(),
                                                            {"id": dd["id"], "format": fmt})
    except (tk.ValidationError, tk.ObjectNotFound) as error:
        fail(error)
        return
    body = (base64.b64decode(out["content"]) if out["encoding"] == "base64"
            else ("\ufeff" + out["content"]).encode("utf-8"))
    target = output or out["filename"]
    with open(target, "wb") as f:
        f.write(body)
    click.echo(f"{target}: {len(dd['items'])} items")
