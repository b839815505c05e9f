"""Index of the audit trail by dataset and time: the annual report reads, per dataset, only
the rows of its year and those of the step still running when the year began.

Revision ID: 6e2b9d4c8a17
Revises: 9c3d5e7f1a24
Create Date: 2026-11-29 16:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "6e2b9d4c8a17"
down_revision = "9c3d5e7f1a24"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("idx_satudata_blitar_audit_package_timestamp", "satudata_blitar_audit",
                    ["package_id", "timestamp"])


def downgrade():
    op.drop_index("idx_satudata_blitar_audit_package_timestamp",
                  table_name="satudata_blitar_audit")
