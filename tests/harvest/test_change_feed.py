"""The public change feed: published, updated, withdrawn events with public facts only."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ckan.tests import helpers

from harvest_support import walk, withdraw

pytestmark = pytest.mark.usefixtures("with_plugins")

ATOM = "{http://www.w3.org/2005/Atom}"


def _events(app, **params) -> list[dict]:
    body = app.get("/api/3/action/satudata_change_feed", query_string=params).json
    assert body["success"], body
    return body["result"]["events"]


def test_feed_lists_public_events_in_order(app, harvest_world):
    events = _events(app)
    kinds = [(e["event"], e["dataset_id"]) for e in events]
    pub, wd = harvest_world["published"]["id"], harvest_world["withdrawn"]["id"]
    assert kinds == [("published", pub), ("published", wd), ("withdrawn", wd)]
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)
    # never the unpublished ones, never internal facts (reason, actor, notes)
    text = str(events)
    for key in ("draft", "validated"):
        assert harvest_world[key]["id"] not in text
    for secret in ("RAHASIA-ALASAN-INTERNAL", "reason", "actor", "note", "system"):
        assert secret not in text
    withdrawn = events[-1]
    assert withdrawn["public_now"] is False and "title" not in withdrawn
    assert withdrawn["dataset_name"] == "ditarik-2024"
    assert withdrawn["uri"].endswith("/dataset/" + wd)
    assert events[0]["public_now"] and events[0]["title"] == harvest_world["published"]["title"]


def test_republication_is_an_update_with_the_same_id_and_uri(app, harvest_world):
    wd = harvest_world["withdrawn"]["id"]
    helpers.call_action("package_patch", context={"user": harvest_world["sysadmin"]["name"]},
                        id=wd, title="Ditarik 2024 (diperbaiki)")
    walk(wd)
    last = _events(app)[-1]
    assert (last["event"], last["dataset_id"]) == ("updated", wd)
    assert last["title"] == "Ditarik 2024 (diperbaiki)"
    assert last["uri"].endswith("/dataset/" + wd)


def test_paging_with_cursor_and_since(app, harvest_world):
    everything = _events(app)
    first = app.get("/api/3/action/satudata_change_feed", query_string={"limit": 2}).json
    assert [e["id"] for e in first["result"]["events"]] == [e["id"] for e in everything[:2]]
    assert first["result"]["complete"] is False
    rest = _events(app, cursor=first["result"]["next_cursor"], limit=2)
    assert [e["id"] for e in rest] == [e["id"] for e in everything[2:]]
    since = everything[-1]["timestamp"]
    assert [e["id"] for e in _events(app, since=since)] == [everything[-1]["id"]]
    assert [e["event"] for e in _events(app, event="withdrawn")] == ["withdrawn"]


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "x"}, {"since": "kemarin"},
                                    {"cursor": "nonsense"}, {"event": "returned"}])
def test_bad_parameters_fail_loudly(app, harvest_world, params):
    resp = app.get("/api/3/action/satudata_change_feed", query_string=params, status=409)
    assert not resp.json["success"]
    assert app.get("/satudata/changes.json", query_string=params).status_code == 400


def test_json_and_atom_endpoints(app, harvest_world):
    page = app.get("/satudata/changes.json?limit=2").json["result"]
    assert len(page["events"]) == 2 and "cursor=" in page["next"]
    resp = app.get("/satudata/changes.atom")
    assert resp.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(resp.get_data())
    entries = root.findall(f"{ATOM}entry")
    terms = [e.find(f"{ATOM}category").get("term") for e in entries]
    assert terms == ["published", "published", "withdrawn"]
    assert "RAHASIA" not in resp.get_data(as_text=True)
    withdrawn = entries[-1]
    assert harvest_world["withdrawn"]["id"] in withdrawn.find(f"{ATOM}content").text


def test_feed_is_side_effect_free_and_anonymous(app, harvest_world):
    from ckan.logic import get_action

    assert getattr(get_action("satudata_change_feed"), "side_effect_free", False)
    resp = app.post("/api/3/action/satudata_change_feed", json={"limit": 1})
    assert resp.json["success"]
    withdraw(harvest_world["published"]["id"])
    assert _events(app)[-1]["event"] == "withdrawn"
