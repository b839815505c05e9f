"""Who sees what: the full report, its files and forms are for the Sekretariat SDI, Walidata,
Pembina Data and sysadmins; everybody else gets the public summary (published facts only)
by every URL — HTML pages, downloads, stored files and the JSON action.

Also: stored files (background job with progress, SHA-256 of the JSON) and the CLI.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Optional

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories, helpers

from ckanext.satudata_blitar.report import compute, files
from ckanext.satudata_blitar.report.model import ReportFile

pytestmark = [pytest.mark.usefixtures("with_plugins")]

ROLES = ("anonymous", "plain", "opd_editor", "opd_admin", "other_opd", "walidata", "pembina",
         "sekretariat", "sysadmin")
READERS = {"walidata", "pembina", "sekretariat", "sysadmin"}
MANAGERS = {"sekretariat", "sysadmin"}
#: strings only the full report may show (letters, notes, delivery, unpublished datasets)
PRIVATE = ("000.5/1/410.111/2025", "Wali Kota Blitar", "pendampingan", "Sekolah 2025",
           "Penerima Bansos", "Imunisasi 2025", "400/1/410.102/2025")


def _user(world: dict[str, Any], role: str) -> Optional[str]:
    return None if role == "anonymous" else world["users"][role]["name"]


def _allowed(world: dict[str, Any], role: str, auth: str, **data: Any) -> bool:
    try:
        helpers.call_auth(auth, {"user": _user(world, role) or "", "model": model}, **data)
    except Exception as e:  # noqa: BLE001
        if type(e).__name__ != "NotAuthorized":
            raise
        return False
    return True


@pytest.fixture(scope="module")
def tokens(year_world) -> dict[str, dict[str, str]]:
    out = {"anonymous": {}}
    for role in ROLES[1:]:
        token = factories.APIToken(user=year_world["users"][role]["name"])["token"]
        out[role] = {"Authorization": token}
    return out


@pytest.fixture(scope="module")
def stored(year_world) -> dict[str, Any]:
    """A PDF kept by the Sekretariat (generated now, as the job would)."""
    import ckan.plugins

    ckan.plugins.load_all()  # module fixtures run before the test's with_plugins
    ctx = {"user": year_world["users"]["sekretariat"]["name"], "ignore_auth": False}
    return helpers.call_action("satudata_report_generate", context=ctx, year=2025,
                               format="pdf", run_now=True)


@pytest.mark.parametrize("auth, rule", [
    ("satudata_report_annual", READERS),
    ("satudata_report_generate", READERS),
    ("satudata_report_file_list", READERS),
    ("satudata_report_file_show", READERS),
    ("satudata_report_note_create", MANAGERS),
    ("satudata_report_note_delete", MANAGERS),
    ("satudata_report_delivery_create", MANAGERS),
    ("satudata_report_public", set(ROLES)),
])
def test_permission_matrix(year_world, auth, rule):
    got = {role: _allowed(year_world, role, auth) for role in ROLES}
    assert got == {role: role in rule for role in ROLES}


@pytest.mark.parametrize("role", ["anonymous", "plain", "opd_admin", "other_opd"])
def test_private_parts_refused_by_every_url(app, year_world, tokens, stored, role):
    headers = tokens[role]
    # the full page sends them to the public summary
    resp = app.get("/satudata/laporan?year=2025", headers=headers, follow_redirects=False)
    assert resp.status_code == 302 and "/satudata/laporan/publik" in resp.headers["Location"]
    for fmt in ("json", "pdf", "xlsx", "csv"):
        assert app.get(f"/satudata/laporan/2025.{fmt}", headers=headers).status_code == 403
    assert app.get(f"/satudata/laporan/berkas/{stored['id']}", headers=headers).status_code == 403
    assert app.get("/api/3/action/satudata_report_annual?year=2025",
                   headers=headers).status_code == 403
    assert app.get("/api/3/action/satudata_report_file_list",
                   headers=headers).status_code == 403
    for url, data in (("/satudata/laporan/2025/catatan", {"text": "x"}),
                      ("/satudata/laporan/2025/penyerahan",
                       {"delivered_date": "2026-01-20", "letter_number": "1",
                        "recipient": "x"}),
                      ("/satudata/laporan/2025/buat", {"format": "csv"})):
        assert app.post(url, data=data, headers=headers).status_code == 403


@pytest.mark.parametrize("role", ["anonymous", "opd_admin"])
def test_public_summary_shows_published_facts_only(app, year_world, tokens, role):
    page = app.get("/satudata/laporan/publik?year=2025", headers=tokens[role])
    assert page.status_code == 200
    assert "Jumlah Penduduk 2025" in page.body and "Guru Honorer 2024" in page.body
    for secret in PRIVATE:
        assert secret not in page.body
    for fmt in ("json", "csv"):
        body = app.get(f"/satudata/laporan/publik/2025.{fmt}", headers=tokens[role]).body
        for secret in PRIVATE:
            assert secret not in body
    api = app.get("/api/3/action/satudata_report_public?year=2025", headers=tokens[role])
    assert api.json["result"]["scope"] == "public"


@pytest.mark.parametrize("role", sorted(READERS))
def test_readers_see_everything(app, year_world, tokens, stored, role):
    page = app.get("/satudata/laporan?year=2025", headers=tokens[role])
    assert page.status_code == 200
    for visible in ("000.5/1/410.111/2025", "Wali Kota Blitar", "pendampingan"):
        assert visible in page.body
    assert "<svg" in page.body  # charts
    assert ("Catat penyampaian" in page.body) is (role in MANAGERS)
    pdf = app.get("/satudata/laporan/2025.pdf", headers=tokens[role])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    got = app.get(f"/satudata/laporan/berkas/{stored['id']}", headers=tokens[role])
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    api = app.get("/api/3/action/satudata_report_annual?year=2025", headers=tokens[role])
    assert api.json["result"]["summary"]["items_realised"] == 2


def test_stored_file_has_generation_time_and_json_sha256(year_world, stored):
    assert stored["status"] == "done" and stored["progress"] == 100
    assert stored["generated_at"] and stored["filename"].endswith(".pdf")
    document = helpers.call_action("satudata_report_annual", year=2025)
    assert stored["json_sha256"] == compute.document_sha256(document)
    listed = helpers.call_action("satudata_report_file_list", year=2025)
    assert stored["id"] in [f["id"] for f in listed]


def test_background_job_reports_progress(year_world, monkeypatch):
    queued: list[Any] = []

    class _Job:
        id = "job-1"

    def fake_enqueue(fn, args, **kwargs):
        queued.append((fn, args))
        return _Job()

    monkeypatch.setattr("ckan.plugins.toolkit.enqueue_job", fake_enqueue)
    row = helpers.call_action("satudata_report_generate", year=2025, format="xlsx")
    assert row["status"] == "queued" and row["progress"] == 0 and row["job_id"] == "job-1"
    fn, args = queued[0]
    assert fn is files.generate_job
    seen: list[tuple[int, str]] = []
    original = files._progress  # noqa: SLF001

    def spy(r, progress, stage):
        seen.append((progress, stage))
        original(r, progress, stage)

    monkeypatch.setattr(files, "_progress", spy)
    assert fn(*args) == "done"
    assert seen == [(5, "compute"), (40, "render"), (85, "store"), (100, "done")]
    done = helpers.call_action("satudata_report_file_show", id=row["id"])
    assert done["status"] == "done" and done["size"] > 0


def test_failed_job_is_recorded(year_world, monkeypatch):
    row = ReportFile(year=2025, format="pdf", status="queued")
    model.Session.add(row)
    model.Session.commit()

    def boom(*a, **k):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("ckanext.satudata_blitar.report.render.render", boom)
    with pytest.raises(RuntimeError):
        files.generate_job(row.id)
    got = helpers.call_action("satudata_report_file_show", id=row.id)
    assert got["status"] == "failed" and "renderer crashed" in got["error"]


def test_note_and_delivery_validation(year_world):
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("satudata_report_delivery_create", year=2025,
                            delivered_date="15-01-2026", letter_number="", recipient="x")
    assert set(err.value.error_dict) == {"delivered_date", "letter_number"}
    with pytest.raises(tk.ValidationError):
        helpers.call_action("satudata_report_note_create", year=2025, text="  ")


def test_cli_writes_every_format(year_world, cli, tmp_path):
    for fmt in ("json", "csv", "xlsx", "pdf"):
        out = tmp_path / f"laporan.{fmt}"
        result = cli.invoke(ckan_cli, ["satudata", "report", "--year", "2025", "--format", fmt,
                                       "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    doc = json.loads((tmp_path / "laporan.json").read_text(encoding="utf-8"))
    assert doc["summary"]["items_realised"] == 2 and doc["timing"]["review"]["p90"] == 5.6
    rows = list(csv.reader(io.StringIO((tmp_path / "laporan.csv").read_text("utf-8-sig"))))
    assert ["Tingkat realisasi (%)", "40.0"] in rows  # Indonesian labels outside a request
    assert (tmp_path / "laporan.pdf").read_bytes().startswith(b"%PDF")
    public = tmp_path / "publik.json"
    result = cli.invoke(ckan_cli, ["satudata", "report", "--year", "2025", "--public",
                                   "--output", str(public)])
    assert result.exit_code == 0, result.output
    assert "timing" not in json.loads(public.read_text(encoding="utf-8"))
