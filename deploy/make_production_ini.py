"""Write deploy/production.ini: ``ckan generate config`` plus the portal's settings.

    .venv/bin/python deploy/make_production_ini.py > deploy/production.ini

CKAN's generated file lists every core option with its default; this script changes the
values a Satu Data portal needs (plugins, search, sessions over HTTPS, locale, paths) and
appends every option this extension's plugins declare (``ckan config declaration``) with its
default. The secret key and passwords are left out on purpose: ``deploy/make-site-ini``
writes them into ``/etc/satudata/ckan.ini``, which chains this file.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CKAN = os.path.join(ROOT, ".venv", "bin", "ckan")
PLUGINS = ("activity scheming_datasets satudata_blitar satudata_search dcat "
           "dcat_json_interface satudata_harvest")

#: core options set to the portal's values; None: a secret, left out; "DEFAULT": CKAN's default
CORE = {
    "SECRET_KEY": None,
    # derived from SECRET_KEY by default; written out they would not load without it
    "WTF_CSRF_SECRET_KEY": "DEFAULT",
    "api_token.jwt.encode.secret": "DEFAULT",
    "api_token.jwt.decode.secret": "DEFAULT",
    "SESSION_COOKIE_SECURE": "true",
    "REMEMBER_COOKIE_SECURE": "true",
    "sqlalchemy.url": "postgresql://satudata@127.0.0.1:5432/satudata",
    "ckan.site_url": "https://satudata.blitarkota.go.id",
    "ckan.site_id": "satudata_blitar",
    "ckan.site_title": "Satu Data Kota Blitar",
    "ckan.redis.url": "redis://127.0.0.1:6379/0",
    "ckan.plugins": PLUGINS,
    "ckan.csrf_protection.ignore_extensions": "false",
    "ckan.auth.user_create_groups": "false",
    "ckan.auth.user_create_organizations": "false",
    "ckan.auth.user_delete_groups": "false",
    "ckan.auth.user_delete_organizations": "false",
    "ckan.views.default_views": "",
    "ckan.storage_path": "/var/lib/satudata",
    "ckan.webassets.path": "/var/lib/satudata/webassets",
    "ckan.locale_default": "id",
    "ckan.locales_offered": "id en",
    "ckan.resource_formats": "DEFAULT",
    "smtp.mail_from": "noreply@satudata.blitarkota.go.id",
}

EXTRA = """
## Satu Data Kota Blitar: the other plugins' settings ##########################
# Embedded search (satudata_search) answers package_search from PostgreSQL; solr_url above is
# then never reached. For Solr (several web hosts, a national catalogue): drop satudata_search
# from ckan.plugins, point solr_url at a Solr core with CKAN's schema and run
# `ckan -c /etc/satudata/ckan.ini search-index rebuild` (deploy/README.md, "Beyond one machine").
ckanext.dcat.rdf.profiles = euro_dcat_ap_3 satudata_sdi
ckanext.dcat.enable_content_negotiation = false
scheming.dataset_schemas = ckanext.satudata_blitar.schemas:dataset.yaml
scheming.presets = ckanext.scheming:presets.json
scheming.dataset_fallback = false
"""


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "production.ini")
        subprocess.run([CKAN, "generate", "config", path], check=True, capture_output=True)
        text = open(path).read()
        declared = subprocess.run(
            [CKAN, "-c", os.path.join(ROOT, "test.ini"), "config", "declaration",
             "satudata_blitar", "satudata_search", "satudata_harvest"],
            check=True, capture_output=True, text=True).stdout
    for key, value in CORE.items():
        pattern = re.compile(rf"^{re.escape(key)} = .*$", re.M)
        if not pattern.search(text):
            raise SystemExit(f"ckan generate config wrote no {key}")
        if value is None:
            line = f"# {key}: in /etc/satudata/ckan.ini (deploy/make-site-ini), never here"
        elif value == "DEFAULT":
            line = f"# {key}: CKAN's default"
        else:
            line = f"{key} = {value}".rstrip()
        text = pattern.sub(line, text)
    head = ("# Satu Data Kota Blitar: production config. Made by deploy/make_production_ini.py\n"
            "# from `ckan generate config` (CKAN 2.11) and the options this extension declares.\n"
            "# No secrets here: /etc/satudata/ckan.ini chains this file and adds them.\n")
    app_end = text.index("\n[loggers]")
    text = head + text[:app_end].rstrip() + "\n" + EXTRA + declared.rstrip() + "\n" + text[app_end:]
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
