"""SOP records: Daftar Data (revisions, items), availability statements, validation letters.

Revision ID: 8b4e6f2a1c93
Revises: 5d2e8c41a7b3
Create Date: 2026-11-25 12:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "8b4e6f2a1c93"
down_revision = "5d2e8c41a7b3"
branch_labels = None
depends_on = None


def _letter_columns() -> list[sa.Column]:
    return [
        sa.Column("number", sa.UnicodeText, nullable=False),
        sa.Column("letter_date", sa.Date, nullable=False),
        sa.Column("signatory_name", sa.UnicodeText, nullable=False),
        sa.Column("signatory_nip", sa.UnicodeText, nullable=False),
        sa.Column("signatory_position", sa.UnicodeText, nullable=False),
        sa.Column("signatory_acting", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("pdf_key", sa.UnicodeText),
        sa.Column("pdf_filename", sa.UnicodeText),
        sa.Column("pdf_size", sa.Integer),
        sa.Column("pdf_sha256", sa.UnicodeText),
        sa.Column("created_by", sa.UnicodeText),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("modified_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "satudata_blitar_daftar_data",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("status", sa.UnicodeText, nullable=False, server_default="draft"),
        sa.Column("title", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("notes", sa.UnicodeText),
        sa.Column("previous_id", sa.UnicodeText,
                  sa.ForeignKey("satudata_blitar_daftar_data.id")),
        sa.Column("carried_from_id", sa.UnicodeText,
                  sa.ForeignKey("satudata_blitar_daftar_data.id")),
        sa.Column("drafted_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("drafted_by", sa.UnicodeText),
        sa.Column("agreed_date", sa.Date),
        sa.Column("minute_number", sa.UnicodeText),
        sa.Column("agreed_by", sa.UnicodeText),
        sa.Column("agreed_recorded_at", sa.DateTime),
        sa.UniqueConstraint("year", "revision", name="satudata_blitar_daftar_data_year_rev"),
        sa.CheckConstraint("status IN ('draft', 'agreed')",
                           name="satudata_blitar_daftar_data_status_check"),
        sa.CheckConstraint("status = 'draft' OR (agreed_date IS NOT NULL "
                           "AND minute_number IS NOT NULL)",
                           name="satudata_blitar_daftar_data_agreed_check"),
    )
    # at most one open draft per year
    op.create_index("idx_satudata_blitar_dd_one_draft", "satudata_blitar_daftar_data",
                    ["year"], unique=True, postgresql_where=sa.text("status = 'draft'"))
    op.create_table(
        "satudata_blitar_daftar_data_item",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("daftar_data_id", sa.UnicodeText,
                  sa.ForeignKey("satudata_blitar_daftar_data.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("code", sa.UnicodeText, nullable=False),
        sa.Column("name", sa.UnicodeText, nullable=False),
        sa.Column("owner_org", sa.UnicodeText, sa.ForeignKey("group.id"), nullable=False),
        sa.Column("frequency", sa.UnicodeText),
        sa.Column("data_type", sa.UnicodeText),
        sa.Column("data_standard", sa.UnicodeText),
        sa.Column("unit", sa.UnicodeText),
        sa.Column("priority", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("notes", sa.UnicodeText),
        sa.UniqueConstraint("daftar_data_id", "code", name="satudata_blitar_dd_item_code"),
    )
    op.create_index("idx_satudata_blitar_dd_item_org", "satudata_blitar_daftar_data_item",
                    ["owner_org"])
    op.create_index("idx_satudata_blitar_dd_item_code", "satudata_blitar_daftar_data_item",
                    ["code"])
    op.create_table(
        "satudata_blitar_statement",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("daftar_data_id", sa.UnicodeText,
                  sa.ForeignKey("satudata_blitar_daftar_data.id"), nullable=False),
        sa.Column("owner_org", sa.UnicodeText, sa.ForeignKey("group.id"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        *_letter_columns(),
        sa.UniqueConstraint("daftar_data_id", "owner_org",
                            name="satudata_blitar_statement_dd_org"),
    )
    op.create_table(
        "satudata_blitar_statement_item",
        sa.Column("statement_id", sa.UnicodeText,
                  sa.ForeignKey("satudata_blitar_statement.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("item_id", sa.UnicodeText,
                  sa.ForeignKey("satudata_blitar_daftar_data_item.id"), primary_key=True),
        sa.Column("available", sa.Boolean, nullable=False),
        sa.Column("reason", sa.UnicodeText),
    )
    op.create_table(
        "satudata_blitar_letter",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("owner_org", sa.UnicodeText, sa.ForeignKey("group.id"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("subject", sa.UnicodeText, nullable=False),
        *_letter_columns(),
        sa.UniqueConstraint("owner_org", "year", "number",
                            name="satudata_blitar_letter_org_year_number"),
    )
    op.create_table(
        "satudata_blitar_letter_dataset",
        sa.Column("letter_id", sa.UnicodeText,
                  sa.ForeignKey("satudata_blitar_letter.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("package_id", sa.UnicodeText,
                  sa.ForeignKey("package.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("idx_satudata_blitar_letter_dataset_pkg",
                    "satudata_blitar_letter_dataset", ["package_id"])


def downgrade() -> None:
    op.drop_table("satudata_blitar_letter_dataset")
    op.drop_table("satudata_blitar_letter")
    op.drop_table("satudata_blitar_statement_item")
    op.drop_table("satudata_blitar_statement")
    op.drop_table("satudata_blitar_daftar_data_item")
    op.drop_index("idx_satudata_blitar_dd_one_draft", "satudata_blitar_daftar_data")
    op.drop_table("satudata_blitar_daftar_data")
