"""``ckan satudata …``: the command group; each feature's commands live in their own module."""
from __future__ import annotations

import click

from ckanext.satudata_blitar.cli import checks, lifecycle, notify, records, report

__all__ = ["satudata"]


@click.group(short_help="Satu Data Kota Blitar: lifecycle roles and records.")
def satudata() -> None:
    """Satu Data Kota Blitar commands."""


for _command in (lifecycle.role, lifecycle.migrate_existing, lifecycle.audit,
                 lifecycle.audit_export, records.daftar_data, report.report,
                 checks.checks, notify.notify):
    satudata.add_command(_command)
