"""``ckan satudata role|migrate-existing|audit``: SOP roles, the migration rule for datasets
older than the plugin, and the audit trail (``audit verify`` walks every dataset's hash chain,
``audit export`` writes the CSV; ``audit-export`` is the export's older name)."""
from __future__ import annotations


import click

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import audit as audit_chain
from ckanext.satudata_blitar import lifecycle
from ckanext.satudata_blitar.cli.common import fail, site_context


@click.group()
def role() -> None:
    """Manage Walidata, Pembina Data and Sekretariat SDI roles."""


def _change_role(action: str, user: str, role_name: str) -> None:
    """Call ``satudata_role_assign`` or ``…_revoke`` as the site user; exit 1 on an error."""
    try:
        tk.get_action(action)(site_context(), {"user": user, "role": role_name})
    except (tk.ValidationError, tk.ObjectNotFound) as error:
        fail(error)


@role.command("assign")
@click.argument("user")
@click.argument("role_name", type=click.Choice(lifecycle.PORTAL_ROLES))
def role_assign(user: str, role_name: str) -> None:
    """Give USER the role ROLE_NAME."""
    _change_role("satudata_role_assign", user, role_name)
    click.echo(f"{user}: {role_name}")


@role.command("revoke")
@click.argument("user")
@click.argument("role_name", type=click.Choice(lifecycle.PORTAL_ROLES))
def role_revoke(user: str, role_name: str) -> None:
    """Take the role ROLE_NAME away from USER."""
    _change_role("satudata_role_revoke", user, role_name)
    click.echo(f"{user}: {role_name} revoked")


@role.command("list")
@click.option("--role", "role_name", type=click.Choice(lifecycle.PORTAL_ROLES), default=None)
def role_list(role_name: str | None) -> None:
    """List role assignments."""
    data = {"role": role_name} if role_name else {}
    for row in tk.get_action("satudata_role_list")(site_context(), data):
        click.echo(f"{row['user_name']}\t{row['role']}\t{row['granted_at']}")


@click.command("migrate-existing")
@click.option("--dry-run", is_flag=True, help="Only count what would change.")
def migrate_existing(dry_run: bool) -> None:
    """Give datasets that predate the plugin their state: private → draft, public → published."""
    counts = lifecycle.migrate_existing_datasets(dry_run=dry_run)
    verb = "would set" if dry_run else "set"
    click.echo(f"{verb}: draft={counts[lifecycle.DRAFT]} published={counts[lifecycle.PUBLISHED]}")


@click.group()
def audit() -> None:
    """The audit trail: verify its hash chains, export it as CSV."""


@audit.command("verify")
@click.option("--dataset", default=None, help="Only this dataset (id or name).")
def audit_verify(dataset: str | None) -> None:
    """Walk every dataset's hash chain; report each broken link, exit 1 if there is one."""
    package_id = None
    if dataset:
        pkg = model.Package.get(dataset)
        package_id = pkg.id if pkg is not None else dataset  # a purged dataset: its id
    report = audit_chain.verify(package_id)
    for broken in report.breaks:
        click.secho(f"BROKEN {broken.describe()}", fg="red")
    summary = f"{report.datasets} datasets, {report.rows} audit rows"
    if not report.intact:
        click.secho(f"audit trail NOT intact: {len(report.breaks)} problems ({summary})",
                    fg="red")
        raise SystemExit(1)
    click.echo(f"audit trail intact: {summary}")


@click.command("audit-export")
@click.option("--org", "owner_org", default=None, help="Only this OPD (id or name).")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def audit_export(owner_org: str | None, output) -> None:
    """Write the audit trail as CSV (with the hash chain columns)."""
    data = {}
    if owner_org:
        group = model.Group.get(owner_org)
        if group is None:
            fail(tk.ObjectNotFound(f"organization {owner_org} not found"))
        data["owner_org"] = group.id
    output.write(tk.get_action("satudata_audit_export")(site_context(), data))


audit.add_command(audit_export, "export")
