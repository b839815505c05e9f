"""Load test of the portal: 50 locust users for 5 minutes against 2 workers + 1 job worker.

Run with ``bin/satudata bench load`` (installs locust from ``bench/requirements-load.txt``
into the virtualenv first, in one pip command with ``requirements.txt``).

1. Starts the portal as ``bin/satudata up`` does (gunicorn, ``SATUDATA_WORKERS=2``, the
   supervised job worker, the demo's plugins and data) on its own database and port.
2. Prepares what the users of ``bench/locustfile.py`` need (idempotent): API tokens of the
   four OPD producers and the Walidata; three drafts per OPD; a pool of datasets of
   Dispendukcapil made like the demo's submitted one (complete SDI metadata, the demo's
   CSV uploaded, submitted) that the Walidata verifies and returns and the producer submits
   again; the published datasets and their files for visitors.
3. Runs locust headless (``--users 50 --spawn-rate 5 --run-time 5m``), prints req/s,
   p50/p95/p99 per request type and errors, writes ``bench/results/load-<stamp>.md`` and
   locust's CSV files, and exits 1 when the goal is missed: no errors and p95 ≤ 500 ms over
   all requests.

Options: ``--users``, ``--run-time``, ``--db``, ``--port``, ``--pool``.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import importlib.util
import json
import os
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
sys.path.insert(0, HERE)

from portal_bench import _env, _start_portal, _stop_portal, portal_ini  # noqa: E402

P95_GOAL_MS = 500.0
POOL_SOURCE = "jumlah-kepala-keluarga-menurut-kecamatan-2025"  # the demo's submitted dataset
ORGS = ["dinkes", "dindik", "dispendukcapil", "diskominfotik"]


def _demo() -> Any:
    spec = importlib.util.spec_from_file_location("demo_load", os.path.join(ROOT, "demo", "load.py"))
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def _prepare(pool_size: int) -> dict[str, Any]:
    from ckanapi import LocalCKAN
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    import ckan.model as model

    demo = _demo()
    app = make_app(load_config(portal_ini()))
    setup: dict[str, Any] = {"producers": {}, "pool": {}, "organizations": ORGS}
    with app._wsgi_app.test_request_context():
        site = LocalCKAN()

        def token(user: str) -> str:
            return site.call_action("api_token_create", {"user": user, "name": "load-test"})["token"]

        setup["walidata"] = token("walidata")
        source = next(d for d in demo.DATASETS if d["name"] == POOL_SOURCE)
        csv_path = os.path.join(demo.DATA, source["file"])
        with open(csv_path, encoding="utf-8") as f:
            setup["csv"] = f.read()
        for org in ORGS:
            producer_name = f"{org}-produsen"
            producer = LocalCKAN(username=producer_name)
            drafts = []
            for i in range(3):
                name = f"beban-draf-{org}-{i}"
                try:
                    drafts.append(site.call_action("package_show", {"id": name})["id"])
                except Exception:  # noqa: BLE001 - not made yet
                    drafts.append(producer.call_action("package_create", {
                        "name": name, "title": f"Draf uji beban {org} {i}", "owner_org": org,
                        "private": True, "notes": "Draf untuk uji beban."})["id"])
            setup["producers"][org] = {"token": token(producer_name), "drafts": drafts}
        org = source["owner_org"]
        producer = LocalCKAN(username=f"{org}-produsen")
        pool = []
        for i in range(pool_size):
            name = f"beban-{POOL_SOURCE}-{i}"[:100]
            try:
                pkg = site.call_action("package_show", {"id": name})
            except Exception:  # noqa: BLE001 - not made yet
                data = {k: v for k, v in source.items()
                        if k not in ("file", "target", "groups", "tags")}
                data.update(demo.COMMON_META)
                data.update(demo.SDI_META[POOL_SOURCE])
                data.update({"name": name, "title": f"{source['title']} (uji beban {i})",
                             "private": True, "tags": [{"name": t} for t in source["tags"]],
                             "maintainer": "Pengelola Data uji beban",
                             "maintainer_email": f"data.{org}@demo.satudata.blitarkota.go.id"})
                pkg = producer.call_action("package_create", data)
                with open(csv_path, "rb") as f:
                    producer.call_action("resource_create", {
                        "package_id": pkg["id"], "name": "Tabel", "format": "CSV", "url": ""},
                        files={"upload": (source["file"], f)})
            state = site.call_action("satudata_dataset_status_show", {"id": pkg["id"]})["state"]
            deadline = time.time() + 120
            while state == "draft" and time.time() < deadline:
                try:
                    producer.call_action("satudata_dataset_submit", {"id": pkg["id"]})
                    state = "submitted"
                except Exception as error:  # noqa: BLE001 - the check may still be running
                    last = error
                    model.Session.remove()
                    time.sleep(2)
            if state == "draft":
                print(f"  {name} could not be submitted: {last}", flush=True)
                continue
            pool.append(pkg["id"])
        setup["pool"][org] = pool
        published = site.call_action("package_search", {"rows": 100})["results"]
        setup["published"] = [p["name"] for p in published]
        setup["downloads"] = [
            f"/dataset/{p['id']}/resource/{r['id']}/download/{r['url'].rsplit('/', 1)[-1]}"
            for p in published for r in p.get("resources", []) if r.get("url_type") == "upload"]
        model.Session.remove()
    assert setup["published"] and setup["downloads"], "the demo has no published file"
    assert setup["pool"][org], "no dataset could be submitted for the Walidata"
    return setup


def _table(stats_csv: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows, total = [], {}
    with open(stats_csv, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            row = {"name": r["Name"], "method": r["Type"], "requests": int(r["Request Count"]),
                   "failures": int(r["Failure Count"]),
                   "rps": float(r["Requests/s"]), "p50": float(r["50%"]),
                   "p95": float(r["95%"]), "p99": float(r["99%"])}
            if r["Name"] == "Aggregated":
                total = row
            else:
                rows.append(row)
    return rows, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--run-time", default="5m")
    parser.add_argument("--db", default="satudata_bench_load")
    parser.add_argument("--redis-db", type=int, default=8)
    parser.add_argument("--port", type=int, default=5096)
    parser.add_argument("--pool", type=int, default=12)
    args = parser.parse_args()

    env = _env(args)
    env.setdefault("SATUDATA_WORKERS", "2")
    os.environ.update({k: env[k] for k in ("CKAN_SQLALCHEMY_URL", "CKAN_REDIS_URL",
                                           "CKAN_STORAGE_PATH", "CKAN_SITE_URL")})
    os.makedirs(RESULTS, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    prefix = os.path.join(RESULTS, f"load-{stamp}")
    print(f"starting the portal (bin/satudata up, {env['SATUDATA_WORKERS']} workers + 1 job "
          f"worker) on port {args.port}, database {args.db} ...", flush=True)
    proc = _start_portal(env, args.port, prefix + "-portal.log")
    try:
        print("preparing users, drafts and the Walidata's pool ...", flush=True)
        setup = _prepare(args.pool)
        import requests

        for who in [setup["walidata"]] + [p["token"] for p in setup["producers"].values()]:
            resp = requests.get(f"http://127.0.0.1:{args.port}/api/3/action/"
                                "dashboard_new_activities_count", headers={"Authorization": who},
                                timeout=60)
            assert resp.ok, f"the portal refused a token: {resp.text[:200]}"
        setup_path = prefix + "-setup.json"
        with open(setup_path, "w", encoding="utf-8") as f:
            json.dump(setup, f)
        load_start = os.getloadavg()
        print(f"locust: {args.users} users for {args.run_time} ...", flush=True)
        subprocess.run([os.path.join(os.path.dirname(sys.executable), "locust"),
                        "-f", os.path.join(HERE, "locustfile.py"), "--headless",
                        "--users", str(args.users), "--spawn-rate", "5",
                        "--run-time", args.run_time, "--host", f"http://127.0.0.1:{args.port}",
                        "--csv", prefix, "--only-summary", "--exit-code-on-error", "0"],
                       env=dict(os.environ, SATUDATA_LOAD_SETUP=setup_path), check=True)
        load_end = os.getloadavg()
    finally:
        _stop_portal(proc)

    rows, total = _table(prefix + "_stats.csv")
    lines = [f"Load test: {args.users} users, {args.run_time}, gunicorn "
             f"{env['SATUDATA_WORKERS']} workers + 1 job worker (bin/satudata up), "
             f"{os.cpu_count()} CPUs; load average %.1f %.1f %.1f at the start, "
             "%.1f %.1f %.1f at the end" % (load_start + load_end), "",
             "| request | count | errors | req/s | p50 ms | p95 ms | p99 ms |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(rows, key=lambda r: -r["requests"]) + [total]:
        lines.append(f"| {r['method']} {r['name']} | {r['requests']} | {r['failures']} | "
                     f"{r['rps']:.1f} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} |")
    ok = total.get("failures", 1) == 0 and total.get("p95", 1e9) <= P95_GOAL_MS
    lines += ["", f"goal (0 errors, p95 ≤ {P95_GOAL_MS:.0f} ms over all requests): "
              + ("met" if ok else "MISSED")]
    text = "\n".join(lines)
    print(text)
    with open(prefix + ".md", "w", encoding="utf-8") as f:
        f.write(text + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
