"""Resource checks on upload (sync and job), the standards registry, templates, permissions."""
from __future__ import annotations

import io
import json
import signal

import openpyxl
import pytest

import ckan.lib.jobs as jobs
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import storage
from ckanext.satudata_blitar.checks import runner
from ckanext.satudata_blitar.model.checks import ResourceCheck

from .conftest import call, fixture_path, upload

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db")]
WIFI = "titik-wifi-publik-kelurahan"


def _dataset(world=None, **kw):
    org = world["org"] if world else factories.Organization()
    data = {"name": "wifi-2025", "owner_org": org["id"], "periode_referensi_mulai": "2025",
            "standar_data": WIFI}
    data.update(kw)
    return call("package_create", **data)


def _upload(dataset, fixture, filename=None, **kw):
    return call("resource_create", package_id=dataset["id"], format="CSV",
                               url="", upload=upload(fixture, filename or fixture),
                               name=filename or fixture, **kw)


# -- the check on upload ----------------------------------------------------------------------

def test_valid_upload_passes():
    res = _upload(_dataset(), "wifi_valid.csv")
    check = call("satudata_resource_check_show", id=res["id"])
    assert check["status"] == "passed"
    assert check["standard"] == WIFI
    assert check["report"]["rows"] == 4


def test_failing_upload_keeps_the_resource_and_the_report():
    dataset = _dataset()
    good = _upload(dataset, "wifi_valid.csv")
    bad = _upload(dataset, "wifi_area_unknown.csv")
    shown = call("package_show", id=dataset["id"])
    assert {r["id"] for r in shown["resources"]} == {good["id"], bad["id"]}  # nothing lost
    check = call("satudata_resource_check_show", id=bad["id"])
    assert check["status"] == "failed" and check["error_count"] == 1
    issue = check["report"]["issues"][0]
    assert (issue["code"], issue["row"], issue["column"]) == ("area-code-unknown", 4,
                                                              "kode_wilayah")
    assert "35.72.9" in issue["message"]
    # the stored file is the upload, byte for byte
    path = storage.resource_file_path(shown["resources"][1])
    with open(path, "rb") as f, open(fixture_path("wifi_area_unknown.csv"), "rb") as g:
        assert f.read() == g.read()


def test_check_messages_are_indonesian_through_the_api(app):
    sysadmin = factories.SysadminWithToken()
    res = _upload(_dataset(), "wifi_area_unknown.csv")
    body = app.get("/api/3/action/satudata_resource_check_show", params={"id": res["id"]},
                   headers={"Authorization": sysadmin["token"]}).json
    issue = body["result"]["report"]["issues"][0]
    assert issue["message"] == (
        "Baris 4, kolom kode_wilayah: '35.72.9' bukan kode wilayah Kota Blitar. Gunakan kode "
        "dari daftar referensi, misalnya 35.72.01.1001.")


def test_replacing_the_file_checks_again():
    res = _upload(_dataset(), "wifi_area_unknown.csv")
    call("resource_patch", id=res["id"], upload=upload("wifi_valid.csv", "w.csv"))
    assert call("satudata_resource_check_show", id=res["id"])["status"] == "passed"


def test_renaming_a_resource_does_not_check_again():
    res = _upload(_dataset(), "wifi_valid.csv")
    first = call("satudata_resource_check_show", id=res["id"])
    call("resource_patch", id=res["id"], name="Titik wifi 2025")
    again = call("satudata_resource_check_show", id=res["id"])
    assert again["finished"] == first["finished"] and again["status"] == "passed"
    rerun = call("satudata_resource_check_run", id=res["id"])  # explicit: always checks
    assert rerun["finished"] >= first["finished"]


def test_non_tabular_resources_are_not_checked():
    dataset = _dataset()
    res = call("resource_create", package_id=dataset["id"],
                              url="http://example.com/laporan.pdf", format="PDF")
    check = call("satudata_resource_check_show", id=res["id"])
    assert check["status"] == "not_applicable"


def test_linked_csv_is_skipped_with_a_reason():
    dataset = _dataset()
    res = call("resource_create", package_id=dataset["id"],
                              url="http://example.com/data.csv", format="CSV")
    check = call("satudata_resource_check_show", id=res["id"])
    assert check["status"] == "skipped"
    assert check["report"]["issues"][0]["code"] == "not-uploaded"


def test_bad_input_never_breaks_the_upload():
    dataset = _dataset()
    for fixture in ("empty.csv", "image_renamed.csv", "wifi_mixed_encoding.csv",
                    "wifi_wrong_delimiter.csv"):
        res = _upload(dataset, fixture)
        assert call("resource_show", id=res["id"])["url_type"] == "upload"
        assert call("satudata_resource_check_show",
                                   id=res["id"])["status"] == "failed"
    assert len(call("package_show", id=dataset["id"])["resources"]) == 4


