"""ckanext-satudata_blitar: the SOP of Satu Data Kota Blitar as CKAN plugins (``satudata_blitar``,
``satudata_search``, ``satudata_harvest``); the README's "Code map" says which module holds
which rule."""
