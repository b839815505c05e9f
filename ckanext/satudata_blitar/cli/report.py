"""``ckan satudata report``: write the annual report as JSON, PDF, XLSX or CSV."""
from __future__ import annotations

import sys

import click

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar.cli.common import fail, site_context


@click.command("report")
@click.option("--year", type=int, default=None, help="Report year (default: this year, WIB).")
@click.option("--format", "fmt", type=click.Choice(["json", "pdf", "xlsx", "csv"]),
              default="json", show_default=True)
@click.option("--org", "organization", default=None, help="Only this OPD (id or name).")
@click.option("--public", is_flag=True, help="The public summary (published data only).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), required=True,
              help="File to write ('-' for standard output).")
@click.option("--keep", is_flag=True,
              help="Also keep the file in the portal's list of generated reports.")
def report(year: int | None, fmt: str, organization: str | None, public: bool, output: str,
           keep: bool) -> None:
    """Write the annual report (Laporan Penyelenggaraan Statistik Sektoral)."""
    from ckanext.satudata_blitar.report import compute, files, render  # noqa: PLC0415

    action = "satudata_report_public" if public else "satudata_report_annual"
    data = {"year": year, "organization": organization}
    try:
        document = tk.get_action(action)(site_context(), data)
    except (tk.ValidationError, tk.ObjectNotFound) as error:
        fail(error)
    digest = compute.document_sha256(document)
    with render.i18n_context():
        content = render.render(document, fmt, digest)
    if output == "-":
        sys.stdout.buffer.write(content)
    else:
        with open(output, "wb") as f:
            f.write(content)
    if keep and not public:
        row = files.request(document["year"], fmt, organization and document["organization"]["id"],
                            site_context()["user"], run_now=True)
        click.echo(f"kept: {row.id}", err=True)
    click.echo(f"{output}: {len(content)} bytes, JSON SHA-256 {digest}", err=True)
