"""Living data (issue 15): a published dataset updated through a pending revision.

The public keeps the published version (API, downloads, feed) until the Walidata publishes the
revision; publishing replaces it in one transaction with the same id; both files are kept with
their SHA-256; every audit row of the revision names it; one pending revision per dataset.
"""
from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.satudata_blitar import audit, lifecycle, revisions
from ckanext.satudata_blitar.harvest import feed
from ckanext.satudata_blitar.model import AuditEntry
from ckanext.satudata_blitar.model.revisions import Revision

from lifecycle_support import context_for, fresh_world, make_dataset, state_of
from sop_support import PASSING_CSV, record_letter, upload_csv

NEXT_CSV = PASSING_CSV.replace(b"4587,4605,9192", b"4600,4610,9210")


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for):
    yield from fresh_world(reset_db, migrate_db_for)


def _published(world: dict[str, Any], title: str = "Penduduk Kelurahan") -> dict[str, Any]:
    dataset = make_dataset(world, lifecycle.DRAFT, title=title)
    upload_csv(dataset["id"], "penduduk-2025.csv")
    from sop_support import walk
    walk(dataset["id"], lifecycle.PUBLISHED)
    return helpers.call_action("package_show", id=dataset["id"])


def _as(world: dict[str, Any], role: str, action: str, **data: Any) -> Any:
    return tk.get_action(action)(context_for(world, role), data)


def _public_show(package_id: str) -> dict[str, Any]:
    return tk.get_action("package_show")({"user": "", "ignore_auth": False},
                                         {"id": package_id})


def _sha(resource: dict[str, Any]) -> str:
    return revisions.file_sha256(resource) or ""


def _walk_revision(world: dict[str, Any], shadow_id: str, to: str) -> None:
    _as(world, "opd_editor", "satudata_dataset_submit", id=shadow_id)
    if to == lifecycle.SUBMITTED:
        return
    _as(world, "walidata", "satudata_dataset_verify", id=shadow_id)
    if to == lifecycle.VERIFIED:
        return
    letter = record_letter(world["org_a"]["id"], [shadow_id])
    _as(world, "opd_admin", "satudata_dataset_validate", id=shadow_id, letter_ref=letter["id"])
    if to == lifecycle.VALIDATED:
        return
    _as(world, "walidata", "satudata_dataset_publish", id=shadow_id)


