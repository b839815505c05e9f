"""Production serving, faults survived, backup and restore: a real portal of its own.

One portal for the module, started exactly as the README says, ``bin/satudata up``, with
``SATUDATA_HOME`` in a scratch folder of the project's ignored ``.local/``: its own PostgreSQL
cluster, Redis, gunicorn (2 workers) and supervised job worker on free ports, with the demo
data. Never the suite's shared PostgreSQL (55432) or Redis (56379): the faults stop and restart
these services. The tests run in order; the last ones check that the faults before them left
no half-applied transition and an intact audit trail, then back the portal up and restore it
onto a second, fresh cluster.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bin" / "satudata"
VENV = ROOT / ".venv" / "bin"
DB = "satudata_demo"
PASSWORD = "SatuData-Blitar-2026"
SUBMITTED = "jumlah-kepala-keluarga-menurut-kecamatan-2025"  # demo: submitted, dispendukcapil
PUBLISHED = "jumlah-penduduk-menurut-kelurahan-dan-jenis-kelamin-2025"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> str:
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin")):
        if (d / "pg_ctl").exists():
            return str(d)
    raise RuntimeError("no PostgreSQL binaries")


def _until(what, timeout: float, step: float = 0.2):
    """Poll ``what()`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting after {timeout} s"
        time.sleep(step)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


class Site:
    """A portal driven by bin/satudata in a home of its own (``SATUDATA_HOME``)."""

    def __init__(self, tag: str) -> None:
        self.home = ROOT / ".local" / f"ops-{tag}-{os.getpid()}"
        shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True)
        self.pg_port, self.redis_port, self.http_port = _free_port(), _free_port(), _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CKAN_", "SATUDATA_"))}
        env.update(SATUDATA_HOME=str(self.home), SATUDATA_PG_PORT=str(self.pg_port),
                   SATUDATA_REDIS_PORT=str(self.redis_port),
                   SATUDATA_HTTP_PORT=str(self.http_port), SATUDATA_DEMO_DB=DB,
                   SATUDATA_DEMO_REDIS_DB="0", SATUDATA_WORKERS="2",
                   SATUDATA_PG_SHARED_BUFFERS_MB="128", SATUDATA_REQUEUE_INTERVAL="15")
        self.env = env
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.storage = self.home / f"storage-{DB}"
        self.up_proc: subprocess.Popen | None = None

    # -- processes
    def run(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
        return subprocess.run([str(SCRIPT), *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def start(self) -> None:
        log = open(self.home / "up.log", "w")
        self.up_proc = subprocess.Popen([str(SCRIPT), "up"], env=self.env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

        def answering() -> bool:
            assert self.up_proc.poll() is None, (self.home / "up.log").read_text()[-3000:]
            try:
                return requests.get(f"{self.url}/api/3/action/status_show", timeout=5).ok
            except requests.RequestException:
                return False
        _until(answering, 400, 0.5)

    def stop(self) -> None:
        if self.up_proc is not None and self.up_proc.poll() is None:
            os.killpg(self.up_proc.pid, signal.SIGTERM)
            try:
                self.up_proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.up_proc.pid, signal.SIGKILL)
        self.run("stop", timeout=120)
        shutil.rmtree(self.home, ignore_errors=True)

    def pid(self, name: str) -> int:
        return int((self.home / f"{name}-{self.http_port}.pid").read_text())

    def gunicorn_workers(self) -> set[int]:
        return set(_children(self.pid("ckan")))

    def job_worker(self) -> int | None:
        for child in _children(self.pid("worker")):
            if "jobs\0worker" in _cmdline(child):
                return child
        return None

    def worker_log(self) -> str:
        return (self.home / "logs" / f"worker-{self.http_port}.log").read_text()

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", f"{_pg_bin()}/pg_ctl", "-D",
                        str(self.home / "pg"), *args], check=True, capture_output=True,
                       timeout=120)

    # -- data
    def ckan_env(self) -> dict[str, str]:
        return dict(self.env, CKAN_INI=str(self.home / "portal.ini"),
                    CKAN_SQLALCHEMY_URL=f"postgresql://postgres@127.0.0.1:{self.pg_port}/{DB}",
                    CKAN_REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
                    CKAN_STORAGE_PATH=str(self.storage))

    def ckan(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(VENV / "ckan"), "-c", str(self.home / "portal.ini"), *args],
                              env=self.ckan_env(), capture_output=True, text=True, timeout=300)

    def psql(self, sql: str) -> str:
        out = subprocess.run([f"{_pg_bin()}/psql", "-h", "127.0.0.1", "-p", str(self.pg_port),
                              "-U", "postgres", "-d", DB, "-qAt", "-v", "ON_ERROR_STOP=1",
                              "-c", sql], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout

    def token(self, user: str) -> str:
        out = self.ckan("user", "token", "add", user, "production-test")
        assert out.returncode == 0, out.stderr
        return out.stdout.strip().split()[-1]

    def api(self, action: str, token: str | None = None, files=None, **data) -> requests.Response:
        headers = {"Authorization": token} if token else {}
        if files:
            return requests.post(f"{self.url}/api/3/action/{action}", data=data, files=files,
                                 headers=headers, timeout=120)
        return requests.post(f"{self.url}/api/3/action/{action}", json=data, headers=headers,
                             timeout=60)

    def check_row(self, resource_id: str) -> tuple[str, str]:
        row = self.psql("SELECT status, coalesce(job_id, '') FROM satudata_blitar_resource_check "
                        f"WHERE resource_id = '{resource_id}'").strip()
        status, _, job = row.partition("|")
        return status, job


@pytest.fixture(scope="module")
def site():
    s = Site("serve")
    try:
        s.start()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def tokens(site):
    return {u: site.token(u) for u in ("walidata", "dispendukcapil-produsen", "dinkes-produsen")}


def _big_csv(path: Path, mb: float = 5.5) -> Path:
    """A CSV over the synchronous check limit (5 MB), so its check is a background job."""
    rows = ["kode_wilayah,nama_wilayah,tahun,jumlah"]
    line = 0
    size = 0
    while size < mb * 1024 * 1024:
        text = f"35.72.0{line % 3 + 1},Kecamatan {line % 3 + 1},2025,{line}"
        rows.append(text)
        size += len(text) + 1
        line += 1
    path.write_text("\n".join(rows) + "\n")
    return path


def _upload(site: Site, token: str, org: str, name: str, csv: Path) -> dict:
    created = site.api("package_create", token, name=name, title=name, owner_org=org)
    assert created.ok, created.text
    with open(csv, "rb") as f:
        res = site.api("resource_create", token, files={"upload": (csv.name, f, "text/csv")},
                       package_id=created.json()["result"]["id"], name="data", format="CSV")
    assert res.status_code == 200, res.text
    return res.json()["result"]


# -- served like production -------------------------------------------------------------------
def test_up_serves_gunicorn_workers_with_a_secret_of_its_own_and_debug_off(site):
    assert "gunicorn" in _cmdline(site.pid("ckan"))
    assert len(site.gunicorn_workers()) == 2
    ini = (site.home / "portal.ini").read_text()
    secret = re.search(r"^SECRET_KEY = (\S+)$", ini, re.M).group(1)
    demo = re.search(r"^SECRET_KEY = (\S+)$", (ROOT / "demo.ini").read_text(), re.M).group(1)
    assert secret != demo and len(secret) >= 40
    assert (site.home / "secret_key").stat().st_mode & 0o077 == 0
    missing = requests.get(f"{site.url}/no-such-page/<x>", timeout=30)
    assert missing.status_code == 404
    assert "Traceback" not in missing.text and "Werkzeug" not in missing.text
    _until(site.job_worker, 120)


def test_static_files_are_answered_with_cache_headers(site):
    page = requests.get(f"{site.url}/dataset/", timeout=30)
    assert page.status_code == 200
    css = re.search(r'href="(/webassets/[^"]+\.css)"', page.text).group(1)
    bundle = requests.get(site.url + css, headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert bundle.status_code == 200
    assert "immutable" in bundle.headers["Cache-Control"]
    assert bundle.headers.get("Content-Encoding") == "gzip"
    logo = requests.get(f"{site.url}/base/images/ckan-logo.png", timeout=30)
    assert logo.status_code == 200 and "max-age=86400" in logo.headers["Cache-Control"]
    again = requests.get(f"{site.url}/base/images/ckan-logo.png", timeout=30,
                         headers={"If-None-Match": logo.headers["ETag"]})
    assert again.status_code == 304


def test_a_login_holds_on_every_worker_and_after_all_workers_are_replaced(site):
    browser = requests.Session()
    form = browser.get(f"{site.url}/user/login", timeout=30)
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
    login = browser.post(f"{site.url}/user/login", timeout=30, data={
        "login": "walidata", "password": PASSWORD, "_csrf_token": csrf})
    assert login.status_code == 200

    def logged_in() -> bool:
        page = browser.get(f"{site.url}/dashboard/datasets", timeout=30, allow_redirects=False)
        return page.status_code == 200 and "walidata" in page.text

    assert all(logged_in() for _ in range(8))  # two sync workers take turns
    before = site.gunicorn_workers()
    os.kill(site.pid("ckan"), signal.SIGHUP)  # gunicorn: new workers, the old ones leave
    _until(lambda: len(site.gunicorn_workers() - before) == 2
           and not site.gunicorn_workers() & before, 120)
    _until(lambda: requests.get(f"{site.url}/api/3/action/status_show", timeout=30).ok, 60)
    assert all(logged_in() for _ in range(4))


# -- faults ---------------------------------------------------------------------------------------
def test_postgres_restart_fails_requests_cleanly_and_the_workers_reconnect(site, tokens):
    workers = site.gunicorn_workers()
    outcomes: list[tuple[str, object]] = []
    stop = threading.Event()

    def traffic() -> None:
        cycle = [("walidata", "satudata_dataset_verify", {}),
                 ("walidata", "satudata_dataset_return",
                  {"reason_category": "data_tidak_valid", "reason": "fault test"}),
                 ("dispendukcapil-produsen", "satudata_dataset_submit", {})]
        i = 0
        while not stop.is_set():
            for kind, call in (
                    ("search", lambda: requests.get(
                        f"{site.url}/api/3/action/package_search?q=penduduk", timeout=30)),
                    ("page", lambda: requests.get(f"{site.url}/dataset/{PUBLISHED}", timeout=30)),
                    ("transition", lambda: site.api(cycle[i % 3][1], tokens[cycle[i % 3][0]],
                                                    id=SUBMITTED, **cycle[i % 3][2]))):
                try:
                    response = call()
                    outcomes.append((kind, response.status_code))
                    if kind == "transition" and response.status_code in (200, 409):
                        i += 1  # 409: an earlier call did commit, whatever it answered
                except requests.RequestException as error:
                    outcomes.append((kind, type(error).__name__))

    thread = threading.Thread(target=traffic)
    thread.start()
    try:
        _until(lambda: len(outcomes) >= 6, 60, 0.05)
        site.pg_ctl("-m", "fast", "-w", "-t", "60", "-l", str(site.home / "pg" / "server.log"),
                    "restart")
        _until(lambda: len(outcomes) >= 30, 120, 0.05)
    finally:
        stop.set()
        thread.join(timeout=120)
    # every request got an HTTP answer (no dropped connection, no hang); errors are clean
    assert all(isinstance(code, int) for _, code in outcomes), outcomes
    assert all(code < 500 or code in (500, 503) for _, code in outcomes), outcomes
    # afterwards every request succeeds on the same workers: pooled connections are checked
    # before use (sqlalchemy.pool_pre_ping), nothing needed a restart
    for _ in range(10):
        assert requests.get(f"{site.url}/api/3/action/package_search?q=penduduk",
                            timeout=30).status_code == 200
        assert requests.get(f"{site.url}/dataset/{PUBLISHED}", timeout=30).status_code == 200
    assert site.gunicorn_workers() == workers


def test_redis_stopped_the_upload_is_saved_and_its_check_runs_once_redis_is_back(
        site, tokens, tmp_path):
    redis_pid = int((site.home / "redis" / "redis.pid").read_text())
    os.kill(redis_pid, signal.SIGTERM)
    _until(lambda: not Path(f"/proc/{redis_pid}").exists(), 30)
    try:
        assert requests.get(f"{site.url}/dataset/", timeout=30).status_code == 200
        resource = _upload(site, tokens["dinkes-produsen"], "dinkes", "fault-redis-down",
                           _big_csv(tmp_path / "redis-down.csv"))
        key = resource["id"]
        stored = site.storage / "resources" / key[:3] / key[3:6] / key[6:]
        assert stored.stat().st_size > 5 * 1024 * 1024  # the upload is saved
        assert site.check_row(key)[0] == "pending"  # and its check waits, not lost
    finally:
        started = site.run("services")
        assert started.returncode == 0, started.stderr
    # the supervised worker comes back with Redis and puts the check back
    status = _until(lambda: site.check_row(key)[0] not in ("pending", "running")
                    and site.check_row(key)[0], 240, 0.5)
    assert status in ("passed", "failed")
    assert f"data check of resource {key} put back" in site.worker_log()


def test_a_job_worker_killed_mid_check_is_replaced_and_the_check_retried(site, tokens, tmp_path):
    worker = _until(site.job_worker, 120)
    resource = _upload(site, tokens["dinkes-produsen"], "dinkes", "fault-worker-killed",
                       _big_csv(tmp_path / "worker-killed.csv"))
    key = resource["id"]
    first_job = _until(lambda: site.check_row(key)[0] == "running" and site.check_row(key)[1],
                       120, 0.05)
    horses = _children(worker)  # RQ runs the job in a forked child: kill both
    for pid in [worker, *horses]:
        os.kill(pid, signal.SIGKILL)
    assert _until(lambda: (site.job_worker() or worker) != worker, 120)
    status = _until(lambda: site.check_row(key)[0] not in ("pending", "running")
                    and site.check_row(key)[0], 240, 0.5)
    assert status in ("passed", "failed")
    report = json.loads(site.psql("SELECT report FROM satudata_blitar_resource_check "
                                  f"WHERE resource_id = '{key}'"))
    assert report["rows"] > 100_000  # the whole file was checked again
    assert first_job
    assert f"data check of resource {key} put back" in site.worker_log()


def test_after_the_faults_no_half_applied_transition_and_every_audit_chain_verifies(site):
    verify = site.ckan("satudata", "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # the state of every dataset is the target of its last audit row, and only published
    # datasets are public
    mismatched = site.psql("""
        SELECT s.package_id, s.state, a.to_state, p.private FROM satudata_blitar_dataset_status s
        JOIN package p ON p.id = s.package_id
        LEFT JOIN LATERAL (SELECT to_state FROM satudata_blitar_audit a
                           WHERE a.package_id = s.package_id ORDER BY seq DESC LIMIT 1) a ON true
        WHERE p.state = 'active' AND ((a.to_state IS NOT NULL AND a.to_state <> s.state)
                                      OR p.private <> (s.state <> 'published'))""")
    assert mismatched == "", mismatched


# -- backup and restore ---------------------------------------------------------------------------
SEARCH = r"""
import json, os
from ckan.cli import load_config
from ckan.config.middleware import make_app
app = make_app(load_config(os.environ["CKAN_INI"]))
import ckan.plugins.toolkit as tk
out = []
with app._wsgi_app.test_request_context():
    for user, params in [("", {"q": ""}), ("", {"q": "penduduk"}),
                         ("", {"fq": "organization:dinkes"}),
                         ("walidata", {"q": "", "include_private": True}),
                         ("dinkes-produsen", {"q": "fault", "include_private": True})]:
        result = tk.get_action("package_search")({"user": user}, dict(
            params, rows=1000, sort="name asc",
            **{"facet.field": '["organization", "groups", "tags", "res_format"]'}))
        out.append([user, params, result["count"], [d["id"] for d in result["results"]],
                    result["facets"]])
print(json.dumps(out, sort_keys=True))
"""


def _search(site: Site) -> list:
    out = subprocess.run([str(VENV / "python"), "-c", SEARCH], env=site.ckan_env(),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _audit(site: Site) -> str:
    return site.psql("SELECT * FROM satudata_blitar_audit ORDER BY package_id, seq")


def _pdfs(site: Site) -> dict[str, str]:
    rows = site.psql("SELECT pdf_key, pdf_sha256 FROM satudata_blitar_letter "
                     "WHERE pdf_key IS NOT NULL UNION ALL SELECT pdf_key, pdf_sha256 "
                     "FROM satudata_blitar_statement WHERE pdf_key IS NOT NULL")
    return dict(line.split("|") for line in rows.split())


def test_backup_restores_onto_a_fresh_cluster_with_the_same_trail_files_and_search(site):
    made = site.run("backup", str(site.home / "backups"))
    assert made.returncode == 0, made.stderr
    backup = next((site.home / "backups").iterdir())
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["files"]["database.dump"]["sha256"] == hashlib.sha256(
        (backup / "database.dump").read_bytes()).hexdigest()

    fresh = Site("restore")
    try:
        # a damaged backup is refused before anything is written
        damaged = fresh.home / "damaged"
        shutil.copytree(backup, damaged)
        with open(damaged / "storage.tar", "r+b") as f:
            f.seek(1000)
            byte = f.read(1)
            f.seek(1000)
            f.write(bytes([byte[0] ^ 0xFF]))
        refused = fresh.run("restore", str(damaged))
        assert refused.returncode != 0 and "does not match its SHA-256" in refused.stderr

        restored = fresh.run("restore", str(backup))
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert _audit(fresh) == _audit(site) and _audit(site).count("\n") > 10
        pdfs = _pdfs(fresh)
        assert pdfs == _pdfs(site) and len(pdfs) >= 4
        for key, digest in pdfs.items():
            path = fresh.storage / "resources" / key[:3] / key[3:6] / key[6:]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, key
        assert _search(fresh) == _search(site)
        # a second restore onto the now filled database is refused
        again = fresh.run("restore", str(backup))
        assert again.returncode != 0 and "already holds tables" in again.stderr
    finally:
        fresh.stop()
