"""Micro-benchmark of the satudata_search engine alone: 10,000 datasets, five searches.

In-process, with only ``satudata_search`` loaded: it isolates the engine. What a visitor
gets (the full plugin set over HTTP, at 100,000 datasets) is ``bench/portal_bench.py``.
Exits 1 when a p95 is above its target.

Run with ``bin/satudata bench engine`` (it sets CKAN_SQLALCHEMY_URL to the satudata_bench
database). Steps:

1. Initialise the database (CKAN core + ``satudata_search`` migrations) with CKAN
   loading only the ``satudata_search`` plugin.
2. Create OPDs, groups, users and a few dozen real datasets through CKAN's actions; their
   index documents are the ones CKAN itself builds (``PackageSearchIndex``).
3. Clone those documents into 10,000 realistic index documents (Indonesian titles and
   notes, tags, groups, resources, SDI extras, ~15 % private with the permission labels
   CKAN gives them) and bulk-insert them with the backend's own ``index_documents``.
4. Time five searches through the ``package_search`` action (p50/p95 over many runs),
   print a table and write ``bench/results/<timestamp>.{json,md}``.

Options: ``--datasets N`` (default 10000), ``--runs N`` (default 60), ``--keep`` (reuse an
already loaded database).
"""
from __future__ import annotations

import argparse
import copy
import datetime
import json
import logging
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any, Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
TARGET_P95_MS = 50.0

WORDS = ("jumlah penduduk kecamatan kelurahan kesehatan pendidikan sekolah puskesmas "
         "anggaran pendapatan jalan air bersih sampah pasar umkm pariwisata kelahiran "
         "kematian imunisasi gizi balita guru siswa rumah sakit bantuan sosial miskin "
         "tenaga kerja pertanian perikanan peternakan industri perdagangan koperasi "
         "kendaraan lalu lintas kebakaran bencana banjir listrik internet menara "
         "perpustakaan museum budaya olahraga pemuda wanita anak lansia disabilitas "
         "pajak retribusi aset tanah bangunan perizinan investasi inflasi harga beras "
         "cabai daging telur stunting posyandu bidan dokter tempat tidur ibu hamil "
         "persalinan akta perkawinan perceraian kartu keluarga ktp elektronik").split()
KECAMATAN = ("Sananwetan", "Kepanjenkidul", "Sukorejo")
ORGS = [("dinkes", "Dinas Kesehatan"), ("disdik", "Dinas Pendidikan"),
        ("dispendukcapil", "Dinas Kependudukan dan Pencatatan Sipil"),
        ("diskominfotik", "Dinas Komunikasi, Informatika dan Statistik"),
        ("bappeda", "Badan Perencanaan Pembangunan Daerah"),
        ("dinsos", "Dinas Sosial"), ("disnaker", "Dinas Tenaga Kerja"),
        ("dishub", "Dinas Perhubungan")]
GROUPS = ["kesehatan", "pendidikan", "kependudukan", "ekonomi", "infrastruktur",
          "sosial", "lingkungan"]
FORMATS = ["CSV", "XLSX", "PDF", "JSON"]
LICENSES = ["cc-by", "cc-by-sa", "odc-by", "other-open"]
FREQ = ["tahunan", "semesteran", "triwulanan", "bulanan"]

log = logging.getLogger("bench")


