"""Real harvesting clients against the real portal (slow: ``-m "not slow"`` skips them).

* the portal (``demo.ini``) runs on its own database (``<test db>_hsrc``) and a free port,
  seeded with datasets in every state (one withdrawn) and one with full SDI metadata;
* ``ckanapi dump datasets --all`` (the standard CKAN client) reads it anonymously;
* rdflib reads its DCAT catalog;
* a second CKAN (own database ``<test db>_hmirror``, own port, own ini written to
  ``.local/``, the embedded search backend, plugins ``harvest ckan_harvester
  dcat_json_harvester``) runs ``ckan harvester run-test`` with ckanext-harvest's CKAN harvester
  and ckanext-dcat's DCAT-JSON harvester.

Logs of both sites are in ``.local/logs/harvest-*.log`` and are printed on failure.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
LOCAL = Path(os.environ.get("SATUDATA_HOME") or ROOT / ".local")
LOGS = LOCAL / "logs"
PG_PORT = os.environ.get("SATUDATA_PG_PORT", "55432")
REDIS_PORT = os.environ.get("SATUDATA_REDIS_PORT", "56379")
# Databases named after the test run's own (SATUDATA_TEST_DB), so concurrent runs never share.
_RUN_DB = (os.environ.get("CKAN_SQLALCHEMY_URL") or "/satudata_test").rsplit("/", 1)[-1]
SRC_DB, SRC_REDIS = f"{_RUN_DB}_hsrc", "10"
MIRROR_DB, MIRROR_REDIS = f"{_RUN_DB}_hmirror", "11"
OPS = Path(__file__).with_name("ckan_ops.py")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"  # ckanapi needs its own bin
    env.update(extra)
    return env


def _tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _wait_for(url: str, proc: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/3/action/status_show", timeout=5) as r:
                if json.load(r)["success"]:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{url} did not start:\n{_tail(log)}")
        time.sleep(0.5)


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)


def _run(cmd: list[str], env: dict[str, str], timeout: float = 300) -> str:
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT)
    took = time.monotonic() - started
    print(f"[{took:5.1f}s] {' '.join(str(c) for c in cmd[:6])}")
    assert proc.returncode == 0, (
        f"{cmd} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc.stdout


def _json_out(stdout: str) -> Any:
    return json.loads(stdout.strip().splitlines()[-1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.load(r)


class Site:
    """A running CKAN site: its URL, ini and environment for CLI calls."""

    def __init__(self, url: str, ini: Path, env: dict[str, str], log: Path) -> None:
        self.url, self.ini, self.env, self.log = url, ini, env, log
        self.seed: dict[str, Any] = {}

    def ops(self, *args: str) -> Any:
        """Run ``ckan_ops.py`` with this site's config."""
        return _json_out(_run([str(VENV_BIN / "python"), str(OPS), "--config", str(self.ini),
                               *args], self.env))

    def ckan(self, *args: str, timeout: float = 300) -> str:
        """Run the ``ckan`` CLI with this site's config."""
        return _run([str(VENV_BIN / "ckan"), "-c", str(self.ini), *args], self.env, timeout)

    def api(self, action: str, **params: Any) -> Any:
        query = "&".join(f"{k}={urllib.request.quote(str(v))}" for k, v in params.items())
        return _get(f"{self.url}/api/3/action/{action}?{query}")["result"]


