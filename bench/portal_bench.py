"""The portal at 100,000 datasets, over HTTP, with the full plugin set: asserts its targets.

Run with ``bin/satudata bench portal`` (or ``.venv/bin/python bench/portal_bench.py``).

1. Starts a real portal exactly as ``bin/satudata up`` does (the demo's plugin set and
   data, its job worker), on its own database (``--db``, default ``satudata_bench_portal``),
   Redis db and port, and waits until it answers.
2. Unless the index already holds ``--datasets`` documents (``--keep`` is implied: the
   load is done once and reused), clones the index documents CKAN builds for the demo's
   real datasets — with the permission labels every plugin gives them and the lifecycle
   state — into that many realistic documents (Indonesian titles, notes, tags, groups,
   formats, modification times) and bulk-indexes them with the backend's own
   ``index_documents``. The demo's datasets stay the real ones the pages open.
3. Times, interleaved round by round, over HTTP with keep-alive:
   the five searches of ``bench/run.py`` through ``/api/3/action/package_search``,
   anonymously and as a signed-in member of an OPD (API token), a dataset page and an
   organization page (anonymous and signed in).
4. Prints p50/p95/p99 with the load average, writes ``bench/results/portal-<stamp>.*``
   and exits 1 when a p95 misses its target (searches ≤ 150 ms, pages ≤ 300 ms).

The machine's load is part of every figure: run it on a quiet machine for the README.
"""
from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import platform
import random
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
sys.path.insert(0, HERE)

from run import FORMATS, GROUPS, KECAMATAN, LICENSES, WORDS, _percentile  # noqa: E402

SEARCH_P95_MS = 150.0
PAGE_P95_MS = 300.0
MEMBER = "dinkes-produsen"  # a demo producer: member (editor) of Dinas Kesehatan
FACETS = json.dumps(["organization", "groups", "tags", "res_format", "license_id"])
QUERIES = ["penduduk", "kesehatan", "sekolah", "anggaran", "air bersih", "kematian ibu",
           "umkm", "pajak", "stunting", "banjir"]


def _env(args: argparse.Namespace) -> dict[str, str]:
    home = os.environ.get("SATUDATA_HOME", os.path.join(ROOT, ".local"))
    pg = os.environ.get("SATUDATA_PG_PORT", "55432")
    redis = os.environ.get("SATUDATA_REDIS_PORT", "56379")
    return dict(os.environ, SATUDATA_DEMO_DB=args.db, SATUDATA_DEMO_REDIS_DB=str(args.redis_db),
                SATUDATA_HTTP_PORT=str(args.port),
                CKAN_SQLALCHEMY_URL=f"postgresql://postgres@127.0.0.1:{pg}/{args.db}",
                CKAN_REDIS_URL=f"redis://127.0.0.1:{redis}/{args.redis_db}",
                CKAN_STORAGE_PATH=os.path.join(home, f"storage-{args.db}"),
                CKAN_SITE_URL=f"http://127.0.0.1:{args.port}")


def portal_ini() -> str:
    """The ini the portal runs on (``bin/satudata up`` writes it with the machine's secret
    key): API tokens made here must be signed with that key, or the portal ignores them."""
    home = os.environ.get("SATUDATA_HOME", os.path.join(ROOT, ".local"))
    return os.path.join(home, "portal.ini")


