"""``ckan satudata checks requeue``: put back the data checks a stopped job worker, or a Redis
that was away, left unfinished (run before a job worker starts)."""
from __future__ import annotations

import click

from ckanext.satudata_blitar.checks import runner


@click.group()
def checks() -> None:
    """Data checks of uploaded files."""


@checks.command("requeue")
def checks_requeue() -> None:
    """Check again every pending or running check whose job no live worker holds."""
    done = runner.requeue_unfinished()
    click.echo(f"{len(done)} data check(s) put back")
