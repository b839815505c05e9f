"""Concurrent record writes from several processes: the database decides, nothing half-saved.

Forked processes (own database connections, started together by a barrier) stand for several
CKAN web processes on several machines.
"""
from __future__ import annotations

import multiprocessing
import os
from typing import Any

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.satudata_blitar import lifecycle

from . import support
from sop_support import make_pdf, upload

RACERS = 8

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]


def _child(flask_app, action: str, data: dict[str, Any], barrier, queue) -> None:
    model.Session.remove()
    model.meta.engine.dispose(close=False)
    barrier.wait(timeout=60)
    with flask_app.test_request_context():
        try:
            tk.get_action(action)({"ignore_auth": True, "user": ""}, dict(data))
            queue.put(("ok", None))
        except tk.ValidationError as error:
            queue.put(("refused", sorted(error.error_dict)))
        except Exception as error:  # noqa: BLE001 - reported to the parent
            queue.put(("error", repr(error)))
        finally:
            model.Session.remove()


def _race(app, action: str, make_data) -> list[tuple[str, Any]]:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(RACERS)
    queue = ctx.Queue()
    model.Session.remove()
    procs = [ctx.Process(target=_child, args=(app.flask_app, action, make_data(), barrier,
                                              queue)) for _ in range(RACERS)]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    return results


def _files() -> int:
    root = os.path.join(tk.config["ckan.storage_path"], "resources")
    return sum(len(f) for _, _, f in os.walk(root)) if os.path.isdir(root) else 0


def test_same_letter_number_from_many_processes(app):
    world = support.make_world()
    pkg = support.dataset(world, lifecycle.VERIFIED)
    files = _files()

    def data():
        return {"owner_org": world["org_a"]["id"], "number": "000.5/77/410.111/2026",
                "letter_date": "2026-11-02", "subject": "Validasi",
                "signatory_name": "A", "signatory_nip": support.NIP,
                "signatory_position": "Kepala Dinas", "datasets": [pkg["id"]],
                "upload": upload(make_pdf())}

    results = _race(app, "satudata_validation_letter_create", data)
    assert not [r for r in results if r[0] == "error"], results
    assert [r[0] for r in results].count("ok") == 1
    assert all(r[1] == ["number"] for r in results if r[0] == "refused")
    model.Session.expire_all()
    assert support.count("satudata_blitar_letter") == 1
    assert _files() == files + 1  # the losers removed the PDFs they had stored


def test_same_year_daftar_data_from_many_processes(app):
    support.make_world()
    results = _race(app, "satudata_daftar_data_create", lambda: {
        "year": 2026, "items": [support.item_row("DD-1", "dinas-kesehatan")]})
    assert not [r for r in results if r[0] == "error"], results
    assert [r[0] for r in results].count("ok") == 1
    assert support.count("satudata_blitar_daftar_data") == 1
    assert support.count("satudata_blitar_daftar_data_item") == 1
    helpers.call_action("satudata_daftar_data_list", year=2026)
