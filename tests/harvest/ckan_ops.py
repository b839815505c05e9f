"""Operations on a real CKAN site, run as a subprocess with that site's ini (slow tests).

    python ckan_ops.py --config demo.ini seed
    python ckan_ops.py --config demo.ini publish-probe NAME
    python ckan_ops.py --config demo.ini edit-republish NAME NEW_TITLE
    python ckan_ops.py --config demo.ini withdraw NAME
    python ckan_ops.py --config demo.ini revise NAME NEW_TITLE
    python ckan_ops.py --config mirror.ini harvest-source NAME URL TYPE
    python ckan_ops.py --config mirror.ini harvested SOURCE_NAME

Lifecycle steps go through the real actions (``harvest_support``): the datasets have complete
metadata and an uploaded CSV that passes its check, and a real validation letter validates
them. Prints one JSON document on stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # harvest_support, and the sop_support it uses


def _seed() -> dict[str, Any]:
    """One OPD, one sector and datasets in every state a harvester meets (idempotent)."""
    from ckanapi import LocalCKAN

    from harvest_support import COMPLETE, upload_csv, walk, withdraw

    site = LocalCKAN()
    for action, name, title in (("organization", "dinkes", "Dinas Kesehatan"),
                                ("group", "kesehatan", "Kesehatan")):
        try:
            site.call_action(f"{action}_show", {"id": name})
        except Exception:  # noqa: BLE001 - first run
            site.call_action(f"{action}_create", {"name": name, "title": title})
    states = {"terbit-satu": "published", "terbit-dua": "published", "masih-draf": "draft",
              "sudah-validasi": "validated", "pernah-terbit": "withdrawn"}
    for name, state in states.items():
        pkg = site.call_action("package_create", dict(
            COMPLETE, name=name, title=name.replace("-", " ").title(), owner_org="dinkes"))
        upload_csv(pkg["id"], f"{name}.csv")
        if state != "draft":
            walk(pkg["id"], "published" if state == "withdrawn" else state)
        if state == "withdrawn":
            withdraw(pkg["id"])
    return {"published": [n for n, s in states.items() if s == "published"],
            "hidden": [n for n, s in states.items() if s != "published"]}


def _publish(name: str) -> dict[str, Any]:
    from ckanapi import LocalCKAN

    from harvest_support import COMPLETE, SDI_FIELDS, upload_csv, walk

    site = LocalCKAN()
    data = dict(COMPLETE, **SDI_FIELDS, name=name, title=f"Uji panen {name}",
                owner_org="dinkes", notes="Dataset uji harvester.", tags=[{"name": "uji"}],
                groups=[{"name": "kesehatan"}])
    pkg = site.call_action("package_create", data)
    upload_csv(pkg["id"], "uji.csv", name="Uji")
    walk(pkg["id"])
    return site.call_action("package_show", {"id": pkg["id"]})


def _edit_republish(name: str, title: str) -> dict[str, Any]:
    from ckanapi import LocalCKAN

    from harvest_support import walk, withdraw

    site = LocalCKAN()
    pkg = site.call_action("package_show", {"id": name})
    withdraw(pkg["id"], reason="koreksi judul")
    site.call_action("package_patch", {"id": pkg["id"], "title": title})
    walk(pkg["id"])
    return site.call_action("package_show", {"id": pkg["id"]})


def _revise(name: str, title: str) -> dict[str, Any]:
    """A published dataset updated through a revision (docs/revisions.md): new title and next
    month's file, reviewed, validated with a letter and published over the dataset."""
    from ckanapi import LocalCKAN

    from harvest_support import upload_csv
    from sop_support import record_letter

    site = LocalCKAN()
    pkg = site.call_action("package_show", {"id": name})
    rev = site.call_action("satudata_revision_start", {"id": pkg["id"]})
    shadow = rev["shadow_id"]
    site.call_action("package_patch", {"id": shadow, "title": title})
    upload_csv(shadow, "bulan-depan.csv", name="Bulan depan")
    for step in ("submit", "verify"):
        site.call_action(f"satudata_dataset_{step}", {"id": shadow})
    letter = record_letter(pkg["owner_org"], [shadow])
    site.call_action("satudata_dataset_validate", {"id": shadow, "letter_ref": letter["id"]})
    site.call_action("satudata_dataset_publish", {"id": shadow})
    return dict(site.call_action("package_show", {"id": pkg["id"]}), shadow_id=shadow,
                shadow_name=rev["shadow_name"])


def _withdraw(name: str) -> dict[str, Any]:
    from ckanapi import LocalCKAN

    from harvest_support import withdraw

    site = LocalCKAN()
    pkg = site.call_action("package_show", {"id": name})
    withdraw(pkg["id"], reason="ditarik untuk uji")
    return {"id": pkg["id"]}


def _harvest_source(name: str, url: str, source_type: str) -> dict[str, Any]:
    from ckanapi import LocalCKAN

    site = LocalCKAN()
    try:
        org = site.call_action("organization_show", {"id": "mirror"})
    except Exception:  # noqa: BLE001 - first run
        org = site.call_action("organization_create", {"name": "mirror", "title": "Mirror"})
    source = site.call_action("harvest_source_create", {
        "name": name, "title": name, "url": url, "source_type": source_type,
        "owner_org": org["id"], "frequency": "MANUAL"})
    return {"id": source["id"], "name": source["name"]}


def _harvested(source: str) -> list[dict[str, Any]]:
    """Datasets a harvest source holds now (its current harvest objects)."""
    import ckan.model as model
    from ckanext.harvest.model import HarvestObject, HarvestSource

    src = HarvestSource.get(source) or model.Session.query(HarvestSource).join(
        model.Package, model.Package.id == HarvestSource.id).filter(
        model.Package.name == source).one()
    rows = (model.Session.query(HarvestObject, model.Package)
            .join(model.Package, model.Package.id == HarvestObject.package_id)
            .filter(HarvestObject.harvest_source_id == src.id,
                    HarvestObject.current.is_(True)).all())
    return [{"guid": o.guid, "id": p.id, "name": p.name, "title": p.title, "state": p.state}
            for o, p in rows]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("command")
    parser.add_argument("args", nargs="*")
    ns = parser.parse_args()
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(ns.config))
    commands = {"seed": _seed, "publish-probe": _publish, "edit-republish": _edit_republish,
                "withdraw": _withdraw, "revise": _revise, "harvest-source": _harvest_source,
                "harvested": _harvested}
    with app._wsgi_app.test_request_context():
        result = commands[ns.command](*ns.args)
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
