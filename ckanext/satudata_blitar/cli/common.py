"""What every ``ckan satudata`` command shares: the site user's context and error output."""
from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

import ckan.plugins.toolkit as tk


def site_context() -> dict[str, Any]:
    """Context of CKAN's site user, with auth skipped (commands run as the operator)."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def fail(error: Exception) -> NoReturn:
    """Print a ValidationError field by field (or any error as one line) and exit 1."""
    summary = getattr(error, "error_dict", None) or str(error)
    if isinstance(summary, dict):
        for field, messages in summary.items():
            for message in messages if isinstance(messages, list) else [messages]:
                click.secho(f"error: {field}: {message}", fg="red", err=True)
    else:
        click.secho(f"error: {summary}", fg="red", err=True)
    sys.exit(1)
