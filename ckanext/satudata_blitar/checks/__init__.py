"""The SDI data-standard engine (frictionless 5) and the ``submit`` gate.

* :func:`ckanext.satudata_blitar.checks.engine.check_file` checks one CSV/XLSX file;
* :mod:`~ckanext.satudata_blitar.checks.runner` checks a resource now or as a job;
* :func:`ckanext.satudata_blitar.checks.submit.submit_problems` is what "conforming" means
  for ``submit`` (complete SDI metadata, every tabular resource passing a current check).
"""
