"""``satudata_search``: a PostgreSQL search backend for CKAN (replaces Solr on one machine)."""