def _recreate_db(name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {name}")
    conn.close()


@pytest.fixture(scope="module")
def portal() -> Iterator[Site]:
    """The portal (``demo.ini``: the project's plugins, DCAT, the change feed) on its own
    database and port, seeded with datasets in every state (see ``ckan_ops.py seed``).

    The test session's ``bin/satudata test`` already runs PostgreSQL and Redis; the portal is
    served by ``ckan run`` like ``bin/satudata up`` does, without the demo loader (so that these
    tests do not depend on the demo data of other issues).
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    _recreate_db(SRC_DB)
    env = _clean_env(
        CKAN_SQLALCHEMY_URL=f"postgresql://postgres@127.0.0.1:{PG_PORT}/{SRC_DB}",
        CKAN_REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/{SRC_REDIS}",
        CKAN_SITE_URL=url, CKAN_STORAGE_PATH=str(LOCAL / f"storage-{SRC_DB}"))
    LOGS.mkdir(parents=True, exist_ok=True)
    site = Site(url, ROOT / "demo.ini", env, LOGS / f"harvest-portal-{port}.log")
    site.ckan("db", "init")
    for plugin in ("activity", "satudata_blitar", "satudata_search"):
        site.ckan("db", "upgrade", "-p", plugin)
    site.seed = site.ops("seed")
    with open(site.log, "w") as log:
        proc = subprocess.Popen([str(VENV_BIN / "ckan"), "-c", str(site.ini), "run", "-H",
                                 "127.0.0.1", "-p", str(port), "--disable-reloader",
                                 "--threaded"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=ROOT)
    try:
        _wait_for(url, proc, site.log)
        yield site
    finally:
        _stop(proc)
        print(f"portal log: {site.log}\n{_tail(site.log, 1500)}")


MIRROR_INI = """\
[app:main]
use = egg:ckan
SECRET_KEY = satudata-harvest-mirror-test
ckan.site_id = {db}
ckan.site_url = {url}
sqlalchemy.url = postgresql://postgres@127.0.0.1:{pg}/{db}
ckan.redis.url = redis://127.0.0.1:{redis_port}/{redis_db}
solr_url = http://127.0.0.1:8983/solr/unreachable-mirror
ckan.plugins = satudata_search harvest ckan_harvester dcat_json_harvester
ckan.harvest.mq.type = redis
ckan.storage_path = {storage}
ckan.auth.create_unowned_dataset = true

[loggers]
keys = root, ckanext

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[logger_ckanext]
qualname = ckanext
handlers = console
level = INFO
propagate = 0

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""


@pytest.fixture(scope="module")
def mirror(portal: Site) -> Iterator[Site]:
    """A second CKAN with ckanext-harvest, on its own database and port."""
    _recreate_db(MIRROR_DB)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    ini = LOCAL / f"harvest-mirror-{port}.ini"
    ini.write_text(MIRROR_INI.format(url=url, pg=PG_PORT, db=MIRROR_DB, redis_port=REDIS_PORT,
                                     redis_db=MIRROR_REDIS,
                                     storage=LOCAL / f"storage-{MIRROR_DB}"))
    env = _clean_env()
    site = Site(url, ini, env, LOGS / f"harvest-mirror-{port}.log")
    site.ckan("db", "init")
    site.ckan("db", "upgrade", "-p", "harvest")
    site.ckan("db", "upgrade", "-p", "satudata_search")
    with open(site.log, "w") as log:
        proc = subprocess.Popen([str(VENV_BIN / "ckan"), "-c", str(ini), "run", "-H",
                                 "127.0.0.1", "-p", str(port), "--disable-reloader"],
                                env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=ROOT)
    try:
        _wait_for(url, proc, site.log)
        yield site
    finally:
        _stop(proc)
        print(f"mirror log: {site.log}\n{_tail(site.log, 1500)}")


@pytest.fixture(scope="module")
def published(portal: Site) -> set[str]:
    """Names of the published datasets: the seeded ones plus a probe with full SDI metadata."""
    probe = portal.ops("publish-probe", "uji-panen-sdi")
    assert probe["frequency"] == "tahunan"
    return set(portal.seed["published"]) | {"uji-panen-sdi"}


def _changes(site: Site, **params: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    page = site.api("satudata_change_feed", limit=2, **params)
    while True:
        events.extend(page["events"])
        if page["complete"]:
            return events
        page = site.api("satudata_change_feed", limit=2, cursor=page["next_cursor"])


def test_ckanapi_dump_returns_exactly_the_published_datasets(portal, published, tmp_path):
    out = tmp_path / "datasets.jsonl"
    started = time.monotonic()
    _run(["ckanapi", "dump", "datasets", "--all", "-q", "-r", portal.url, "-O", str(out)],
         _clean_env())
    print(f"ckanapi dump: {time.monotonic() - started:.1f}s")
    records = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    assert {r["name"] for r in records} == published
    assert all(not r["private"] and r["state"] == "active" for r in records)
    probe = next(r for r in records if r["name"] == "uji-panen-sdi")
    for field in ("frequency", "periode_referensi_mulai", "cakupan_wilayah", "satuan",
                  "standar_data", "id_sds", "ms_keg", "ms_ind", "kontak_telepon"):
        assert probe.get(field), field
    assert probe["ms_keg"][0]["id_mskeg"] == "MSKEG-3572-01"


def test_rdflib_reads_the_real_catalog(portal, published):
    from rdflib import Graph, Namespace
    from rdflib.namespace import RDF

    dcat = Namespace("http://www.w3.org/ns/dcat#")
    dct = Namespace("http://purl.org/dc/terms/")
    for fmt, rdflib_fmt in (("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")):
        g = Graph()
        with urllib.request.urlopen(f"{portal.url}/catalog.{fmt}", timeout=60) as r:
            g.parse(data=r.read(), format=rdflib_fmt)
        datasets = list(g.subjects(RDF.type, dcat.Dataset))
        assert len(datasets) == len(published), fmt
        assert all(g.value(d, dct.identifier) for d in datasets), fmt


def test_ckan_harvester_mirrors_publications_and_feed_shows_withdrawal(portal, mirror,
                                                                        published):
    source = mirror.ops("harvest-source", "portal-ckan", portal.url, "ckan")
    started = time.monotonic()
    mirror.ckan("harvester", "run-test", source["name"])
    print(f"first CKAN harvest: {time.monotonic() - started:.1f}s")
    first = mirror.ops("harvested", source["name"])
    assert {d["name"] for d in first} == published

    # an edit (withdraw → edit → lifecycle → publish) and a new publication
    edited = portal.ops("edit-republish", "uji-panen-sdi", "Uji panen SDI (revisi)")
    portal.ops("publish-probe", "uji-panen-baru")
    started = time.monotonic()
    mirror.ckan("harvester", "run-test", source["name"])
    print(f"incremental CKAN harvest: {time.monotonic() - started:.1f}s")
    second = {d["name"]: d for d in mirror.ops("harvested", source["name"])}
    assert set(second) == published | {"uji-panen-baru"}
    assert second["uji-panen-sdi"]["title"] == "Uji panen SDI (revisi)"
    assert second["uji-panen-sdi"]["id"] == edited["id"]
    # the mirror's own API (embedded search backend) finds the harvested copies
    found = mirror.api("package_search", q="*:*", rows=100)
    assert {d["name"] for d in found["results"]} >= set(second)

    # a withdrawal: the CKAN harvester never deletes; the change feed tells the harvester
    gone = portal.ops("withdraw", "uji-panen-baru")
    events = _changes(portal)
    assert any(e["event"] == "withdrawn" and e["dataset_id"] == gone["id"] for e in events)
    assert any(e["event"] == "updated" and e["dataset_id"] == edited["id"] for e in events)
    assert not any(d["id"] == gone["id"] for d in portal.api(
        "package_search", q="*:*", rows=100)["results"])


def test_dcat_json_harvester_mirrors_publications_and_withdrawals(portal, mirror, published):
    source = mirror.ops("harvest-source", "portal-dcat-json", f"{portal.url}/dcat.json",
                        "dcat_json")
    expected = {d["id"]: d["title"] for d in portal.api("package_search", q="*:*",
                                                         rows=100)["results"]}
    started = time.monotonic()
    mirror.ckan("harvester", "run-test", source["name"])
    print(f"first DCAT-JSON harvest: {time.monotonic() - started:.1f}s")
    first = {d["guid"]: d for d in mirror.ops("harvested", source["name"])}
    assert set(first) == set(expected)          # guid = dct:identifier = the portal's id
    assert {g: d["title"] for g, d in first.items()} == expected

    new = portal.ops("publish-probe", "uji-panen-dcat")
    mirror.ckan("harvester", "run-test", source["name"])
    second = {d["guid"]: d for d in mirror.ops("harvested", source["name"])}
    assert set(second) == set(expected) | {new["id"]}

    portal.ops("withdraw", "uji-panen-dcat")
    assert any(e["event"] == "withdrawn" and e["dataset_id"] == new["id"]
               for e in _changes(portal, event="withdrawn"))
    # ckanext-dcat 2.4.4's DCAT-JSON gather stage sees the guid missing from /dcat.json and
    # queues a "delete" object, but appends its id before saving it (None): `run-test` then
    # dies with AttributeError and the mirror keeps its copy active. Both outcomes are
    # accepted here; the harvester's current objects must drop the guid in either case.
    proc = subprocess.run([str(VENV_BIN / "ckan"), "-c", str(mirror.ini), "harvester",
                           "run-test", source["name"]], env=mirror.env, capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    known_bug = "'NoneType' object has no attribute 'guid'" in proc.stderr
    assert proc.returncode == 0 or known_bug, proc.stderr[-4000:]
    third = {d["guid"]: d for d in mirror.ops("harvested", source["name"])}
    assert set(third) == set(expected)
    if not known_bug:
        assert new["id"] not in {g for g, d in third.items() if d["state"] == "active"}


def test_incremental_harvest_after_a_published_revision_updates_the_mirror_in_place(
        portal, mirror, published):
    """A published dataset updated through a revision (docs/revisions.md): the next
    incremental CKAN harvest updates the mirror's copy (same id, new title and files); the
    revision's own package never reaches the mirror or the change feed."""
    try:
        mirror.ops("harvested", "portal-ckan")
    except Exception:  # noqa: BLE001 - run alone: the source of the test above is missing
        mirror.ops("harvest-source", "portal-ckan", portal.url, "ckan")
    mirror.ckan("harvester", "run-test", "portal-ckan")
    # read the mirror itself: the DCAT-JSON source of the test above shares the datasets'
    # guids, so the CKAN source's "current" harvest objects are not the mirror's whole content
    def mirrored() -> dict[str, dict]:
        return {d["name"]: d for d in mirror.api("package_search", q="*:*", rows=1000)["results"]}
    before = mirrored()
    assert "terbit-satu" in before
    revised = portal.ops("revise", "terbit-satu", "Terbit satu (pembaruan bulan depan)")
    started = time.monotonic()
    mirror.ckan("harvester", "run-test", "portal-ckan")
    print(f"incremental CKAN harvest after a revision: {time.monotonic() - started:.1f}s")
    after = mirrored()
    assert set(after) == set(before)  # no copy of the revision's package
    assert revised["shadow_id"] not in {d["id"] for d in after.values()}
    assert after["terbit-satu"]["id"] == before["terbit-satu"]["id"] == revised["id"]
    assert after["terbit-satu"]["title"] == "Terbit satu (pembaruan bulan depan)"
    copy = mirror.api("package_show", id=revised["id"])
    assert sorted(r["name"] for r in copy["resources"]) == sorted(
        r["name"] for r in revised["resources"]) == ["Bulan depan", "terbit-satu.csv"]
    events = [e for e in _changes(portal) if e["dataset_id"] in (revised["id"],
                                                                 revised["shadow_id"])]
    assert [e["event"] for e in events] == ["published", "updated"]
    assert all(e["dataset_id"] == revised["id"] for e in events)
