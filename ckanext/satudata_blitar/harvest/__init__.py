"""The ``satudata_harvest`` plugin: what harvesters get from the portal (the change feed, SDI
fields in ``/dcat.json`` and the ``satudata_sdi`` RDF profile)."""