def test_unknown_standard_on_the_resource_is_reported():
    res = _upload(_dataset(standar_data=""), "wifi_valid.csv")
    model.Session.query(ResourceCheck).delete()
    model.Session.commit()
    # a standard removed after the resource was saved
    res_obj = model.Resource.get(res["id"])
    res_obj.extras = dict(res_obj.extras, standar_data="dihapus")
    model.Session.commit()
    out = call("satudata_resource_check_run", id=res["id"])
    assert out["status"] == "failed"
    assert out["report"]["issues"][0]["code"] == "standard-unknown"


def test_xlsx_upload_is_checked():
    book = openpyxl.Workbook()
    book.active.append(["kode_wilayah", "kelurahan", "titik_wifi", "tahun"])
    book.active.append(["35.72.01.1001", "Kepanjenkidul", -2, 2025])
    buf = io.BytesIO()
    book.save(buf)
    res = call("resource_create", package_id=_dataset()["id"], format="XLSX",
                              url="", upload=upload(buf.getvalue(), "wifi.xlsx"))
    check = call("satudata_resource_check_show", id=res["id"])
    assert check["status"] == "failed"
    assert check["report"]["issues"][0]["code"] == "negative-count"


# -- the background job -------------------------------------------------------------------------

@pytest.mark.ckan_config("ckanext.satudata_blitar.checks.sync_max_bytes", "10")
@pytest.mark.usefixtures("clean_redis", "with_test_worker")
def test_large_files_are_checked_by_a_job():
    res = _upload(_dataset(), "wifi_area_unknown.csv")
    pending = call("satudata_resource_check_show", id=res["id"])
    assert pending["status"] == "pending"
    queued = jobs.get_queue().jobs
    assert [j.func_name for j in queued] == [
        "ckanext.satudata_blitar.checks.runner.run_check_job"]
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        jobs.Worker(["default"]).work(burst=True)
    finally:  # rq installs SIGINT/SIGTERM handlers in this process: put pytest's back
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    model.Session.expire_all()
    done = call("satudata_resource_check_show", id=res["id"])
    assert done["status"] == "failed"
    assert done["report"]["issues"][0]["code"] == "area-code-unknown"


@pytest.mark.ckan_config("ckanext.satudata_blitar.checks.sync_max_bytes", "10")
@pytest.mark.usefixtures("clean_redis")
def test_the_job_function_checks_whatever_the_size():
    res = _upload(_dataset(), "wifi_valid.csv")
    assert runner.run_check_job(res["id"]) == "passed"


# -- standards registry ---------------------------------------------------------------------------

SCHEMA = {"title": "Jumlah Pasar menurut Kecamatan",
          "fields": [{"name": "kode_wilayah", "type": "string"},
                     {"name": "jumlah_pasar", "type": "integer", "constraints": {"minimum": 0}},
                     {"name": "tahun", "type": "year"}],
          "primaryKey": ["kode_wilayah", "tahun"],
          "sdi": {"areaCodeField": "kode_wilayah", "areaLevel": "kecamatan",
                  "yearField": "tahun"}}


def test_shipped_standards_are_listed():
    names = [s["name"] for s in call("satudata_standard_list")]
    assert {"penduduk-kelurahan-jenis-kelamin", "kepala-keluarga-kecamatan",
            "fasilitas-kesehatan-kecamatan", "imunisasi-dasar-kecamatan",
            "sekolah-jenjang-kecamatan", "angka-partisipasi-sekolah",
            "titik-wifi-publik-kelurahan"} <= set(names)


def test_register_a_standard_and_use_it():
    created = call("satudata_standard_create", name="pasar-kecamatan",
                                  schema=json.dumps(SCHEMA))
    assert created["source"] == "registry" and created["fields"][1] == "jumlah_pasar"
    shown = call("satudata_standard_show", id="pasar-kecamatan")
    assert shown["title"] == "Jumlah Pasar menurut Kecamatan"
    dataset = _dataset(standar_data="pasar-kecamatan")
    res = call(
        "resource_create", package_id=dataset["id"], format="CSV", url="",
        upload=upload(b"kode_wilayah,jumlah_pasar,tahun\n35.72.01,-4,2025\n", "pasar.csv"))
    check = call("satudata_resource_check_show", id=res["id"])
    assert check["report"]["issues"][0]["code"] == "negative-count"


def test_register_from_an_uploaded_file():
    created = call("satudata_standard_create", name="pasar",
                                  upload=upload(json.dumps(SCHEMA).encode(), "pasar.json"))
    assert created["name"] == "pasar"