def test_update_a_published_dataset_through_a_revision(world):
    main = _published(world)
    old = main["resources"][0]
    old_sha = _sha(old)
    assert old_sha == hashlib.sha256(PASSING_CSV).hexdigest()

    rev = _as(world, "opd_editor", "satudata_revision_start", id=main["id"])
    shadow_id = rev["shadow_id"]
    shadow = helpers.call_action("package_show", id=shadow_id)
    assert shadow["private"] is True and shadow["title"] == main["title"]
    copy = shadow["resources"][0]
    assert copy["id"] != old["id"] and _sha(copy) == old_sha  # the file was copied
    assert state_of(shadow_id) == lifecycle.DRAFT

    # one pending revision at a time, with a clear message
    with pytest.raises(tk.ValidationError) as err:
        _as(world, "opd_admin", "satudata_revision_start", id=main["id"])
    assert "pending revision" in str(err.value.error_dict["revision"])
    # the published dataset itself stays locked; the message points to revisions
    with pytest.raises(tk.NotAuthorized) as denied:
        _as(world, "opd_editor", "package_patch", id=main["id"], title="Ganti")
    assert "revision" in str(denied.value)

    # next month's file goes into the revision; the old file is edited in place
    _as(world, "opd_editor", "package_patch", id=shadow_id, notes="Diperbarui Desember.")
    new = upload_csv(shadow_id, "penduduk-2026.csv", NEXT_CSV,
                     context={"user": world["users"]["opd_editor"]["name"]})
    _walk_revision(world, shadow_id, lifecycle.SUBMITTED)
    # editing a revision under review is refused with the lock message
    with pytest.raises(tk.NotAuthorized):
        _as(world, "opd_editor", "package_patch", id=shadow_id, notes="lagi")

    _walk_revision_rest(world, shadow_id)
    # the public saw the old version until now
    public = _public_show(main["id"])
    assert public["notes"] == main["notes"]
    assert [r["id"] for r in public["resources"]] == [old["id"]]

    _as(world, "walidata", "satudata_dataset_publish", id=shadow_id)
    public = _public_show(main["id"])
    assert public["id"] == main["id"] and public["name"] == main["name"]
    assert public["notes"] == "Diperbarui Desember."
    ids = [r["id"] for r in public["resources"]]
    assert ids == [old["id"], new["id"]]  # unchanged file keeps its id, the new one moved
    assert model.Package.get(shadow_id) is None  # the revision package is purged
    # the search index holds the new version, and no longer the revision's package
    found = helpers.call_action("package_search", q=f"name:{main['name']}")["results"]
    assert [(d["id"], d["notes"]) for d in found] == [(main["id"], "Diperbarui Desember.")]
    assert helpers.call_action("package_search", q=f"id:{shadow_id}",
                               include_private=True)["count"] == 0
    assert state_of(main["id"]) == lifecycle.PUBLISHED

    versions = _as(world, "opd_editor", "satudata_version_list", id=main["id"])
    assert [v["number"] for v in versions] == [2, 1]
    assert [r["sha256"] for r in versions[1]["resources"]] == [old_sha]
    assert {r["sha256"] for r in versions[0]["resources"]} == {
        old_sha, hashlib.sha256(NEXT_CSV).hexdigest()}
    assert versions[0]["letter_ref"] and versions[0]["revision_id"] == rev["id"]

    # every audit row of the revision names it; the dataset's chain records the update
    rows = model.Session.query(AuditEntry).filter_by(package_id=shadow_id).all()
    assert {r.transition for r in rows} == {"create", "submit", "verify", "validate", "publish"}
    assert {r.revision_id for r in rows} == {rev["id"]}
    update = (model.Session.query(AuditEntry).filter_by(package_id=main["id"])
              .order_by(AuditEntry.seq.desc()).first())
    assert (update.transition, update.revision_id) == ("update", rev["id"])
    assert audit.verify().intact

    # the change feed says "updated" for the dataset and never names the revision package
    events = feed.change_events()
    mine = [e for e in events if e["dataset_id"] in (main["id"], shadow_id)]
    assert [e["event"] for e in mine] == ["published", "updated"]
    assert all(e["dataset_id"] == main["id"] for e in mine)
    assert model.Session.get(Revision, rev["id"]).state == "published"


def _walk_revision_rest(world: dict[str, Any], shadow_id: str) -> None:
    _as(world, "walidata", "satudata_dataset_verify", id=shadow_id)
    letter = record_letter(world["org_a"]["id"], [shadow_id])
    _as(world, "opd_admin", "satudata_dataset_validate", id=shadow_id, letter_ref=letter["id"])


def test_return_and_discard_change_nothing_public(world):
    main = _published(world, "Sekolah Dasar")
    rev = _as(world, "opd_admin", "satudata_revision_start", id=main["id"])
    shadow_id = rev["shadow_id"]
    _as(world, "opd_editor", "package_patch", id=shadow_id, title="Sekolah Dasar RAHASIA")
    _walk_revision(world, shadow_id, lifecycle.SUBMITTED)
    _as(world, "walidata", "satudata_dataset_return", id=shadow_id,
        reason_category="data_tidak_valid", reason="Angka tidak cocok.")
    assert state_of(shadow_id) == lifecycle.DRAFT
    # the Walidata may not discard; the OPD may
    with pytest.raises(tk.NotAuthorized):
        _as(world, "walidata", "satudata_revision_discard", id=rev["id"])
    out = _as(world, "opd_editor", "satudata_revision_discard", id=shadow_id)
    assert out["state"] == "discarded"
    assert model.Package.get(shadow_id) is None
    assert _public_show(main["id"])["title"] == "Sekolah Dasar"
    rows = model.Session.query(AuditEntry).filter_by(package_id=shadow_id).all()
    assert rows[-1].transition == "discard" and {r.revision_id for r in rows} == {rev["id"]}
    # a new revision may start now
    again = _as(world, "opd_editor", "satudata_revision_start", id=main["id"])
    assert again["number"] == 2 and again["id"] != rev["id"]
    assert audit.verify().intact


