"""SDI checks: data-standard registry and resource check results.

Revision ID: 5d2e8c41a7b3
Revises: 3f1c2a9b7d10
Create Date: 2026-11-25 12:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5d2e8c41a7b3"
down_revision = "3f1c2a9b7d10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satudata_blitar_standard",
        sa.Column("name", sa.UnicodeText, primary_key=True),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.Column("description", sa.UnicodeText),
        sa.Column("schema", sa.JSON, nullable=False),
        sa.Column("sds_code", sa.UnicodeText),
        sa.Column("creator_id", sa.UnicodeText),
        sa.Column("created", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("modified", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "satudata_blitar_resource_check",
        sa.Column("resource_id", sa.UnicodeText,
                  sa.ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("standard", sa.UnicodeText),
        sa.Column("fingerprint", sa.UnicodeText),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("warning_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("report", sa.JSON),
        sa.Column("job_id", sa.UnicodeText),
        sa.Column("requested", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("finished", sa.DateTime),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'passed', 'failed', 'skipped')",
            name="satudata_blitar_resource_check_status_check",
        ),
    )
    op.create_index("idx_satudata_blitar_resource_check_package",
                    "satudata_blitar_resource_check", ["package_id"])


def downgrade() -> None:
    op.drop_index("idx_satudata_blitar_resource_check_package",
                  table_name="satudata_blitar_resource_check")
    op.drop_table("satudata_blitar_resource_check")
    op.drop_table("satudata_blitar_standard")
