"""Letter numbers and Daftar Data item codes have a length.

Both are indexed (``satudata_blitar_letter_org_year_number``, ``satudata_blitar_dd_item_code``
and ``idx_satudata_blitar_dd_item_code``); a btree index row holds at most about 2.7 kB, so an
unbounded value could make an insert fail inside PostgreSQL. The lengths are those of the
model (``model/records.py``) and of the action schemas: 100 characters for a letter number
(validation letters and statements share the column), 50 for an item code. The upgrade stops
if a stored value is longer.

Revision ID: b5849138a9c7
Revises: 55bf436fa9ab
Create Date: 2026-11-29 13:24:36
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b5849138a9c7"
down_revision = "55bf436fa9ab"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("satudata_blitar_letter", "number", 100),
    ("satudata_blitar_statement", "number", 100),
    ("satudata_blitar_daftar_data_item", "code", 50),
)


def upgrade() -> None:
    for table, column, length in _COLUMNS:
        op.alter_column(table, column, type_=sa.Unicode(length),
                        existing_type=sa.UnicodeText, existing_nullable=False)


def downgrade() -> None:
    for table, column, length in _COLUMNS:
        op.alter_column(table, column, type_=sa.UnicodeText,
                        existing_type=sa.Unicode(length), existing_nullable=False)