def test_a_revision_is_published_only_over_a_published_dataset(world):
    main = _published(world, "Puskesmas")
    rev = _as(world, "opd_editor", "satudata_revision_start", id=main["id"])
    _walk_revision(world, rev["shadow_id"], lifecycle.VALIDATED)
    _as(world, "walidata", "satudata_dataset_withdraw", id=main["id"], reason="Salah.")
    with pytest.raises(tk.ValidationError) as err:
        _as(world, "walidata", "satudata_dataset_publish", id=rev["shadow_id"])
    assert "state" in err.value.error_dict
    assert state_of(rev["shadow_id"]) == lifecycle.VALIDATED
    assert state_of(main["id"]) == lifecycle.DRAFT
    # a draft dataset is edited directly
    with pytest.raises(tk.ValidationError):
        _as(world, "opd_editor", "satudata_revision_start", id=main["id"])


# -- who may do what ----------------------------------------------------------------------------
START = {"anonymous": False, "other_opd": False, "opd_editor": True, "opd_admin": True,
         "walidata": False, "pembina": False, "sekretariat": False, "sysadmin": True}
READ = {"anonymous": False, "other_opd": False, "opd_editor": True, "opd_admin": True,
        "walidata": True, "pembina": True, "sekretariat": True, "sysadmin": True}


@pytest.mark.parametrize("role", sorted(START))
def test_who_may_start_a_revision(world, role):
    main = _published(world, f"Matriks {role}")
    ctx = context_for(world, role)
    assert helpers.call_auth.__name__  # CKAN's helper checks auth only
    try:
        tk.check_access("satudata_revision_start", ctx, {"id": main["id"]})
        allowed = True
    except tk.NotAuthorized:
        allowed = False
    assert allowed is START[role]
    for action in ("satudata_version_list", "satudata_revision_list"):
        try:
            tk.check_access(action, dict(ctx), {"id": main["id"]})
            allowed = True
        except tk.NotAuthorized:
            allowed = False
        assert allowed is READ[role], action


# -- the diff reviewers see -----------------------------------------------------------------------
STANDARD = "penduduk-kelurahan-jenis-kelamin"