@pytest.mark.parametrize("data, field", [
    ({"name": "x1", "upload": "standard_invalid_json.json"}, "schema"),
    ({"name": "x2", "upload": "standard_invalid_schema.json"}, "schema"),
    ({"name": "x3", "schema": "[]"}, "schema"),
    ({"name": "x4"}, "schema"),
    ({"name": "Bukan Nama", "schema": json.dumps(SCHEMA)}, "name"),
    ({"name": WIFI, "schema": json.dumps(SCHEMA)}, "name"),
    ({"name": "x5", "schema": json.dumps(dict(SCHEMA, primaryKey=["kode"]))}, "schema"),
    ({"name": "x6", "schema": json.dumps(dict(SCHEMA, sdi={"areaCodeField": "kode"}))}, "schema"),
])
def test_invalid_standards_are_refused_clearly(data, field):
    data = dict(data)
    if "upload" in data:
        data["upload"] = upload(data["upload"], data["upload"])
    with pytest.raises(tk.ValidationError) as exc:
        call("satudata_standard_create", **data)
    assert field in exc.value.error_dict
    assert all(isinstance(m, str) and m for m in exc.value.error_dict[field])


def test_standard_not_found():
    with pytest.raises(tk.ObjectNotFound):
        call("satudata_standard_show", id="tidak-ada")


# -- permissions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role, allowed", [
    ("sysadmin", True),
    ("walidata", True),
    ("producer", False),
    ("stranger", False),
    ("anonymous", False),
])
def test_who_may_register_standards(sdi_world, role, allowed):
    user = "" if role == "anonymous" else sdi_world[role]["name"]
    context = {"user": user, "model": model}
    if allowed:
        assert helpers.call_auth("satudata_standard_create", context)
    else:
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth("satudata_standard_create", context)


def test_registration_through_the_api(app, sdi_world):
    url = "/api/3/action/satudata_standard_create"
    body = {"name": "pasar-api", "schema": json.dumps(SCHEMA)}
    app.post(url, json=body, headers={"Authorization": sdi_world["producer"]["token"]},
             status=403)
    app.post(url, json=body, status=403)
    app.post(url, json=body, headers={"Authorization": sdi_world["walidata"]["token"]},
             status=200)


def test_anyone_may_read_standards(app):
    assert app.get("/api/3/action/satudata_standard_list").json["success"]


def test_check_report_follows_dataset_visibility(app, sdi_world):
    dataset = _dataset(sdi_world, private=True)
    res = _upload(dataset, "wifi_valid.csv")
    url = "/api/3/action/satudata_resource_check_show"
    app.get(url, params={"id": res["id"]},
            headers={"Authorization": sdi_world["stranger"]["token"]}, status=403)
    app.get(url, params={"id": res["id"]},
            headers={"Authorization": sdi_world["producer"]["token"]}, status=200)


def test_only_editors_rerun_a_check(sdi_world):
    res = _upload(_dataset(sdi_world), "wifi_valid.csv")
    with pytest.raises(tk.NotAuthorized):
        helpers.call_auth("satudata_resource_check_run",
                          {"user": sdi_world["stranger"]["name"], "model": model}, id=res["id"])
    assert helpers.call_auth("satudata_resource_check_run",
                             {"user": sdi_world["producer"]["name"], "model": model},
                             id=res["id"])


# -- pages and templates -------------------------------------------------------------------------

def test_csv_template_download(app):
    resp = app.get(f"/standar-data/{WIFI}/template.csv")
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert f'filename="{WIFI}.csv"' in resp.headers["Content-Disposition"]
    assert resp.body.strip() == "kode_wilayah,kelurahan,titik_wifi,tahun"


def test_xlsx_template_download_is_a_valid_empty_file(app, tmp_path):
    resp = app.get("/standar-data/penduduk-kelurahan-jenis-kelamin/template.xlsx")
    path = tmp_path / "t.xlsx"
    path.write_bytes(resp.data)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["data"]
    header = [c.value for c in book.active[1]]
    assert header == ["kode_wilayah", "kelurahan", "kecamatan", "laki_laki", "perempuan",
                      "jumlah", "tahun"]
    assert book.active.max_row == 1


def test_template_of_unknown_standard_or_format(app):
    app.get("/standar-data/tidak-ada/template.csv", status=404)
    app.get(f"/standar-data/{WIFI}/template.ods", status=404)


def test_standard_pages(app, sdi_world):
    assert "Titik Wifi" in app.get("/standar-data").body
    assert "titik_wifi" in app.get(f"/standar-data/{WIFI}").body
    app.get("/standar-data/baru", headers={"Authorization": sdi_world["producer"]["token"]},
            status=403)
    app.get("/standar-data/baru", headers={"Authorization": sdi_world["walidata"]["token"]},
            status=200)


def test_resource_page_shows_the_problem_in_indonesian(app):
    sysadmin = factories.SysadminWithToken()
    dataset = _dataset()
    res = _upload(dataset, "wifi_area_unknown.csv")
    page = app.get(f"/dataset/{dataset['name']}/resource/{res['id']}",
                   headers={"Authorization": sysadmin["token"]}).body
    assert "bukan kode wilayah Kota Blitar" in page
    report = app.get(f"/dataset/{dataset['name']}/resource/{res['id']}/pemeriksaan",
                     headers={"Authorization": sysadmin["token"]}).body
    assert "Baris 4, kolom kode_wilayah" in report
