"""Fixtures of the satudata_search tests: a guard that fails on any request to Solr."""
from __future__ import annotations

import os
from typing import Any

import pysolr
import pytest
import requests

import ckan.plugins as p
from ckan.common import config


class SolrContacted(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_solr(monkeypatch) -> list[str]:
    """Fail the test if anything sends an HTTP request to ``solr_url`` or a pysolr
    request while ``satudata_search`` is loaded, and record the attempts (the list
    this fixture returns). While the plugin is unloaded (``with_plugins`` unloads and
    reloads every plugin) CKAN talks to Solr as usual and the guard lets it."""
    original_send = pysolr.Solr._send_request
    attempts: list[str] = []
    solr_url = (config.get("solr_url") or "http://127.0.0.1:8983/solr").rstrip("/")
    original = requests.sessions.Session.request

    def guarded_request(self: Any, method: str, url: str, *args: Any, **kwargs: Any):
        if (str(url).startswith(solr_url) or "/solr" in str(url)) and p.plugin_loaded(
                "satudata_search"):
            attempts.append(f"{method} {url}")
            raise SolrContacted(f"request sent to Solr: {method} {url}")
        return original(self, method, url, *args, **kwargs)

    def guarded_send(self: Any, method: str, path: str = "", *args: Any, **kwargs: Any):
        if not p.plugin_loaded("satudata_search"):
            return original_send(self, method, path, *args, **kwargs)
        attempts.append(f"pysolr {method} {path}")
        raise SolrContacted(f"pysolr request: {method} {path}")

    monkeypatch.setattr(requests.sessions.Session, "request", guarded_request)
    monkeypatch.setattr(pysolr.Solr, "_send_request", guarded_send)
    yield attempts
    assert not attempts, f"Solr was contacted: {attempts}"


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """Like the project's ``clean_db``, but migrates only the plugins this test loaded:
    the search tests run with ``ckan.plugins = satudata_search`` alone."""
    reset_db()
    for plugin in ("activity", "satudata_blitar", "satudata_search"):
        if p.plugin_loaded(plugin):
            migrate_db_for(plugin)


@pytest.fixture
def search_cli(ckan_config, tmp_path):
    """CKAN's ``cli`` fixture, but the CLI reads a copy of test.ini that loads only
    ``satudata_search`` (the CLI re-reads its ini file and reloads every plugin)."""
    import re

    from ckan.tests.helpers import CKANCliRunner

    with open(ckan_config["__file__"], encoding="utf-8") as f:
        text = f.read()
    here = os.path.dirname(os.path.abspath(ckan_config["__file__"]))
    text = re.sub(r"(?m)^ckan\.plugins\s*=.*$", "ckan.plugins = satudata_search", text)
    text = text.replace("%(here)s", here)
    ini = tmp_path / "search-test.ini"
    ini.write_text(text, encoding="utf-8")
    return CKANCliRunner(env={"CKAN_INI": str(ini)})


# -- a small known corpus -------------------------------------------------------------

@pytest.fixture
def corpus(clean_db) -> dict[str, Any]:
    """Three OPDs, two groups, six datasets in known states.

    ======= ====================================== ============== ======== ========
    key     title                                  organization   private  state
    ======= ====================================== ============== ======== ========
    pop     Jumlah Penduduk Kota Blitar 2023       dukcapil       no       active
    aki     Angka Kematian Ibu (notes: penduduk)   dinkes         no       active
    sd      Jumlah Sekolah Dasar per Kecamatan     disdik         no       active
    imun    Cakupan Imunisasi Balita               dinkes         yes      active
    draft   Data Penduduk Miskin                   dukcapil       no       draft
    gone    Profil Kesehatan Lama                  dinkes         no       deleted
    ======= ====================================== ============== ======== ========
    """
    from ckan.tests import factories, helpers

    sysadmin = factories.Sysadmin()
    member = factories.User(name="anggota_dinkes")
    outsider = factories.User(name="warga")
    dinkes = factories.Organization(
        name="dinkes", title="Dinas Kesehatan",
        users=[{"name": member["name"], "capacity": "editor"}])
    disdik = factories.Organization(name="disdik", title="Dinas Pendidikan")
    dukcapil = factories.Organization(
        name="dukcapil", title="Dinas Kependudukan dan Pencatatan Sipil")
    kesehatan = factories.Group(name="kesehatan", title="Kesehatan")
    sosial = factories.Group(name="sosial", title="Sosial")

    def make(**kw: Any) -> dict[str, Any]:
        return factories.Dataset(user=sysadmin, **kw)

    pop = make(name="jumlah-penduduk-2023", title="Jumlah Penduduk Kota Blitar 2023",
               notes="Jumlah penduduk per kecamatan di Kota Blitar.",
               owner_org=dukcapil["id"], license_id="cc-by",
               tags=[{"name": "kependudukan"}, {"name": "statistik"}],
               groups=[{"name": "sosial"}],
               extras=[{"key": "sdi_frekuensi", "value": "tahunan"}],
               resources=[{"url": "http://x/p.csv", "format": "CSV", "name": "Tabel"}])
    aki = make(name="angka-kematian-ibu", title="Angka Kematian Ibu",
               notes="Rasio kematian ibu per 100.000 kelahiran; dibandingkan jumlah penduduk.",
               owner_org=dinkes["id"], license_id="cc-by",
               tags=[{"name": "kesehatan"}, {"name": "statistik"}],
               groups=[{"name": "kesehatan"}, {"name": "sosial"}],
               extras=[{"key": "sdi_frekuensi", "value": "bulanan"}],
               resources=[{"url": "http://x/a.xlsx", "format": "XLSX"},
                          {"url": "http://x/a.csv", "format": "CSV"}])
    sd = make(name="jumlah-sekolah-dasar", title="Jumlah Sekolah Dasar per Kecamatan",
              notes="Sekolah dasar negeri dan swasta (Pèndidikan dasar).",
              owner_org=disdik["id"], license_id="odc-by",
              tags=[{"name": "pendidikan"}],
              resources=[{"url": "http://x/s.csv", "format": "CSV"}])
    imun = make(name="cakupan-imunisasi", title="Cakupan Imunisasi Balita",
                notes="Data rahasia sementara.", owner_org=dinkes["id"], private=True,
                tags=[{"name": "kesehatan"}], groups=[{"name": "kesehatan"}],
                resources=[{"url": "http://x/i.csv", "format": "CSV"}])
    draft = make(name="penduduk-miskin", title="Data Penduduk Miskin",
                 owner_org=dukcapil["id"], state="draft")
    gone = make(name="profil-kesehatan-lama", title="Profil Kesehatan Lama",
                owner_org=dinkes["id"], tags=[{"name": "kesehatan"}])
    helpers.call_action("package_delete", id=gone["id"])
    return {
        "sysadmin": sysadmin, "member": member, "outsider": outsider,
        "dinkes": dinkes, "disdik": disdik, "dukcapil": dukcapil,
        "kesehatan": kesehatan, "sosial": sosial,
        "pop": pop, "aki": aki, "sd": sd, "imun": imun, "draft": draft, "gone": gone,
    }