def _ini(tmpdir: str) -> str:
    """test.ini with only satudata_search loaded and the bench database."""
    with open(os.path.join(ROOT, "test.ini"), encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"(?m)^ckan\.plugins\s*=.*$", "ckan.plugins = satudata_search", text)
    text = re.sub(r"(?m)^ckan\.site_id\s*=.*$", "ckan.site_id = satudata_bench", text)
    text = re.sub(r"(?m)^level = INFO$", "level = WARN", text)
    text = text.replace("%(here)s", ROOT)
    path = os.path.join(tmpdir, "bench.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _ckan(ini: str, *args: str) -> None:
    exe = os.path.join(os.path.dirname(sys.executable), "ckan")
    subprocess.run([exe, "-c", ini, *args], check=True, stdout=subprocess.DEVNULL)


def _pg_cpu_seconds() -> float:
    """CPU time used so far by the PostgreSQL backends serving the bench database
    (read from /proc: the cluster runs on this machine)."""
    import ckan.model as model
    import sqlalchemy as sa

    with model.meta.engine.connect() as conn:
        pids = [r[0] for r in conn.execute(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))]
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            continue
    return total


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _seed(call: Callable[..., Any]) -> dict[str, Any]:
    """Real OPDs, groups, users and template datasets created with CKAN's actions."""
    sysadmin = {"user": "bench_admin", "ignore_auth": True}
    import ckan.model as model

    if not model.User.by_name("bench_admin"):
        call("user_create", dict(sysadmin), name="bench_admin",
             email="admin@bench.invalid", password="Bench-pass-123", sysadmin=True)
        u = model.User.by_name("bench_admin")
        u.sysadmin = True
        model.Session.commit()
    if not model.User.by_name("bench_member"):
        call("user_create", dict(sysadmin), name="bench_member",
             email="member@bench.invalid", password="Bench-pass-123")
    orgs = {}
    for name, title in ORGS:
        try:
            orgs[name] = call("organization_show", dict(sysadmin), id=name)
        except Exception:
            orgs[name] = call("organization_create", dict(sysadmin), name=name,
                              title=title)
    call("organization_member_create", dict(sysadmin), id="dinkes",
         username="bench_member", role="editor")
    for name in GROUPS:
        try:
            call("group_show", dict(sysadmin), id=name)
        except Exception:
            call("group_create", dict(sysadmin), name=name, title=name.title())
    rng = random.Random(7)
    templates = []
    for i in range(24):
        org = ORGS[i % len(ORGS)][0]
        name = f"template-{i}"
        try:
            pkg = call("package_show", dict(sysadmin), id=name)
        except Exception:
            pkg = call("package_create", dict(sysadmin), name=name, owner_org=org,
                       title=f"Template {i}", notes=" ".join(rng.sample(WORDS, 12)),
                       private=i % 6 == 0, license_id=rng.choice(LICENSES),
                       tags=[{"name": t} for t in rng.sample(WORDS, 3)],
                       groups=[{"name": rng.choice(GROUPS)}],
                       extras=[{"key": "sdi_frekuensi", "value": rng.choice(FREQ)}],
                       resources=[{"url": f"http://data.blitarkota.go.id/{i}.csv",
                                   "format": rng.choice(FORMATS), "name": "Tabel"}])
        templates.append(pkg)
    return {"orgs": orgs, "templates": templates}


