"""``ckan satudata notify``: the daily digest, the escalation and the mail retries.

A cron job or systemd timer runs ``notify digest`` once a day and ``notify send`` every few
minutes (docs/notifications.md).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import click


@click.group("notify", short_help="Notifications: daily digest, escalation, mail retries.")
def notify() -> None:
    """Notification mail of the SOP (issue 16)."""


def _day(value: Optional[str]) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError as error:
        raise click.BadParameter(f"{value!r}: write the date as YYYY-MM-DD") from error


@notify.command("digest")
@click.option("--on", "on", default=None, help="The day (YYYY-MM-DD; default today, WIB).")
@click.option("--no-escalate", is_flag=True, help="Only the digest, no escalation.")
def digest_command(on: Optional[str], no_escalate: bool) -> None:
    """Send each user's digest of what is due soon or overdue, escalate what is overdue by
    the configured working days (once), and retry mail that failed."""
    from ckanext.satudata_blitar.notify import digest, mail  # noqa: PLC0415

    day = _day(on)
    escalated = 0 if no_escalate else digest.escalate(day)
    created = digest.digest(day)
    counts = mail.send_due()
    click.echo(f"digests: {len(created)}, escalations: {escalated}, mail: "
               + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))


@notify.command("escalate")
@click.option("--on", "on", default=None, help="The day (YYYY-MM-DD; default today, WIB).")
def escalate_command(on: Optional[str]) -> None:
    """Copy items overdue by the configured working days to the one above, once."""
    from ckanext.satudata_blitar.notify import digest, mail  # noqa: PLC0415

    escalated = digest.escalate(_day(on))
    counts = mail.send_due()
    click.echo(f"escalations: {escalated}, mail: "
               + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))


@notify.command("send")
def send_command() -> None:
    """Send the mail whose (next) attempt is due: pending, or failed and due for a retry."""
    from ckanext.satudata_blitar.notify import mail  # noqa: PLC0415

    counts = mail.send_due()
    click.echo("mail: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))