def test_diff_shows_metadata_resources_and_rows_by_key(world):
    dataset = make_dataset(world, lifecycle.DRAFT, title="Penduduk Diff")
    upload_csv(dataset["id"], "p.csv", standar_data=STANDARD)
    upload_csv(dataset["id"], "lama.csv", name="lama")
    from sop_support import walk, upload
    walk(dataset["id"], lifecycle.PUBLISHED)
    main = helpers.call_action("package_show", id=dataset["id"])
    rev = _as(world, "opd_editor", "satudata_revision_start", id=main["id"])
    shadow = helpers.call_action("package_show", id=rev["shadow_id"])
    keyed = next(r for r in shadow["resources"] if r["name"] == "p.csv")
    dropped = next(r for r in shadow["resources"] if r["name"] == "lama")
    editor = {"user": world["users"]["opd_editor"]["name"]}
    # one value changed, one row removed, one row added
    rows = PASSING_CSV.splitlines()
    new_csv = b"\n".join([rows[0], rows[1].replace(b"4587,4605,9192", b"4600,4605,9205"),
                          rows[2], b"35.72.03.1001,Sananwetan,Sananwetan,10,10,20,2025"]) + b"\n"
    helpers.call_action("resource_update", context=dict(editor), id=keyed["id"],
                        url="p-2026.csv", name="p.csv", format="CSV", standar_data=STANDARD,
                        upload=upload(new_csv, "p-2026.csv", "text/csv"))
    helpers.call_action("resource_delete", context=dict(editor), id=dropped["id"])
    helpers.call_action("package_patch", context=dict(editor), id=shadow["id"],
                        notes="Catatan baru.")
    diff = _as(world, "walidata", "satudata_revision_diff", id=rev["id"])
    assert {"field": "notes", "published": main["notes"], "revision": "Catatan baru."} \
        in diff["metadata"]
    by_action = {r["action"]: r for r in diff["resources"]}
    replaced = by_action["replace"]
    assert replaced["published_sha256"] == hashlib.sha256(PASSING_CSV).hexdigest()
    assert replaced["sha256"] == hashlib.sha256(new_csv).hexdigest()
    assert replaced["rows"] == {
        "rows_before": 3, "rows_after": 3, "columns_added": [], "columns_removed": [],
        "key": ["kode_wilayah", "tahun"], "rows_added": 1, "rows_removed": 1,
        "rows_changed": 1, "examples_changed": [{"kode_wilayah": "35.72.01.1001",
                                                 "tahun": "2025"}]}
    assert by_action["remove"]["published_name"] == "lama"
    # outsiders and other OPDs see nothing of it
    for role in ("anonymous", "other_opd"):
        with pytest.raises(tk.NotAuthorized):
            _as(world, role, "satudata_revision_diff", id=rev["id"])


def test_pages_of_a_revision(app, world):
    main = _published(world, "Halaman Revisi")
    editor = world["users"]["opd_editor"]
    headers = {"Authorization": editor["token"]}
    page = app.get(f"/dataset/{main['name']}", headers=headers)
    assert "satudata-revision-start" in page.body
    assert "satudata-revision-start" not in app.get(f"/dataset/{main['name']}").body
    rev = _as(world, "opd_editor", "satudata_revision_start", id=main["id"])
    page = app.get(f"/dataset/{main['name']}", headers=headers)
    assert "satudata-revision-pending" in page.body and "satudata-revision-start" not in page.body
    shadow = app.get(f"/dataset/{rev['shadow_name']}", headers=headers)
    assert "satudata-revision-diff" in shadow.body and "satudata-revision-discard" in shadow.body
    diff = app.get(f"/satudata/revisi/{rev['id']}", headers=headers)
    assert diff.status_code == 200 and "satudata-diff-keep" in diff.body
    versions = app.get(f"/dataset/{main['name']}/versi", headers=headers)
    assert versions.status_code == 200 and versions.body.count('class="satudata-version"') == 1
    resource = main["resources"][0]
    got = app.get(f"/dataset/{main['name']}/versi/1/resource/{resource['id']}", headers=headers)
    assert got.status_code == 200 and got.data == PASSING_CSV
    for url in (f"/satudata/revisi/{rev['id']}", f"/dataset/{main['name']}/versi",
                f"/dataset/{main['name']}/versi/1/resource/{resource['id']}",
                f"/dataset/{main['name']}/versi/x/resource/{resource['id']}",
                "/satudata/revisi/%00", f"/dataset/{rev['shadow_name']}"):
        assert app.get(url).status_code in (403, 404), url


# -- races: exactly one wins ----------------------------------------------------------------------
def test_two_users_start_a_revision_at_once(app, world):
    from test_race import _race_processes
    main = _published(world, "Balapan Mulai")
    users = [world["users"][r]["name"] for r in ("opd_editor", "opd_admin")]
    results = _race_processes(app, [(users[i % 2], "satudata_revision_start",
                                     {"id": main["id"]}) for i in range(6)])
    assert sorted(r[1] for r in results) == ["conflict"] * 5 + ["ok"], results
    assert all("revision" in r[2] or "state" in r[2] for r in results if r[1] == "conflict")
    model.Session.expire_all()
    assert model.Session.query(Revision).filter_by(package_id=main["id"]).count() == 1


