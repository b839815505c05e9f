"""Every action of satudata_blitar, one module per feature; ``__all__`` is what CKAN's
``tk.blanket.actions`` registers."""
from __future__ import annotations

from ckanext.satudata_blitar.logic import public_functions
from ckanext.satudata_blitar.logic.action import lifecycle, records, report, standards
from ckanext.satudata_blitar.logic.action import notify
from ckanext.satudata_blitar.logic.action import revisions


globals().update(_ACTIONS := public_functions(lifecycle, records, report, standards, notify,
                                                   revisions))
__all__ = sorted(_ACTIONS)
