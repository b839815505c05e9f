"""Notifications: in-portal notices, per-user preferences, the log of every mail sent.

Revision ID: e4a7c2d9f103
Revises: 2fd8feb48f4d
Create Date: 2026-11-29 15:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e4a7c2d9f103"
down_revision = "2fd8feb48f4d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satudata_blitar_notice",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("key", sa.UnicodeText, nullable=False),
        sa.Column("user_id", sa.UnicodeText, nullable=False),
        sa.Column("event", sa.UnicodeText, nullable=False),
        sa.Column("package_id", sa.UnicodeText),
        sa.Column("owner_org", sa.UnicodeText),
        sa.Column("data", sa.UnicodeText, nullable=False, server_default="{}"),
        sa.Column("mail", sa.UnicodeText, nullable=False, server_default="none"),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("read_at", sa.DateTime),
        sa.UniqueConstraint("key", "user_id", name="satudata_blitar_notice_key_user"),
    )
    op.create_index("satudata_blitar_notice_user", "satudata_blitar_notice",
                    ["user_id", "created_at"])
    op.create_table(
        "satudata_blitar_notify_pref",
        sa.Column("user_id", sa.UnicodeText, primary_key=True),
        sa.Column("mode", sa.UnicodeText, nullable=False, server_default="immediate"),
        sa.Column("lang", sa.UnicodeText, nullable=False, server_default="id"),
        sa.Column("updated_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("mode IN ('immediate', 'digest', 'off')",
                           name="satudata_blitar_notify_pref_mode"),
        sa.CheckConstraint("lang IN ('id', 'en')", name="satudata_blitar_notify_pref_lang"),
    )
    op.create_table(
        "satudata_blitar_mail_log",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("key", sa.UnicodeText, nullable=False),
        sa.Column("user_id", sa.UnicodeText, nullable=False),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("payload", sa.UnicodeText, nullable=False, server_default="{}"),
        sa.Column("email", sa.UnicodeText),
        sa.Column("subject", sa.UnicodeText),
        sa.Column("status", sa.UnicodeText, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.UnicodeText),
        sa.Column("next_attempt_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime),
        sa.UniqueConstraint("key", "user_id", name="satudata_blitar_mail_log_key_user"),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'skipped')",
                           name="satudata_blitar_mail_log_status"),
    )
    op.create_index("satudata_blitar_mail_log_due", "satudata_blitar_mail_log",
                    ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("satudata_blitar_mail_log")
    op.drop_table("satudata_blitar_notify_pref")
    op.drop_index("satudata_blitar_notice_user", table_name="satudata_blitar_notice")
    op.drop_table("satudata_blitar_notice")
