"""Pending revisions in every state, for the leak suite (``tests/test_leaks.py``).

Each situation is a published dataset of OPD R (same producer and head as OPD A) (``terbit-<situation>``, public) with a pending
revision walked to that state through the real actions: a new title, a tag, notes and a new
CSV of its own, plus the copies of the published files. Everything the revision holds that
the public version does not is a secret for outsiders: the revision's package id and name,
its title, tag and notes, the new resource's id and name, the copies' ids, the revision id.
"""
from __future__ import annotations

from typing import Any

from ckan.tests import factories, helpers

from sop_support import COMPLETE, PASSING_CSV, record_letter, upload_csv, walk

#: the states a pending revision can be in ("returned" is a draft sent back by the Walidata)
REVISION_SITUATIONS = ("draft", "submitted", "verified", "validated", "returned")


def _step(action: str, shadow_id: str, **extra: Any) -> None:
    helpers.call_action(f"satudata_dataset_{action}", id=shadow_id, **extra)


def populate_revisions(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    editor = world["users"]["opd_editor"]
    context = {"user": editor["name"]}
    # an OPD of their own (same producer and head as OPD A), so OPD A's counts stay as they are
    org = factories.Organization(name="opd-r", users=[
        {"name": editor["name"], "capacity": "editor"},
        {"name": world["users"]["opd_admin"]["name"], "capacity": "admin"}])
    out = {}
    for situation in REVISION_SITUATIONS:
        main = factories.Dataset(name=f"terbit-{situation}", title=f"Terbit {situation}",
                                 owner_org=org["id"], user=editor,
                                 tags=[{"name": "rv-leak"}], **COMPLETE)
        upload_csv(main["id"], "t.csv", name=f"berkas-terbit-{situation}", context=context)
        walk(main["id"], "published")
        rev = helpers.call_action("satudata_revision_start", context=dict(context),
                                  id=main["id"])
        shadow_id = rev["shadow_id"]
        helpers.call_action("package_patch", context=dict(context), id=shadow_id,
                            title=f"Revisiku {situation}", notes="isi revisirahasia",
                            tags=[{"name": "rv-leak"}, {"name": f"rvs-tag-{situation}"}])
        new = upload_csv(shadow_id, "baru.csv", name=f"berkas-revisi-{situation}",
                         data=PASSING_CSV.replace(b"4587", b"4588"), context=dict(context))
        if situation != "draft":
            _step("submit", shadow_id)
        if situation == "returned":
            _step("return", shadow_id, reason_category="data_tidak_valid", reason="Cek.")
        if situation in ("verified", "validated"):
            _step("verify", shadow_id)
        if situation == "validated":
            letter = record_letter(org["id"], [shadow_id])
            _step("validate", shadow_id, letter_ref=letter["id"])
        shadow = helpers.call_action("package_show", id=shadow_id)
        out[situation] = {"main": main, "revision": rev, "shadow": shadow, "new": new,
                          "copies": [r["id"] for r in shadow["resources"]
                                     if r["id"] != new["id"]]}
    return out


def revision_secrets(revisions: dict[str, dict[str, Any]]) -> dict[str, str]:
    out = {}
    for situation, r in revisions.items():
        what = f"revision {situation}"
        out.update({r["shadow"]["id"]: f"{what}: package id",
                    r["shadow"]["name"]: f"{what}: package name",
                    f"Revisiku {situation}": f"{what}: title",
                    f"rvs-tag-{situation}": f"{what}: tag",
                    "revisirahasia": "a revision's notes",
                    r["new"]["id"]: f"{what}: new resource id",
                    f"berkas-revisi-{situation}": f"{what}: new resource name",
                    r["revision"]["id"]: f"{what}: revision id"})
        out.update({c: f"{what}: copied resource id" for c in r["copies"]})
    return out


def revision_route_probes(revisions: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """URLs naming each revision (its package, its resources) and its published dataset,
    for routes that exist for any dataset; the revision pages add their own."""
    probes: dict[str, list[str]] = {"/dataset/<id>": [], "/dataset/<id>/resource/<resource_id>": [],
                                    "/dataset/<id>/resource/<resource_id>/download": []}
    for r in revisions.values():
        shadow, main = r["shadow"], r["main"]
        probes["/dataset/<id>"] += [f"/dataset/{shadow['name']}", f"/dataset/{shadow['id']}",
                                    f"/dataset/{main['name']}"]
        for rid in [r["new"]["id"], *r["copies"]]:
            probes["/dataset/<id>/resource/<resource_id>"].append(
                f"/dataset/{shadow['id']}/resource/{rid}")
            probes["/dataset/<id>/resource/<resource_id>/download"].append(
                f"/dataset/{shadow['id']}/resource/{rid}/download")
    published = [(r["main"]["name"], r["shadow"]["id"]) for r in revisions.values()]
    probes["/satudata/revisi/<revision_id>"] = [
        f"/satudata/revisi/{r['revision']['id']}" for r in revisions.values()] + [
        f"/satudata/revisi/{r['shadow']['name']}" for r in revisions.values()]
    probes["/dataset/<id>/versi"] = [f"/dataset/{name}/versi" for name, _ in published] + [
        f"/dataset/{shadow}/versi" for _, shadow in published]
    probes["/dataset/<id>/versi/<int:number>/resource/<resource_id>"] = [
        f"/dataset/{r['main']['name']}/versi/{n}/resource/{rid}" for r in revisions.values()
        for n in (1, 2) for rid in [r["new"]["id"], *r["copies"]]]
    return probes


def revision_action_probes(revisions: dict[str, dict[str, Any]]) -> dict[str, list[dict]]:
    """Parameters naming each revision for the actions that take a dataset or a revision."""
    shadows = [{"id": r["shadow"][key]} for r in revisions.values() for key in ("id", "name")]
    mains = [{"id": r["main"]["id"]} for r in revisions.values()]
    revs = [{"id": r["revision"]["id"]} for r in revisions.values()]
    return {
        "package_show": shadows, "satudata_dataset_status_show": shadows,
        "satudata_dataset_history": shadows + mains,
        "resource_show": [{"id": r["new"]["id"]} for r in revisions.values()],
        "satudata_revision_start": mains,
        "satudata_revision_discard": revs + shadows,
        "satudata_revision_show": revs + shadows,
        "satudata_revision_list": mains,
        "satudata_revision_diff": revs,
        "satudata_version_list": mains,
        "satudata_version_show": [dict(m, version=1) for m in mains],
        "package_activity_list": shadows + mains,
    }


def merge(probes: dict[str, list], more: dict[str, list]) -> None:
    for key, values in more.items():
        probes.setdefault(key, []).extend(values)