def _capture_documents(templates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CKAN's own index documents for the template datasets."""
    from ckan.lib.search.index import PackageSearchIndex
    import ckan.lib.search.index as search_index

    captured: list[dict[str, Any]] = []

    class _Capture:
        def add(self, docs: list[dict[str, Any]], **_kw: Any) -> None:
            captured.extend(copy.deepcopy(docs))

    original = search_index.make_connection
    search_index.make_connection = lambda *a, **k: _Capture()  # type: ignore
    try:
        for pkg in templates:
            PackageSearchIndex().index_package(copy.deepcopy(pkg))
    finally:
        search_index.make_connection = original  # type: ignore
    return captured


def _clone(doc: dict[str, Any], i: int, rng: random.Random, orgs: dict[str, Any],
           member_labels: dict[str, str]) -> dict[str, Any]:
    """A new realistic index document derived from one CKAN built."""
    new = copy.deepcopy(doc)
    org_name, org_title = ORGS[rng.randrange(len(ORGS))]
    org = orgs[org_name]
    topic = rng.sample(WORDS, 3)
    year = rng.randint(2015, 2025)
    kec = rng.choice(KECAMATAN)
    title = f"{' '.join(topic).title()} Kecamatan {kec} Tahun {year}"
    name = f"{'-'.join(topic)}-{kec.lower()}-{year}-{i}"
    pid = str(uuid.UUID(int=rng.getrandbits(128)))
    private = rng.random() < 0.15
    modified = datetime.datetime(2024, 1, 1) + datetime.timedelta(
        minutes=rng.randrange(0, 60 * 24 * 700))
    created = modified - datetime.timedelta(days=rng.randrange(0, 400))
    tags = sorted(set(rng.sample(WORDS, rng.randint(2, 5))))
    groups = sorted(set(rng.sample(GROUPS, rng.randint(0, 2))))
    formats = [rng.choice(FORMATS) for _ in range(rng.randint(1, 3))]
    notes = (f"Data {' '.join(topic)} di Kecamatan {kec} Kota Blitar tahun {year}. "
             + " ".join(rng.sample(WORDS, 25)) + ".")
    freq = rng.choice(FREQ)
    new.update({
        "id": pid, "name": name, "title": title, "title_string": title, "notes": notes,
        "owner_org": org["id"], "organization": org_name, "private": private,
        "capacity": "private" if private else "public", "tags": tags, "groups": groups,
        "res_format": formats, "res_name": [f"Tabel {t}" for t in topic[:len(formats)]],
        "res_url": [f"http://data.blitarkota.go.id/{name}/{n}.{f.lower()}"
                    for n, f in enumerate(formats)],
        "res_description": ["" for _ in formats], "res_type": [None for _ in formats],
        "license_id": rng.choice(LICENSES), "num_resources": len(formats),
        "num_tags": len(tags), "metadata_modified": modified.isoformat() + "Z",
        "metadata_created": created.isoformat() + "Z", "extras_sdi_frekuensi": freq,
        "sdi_frekuensi": freq, "index_id": uuid.uuid4().hex,
        "permission_labels": ([member_labels[org_name]] if private else ["public"]),
    })
    vdd = json.loads(doc["validated_data_dict"])
    vdd.update({"id": pid, "name": name, "title": title, "notes": notes,
                "owner_org": org["id"], "private": private,
                "metadata_modified": modified.isoformat(),
                "metadata_created": created.isoformat(),
                "tags": [{"name": t, "display_name": t, "state": "active"} for t in tags],
                "groups": [{"name": g, "title": g.title()} for g in groups],
                "organization": dict(vdd.get("organization") or {}, id=org["id"],
                                     name=org_name, title=org_title),
                "extras": [{"key": "sdi_frekuensi", "value": freq}]})
    new["validated_data_dict"] = json.dumps(vdd)
    new["data_dict"] = new["validated_data_dict"]
    return new


def _load(n: int, templates: list[dict[str, Any]], orgs: dict[str, Any]) -> float:
    import sqlalchemy as sa

    import ckan.model as model
    from ckanext.satudata_blitar.search.backend import index_documents

    docs = _capture_documents(templates)
    member_labels = {name: f"member-{org['id']}" for name, org in orgs.items()}
    rng = random.Random(2026)
    model.Session.execute(sa.text(
        "DELETE FROM satudata_search_package WHERE name NOT LIKE 'template-%'"))
    start = time.perf_counter()
    index_documents(copy.deepcopy(docs))  # the templates, as CKAN indexes them
    batch: list[dict[str, Any]] = []
    for i in range(n - len(templates)):
        batch.append(_clone(docs[i % len(docs)], i, rng, orgs, member_labels))
        if len(batch) == 500:
            index_documents(batch)
            batch = []
    index_documents(batch)
    model.Session.commit()
    elapsed = time.perf_counter() - start
    with model.meta.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM (FULL, ANALYZE) satudata_search_package"))
    return elapsed


def _searches(orgs: dict[str, Any]) -> list[tuple[str, Callable[[int], dict[str, Any]]]]:
    facets = json.dumps(["organization", "groups", "tags", "res_format", "license_id"])
    queries = ["penduduk", "kesehatan", "sekolah", "anggaran", "air bersih",
               "kematian ibu", "umkm", "pajak", "stunting", "banjir"]
    org_names = list(orgs)
    member = {"user": "bench_member", "ignore_auth": False}
    return [
        ("plain q", lambda i: {"q": queries[i % len(queries)]}),
        ("q + facets", lambda i: {"q": queries[i % len(queries)], "facet.field": facets}),
        ("fq organization", lambda i: {"fq": f"organization:{org_names[i % len(org_names)]}",
                                       "facet.field": facets}),
        ("sort metadata_modified desc", lambda i: {"sort": "metadata_modified desc",
                                                   "start": (i % 5) * 20}),
        ("private + labels (member)", lambda i: dict(
            {"q": queries[i % len(queries)], "include_private": True,
             "facet.field": facets}, _context=member)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not os.environ.get("CKAN_SQLALCHEMY_URL", "").endswith("/satudata_bench"):
        print("run this with bin/satudata bench (CKAN_SQLALCHEMY_URL must point to the "
              "satudata_bench database)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        ini = _ini(tmp)
        print("initialising the bench database ...", flush=True)
        _ckan(ini, "db", "init")
        _ckan(ini, "db", "upgrade", "-p", "satudata_search")

        from ckan.cli import load_config
        from ckan.config.middleware import make_app
        import ckan.logic as logic
        import ckan.model as model
        import sqlalchemy as sa

        app = make_app(load_config(ini))
        with app._wsgi_app.test_request_context():
            def call(action: str, context: dict[str, Any], **data: Any) -> Any:
                context.setdefault("model", model)
                return logic.get_action(action)(context, data)

            seeded = _seed(call)
            indexed = model.Session.execute(sa.text(
                "SELECT count(*) FROM satudata_search_package")).scalar()
            load_s = None
            if not (args.keep and indexed >= args.datasets):
                print(f"indexing {args.datasets} datasets ...", flush=True)
                load_s = _load(args.datasets, seeded["templates"], seeded["orgs"])
            total = model.Session.execute(sa.text(
                "SELECT count(*) FROM satudata_search_package")).scalar()

            sql_ms = [0.0]

            @sa.event.listens_for(model.meta.engine, "before_cursor_execute")
            def _before(conn: Any, *_a: Any) -> None:
                conn.info["bench_t0"] = time.perf_counter()

            @sa.event.listens_for(model.meta.engine, "after_cursor_execute")
            def _after(conn: Any, *_a: Any) -> None:
                sql_ms[0] += (time.perf_counter() - conn.info.pop("bench_t0")) * 1000

            rows = []
            for label, make in _searches(seeded["orgs"]):
                timings, counts, sql_timings = [], [], []
                cpu_start = None
                for i in range(args.runs + 5):
                    params = make(i)
                    context = dict(params.pop("_context", {"ignore_auth": True}))
                    context.setdefault("user", "")
                    if i == 5:  # after the warm-up: CPU of this process and PostgreSQL
                        cpu_start = (time.process_time(), _pg_cpu_seconds())
                    sql_ms[0] = 0.0
                    t0 = time.perf_counter()
                    res = call("package_search", context, rows=20, **params)
                    elapsed = (time.perf_counter() - t0) * 1000
                    model.Session.remove()
                    if i >= 5:  # warm-up
                        timings.append(elapsed)
                        sql_timings.append(sql_ms[0])
                        counts.append(res["count"])
                assert cpu_start is not None
                cpu_ms = ((time.process_time() - cpu_start[0])
                          + (_pg_cpu_seconds() - cpu_start[1])) * 1000 / args.runs
                rows.append({"search": label, "cpu_ms": round(cpu_ms, 1), "p50_ms": round(_percentile(timings, 50), 1),
                             "p95_ms": round(_percentile(timings, 95), 1),
                             "mean_ms": round(statistics.mean(timings), 1),
                             "sql_p50_ms": round(_percentile(sql_timings, 50), 1),
                             "median_hits": int(statistics.median(counts))})

    machine = {"cpus": os.cpu_count(), "load_average_1_5_15": os.getloadavg(), "platform": platform.platform(),
               "python": platform.python_version(), "processor": platform.processor()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            models = [l.split(":", 1)[1].strip() for l in f if l.startswith("model name")]
        machine["cpu_model"] = models[0] if models else ""
    except OSError:
        pass
    report = {"datasets_indexed": total, "load_seconds": load_s and round(load_s, 1),
              "runs_per_search": args.runs, "target_p95_ms": TARGET_P95_MS,
              "machine": machine, "results": rows,
              "when": datetime.datetime.now(datetime.timezone.utc).isoformat()}
    lines = [f"satudata_search benchmark: {total} datasets in the index"
             + (f" (bulk-indexed in {load_s:.1f} s)" if load_s else ""),
             f"{machine.get('cpus')} CPU(s) {machine.get('cpu_model', '')}, "
             f"{args.runs} runs per search, rows=20, through package_search; "
             "load average %.1f %.1f %.1f" % os.getloadavg(), "",
             "| search | p50 ms | p95 ms | mean ms | SQL p50 ms | CPU ms/search | hits |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['search']} | {r['p50_ms']} | {r['p95_ms']} | {r['mean_ms']} | "
                     f"{r['sql_p50_ms']} | {r['cpu_ms']} | {r['median_hits']} |")
    worst = max(r["p95_ms"] for r in rows)
    lines += ["", f"worst p95: {worst} ms (target ≤ {TARGET_P95_MS} ms): "
              + ("OK" if worst <= TARGET_P95_MS else "OVER TARGET"),
              "CPU ms/search = CPU time of this process and its PostgreSQL backends per "
              "search (what one search costs on an idle machine); wall times include "
              "waiting for the CPU when the load average exceeds the core count."]
    text = "\n".join(lines)
    print(text)
    os.makedirs(RESULTS, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for ext, content in (("json", json.dumps(report, indent=2)), ("md", text + "\n")):
        with open(os.path.join(RESULTS, f"{stamp}.{ext}"), "w", encoding="utf-8") as f:
            f.write(content)
    return 0 if worst <= TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
