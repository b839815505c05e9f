"""The audit trail's hash chain: how a row is serialised and hashed, how a new row joins the
chain of its dataset, and how every chain is verified.

Every row of ``satudata_blitar_audit`` carries ``seq`` (1, 2, 3 … within its dataset),
``prev_hash`` (the ``row_hash`` of the dataset's previous row; empty on the first row) and
``row_hash`` (SHA-256 of :func:`canonical`, which covers ``prev_hash``). A changed field no
longer matches its row's hash; a removed, inserted or reordered row breaks the next row's link.
The table itself is append-only (a PostgreSQL trigger refuses ``UPDATE`` and ``DELETE``). The
serialisation is documented in ``docs/lifecycle.md`` so that an auditor can recompute every
hash from the CSV export (``satudata_audit_export``).
"""
from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Optional

import sqlalchemy as sa

import ckan.model as model

from ckanext.satudata_blitar.model.common import new_id, utcnow
from ckanext.satudata_blitar.model.lifecycle import AuditEntry, DatasetStatus

#: the fields a row hash covers, in the documented order (the JSON keys are sorted anyway)
FIELDS: tuple[str, ...] = (
    "id", "seq", "package_id", "package_name", "owner_org", "transition", "from_state",
    "to_state", "actor_id", "actor_name", "role", "timestamp", "note", "reason",
    "reason_category", "letter_ref", "prev_hash",
)


def _text(value: Any) -> Optional[str]:
    """A field as the text the hash covers: ``None`` and ``""`` are both ``null``, times are
    naive UTC ISO 8601 with microseconds, numbers are decimal (as in the CSV export)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="microseconds")
    return str(value) or None


def canonical(row: Mapping[str, Any]) -> bytes:
    """The bytes a row hash is taken of: a JSON object of :data:`FIELDS` (sorted keys, no
    spaces, UTF-8), every value a string or ``null``; plus ``revision_id`` when the row is
    about a revision (only then, so rows written before revisions existed keep their hash)."""
    data = {name: _text(row.get(name)) for name in FIELDS}
    if row.get("revision_id"):
        data["revision_id"] = _text(row.get("revision_id"))
    return json.dumps(data, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def row_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of :func:`canonical`."""
    return hashlib.sha256(canonical(row)).hexdigest()


def _fields(entry: Any) -> dict[str, Any]:
    return {name: getattr(entry, name, None) for name in FIELDS + ("revision_id",)}


def link(entry: AuditEntry) -> AuditEntry:
    """Give a new audit row its place at the end of its dataset's chain (``seq``,
    ``prev_hash``, ``row_hash``) and add it to the session.

    Call it in the transaction that writes the row, holding the dataset's status-row lock
    (``SELECT … FOR UPDATE``): no other transaction can then append to the same chain before
    this one commits. The unique ``(package_id, seq)`` constraint refuses a fork even if a
    caller forgot the lock.
    """
    table = AuditEntry.__table__
    session = model.Session
    session.flush()  # rows added earlier in this transaction (CKAN's session never autoflushes)
    head = session.execute(
        sa.select(table.c.seq, table.c.row_hash)
        .where(table.c.package_id == entry.package_id)
        .order_by(table.c.seq.desc()).limit(1)
    ).first()
    entry.id = entry.id or new_id()
    entry.timestamp = entry.timestamp or utcnow()
    entry.seq = head.seq + 1 if head else 1
    entry.prev_hash = head.row_hash if head else None
    entry.row_hash = row_hash(_fields(entry))
    session.add(entry)
    session.flush()
    return entry


def chain(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Link plain rows in the order given (each dataset's rows oldest first), for bulk writes
    of new datasets (migrations, benchmarks): fills ``seq``, ``prev_hash``, ``row_hash``."""
    heads: dict[str, tuple[int, str]] = {}
    out = []
    for row in rows:
        seq, prev = heads.get(row["package_id"], (0, None))
        row.update(seq=seq + 1, prev_hash=prev)
        row["row_hash"] = row_hash(row)
        heads[row["package_id"]] = (seq + 1, row["row_hash"])
        out.append(row)
    return out


# -- verification ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Break:
    """One broken link of a chain: which row, what is wrong, what was expected and found."""

    package_id: str
    package_name: Optional[str]
    row_id: Optional[str]
    seq: Optional[int]
    problem: str  # "content", "link", "sequence" or "head"
    expected: str
    found: str

    def describe(self) -> str:
        what = {
            "content": "row_hash does not match the row's fields (a field was changed)",
            "link": "prev_hash is not the previous row's row_hash (a row was removed, "
                    "inserted or changed before it)",
            "sequence": "seq out of order (a row is missing or was inserted)",
            "head": "the dataset's current state is not where its last audit row leads "
                    "(rows at the end are missing)",
        }[self.problem]
        row = f"row {self.row_id} (#{self.seq})" if self.row_id else "last row"
        return (f"dataset {self.package_name or '?'} ({self.package_id}) {row}: {what}; "
                f"expected {self.expected}, found {self.found}")


@dataclass
class Report:
    """Outcome of :func:`verify`."""

    datasets: int = 0
    rows: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


def _check_dataset(rows: list[Mapping[str, Any]], state: Optional[str]) -> Iterator[Break]:
    prev_hash: Optional[str] = None
    expected_seq = 1
    for row in rows:
        args = (row["package_id"], row["package_name"], row["id"], row["seq"])
        if row["seq"] != expected_seq:
            yield Break(*args, "sequence", f"#{expected_seq}", f"#{row['seq']}")
        if row["prev_hash"] != prev_hash:
            yield Break(*args, "link", prev_hash or "(none: first row)",
                        row["prev_hash"] or "(none)")
        recomputed = row_hash(row)
        if recomputed != row["row_hash"]:
            yield Break(*args, "content", recomputed, row["row_hash"] or "(none)")
        prev_hash = row["row_hash"]
        expected_seq = (row["seq"] or expected_seq) + 1
    last = rows[-1]
    if state is not None and last["to_state"] != state:
        yield Break(last["package_id"], last["package_name"], None, None, "head",
                    f"a last row leading to {state}", f"{last['to_state']} (#{last['seq']})")


def verify(package_id: Optional[str] = None) -> Report:
    """Walk every dataset's chain (or one dataset's) and report each broken link.

    Checks, row by row in ``seq`` order: ``seq`` runs 1, 2, 3 …; ``prev_hash`` is the
    previous row's ``row_hash``; ``row_hash`` is the hash of the row's fields. Last, the
    dataset's current state (its status row, when it has one) is where its last row leads.
    """
    audit = AuditEntry.__table__
    status = DatasetStatus.__table__
    query = (sa.select(audit, status.c.state.label("current_state"))
             .select_from(audit.outerjoin(status, status.c.package_id == audit.c.package_id))
             .order_by(audit.c.package_id, audit.c.seq, audit.c.timestamp, audit.c.id))
    if package_id:
        query = query.where(audit.c.package_id == package_id)
    report = Report()
    rows: list[Mapping[str, Any]] = []

    def close() -> None:
        if rows:
            report.datasets += 1
            report.breaks.extend(_check_dataset(rows, rows[-1]["current_state"]))

    result = model.Session.execute(query.execution_options(yield_per=1000))
    for row in result.mappings():
        report.rows += 1
        if rows and rows[-1]["package_id"] != row["package_id"]:
            close()
            rows = []
        rows.append(row)
    close()
    return report
