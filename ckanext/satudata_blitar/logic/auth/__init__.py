"""Every auth function of satudata_blitar, one module per feature with the action's name;
``__all__`` is what CKAN's ``tk.blanket.auth_functions`` registers."""
from __future__ import annotations

from ckanext.satudata_blitar.logic import public_functions
from ckanext.satudata_blitar.logic.auth import lifecycle, records, report, standards
from ckanext.satudata_blitar.logic.auth import notify
from ckanext.satudata_blitar.logic.auth import revisions


globals().update(_AUTH := public_functions(lifecycle, records, report, standards, notify,
                                                   revisions))
__all__ = sorted(_AUTH)
