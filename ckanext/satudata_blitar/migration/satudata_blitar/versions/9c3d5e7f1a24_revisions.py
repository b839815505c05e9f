"""Living data: pending revisions of published datasets, published versions, and the
revision named in the audit trail.

Adds ``revision_id`` to ``satudata_blitar_audit`` (a new nullable column: existing rows and
their hashes are unchanged; ``audit.canonical`` covers the field only when it is set), the
table of revisions (at most one open revision per dataset: a partial unique index) and the
table of published versions (one row per publication, numbered per dataset).

Revision ID: 9c3d5e7f1a24
Revises: e4a7c2d9f103
Create Date: 2026-11-29 15:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9c3d5e7f1a24"
down_revision = "e4a7c2d9f103"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("satudata_blitar_audit", sa.Column("revision_id", sa.UnicodeText))
    op.create_index("satudata_blitar_audit_revision_id", "satudata_blitar_audit",
                    ["revision_id"])
    op.create_table(
        "satudata_blitar_revision",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText,
                  sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("shadow_id", sa.UnicodeText, nullable=False, unique=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("state", sa.UnicodeText, nullable=False),
        sa.Column("origins", sa.JSON, nullable=False),
        sa.Column("created_by", sa.UnicodeText),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("closed_by", sa.UnicodeText),
        sa.Column("closed_at", sa.DateTime),
    )
    op.create_index("satudata_blitar_revision_one_open", "satudata_blitar_revision",
                    ["package_id"], unique=True, postgresql_where=sa.text("state = 'open'"))
    op.create_table(
        "satudata_blitar_dataset_version",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText,
                  sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("revision_id", sa.UnicodeText),
        sa.Column("published_at", sa.DateTime, nullable=False),
        sa.Column("published_by", sa.UnicodeText),
        sa.Column("letter_ref", sa.UnicodeText),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("resources", sa.JSON, nullable=False),
        sa.UniqueConstraint("package_id", "number", name="satudata_blitar_dataset_version_number"),
    )


def downgrade() -> None:
    op.drop_table("satudata_blitar_dataset_version")
    op.drop_table("satudata_blitar_revision")
    op.drop_index("satudata_blitar_audit_revision_id", "satudata_blitar_audit")
    op.drop_column("satudata_blitar_audit", "revision_id")