def _start_portal(env: dict[str, str], port: int, log_path: str) -> subprocess.Popen:
    import requests

    log = open(log_path, "wb")
    proc = subprocess.Popen([os.path.join(ROOT, "bin", "satudata"), "up"], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api/3/action/status_show"
    deadline = time.time() + 900
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bin/satudata up stopped (exit {proc.returncode}); see {log_path}")
        try:
            if requests.get(url, timeout=5).ok:
                return proc
        except requests.RequestException:
            pass
        time.sleep(1)
    _stop_portal(proc)
    raise SystemExit(f"the portal did not answer in 15 minutes; see {log_path}")


def _stop_portal(proc: subprocess.Popen) -> None:
    """Stop the ``bin/satudata up`` this bench started (its own process group only)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


# -- loading ------------------------------------------------------------------------

def _clone(doc: dict[str, Any], i: int, rng: random.Random) -> dict[str, Any]:
    """A new document from one CKAN built for a real dataset: same organization,
    labels, privacy and lifecycle state; new id, name, words, tags, groups, times."""
    new = copy.deepcopy(doc)
    topic = rng.sample(WORDS, 3)
    year = rng.randint(2015, 2025)
    kec = rng.choice(KECAMATAN)
    title = f"{' '.join(topic).title()} Kecamatan {kec} Tahun {year}"
    name = f"{'-'.join(topic)}-{kec.lower()}-{year}-{i}"
    pid = str(uuid.UUID(int=rng.getrandbits(128)))
    modified = datetime.datetime(2024, 1, 1) + datetime.timedelta(
        minutes=rng.randrange(0, 60 * 24 * 700))
    created = modified - datetime.timedelta(days=rng.randrange(0, 400))
    tags = sorted(set(rng.sample(WORDS, rng.randint(2, 5))))
    groups = sorted(set(rng.sample(GROUPS, rng.randint(0, 2))))
    formats = [rng.choice(FORMATS) for _ in range(rng.randint(1, 3))]
    notes = (f"Data {' '.join(topic)} di Kecamatan {kec} Kota Blitar tahun {year}. "
             + " ".join(rng.sample(WORDS, 25)) + ".")
    new.update({
        "id": pid, "name": name, "title": title, "title_string": title, "notes": notes,
        "tags": tags, "groups": groups, "res_format": formats,
        "res_name": [f"Tabel {t}" for t in topic[:len(formats)]],
        "res_url": [f"http://data.blitarkota.go.id/{name}/{n}.{f.lower()}"
                    for n, f in enumerate(formats)],
        "res_description": ["" for _ in formats], "res_type": [None for _ in formats],
        "license_id": rng.choice(LICENSES), "num_resources": len(formats),
        "num_tags": len(tags), "metadata_modified": modified.isoformat() + "Z",
        "metadata_created": created.isoformat() + "Z", "index_id": uuid.uuid4().hex,
    })
    vdd = json.loads(doc["validated_data_dict"])
    vdd.update({"id": pid, "name": name, "title": title, "notes": notes,
                "metadata_modified": modified.isoformat(),
                "metadata_created": created.isoformat(),
                "tags": [{"name": t, "display_name": t, "state": "active"} for t in tags],
                "groups": [{"name": g, "title": g.title()} for g in groups],
                "resources": [], "num_resources": 0, "num_tags": len(tags)})
    new["validated_data_dict"] = json.dumps(vdd)
    new["data_dict"] = new["validated_data_dict"]
    return new


def _load(n: int) -> dict[str, Any]:
    """Seed the index (once) and return what the timings need (a token, names)."""
    import sqlalchemy as sa

    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    import ckan.logic as logic
    import ckan.model as model
    from ckanext.satudata_blitar.search.backend import bump_version, index_documents
    from run import _capture_documents

    app = make_app(load_config(portal_ini()))
    with app._wsgi_app.test_request_context():
        site = {"model": model, "ignore_auth": True,
                "user": logic.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}

        def call(action: str, **data: Any) -> Any:
            return logic.get_action(action)(dict(site), data)

        real = [p for p, in model.Session.query(model.Package.id).filter(
            model.Package.state == "active", model.Package.type == "dataset")]
        total = model.Session.execute(sa.text(
            "SELECT count(*) FROM satudata_search_package")).scalar()
        load_s = None
        if total < n:
            templates = [call("package_show", id=pid) for pid in real]
            docs = [d for d in _capture_documents(templates) if d.get("validated_data_dict")]
            assert docs, "the demo has no dataset to clone"
            rng = random.Random(2026)
            print(f"indexing {n - len(real)} cloned documents ...", flush=True)
            start = time.perf_counter()
            batch: list[dict[str, Any]] = []
            done = total - len(real) if total > len(real) else 0
            for i in range(done, n - len(real)):
                batch.append(_clone(docs[i % len(docs)], i, rng))
                if len(batch) == 1000 or i == n - len(real) - 1:
                    with model.meta.engine.begin() as conn:
                        index_documents(batch, connection=conn)
                    batch = []
                    if (i + 1) % 10000 == 0:
                        print(f"  {i + 1}", flush=True)
            load_s = time.perf_counter() - start
            with model.meta.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE satudata_search_package"))
                conn.execute(sa.text("VACUUM ANALYZE satudata_search_payload"))
            bump_version()
        total = model.Session.execute(sa.text(
            "SELECT count(*) FROM satudata_search_package")).scalar()
        token = call("api_token_create", user=MEMBER, name="portal-bench")["token"]
        public = model.Session.query(model.Package.name).filter(
            model.Package.state == "active", model.Package.type == "dataset",
            model.Package.private.is_(False)).order_by(model.Package.name).first()
        dataset = public[0] if public else None
        model.Session.remove()
    return {"total": total, "load_s": load_s, "token": token, "dataset": dataset}


# -- timing -------------------------------------------------------------------------

def _cases(seeded: dict[str, Any]) -> list[tuple[str, str, float, Callable[[int], str], bool]]:
    """(label, kind, target, url of round i, signed in)."""
    orgs = ["dinkes", "dindik", "dispendukcapil", "diskominfotik"]

    def search(params: Callable[[int], dict[str, Any]]) -> Callable[[int], str]:
        return lambda i: "/api/3/action/package_search?" + urllib.parse.urlencode(
            dict(params(i), rows=20))

    five = [
        ("plain q", search(lambda i: {"q": QUERIES[i % 10]})),
        ("q + facets", search(lambda i: {"q": QUERIES[i % 10], "facet.field": FACETS})),
        ("fq organization", search(lambda i: {"fq": f"organization:{orgs[i % 4]}",
                                              "facet.field": FACETS})),
        ("sort metadata_modified desc", search(lambda i: {"sort": "metadata_modified desc",
                                                          "start": (i % 5) * 20})),
        ("q + facets + private", search(lambda i: {"q": QUERIES[i % 10],
                                                   "include_private": "true",
                                                   "facet.field": FACETS})),
    ]
    cases = []
    for member in (False, True):
        who = "member" if member else "anonymous"
        for label, url in five:
            if label.endswith("private") and not member:
                continue  # anonymous: include_private changes nothing
            cases.append((f"search: {label} ({who})", "search", SEARCH_P95_MS, url, member))
    for member in (False, True):
        who = "member" if member else "anonymous"
        cases.append((f"page: dataset ({who})", "page", PAGE_P95_MS,
                      lambda i: f"/dataset/{seeded['dataset']}", member))
        cases.append((f"page: organization ({who})", "page", PAGE_P95_MS,
                      lambda i: f"/organization/{orgs[i % 4]}", member))
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--db", default="satudata_bench_portal")
    parser.add_argument("--redis-db", type=int, default=4)
    parser.add_argument("--port", type=int, default=5091)
    args = parser.parse_args()
    import requests

    env = _env(args)
    os.environ.update({k: env[k] for k in ("CKAN_SQLALCHEMY_URL", "CKAN_REDIS_URL",
                                           "CKAN_STORAGE_PATH", "CKAN_SITE_URL")})
    os.makedirs(RESULTS, exist_ok=True)
    log_path = os.path.join(RESULTS, f"portal-{args.port}.log")
    print(f"starting the portal (bin/satudata up) on port {args.port}, database {args.db} ...",
          flush=True)
    proc = _start_portal(env, args.port, log_path)
    try:
        seeded = _load(args.datasets)
        assert seeded["dataset"], "no published demo dataset to open"
        base = f"http://127.0.0.1:{args.port}"
        anon, member = requests.Session(), requests.Session()
        member.headers["Authorization"] = seeded["token"]
        signed_in = member.get(f"{base}/api/3/action/dashboard_new_activities_count", timeout=60)
        assert signed_in.ok, f"the portal refused the member's token: {signed_in.text[:200]}"
        cases = _cases(seeded)
        timings: dict[str, list[float]] = {c[0]: [] for c in cases}
        errors: dict[str, int] = {c[0]: 0 for c in cases}
        load_start = os.getloadavg()
        for i in range(args.runs + 5):
            for label, _kind, _target, url, signed_in in cases:
                client = member if signed_in else anon
                t0 = time.perf_counter()
                resp = client.get(base + url(i), timeout=60)
                elapsed = (time.perf_counter() - t0) * 1000
                if resp.status_code != 200:
                    errors[label] += 1
                if i >= 5:
                    timings[label].append(elapsed)
        load_end = os.getloadavg()
    finally:
        _stop_portal(proc)

    rows, failed = [], []
    for label, kind, target, _url, _m in cases:
        t = timings[label]
        row = {"case": label, "p50_ms": round(_percentile(t, 50), 1),
               "p95_ms": round(_percentile(t, 95), 1), "p99_ms": round(_percentile(t, 99), 1),
               "target_p95_ms": target, "errors": errors[label]}
        row["ok"] = row["p95_ms"] <= target and not errors[label]
        if not row["ok"]:
            failed.append(label)
        rows.append(row)
    loads = "load average %.1f %.1f %.1f at the start, %.1f %.1f %.1f at the end" % (
        load_start + load_end)
    lines = [f"Portal benchmark over HTTP, full plugin set (bin/satudata up): "
             f"{seeded['total']} datasets in the index"
             + (f" (bulk-indexed in {seeded['load_s']:.0f} s)" if seeded["load_s"] else ""),
             f"{os.cpu_count()} CPU(s), {args.runs} runs per case, interleaved; {loads}", "",
             "| case | p50 ms | p95 ms | p99 ms | target p95 | errors | |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
                     f"≤ {r['target_p95_ms']:.0f} | {r['errors']} | "
                     f"{'OK' if r['ok'] else 'MISSED'} |")
    lines += ["", "all targets met" if not failed else f"MISSED: {', '.join(failed)}"]
    text = "\n".join(lines)
    print(text)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    report = {"datasets_indexed": seeded["total"], "runs": args.runs, "rows": rows,
              "load_average_start": load_start, "load_average_end": load_end,
              "platform": platform.platform(), "cpus": os.cpu_count(),
              "when": datetime.datetime.now(datetime.timezone.utc).isoformat()}
    for ext, content in (("json", json.dumps(report, indent=2)), ("md", text + "\n")):
        with open(os.path.join(RESULTS, f"portal-{stamp}.{ext}"), "w", encoding="utf-8") as f:
            f.write(content)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
