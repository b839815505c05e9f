"""Compact rank vector, precomputed facet pairs and column storage tuned for search.

``rank_vector`` holds only the title/name (A) and tags/groups (B) words, so ranking
thousands of matches stays cheap; ``facet_values`` holds ``field<US>value`` for the
usual facet fields so that every facet is counted in one pass; ``search_vector`` is kept inline (``MAIN``) and the
payload columns out of line (``EXTERNAL``) so the rows scanned by a search stay narrow.
Run ``ckan search-index rebuild`` after upgrading to fill ``rank_vector``.

Revision ID: 7a3f0c9e5b21
Revises: 5e1c7a2b9d40
Create Date: 2026-11-25 12:45:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

# revision identifiers, used by Alembic.
revision = "7a3f0c9e5b21"
down_revision = "5e1c7a2b9d40"
branch_labels = None
depends_on = None

_TABLE = "satudata_search_package"


def upgrade():
    op.add_column(_TABLE, sa.Column("rank_vector", pg.TSVECTOR, nullable=False,
                                    server_default=""))
    op.add_column(_TABLE, sa.Column("facet_values", pg.ARRAY(sa.Text(collation="C")),
                                    nullable=False, server_default="{}"))
    op.execute(f"ALTER TABLE {_TABLE} "
               "ALTER COLUMN search_vector SET STORAGE MAIN, "
               "ALTER COLUMN rank_vector SET STORAGE MAIN, "
               "ALTER COLUMN doc SET STORAGE EXTERNAL, "
               "ALTER COLUMN ftext SET STORAGE EXTERNAL, "
               "ALTER COLUMN validated_data_dict SET STORAGE EXTERNAL, "
               "ALTER COLUMN data_dict SET STORAGE EXTERNAL")


def downgrade():
    op.execute(f"ALTER TABLE {_TABLE} "
               "ALTER COLUMN search_vector SET STORAGE EXTENDED, "
               "ALTER COLUMN doc SET STORAGE EXTENDED, "
               "ALTER COLUMN ftext SET STORAGE EXTENDED, "
               "ALTER COLUMN validated_data_dict SET STORAGE EXTENDED, "
               "ALTER COLUMN data_dict SET STORAGE EXTENDED")
    op.drop_column(_TABLE, "facet_values")
    op.drop_column(_TABLE, "rank_vector")