def test_two_walidata_publish_a_revision_at_once(app, world):
    from test_race import _race_processes
    main = _published(world, "Balapan Terbit")
    rev = _as(world, "opd_editor", "satudata_revision_start", id=main["id"])
    _walk_revision(world, rev["shadow_id"], lifecycle.VALIDATED)
    walidata, sysadmin = (world["users"][r]["name"] for r in ("walidata", "sysadmin"))
    results = _race_processes(app, [(walidata if i % 2 else sysadmin,
                                     "satudata_dataset_publish", {"id": rev["shadow_id"]})
                                    for i in range(6)])
    assert sorted(r[1] for r in results) == ["conflict"] * 5 + ["ok"], results
    model.Session.expire_all()
    updates = model.Session.query(AuditEntry).filter_by(package_id=main["id"],
                                                       transition="update").count()
    assert updates == 1 and len(revisions.versions_of(main["id"])) == 2
    assert audit.verify().intact


# -- deadlines and the annual report ------------------------------------------------------------
def test_report_counts_updates_and_skips_pending_revisions(world):
    from ckanext.satudata_blitar import deadlines, workdays
    from ckanext.satudata_blitar.report import compute

    main = _published(world, "Laporan Pembaruan")
    rev = _as(world, "opd_editor", "satudata_revision_start", id=main["id"])
    _walk_revision(world, rev["shadow_id"], lifecycle.VALIDATED)
    pending = _as(world, "opd_editor", "satudata_revision_start",
                  id=_published(world, "Laporan Tertunda")["id"])
    before = compute.build(workdays.today().year, organization=world["org_a"]["id"])
    _as(world, "walidata", "satudata_dataset_publish", id=rev["shadow_id"])
    doc = compute.build(workdays.today().year, organization=world["org_a"]["id"])
    # a revision is not a dataset of its own in the report, pending or published
    assert doc["summary"]["datasets_total"] == before["summary"]["datasets_total"]
    assert doc["summary"]["datasets_total"] == model.Session.query(model.Package).filter(
        model.Package.owner_org == world["org_a"]["id"], model.Package.state == "active",
        revisions.not_shadow_clause(model.Package.id)).count()
    names = {d["name"] for d in doc["published_datasets"]}
    assert pending["shadow_name"] not in names and main["name"] in names
    updates = doc["updates"]["by_opd"][world["org_a"]["id"]]
    assert updates["updates"] >= 1 and updates["late"] == 0
    assert updates["on_time"] + updates["without_due_date"] == updates["updates"]
    assert updates["median_working_days_submit_to_publish"] == 0
    # every rendering reads the same document: the CSV (as HTML, PDF, XLSX) has the section
    import csv as _csv
    import io as _io
    from ckanext.satudata_blitar.report import render
    with render.i18n_context():
        rows = list(_csv.reader(_io.StringIO(render.to_csv(doc).decode("utf-8-sig"))))
    title = next(i for i, r in enumerate(rows) if r and r[0].startswith("Pembaruan dataset"))
    org_row = next(r for r in rows[title:] if r and r[0] == world["org_a"]["title"])
    assert org_row[1:4] == [str(updates["updates"]), str(updates["on_time"]), "0"]
    # the update-due clock restarts at the revision's publication (frequency: yearly)
    items = [i for i in deadlines.deadline_items(model.User.get(
        world["users"]["opd_editor"]["name"]), horizon=3660) if i["kind"] == "update"
        and i["package_id"] == main["id"]]
    status = lifecycle.get_status(model.Package.get(main["id"]))
    assert status["last_transition"] == "update"
    assert items and items[0]["due"] == workdays.next_update_due(
        "tahunan", workdays.local_date(status["since"]), 2025).isoformat()
