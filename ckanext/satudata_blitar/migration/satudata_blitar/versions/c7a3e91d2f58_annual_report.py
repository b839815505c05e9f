"""Annual report: evaluation notes, delivery record, generated files.

Revision ID: c7a3e91d2f58
Revises: 8b4e6f2a1c93
Create Date: 2026-11-25 12:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c7a3e91d2f58"
down_revision = "8b4e6f2a1c93"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satudata_blitar_report_note",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False, index=True),
        sa.Column("section", sa.UnicodeText, nullable=False, server_default="umum"),
        sa.Column("text", sa.UnicodeText, nullable=False),
        sa.Column("created_by", sa.UnicodeText),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "satudata_blitar_report_delivery",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False, index=True),
        sa.Column("delivered_date", sa.Date, nullable=False),
        sa.Column("letter_number", sa.UnicodeText, nullable=False),
        sa.Column("recipient", sa.UnicodeText, nullable=False),
        sa.Column("copies", sa.Integer, nullable=False, server_default="1"),
        sa.Column("notes", sa.UnicodeText),
        sa.Column("created_by", sa.UnicodeText),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "satudata_blitar_report_file",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False, index=True),
        sa.Column("organization", sa.UnicodeText),
        sa.Column("format", sa.UnicodeText, nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False, server_default="queued"),
        sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
        sa.Column("stage", sa.UnicodeText),
        sa.Column("error", sa.UnicodeText),
        sa.Column("job_id", sa.UnicodeText),
        sa.Column("storage_key", sa.UnicodeText),
        sa.Column("filename", sa.UnicodeText),
        sa.Column("size", sa.Integer),
        sa.Column("json_sha256", sa.UnicodeText),
        sa.Column("file_sha256", sa.UnicodeText),
        sa.Column("requested_by", sa.UnicodeText),
        sa.Column("requested_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("generated_at", sa.DateTime),
    )


def downgrade() -> None:
    op.drop_table("satudata_blitar_report_file")
    op.drop_table("satudata_blitar_report_delivery")
    op.drop_table("satudata_blitar_report_note")
