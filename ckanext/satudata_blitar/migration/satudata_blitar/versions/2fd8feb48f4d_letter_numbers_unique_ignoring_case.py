"""Validation letter numbers are unique within an OPD and year whatever their letter case.

The portal's check before an insert compares ``lower(number)``, but the unique constraint
``satudata_blitar_letter_org_year_number`` compared the numbers as written, so case variants
sent at the same moment (``SV/1/2026`` and ``sv/1/2026``) could both be stored. The constraint
is replaced by the unique index ``satudata_blitar_letter_org_year_lower_number`` on
``(owner_org, year, lower(number))``, the same comparison as the check.

Existing case duplicates stop the upgrade; they are not merged or renamed. Each letter is a
signed document with its own PDF and checksum, and a letter that validated a dataset is named
by the append-only audit trail, so which number is the right one can only be read from the
paper letters. The upgrade lists every group (OPD, year, numbers, ids, and whether each
letter validated a dataset); correct the number of a wrong record (an unused letter with
``satudata_validation_letter_update``) and run the upgrade again. Nothing is changed before
the check passes.

The downgrade restores the case-sensitive constraint (which the stored rows then satisfy).

Revision ID: 2fd8feb48f4d
Revises: b5849138a9c7
Create Date: 2026-11-29 13:47:55
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2fd8feb48f4d"
down_revision = "b5849138a9c7"
branch_labels = None
depends_on = None

TABLE = "satudata_blitar_letter"
OLD_CONSTRAINT = "satudata_blitar_letter_org_year_number"
INDEX = "satudata_blitar_letter_org_year_lower_number"


def _duplicates(bind: sa.engine.Connection) -> list[str]:
    """One line per group of letters whose numbers differ only in letter case."""
    rows = bind.execute(sa.text(f"""
        SELECT l.owner_org, g.name AS org_name, l.year,
               array_agg(l.number ORDER BY l.created_at, l.id) AS numbers,
               array_agg(l.id ORDER BY l.created_at, l.id) AS ids,
               array_agg(EXISTS (SELECT 1 FROM satudata_blitar_audit a
                                 WHERE a.transition = 'validate' AND a.letter_ref = l.id)
                         ORDER BY l.created_at, l.id) AS used
        FROM {TABLE} l LEFT JOIN "group" g ON g.id = l.owner_org
        GROUP BY l.owner_org, g.name, l.year, lower(l.number)
        HAVING count(*) > 1
        ORDER BY g.name, l.year
    """)).mappings()
    return [
        f"OPD {row['org_name'] or row['owner_org']}, {row['year']}: " + "; ".join(
            f"{number!r} (id {id_}{', validated a dataset' if used else ''})"
            for number, id_, used in zip(row["numbers"], row["ids"], row["used"]))
        for row in rows]


def upgrade() -> None:
    duplicates = _duplicates(op.get_bind())
    if duplicates:
        raise RuntimeError(
            "Validation letter numbers must be unique within an OPD and year ignoring letter "
            "case, but these letters differ only in case:\n  " + "\n  ".join(duplicates)
            + "\nCorrect the number of the wrong record (as written on its signed letter) "
            "and run the upgrade again; nothing was changed.")
    op.drop_constraint(OLD_CONSTRAINT, TABLE, type_="unique")
    op.create_index(INDEX, TABLE, ["owner_org", "year", sa.text("lower(number)")],
                    unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.create_unique_constraint(OLD_CONSTRAINT, TABLE, ["owner_org", "year", "number"])
