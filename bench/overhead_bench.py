"""What the extension costs: the full plugin set against CKAN + satudata_search, over HTTP.

Run with ``bin/satudata bench overhead`` (or ``.venv/bin/python bench/overhead_bench.py``).

- B is the portal exactly as ``bin/satudata up`` serves it (gunicorn, the demo's plugin
  set and data, the supervised job worker) on its own database, Redis db and port.
- A is CKAN with ``satudata_search`` only, served by the same gunicorn configuration
  (``deploy/gunicorn.conf.py``, same number of workers) on its own database and port.

Both get the same ``--datasets`` datasets (created through the Action API by a sysadmin,
one organization, tags, a resource). Then, round by round and A/B interleaved, with a
sysadmin's API token and keep-alive: ``package_show``, ``package_search`` (q + 3 facets),
``package_update``, ``package_create``, ``GET /dataset/<name>`` and ``GET /`` signed in.
Prints p50/p95 of each side and their ratio B/A, writes ``bench/results/overhead-*`` and
exits 1 when a ratio is above ``--max-ratio`` (1.10) at p50 or p95.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
sys.path.insert(0, HERE)

from portal_bench import _start_portal, _stop_portal  # noqa: E402
from run import WORDS, _percentile  # noqa: E402

VENV_BIN = os.path.join(ROOT, ".venv", "bin")


def _side_env(db: str, redis_db: int, port: int) -> dict[str, str]:
    home = os.environ.get("SATUDATA_HOME", os.path.join(ROOT, ".local"))
    pg = os.environ.get("SATUDATA_PG_PORT", "55432")
    redis = os.environ.get("SATUDATA_REDIS_PORT", "56379")
    return dict(os.environ, SATUDATA_DEMO_DB=db, SATUDATA_DEMO_REDIS_DB=str(redis_db),
                SATUDATA_HTTP_PORT=str(port),
                CKAN_SQLALCHEMY_URL=f"postgresql://postgres@127.0.0.1:{pg}/{db}",
                CKAN_REDIS_URL=f"redis://127.0.0.1:{redis}/{redis_db}",
                CKAN_STORAGE_PATH=os.path.join(home, f"storage-{db}"),
                CKAN_SITE_URL=f"http://127.0.0.1:{port}")


def _ckan(ini: str, env: dict[str, str], *args: str) -> str:
    return subprocess.run([os.path.join(VENV_BIN, "ckan"), "-c", ini, *args], env=env,
                          check=True, capture_output=True, text=True).stdout


def _token(ini: str, env: dict[str, str], user: str) -> str:
    out = _ckan(ini, env, "user", "token", "add", user, f"overhead-{int(time.time())}")
    return out.strip().splitlines()[-1].strip()


def _a_ini(path: str) -> str:
    """CKAN with ``satudata_search`` only: demo.ini with another plugin list."""
    with open(os.path.join(ROOT, "demo.ini"), encoding="utf-8") as f:
        loggers = f.read().split("[loggers]", 1)[1]
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"[app:main]\nuse = config:{os.path.join(ROOT, 'demo.ini')}\n"
                "ckan.plugins = satudata_search\n"
                f"SECRET_KEY = overhead-bench-{random.getrandbits(64):x}\n\n[loggers]"
                + loggers)
    return path


def _ensure_db(name: str) -> None:
    pg = os.environ.get("SATUDATA_PG_PORT", "55432")
    psql = ["/usr/lib/postgresql/15/bin/psql", "-h", "127.0.0.1", "-p", pg, "-U", "postgres",
            "-d", "postgres", "-qAtc"]
    found = subprocess.run(psql + [f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                           check=True, capture_output=True, text=True).stdout.strip()
    if found != "1":
        subprocess.run(psql + [f"CREATE DATABASE {name}"], check=True)


def _start_a(ini: str, env: dict[str, str], port: int, log_path: str) -> subprocess.Popen:
    import requests

    _ensure_db(env["CKAN_SQLALCHEMY_URL"].rsplit("/", 1)[1])
    _ckan(ini, env, "db", "init")
    _ckan(ini, env, "db", "upgrade", "-p", "satudata_search")
    users = _ckan(ini, env, "user", "list")
    if "overhead_admin" not in users:
        _ckan(ini, env, "user", "add", "overhead_admin", "email=admin@overhead.invalid",
              "password=Overhead-pass-123")
        _ckan(ini, env, "sysadmin", "add", "overhead_admin")
    subprocess.run([os.path.join(VENV_BIN, "ckan"), "-c", ini, "asset", "build"], env=env,
                   check=False, capture_output=True)
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [os.path.join(VENV_BIN, "gunicorn"), "-c", os.path.join(ROOT, "deploy", "gunicorn.conf.py")],
        env=dict(env, CKAN_INI=ini, SATUDATA_BIND=f"127.0.0.1:{port}", SATUDATA_ACCESS_LOG="-"),
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"portal A stopped; see {log_path}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/3/action/status_show", timeout=5).ok:
                return proc
        except requests.RequestException:
            pass
        time.sleep(1)
    _stop_portal(proc)
    raise SystemExit(f"portal A did not answer; see {log_path}")


class Side:
    def __init__(self, name: str, base: str, token: str, org: str) -> None:
        import requests

        self.name, self.base, self.org = name, base, org
        self.http = requests.Session()
        self.http.headers["Authorization"] = token
        self.names: list[str] = []

    def action(self, action: str, data: dict[str, Any]) -> dict[str, Any]:
        resp = self.http.post(f"{self.base}/api/3/action/{action}", json=data, timeout=60)
        body = resp.json()
        if not body.get("success"):
            raise RuntimeError(f"{self.name} {action}: {body.get('error')}")
        return body["result"]

    def overhead_names(self) -> list[str]:
        found = self.action("package_search", {
            "q": "*:*", "rows": 1000, "include_private": True, "fl": "name",
            "sort": "name asc"})["results"]
        return [r["name"] for r in found if r["name"].startswith("overhead-")]

    def ensure_org(self) -> None:
        try:
            self.action("organization_show", {"id": self.org})
        except RuntimeError:
            self.action("organization_create", {"name": self.org, "title": "Dinas Kesehatan"})

    def dataset(self, i: int, rng: random.Random) -> dict[str, Any]:
        words = rng.sample(WORDS, 4)
        return {"name": f"overhead-{i}-{'-'.join(words[:2])}", "owner_org": self.org,
                "title": " ".join(words).title(), "notes": " ".join(rng.sample(WORDS, 20)),
                "tags": [{"name": w} for w in words[:3]],
                "resources": [{"name": "Tabel", "url": "http://data.blitarkota.go.id/t.csv",
                               "format": "CSV"}]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=300)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--max-ratio", type=float, default=1.10)
    parser.add_argument("--port", type=int, default=5094, help="B; A gets the next port")
    args = parser.parse_args()

    os.makedirs(RESULTS, exist_ok=True)
    env_b = _side_env("satudata_bench_overhead_b", 5, args.port)
    env_a = _side_env("satudata_bench_overhead_a", 6, args.port + 1)
    home = os.environ.get("SATUDATA_HOME", os.path.join(ROOT, ".local"))
    ini_a = _a_ini(os.path.join(RESULTS, "overhead-a.ini"))
    print("starting B (bin/satudata up) and A (CKAN + satudata_search, same gunicorn) ...",
          flush=True)
    proc_b = _start_portal(env_b, args.port, os.path.join(RESULTS, "overhead-b.log"))
    procs = [proc_b]
    try:
        proc_a = _start_a(ini_a, env_a, args.port + 1, os.path.join(RESULTS, "overhead-a.log"))
        procs.append(proc_a)
        portal_ini = os.path.join(home, "portal.ini")
        sides = [Side("A", f"http://127.0.0.1:{args.port + 1}",
                      _token(ini_a, env_a, "overhead_admin"), "dinkes"),
                 Side("B", f"http://127.0.0.1:{args.port}",
                      _token(portal_ini, env_b, "admin"), "dinkes")]
        rng = random.Random(11)
        for side in sides:
            side.ensure_org()
            have = side.overhead_names()
            print(f"{side.name}: creating {max(0, args.datasets - len(have))} datasets",
                  flush=True)
            for i in range(len(have), args.datasets):
                side.action("package_create", side.dataset(i, rng))
            side.names = side.overhead_names()[:args.datasets]
        created = args.datasets + 10_000 * int(time.time() % 1000)
        calls = {
            "package_show": lambda s, i: s.action("package_show", {"id": s.names[i % len(s.names)]}),
            "package_search (3 facets)": lambda s, i: s.action("package_search", {
                "q": WORDS[i % len(WORDS)], "include_private": True,
                "facet.field": ["organization", "tags", "res_format"]}),
            "package_update": lambda s, i: s.action("package_patch", {
                "id": s.names[i % len(s.names)], "notes": f"catatan {i} " + WORDS[i % 50]}),
            "package_create": lambda s, i: s.action(
                "package_create", s.dataset(created + i, random.Random(i))),
            "GET /dataset/<name>, logged in": lambda s, i: s.http.get(
                f"{s.base}/dataset/{s.names[i % len(s.names)]}", timeout=60).raise_for_status(),
            "GET /, logged in": lambda s, i: s.http.get(f"{s.base}/", timeout=60)
            .raise_for_status(),
        }
        timings = {(c, s.name): [] for c in calls for s in sides}
        load_start = os.getloadavg()
        for i in range(args.runs + 5):
            for call, fn in calls.items():
                order = sides if i % 2 else list(reversed(sides))
                for side in order:
                    t0 = time.perf_counter()
                    fn(side, i)
                    if i >= 5:
                        timings[(call, side.name)].append((time.perf_counter() - t0) * 1000)
        load_end = os.getloadavg()
    finally:
        for proc in procs:
            _stop_portal(proc)

    rows, failed = [], []
    for call in calls:
        a, b = timings[(call, "A")], timings[(call, "B")]
        row = {"call": call}
        for pct in (50, 95):
            pa, pb = _percentile(a, pct), _percentile(b, pct)
            row[f"a_p{pct}"], row[f"b_p{pct}"] = round(pa, 1), round(pb, 1)
            row[f"ratio_p{pct}"] = round(pb / pa, 2)
        row["ok"] = row["ratio_p50"] <= args.max_ratio and row["ratio_p95"] <= args.max_ratio
        if not row["ok"]:
            failed.append(call)
        rows.append(row)
    lines = [f"Overhead of the full plugin set (B, bin/satudata up) over CKAN + satudata_search "
             f"(A), same gunicorn; {args.datasets} datasets each, {args.runs} rounds interleaved",
             "load average %.1f %.1f %.1f at the start, %.1f %.1f %.1f at the end"
             % (load_start + load_end), "",
             "| call | A p50 | B p50 | B/A p50 | A p95 | B p95 | B/A p95 | |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['call']} | {r['a_p50']} | {r['b_p50']} | {r['ratio_p50']} | "
                     f"{r['a_p95']} | {r['b_p95']} | {r['ratio_p95']} | "
                     f"{'OK' if r['ok'] else 'MISSED'} |")
    lines += ["", f"target B/A ≤ {args.max_ratio} at p50 and p95: "
              + ("met" if not failed else "MISSED for " + ", ".join(failed))]
    text = "\n".join(lines)
    print(text)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    report = {"rows": rows, "datasets": args.datasets, "runs": args.runs,
              "load_average_start": load_start, "load_average_end": load_end}
    for ext, content in (("json", json.dumps(report, indent=2)), ("md", text + "\n")):
        with open(os.path.join(RESULTS, f"overhead-{stamp}.{ext}"), "w", encoding="utf-8") as f:
            f.write(content)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
