"""deploy/: the production config holds no secret, is current, and loads with a host's secrets.

The serving itself (gunicorn, static files, sessions, faults, backups) is proven on a running
portal in ``tests/test_production.py``; these checks read files only.
"""
from __future__ import annotations

import configparser
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def _app(path: Path) -> configparser.SectionProxy:
    parser = configparser.RawConfigParser(strict=False)
    parser.read(path)
    return parser["app:main"]


def test_production_ini_has_no_secret_and_the_production_settings():
    text = (DEPLOY / "production.ini").read_text()
    app = _app(DEPLOY / "production.ini")
    assert "SECRET_KEY" not in app and "beaker.session.secret" not in app
    assert not re.search(r"^(smtp\.password|solr_password) *= *\S", text, re.M)
    assert "%(SECRET_KEY)s" not in text  # keys derived from it take CKAN's default
    assert not re.search(r"postgresql://[^@\s]*:[^@\s]*@", text)  # no password in a URL
    assert "/work/" not in text  # nothing of the machine that generated it
    assert re.search(r"^debug = false$", text, re.M)
    assert app["sqlalchemy.pool_pre_ping"] == "true"
    assert app["SESSION_COOKIE_SECURE"] == "true" and app["SESSION_TYPE"] == "cookie"
    assert app["ckan.plugins"].split() == [
        "activity", "scheming_datasets", "satudata_blitar", "satudata_search", "dcat",
        "dcat_json_interface", "satudata_harvest"]


def test_production_ini_lists_every_option_the_extension_declares():
    """Regenerate with ``.venv/bin/python deploy/make_production_ini.py > deploy/production.ini``."""
    app = _app(DEPLOY / "production.ini")
    declared = re.findall(r"^\s*- key: (\S+)$",
                          (ROOT / "ckanext" / "satudata_blitar" / "config_declaration.yaml")
                          .read_text(), re.M)
    assert declared
    missing = [key for key in declared if key not in app]
    assert not missing, f"deploy/production.ini misses {missing}: regenerate it"


def test_make_site_ini_adds_a_secret_once_and_keeps_it(tmp_path):
    base = tmp_path / "production.ini"
    base.write_text((DEPLOY / "production.ini").read_text())
    site = tmp_path / "ckan.ini"
    url = "postgresql://satudata:s3cret@127.0.0.1/satudata"
    first = subprocess.run([str(DEPLOY / "make-site-ini"), str(base), str(site), url],
                           capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    app = _app(site)
    assert app["use"] == f"config:{base}" and app["sqlalchemy.url"] == url
    assert len(app["SECRET_KEY"]) >= 40
    assert site.stat().st_mode & 0o777 == 0o640
    again = subprocess.run([str(DEPLOY / "make-site-ini"), str(base), str(site)],
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert _app(site)["SECRET_KEY"] == app["SECRET_KEY"]
    assert _app(site)["sqlalchemy.url"] == url

    # CKAN reads the chain: the host's values win over production.ini's
    from ckan.cli import CKANConfigLoader
    loaded = CKANConfigLoader(str(site)).get_config()
    assert loaded["SECRET_KEY"] == app["SECRET_KEY"]
    assert loaded["sqlalchemy.url"] == url
    assert loaded["ckan.site_id"] == "satudata_blitar"


def test_the_units_start_what_bin_satudata_up_starts():
    web = (DEPLOY / "systemd" / "satudata-web.service").read_text()
    worker = (DEPLOY / "systemd" / "satudata-worker.service").read_text()
    assert "gunicorn -c /opt/satudata/deploy/gunicorn.conf.py" in web
    assert "asset build" in web and "CKAN_INI=/etc/satudata/ckan.ini" in web
    assert "jobs worker" in worker and "Restart=always" in worker
    assert "satudata checks requeue" in worker
    gunicorn = (DEPLOY / "gunicorn.conf.py").read_text()
    assert "ckanext.satudata_blitar.wsgi:create_app()" in gunicorn
