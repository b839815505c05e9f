"""Lifecycle tables: dataset status, audit trail, SOP roles.

Also applies the migration rule for datasets that existed before the plugin was enabled
(see ``lifecycle.migrate_existing_datasets``): a private dataset becomes ``draft``, a public
active one ``published``, each with a synthetic audit row by ``system``.

Revision ID: 3f1c2a9b7d10
Revises:
Create Date: 2026-11-25 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3f1c2a9b7d10"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satudata_blitar_dataset_status",
        sa.Column("package_id", sa.UnicodeText,
                  sa.ForeignKey("package.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("state", sa.UnicodeText, nullable=False, server_default="draft"),
        sa.Column("since", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_by", sa.UnicodeText),
        sa.Column("last_transition", sa.UnicodeText),
        sa.CheckConstraint(
            "state IN ('draft', 'submitted', 'verified', 'validated', 'published')",
            name="satudata_blitar_dataset_status_state_check",
        ),
    )
    op.create_index("idx_satudata_blitar_status_state",
                    "satudata_blitar_dataset_status", ["state"])
    op.create_table(
        "satudata_blitar_audit",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("package_name", sa.UnicodeText),
        sa.Column("owner_org", sa.UnicodeText),
        sa.Column("transition", sa.UnicodeText, nullable=False),
        sa.Column("from_state", sa.UnicodeText),
        sa.Column("to_state", sa.UnicodeText, nullable=False),
        sa.Column("actor_id", sa.UnicodeText),
        sa.Column("actor_name", sa.UnicodeText, nullable=False),
        sa.Column("role", sa.UnicodeText, nullable=False),
        sa.Column("timestamp", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("note", sa.UnicodeText),
        sa.Column("reason", sa.UnicodeText),
        sa.Column("reason_category", sa.UnicodeText),
        sa.Column("letter_ref", sa.UnicodeText),
    )
    op.create_index("idx_satudata_blitar_audit_package_id", "satudata_blitar_audit", ["package_id"])
    op.create_index("idx_satudata_blitar_audit_owner_org", "satudata_blitar_audit", ["owner_org"])
    op.create_index("idx_satudata_blitar_audit_timestamp", "satudata_blitar_audit", ["timestamp"])
    op.create_table(
        "satudata_blitar_role",
        sa.Column("user_id", sa.UnicodeText,
                  sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.UnicodeText, primary_key=True),
        sa.Column("granted_by", sa.UnicodeText),
        sa.Column("granted_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("role IN ('walidata', 'pembina', 'sekretariat')",
                           name="satudata_blitar_role_role_check"),
    )
    # Migration rule for datasets that existed before the plugin (documented in lifecycle.py).
    op.execute("""
        INSERT INTO satudata_blitar_audit
            (id, package_id, package_name, owner_org, transition, from_state, to_state,
             actor_id, actor_name, role, timestamp, note)
        SELECT md5(random()::text || p.id), p.id, p.name, p.owner_org, 'migrate', NULL,
               CASE WHEN p.private THEN 'draft' ELSE 'published' END,
               NULL, 'system', 'system', now(),
               'Initial state set when the lifecycle plugin was enabled'
        FROM package p
        WHERE p.type = 'dataset' AND p.state = 'active'
    """)
    op.execute("""
        INSERT INTO satudata_blitar_dataset_status (package_id, state, since, updated_by, last_transition)
        SELECT p.id, CASE WHEN p.private THEN 'draft' ELSE 'published' END, now(), 'system', 'migrate'
        FROM package p
        WHERE p.type = 'dataset' AND p.state = 'active'
    """)


def downgrade() -> None:
    op.drop_table("satudata_blitar_role")
    op.drop_index("idx_satudata_blitar_audit_timestamp", "satudata_blitar_audit")
    op.drop_index("idx_satudata_blitar_audit_owner_org", "satudata_blitar_audit")
    op.drop_index("idx_satudata_blitar_audit_package_id", "satudata_blitar_audit")
    op.drop_table("satudata_blitar_audit")
    op.drop_index("idx_satudata_blitar_status_state", "satudata_blitar_dataset_status")
    op.drop_table("satudata_blitar_dataset_status")
