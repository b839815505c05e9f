"""``ckan satudata …`` commands: roles, the migration rule, the audit export."""
from __future__ import annotations

import sys

import click

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import lifecycle

__all__ = ["satudata"]


def _site_context() -> dict:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def _fail(error: Exception) -> None:
    message = getattr(error, "error_summary", None) or str(error)
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


@click.group(short_help="Satu Data Kota Blitar: lifecycle roles and records.")
def satudata() -> None:
    """Satu Data Kota Blitar commands."""


@satudata.group()
def role() -> None:
    """Manage Walidata, Pembina Data and Sekretariat SDI roles."""


@role.command("assign")
@click.argument("user")
@click.argument("role_name", type=click.Choice(lifecycle.PORTAL_ROLES))
def role_assign(user: str, role_name: str) -> None:
    """Give USER the role ROLE_NAME."""
    try:
        tk.get_action("satudata_role_assign")(_site_context(), {"user": user, "role": role_name})
    except (tk.ValidationError, tk.ObjectNotFound) as error:
        _fail(error)
    click.echo(f"{user}: {role_name}")


@role.command("revoke")
@click.argument("user")
@click.argument("role_name", type=click.Choice(lifecycle.PORTAL_ROLES))
def role_revoke(user: str, role_name: str) -> None:
    """Take the role ROLE_NAME away from USER."""
    try:
        tk.get_action("satudata_role_revoke")(_site_context(), {"user": user, "role": role_name})
    except (tk.ValidationError, tk.ObjectNotFound) as error:
        _fail(error)
    click.echo(f"{user}: {role_name} revoked")


@role.command("list")
@click.option("--role", "role_name", type=click.Choice(lifecycle.PORTAL_ROLES), default=None)
def role_list(role_name: str | None) -> None:
    """List role assignments."""
    data = {"role": role_name} if role_name else {}
    for row in tk.get_action("satudata_role_list")(_site_context(), data):
        click.echo(f"{row['user_name']}\t{row['role']}\t{row['granted_at']}")


@satudata.command("migrate-existing")
@click.option("--dry-run", is_flag=True, help="Only count what would change.")
def migrate_existing(dry_run: bool) -> None:
    """Give datasets that predate the plugin their state: private → draft, public → published."""
    counts = lifecycle.migrate_existing_datasets(dry_run=dry_run)
    verb = "would set" if dry_run else "set"
    click.echo(f"{verb}: draft={counts[lifecycle.DRAFT]} published={counts[lifecycle.PUBLISHED]}")


@satudata.command("audit-export")
@click.option("--org", "owner_org", default=None, help="Only this OPD (id or name).")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def audit_export(owner_org: str | None, output) -> None:
    """Write the audit trail as CSV."""
    data = {}
    if owner_org:
        group = model.Group.get(owner_org)
        if group is None:
            _fail(tk.ObjectNotFound(f"organization {owner_org} not found"))
        data["owner_org"] = group.id
    output.write(tk.get_action("satudata_audit_export")(_site_context(), data))


@satudata.command("report")
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
        document = tk.get_action(action)(_site_context(), data)
    except (tk.ValidationError, tk.ObjectNotFound) as error:
        _fail(error)
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
                            _site_context()["user"], run_now=True)
        click.echo(f"kept: {row.id}", err=True)
    click.echo(f"{output}: {len(content)} bytes, JSON SHA-256 {digest}", err=True)


# SOP records (issue 6): `ckan satudata daftar-data list|import|export`
from ckanext.satudata_blitar.records_cli import daftar_data as _daftar_data  # noqa: E402

satudata.add_command(_daftar_data)
