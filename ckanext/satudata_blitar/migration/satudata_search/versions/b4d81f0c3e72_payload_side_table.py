"""Narrow index rows: the stored document and payloads move to satudata_search_payload.

A search scans the rows that match (count, rank, facets, labels); at 100,000 datasets
the ~6 KB of ``doc``, ``ftext``, ``data_dict`` and ``validated_data_dict`` each row
carried made that scan read a large heap and TOAST and decompress the facet arrays of
wide rows. They now live in ``satudata_search_payload`` (one row per dataset, deleted
with it), read only for the rows a page returns and for the rare filter, sort or facet
on a field that has no column of its own.

Revision ID: b4d81f0c3e72
Revises: 7a3f0c9e5b21
Create Date: 2026-11-29 15:45:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

# revision identifiers, used by Alembic.
revision = "b4d81f0c3e72"
down_revision = "7a3f0c9e5b21"
branch_labels = None
depends_on = None

_TABLE = "satudata_search_package"
_PAYLOAD = "satudata_search_payload"
_COLUMNS = ("doc", "ftext", "validated_data_dict", "data_dict")


def upgrade():
    c_text = sa.Text(collation="C")
    op.create_table(
        _PAYLOAD,
        sa.Column("id", c_text, sa.ForeignKey(f"{_TABLE}.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("doc", pg.JSONB, nullable=False),
        sa.Column("ftext", pg.JSONB, nullable=False, server_default="{}"),
        sa.Column("validated_data_dict", sa.Text),
        sa.Column("data_dict", sa.Text),
    )
    op.execute(f"INSERT INTO {_PAYLOAD} (id, doc, ftext, validated_data_dict, data_dict) "
               f"SELECT id, doc, ftext, validated_data_dict, data_dict FROM {_TABLE}")
    op.drop_index(f"{_TABLE}_doc_idx", table_name=_TABLE)
    op.create_index(f"{_PAYLOAD}_doc_idx", _PAYLOAD, ["doc"],
                    postgresql_ops={"doc": "jsonb_path_ops"}, postgresql_using="gin")
    for col in _COLUMNS:
        op.drop_column(_TABLE, col)
    # rewrite the table so the dropped columns no longer take room in its pages
    op.execute(f"CLUSTER {_TABLE} USING {_TABLE}_pkey")


def downgrade():
    op.add_column(_TABLE, sa.Column("doc", pg.JSONB))
    op.add_column(_TABLE, sa.Column("ftext", pg.JSONB, nullable=False,
                                    server_default="{}"))
    op.add_column(_TABLE, sa.Column("validated_data_dict", sa.Text))
    op.add_column(_TABLE, sa.Column("data_dict", sa.Text))
    op.execute(f"UPDATE {_TABLE} AS p SET doc = d.doc, ftext = d.ftext, "
               "validated_data_dict = d.validated_data_dict, data_dict = d.data_dict "
               f"FROM {_PAYLOAD} AS d WHERE d.id = p.id")
    op.execute(f"UPDATE {_TABLE} SET doc = '{{}}' WHERE doc IS NULL")
    op.alter_column(_TABLE, "doc", nullable=False)
    op.execute(f"ALTER TABLE {_TABLE} ALTER COLUMN doc SET STORAGE EXTERNAL, "
               "ALTER COLUMN ftext SET STORAGE EXTERNAL, "
               "ALTER COLUMN validated_data_dict SET STORAGE EXTERNAL, "
               "ALTER COLUMN data_dict SET STORAGE EXTERNAL")
    op.create_index(f"{_TABLE}_doc_idx", _TABLE, ["doc"],
                    postgresql_ops={"doc": "jsonb_path_ops"}, postgresql_using="gin")
    op.drop_table(_PAYLOAD)
