"""Peak memory of the data check on large files, each checked in a fresh interpreter (as the
background job does): a 1,000,000-row CSV and a 200,000-row XLSX.

Target: the process checking a file never goes above 300 MB peak RSS (``ru_maxrss``,
interpreter and libraries included); the script exits 1 if a check is above it or does not
pass. Usage: ``.venv/bin/python bench/checks_memory.py [--rows N] [--xlsx-rows N]
[--target-mb MB]``. Results are printed as JSON and written to
bench/results/checks_memory.json.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

TARGET_MB = 300


def _child(path: str, fmt: str, std_path: str) -> int:
    """Check one file in this process; print its figures as JSON."""
    import frictionless  # noqa: F401 - imported before the baseline, as in a worker
    import openpyxl  # noqa: F401

    from ckanext.satudata_blitar import spreadsheets
    from ckanext.satudata_blitar.checks.engine import check_file

    with open(std_path, encoding="utf-8") as f:
        std = json.load(f)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    report = check_file(path, fmt, standard=std, standard_name="bench", period=(2025, 2025),
                        xlsx_limits=spreadsheets.Limits())
    print(json.dumps({
        "valid": report["valid"], "rows": report["rows"],
        "issues": [i["code"] for i in report["issues"] if i["severity"] == "error"][:5],
        "cpu_s": round(time.process_time() - cpu0, 2),
        "wall_s": round(time.perf_counter() - wall0, 2),
        "baseline_rss_mb": round(base, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))
    return 0


def _write_xlsx(path: str, rows: int) -> None:
    """The rows of ``checks_100k._write_csv`` as a workbook (written by openpyxl)."""
    import openpyxl

    from ckanext.satudata_blitar.checks.reference import load_reference

    kel = [a for a in load_reference().areas if a.level == "kelurahan"]
    kec = {a.kemendagri: a.name for a in load_reference().areas if a.level == "kecamatan"}
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(["nomor", "kode_wilayah", "kelurahan", "kecamatan", "laki_laki", "perempuan",
                  "jumlah", "tahun"])
    for i in range(1, rows + 1):
        a = kel[i % len(kel)]
        lk, pr = 3000 + i % 997, 3100 + i % 991
        sheet.append([i, a.kemendagri, a.name, kec[a.kecamatan], lk, pr, lk + pr, 2025])
    book.save(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--target-mb", type=float, default=TARGET_MB)
    parser.add_argument("--child", nargs=3, metavar=("PATH", "FORMAT", "STANDARD"))
    args = parser.parse_args(argv)
    if args.child:
        return _child(*args.child)

    from checks_100k import _standard, _write_csv

    results: dict[str, Any] = {"target_peak_rss_mb": args.target_mb, "runs": {}}
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        std_path = os.path.join(tmp, "standard.json")
        with open(std_path, "w", encoding="utf-8") as f:
            json.dump(_standard(), f)
        files = [("csv", args.rows, os.path.join(tmp, "penduduk.csv"), _write_csv)]
        if args.xlsx_rows:
            files.append(("xlsx", args.xlsx_rows, os.path.join(tmp, "penduduk.xlsx"),
                          _write_xlsx))
        for fmt, rows, path, write in files:
            write(path, rows)
            done = subprocess.run([sys.executable, __file__, "--child", path, fmt, std_path],
                                  capture_output=True, text=True, check=True)
            run = json.loads(done.stdout.strip().splitlines()[-1])
            run.update({"file_rows": rows, "file_mb": round(os.path.getsize(path) / 2**20, 1)})
            run["within_target"] = run["valid"] and run["peak_rss_mb"] <= args.target_mb
            failed = failed or not run["within_target"]
            results["runs"][f"{fmt}_{rows}"] = run
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "checks_memory.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))
    if failed:
        print(f"FAILED: a check went above {args.target_mb} MB peak RSS or did not pass",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
