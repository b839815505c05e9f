"""Audit trail: hash chain per dataset, append-only.

Adds ``seq``, ``prev_hash`` and ``row_hash`` to ``satudata_blitar_audit`` and chains the
existing rows of each dataset in the order ``(package_id, timestamp, id)`` (``audit.chain``,
the same serialisation the portal and ``ckan satudata audit verify`` use). ``(package_id,
seq)`` is unique, so a chain cannot fork. Then a row trigger refuses every ``UPDATE`` and
``DELETE``: rows are only ever appended. ``TRUNCATE`` and ``DROP TABLE`` (the table owner's
operations, used by ``ckan db clean`` and the test reset) are not row operations and stay
possible; the owner could drop the trigger as well, which is what the hash chain is for.

Revision ID: 55bf436fa9ab
Revises: c7a3e91d2f58
Create Date: 2026-11-29 12:42:50
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ckanext.satudata_blitar import audit

revision = "55bf436fa9ab"
down_revision = "c7a3e91d2f58"
branch_labels = None
depends_on = None

TABLE = "satudata_blitar_audit"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("seq", sa.Integer))
    op.add_column(TABLE, sa.Column("prev_hash", sa.UnicodeText))
    op.add_column(TABLE, sa.Column("row_hash", sa.UnicodeText))
    bind = op.get_bind()
    rows = [dict(row) for row in bind.execute(sa.text(
        f"SELECT {', '.join(f for f in audit.FIELDS if f not in ('seq', 'prev_hash'))} "
        f"FROM {TABLE} ORDER BY package_id, timestamp, id")).mappings()]
    update = sa.text(f"UPDATE {TABLE} SET seq = :seq, prev_hash = :prev_hash, "
                     "row_hash = :row_hash WHERE id = :id")
    linked = audit.chain(rows)
    for start in range(0, len(linked), 5000):
        bind.execute(update, [{k: row[k] for k in ("id", "seq", "prev_hash", "row_hash")}
                              for row in linked[start:start + 5000]])
    op.alter_column(TABLE, "seq", nullable=False)
    op.alter_column(TABLE, "row_hash", nullable=False)
    op.create_unique_constraint("satudata_blitar_audit_package_seq", TABLE, ["package_id", "seq"])
    # OR REPLACE: ``ckan db clean`` drops the tables, not the function
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{TABLE} is append-only: % refused (row %)', TG_OP, OLD.id
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Audit rows are never changed or deleted; a correction is a new '
                             'transition.';
        END
        $$
    """)
    op.execute(f"""
        CREATE TRIGGER {TABLE}_append_only
        BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()
    """)


def downgrade() -> None:
    op.execute(f"DROP TRIGGER {TABLE}_append_only ON {TABLE}")
    op.execute(f"DROP FUNCTION {TABLE}_append_only()")
    op.drop_constraint("satudata_blitar_audit_package_seq", TABLE, type_="unique")
    op.drop_column(TABLE, "row_hash")
    op.drop_column(TABLE, "prev_hash")
    op.drop_column(TABLE, "seq")
