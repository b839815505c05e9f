"""Tables of ckanext-satudata_blitar (created by alembic, never by ``create_all``)."""
from __future__ import annotations

from ckanext.satudata_blitar.model.lifecycle import AuditEntry, DatasetStatus, RoleAssignment

__all__ = ["AuditEntry", "DatasetStatus", "RoleAssignment"]
