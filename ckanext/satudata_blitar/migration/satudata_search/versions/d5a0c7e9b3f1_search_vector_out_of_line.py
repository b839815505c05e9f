"""Full-text vector out of line: the rows a search scans keep only what it reads per row.

A dataset with the SDI metadata indexes ~1.4 KB of ``search_vector`` (every text field):
kept inline it made each row ~2.7 KB, so PostgreSQL moved the facet arrays to TOAST and
every search, count and facet read two relations per row. The vector is only read for the
rows the GIN index returns (and then not at all unless PostgreSQL must recheck), so it is
stored out of line, uncompressed (``EXTERNAL``); the facet arrays, labels and the compact
rank vector stay inline (``MAIN``). The table is rewritten so existing rows follow.

Revision ID: d5a0c7e9b3f1
Revises: b4d81f0c3e72
Create Date: 2026-11-29 16:15:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "d5a0c7e9b3f1"
down_revision = "b4d81f0c3e72"
branch_labels = None
depends_on = None

_TABLE = "satudata_search_package"
_INLINE = ("rank_vector", "facet_values", "permission_labels", "tags", "groups",
           "res_format")


def upgrade():
    op.execute(f"ALTER TABLE {_TABLE} ALTER COLUMN search_vector SET STORAGE EXTERNAL, "
               + ", ".join(f"ALTER COLUMN {c} SET STORAGE MAIN" for c in _INLINE))
    op.execute(f"CLUSTER {_TABLE} USING {_TABLE}_pkey")


def downgrade():
    op.execute(f"ALTER TABLE {_TABLE} ALTER COLUMN search_vector SET STORAGE MAIN, "
               + ", ".join(f"ALTER COLUMN {c} SET STORAGE EXTENDED" for c in _INLINE[1:]))
