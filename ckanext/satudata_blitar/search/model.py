"""The index table of ``satudata_search``, declared on CKAN's metadata.

The tables are created by the alembic migration in
``migration/satudata_search`` (``ckan db upgrade -p satudata_search``); declaring it on
CKAN's metadata as well lets CKAN's ``delete_all`` (the tests' ``reset_db``) empty it.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

import ckan.plugins.toolkit as tk

TABLE_NAME = "satudata_search_package"
#: The stored document and payloads of each row, apart so that the rows a search scans
#: stay narrow (read for the returned page and for filters on fields without a column).
PAYLOAD_TABLE = "satudata_search_payload"

_C_TEXT = sa.Text(collation="C")

package_index_table = sa.Table(
    TABLE_NAME,
    tk.BaseModel.metadata,
    sa.Column("id", _C_TEXT, primary_key=True),
    sa.Column("site_id", _C_TEXT, nullable=False),
    sa.Column("name", _C_TEXT),
    sa.Column("title_string", _C_TEXT),
    sa.Column("state", _C_TEXT),
    sa.Column("private", sa.Boolean),
    sa.Column("capacity", _C_TEXT),
    sa.Column("dataset_type", _C_TEXT),
    sa.Column("entity_type", _C_TEXT),
    sa.Column("owner_org", _C_TEXT),
    sa.Column("organization", _C_TEXT),
    sa.Column("license_id", _C_TEXT),
    sa.Column("metadata_created", sa.TIMESTAMP(timezone=True)),
    sa.Column("metadata_modified", sa.TIMESTAMP(timezone=True)),
    sa.Column("permission_labels", pg.ARRAY(_C_TEXT), nullable=False,
              server_default="{}"),
    sa.Column("tags", pg.ARRAY(_C_TEXT), nullable=False, server_default="{}"),
    sa.Column("groups", pg.ARRAY(_C_TEXT), nullable=False, server_default="{}"),
    sa.Column("res_format", pg.ARRAY(_C_TEXT), nullable=False, server_default="{}"),
    sa.Column("search_vector", pg.TSVECTOR, nullable=False),
    sa.Column("rank_vector", pg.TSVECTOR, nullable=False, server_default=""),
    sa.Column("facet_values", pg.ARRAY(_C_TEXT), nullable=False, server_default="{}"),
    sa.Column("indexed_at", sa.TIMESTAMP(timezone=True), nullable=False,
              server_default=sa.func.now()),
    extend_existing=True,
)

payload_table = sa.Table(
    PAYLOAD_TABLE,
    tk.BaseModel.metadata,
    sa.Column("id", _C_TEXT, sa.ForeignKey(f"{TABLE_NAME}.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("doc", pg.JSONB, nullable=False),
    sa.Column("ftext", pg.JSONB, nullable=False, server_default="{}"),
    sa.Column("validated_data_dict", sa.Text),
    sa.Column("data_dict", sa.Text),
    extend_existing=True,
)
