"""Wiring of the ``satudata_search`` plugin (PostgreSQL-backed dataset search)."""
from __future__ import annotations

import ckan.plugins as p


class SatudataSearchPlugin(p.SingletonPlugin):
    pass
