"""Pages of satudata_blitar, one blueprint per feature (CKAN's ``tk.blanket.blueprints``
registers every blueprint listed in ``__all__``): the SOP roles' workflow pages, the SOP
records, the annual report and the data standards. Every one checks CSRF tokens itself
(``views/csrf.py``)."""
from __future__ import annotations

from ckanext.satudata_blitar.views import csrf
from ckanext.satudata_blitar.views.portal import site as portal_blueprint
from ckanext.satudata_blitar.views.records import records as records_blueprint
from ckanext.satudata_blitar.views.report import report as report_blueprint
from ckanext.satudata_blitar.views.standards import standards as standards_blueprint
from ckanext.satudata_blitar.views.workflow import workflow as workflow_blueprint

__all__ = ["portal_blueprint", "records_blueprint", "report_blueprint", "standards_blueprint",
           "workflow_blueprint"]

for _blueprint in (portal_blueprint, records_blueprint, report_blueprint, standards_blueprint,
                   workflow_blueprint):
    csrf.protect(_blueprint)

# notifications (issue 16)
from ckanext.satudata_blitar.views.notices import notices as notices_blueprint  # noqa: E402

__all__.append("notices_blueprint")
csrf.protect(notices_blueprint)

# revisions of published datasets and their versions (issue 15)
from ckanext.satudata_blitar.views.revisions import (  # noqa: E402
    revision_pages as revisions_blueprint,
)

__all__.append("revisions_blueprint")
csrf.protect(revisions_blueprint)
