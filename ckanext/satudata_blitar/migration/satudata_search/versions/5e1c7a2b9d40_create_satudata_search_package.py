"""Create satudata_search_package: the PostgreSQL search index of datasets.

Revision ID: 5e1c7a2b9d40
Revises:
Create Date: 2026-11-25 12:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

# revision identifiers, used by Alembic.
revision = "5e1c7a2b9d40"
down_revision = None
branch_labels = None
depends_on = None

_TABLE = "satudata_search_package"


def upgrade():
    c_text = sa.Text(collation="C")
    op.create_table(
        _TABLE,
        sa.Column("id", c_text, primary_key=True),
        sa.Column("site_id", c_text, nullable=False),
        sa.Column("name", c_text),
        sa.Column("title_string", c_text),
        sa.Column("state", c_text),
        sa.Column("private", sa.Boolean),
        sa.Column("capacity", c_text),
        sa.Column("dataset_type", c_text),
        sa.Column("entity_type", c_text),
        sa.Column("owner_org", c_text),
        sa.Column("organization", c_text),
        sa.Column("license_id", c_text),
        sa.Column("metadata_created", sa.TIMESTAMP(timezone=True)),
        sa.Column("metadata_modified", sa.TIMESTAMP(timezone=True)),
        sa.Column("permission_labels", pg.ARRAY(c_text), nullable=False,
                  server_default="{}"),
        sa.Column("tags", pg.ARRAY(c_text), nullable=False, server_default="{}"),
        sa.Column("groups", pg.ARRAY(c_text), nullable=False, server_default="{}"),
        sa.Column("res_format", pg.ARRAY(c_text), nullable=False,
                  server_default="{}"),
        sa.Column("doc", pg.JSONB, nullable=False),
        sa.Column("ftext", pg.JSONB, nullable=False, server_default="{}"),
        sa.Column("search_vector", pg.TSVECTOR, nullable=False),
        sa.Column("validated_data_dict", sa.Text),
        sa.Column("data_dict", sa.Text),
        sa.Column("indexed_at", sa.TIMESTAMP(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    gin = {"postgresql_using": "gin"}
    op.create_index(f"{_TABLE}_search_vector_idx", _TABLE, ["search_vector"], **gin)
    op.create_index(f"{_TABLE}_doc_idx", _TABLE, ["doc"],
                    postgresql_ops={"doc": "jsonb_path_ops"}, **gin)
    for col in ("permission_labels", "tags", "groups", "res_format"):
        op.create_index(f"{_TABLE}_{col}_idx", _TABLE, [col], **gin)
    for col in ("name", "title_string", "metadata_modified", "metadata_created",
                "owner_org", "organization"):
        op.create_index(f"{_TABLE}_{col}_idx", _TABLE, [col])
    op.create_index(f"{_TABLE}_state_capacity_idx", _TABLE,
                    ["site_id", "state", "capacity"])


def downgrade():
    op.drop_table(_TABLE)
