"""Concurrent transitions on one dataset: exactly one wins, the others get a clean conflict.

The design runs several CKAN processes on several machines sharing PostgreSQL, so the main
race uses 20 *processes* (forked from the test process, each with its own database
connections and a barrier so that they start together); a thread race covers the
multi-threaded web-server case. Nothing is held in process memory: the row lock in
PostgreSQL is the only arbiter.
"""
from __future__ import annotations

import multiprocessing
import threading
from typing import Any

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.satudata_blitar.model import AuditEntry

from lifecycle_support import fresh_world, make_dataset, state_of

RACERS = 20


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for):
    yield from fresh_world(reset_db, migrate_db_for)


def _attempt(flask_app, user: str, action: str, data: dict[str, Any]) -> tuple[str, Any]:
    with flask_app.test_request_context():
        try:
            result = tk.get_action(action)({"user": user}, dict(data))
            return "ok", result["state"]
        except tk.ValidationError as error:
            return "conflict", error.error_dict
        except Exception as error:  # noqa: BLE001 - reported to the parent
            return "error", repr(error)
        finally:
            model.Session.remove()


def _process_main(flask_app, user, action, data, barrier, queue) -> None:
    # a forked child must never use the parent's connections
    model.Session.remove()
    model.meta.engine.dispose(close=False)
    barrier.wait(timeout=60)
    queue.put((action, *_attempt(flask_app, user, action, data)))


def _race_processes(app, attempts: list[tuple[str, str, dict[str, Any]]]) -> list[tuple]:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(len(attempts))
    queue = ctx.Queue()
    model.Session.remove()
    procs = [ctx.Process(target=_process_main,
                         args=(app.flask_app, user, action, data, barrier, queue))
             for user, action, data in attempts]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    return results


def _race_threads(app, attempts: list[tuple[str, str, dict[str, Any]]]) -> list[tuple]:
    barrier = threading.Barrier(len(attempts))
    results: list[tuple] = []
    lock = threading.Lock()

    def run(user, action, data):
        barrier.wait(timeout=60)
        outcome = _attempt(app.flask_app, user, action, data)
        with lock:
            results.append((action, *outcome))

    threads = [threading.Thread(target=run, args=attempt) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _audit(package_id: str) -> list[AuditEntry]:
    model.Session.expire_all()
    return (model.Session.query(AuditEntry).filter_by(package_id=package_id)
            .order_by(AuditEntry.timestamp).all())


def _check_one_winner(results, package_id, expected_states):
    assert len(results) == RACERS
    errors = [r for r in results if r[1] == "error"]
    assert not errors, errors
    winners = [r for r in results if r[1] == "ok"]
    losers = [r for r in results if r[1] == "conflict"]
    assert len(winners) == 1, results
    assert len(losers) == RACERS - 1
    for _action, _kind, error in losers:
        assert set(error) <= {"state", "reason", "reason_category"}
        assert "state" in error
    action, _kind, state = winners[0]
    assert state_of(package_id) == state == expected_states[action]
    return action


def test_twenty_processes_verify_the_same_dataset(app, world):
    dataset = make_dataset(world, "submitted")
    before = len(_audit(dataset["id"]))
    walidata = world["users"]["walidata"]["name"]
    results = _race_processes(
        app, [(walidata, "satudata_dataset_verify", {"id": dataset["id"]})] * RACERS)
    _check_one_winner(results, dataset["id"], {"satudata_dataset_verify": "verified"})
    rows = _audit(dataset["id"])
    assert len(rows) == before + 1
    assert rows[-1].transition == "verify" and rows[-1].from_state == "submitted"


def test_twenty_processes_with_conflicting_transitions(app, world):
    """Publish (Walidata and a sysadmin) and return race on one validated dataset.

    Neither outcome allows the other afterwards (published cannot be returned, a draft cannot
    be published), so exactly one of the twenty may succeed.
    """
    dataset = make_dataset(world, "validated")
    before = len(_audit(dataset["id"]))
    walidata = world["users"]["walidata"]["name"]
    sysadmin = world["users"]["sysadmin"]["name"]
    attempts = []
    for i in range(RACERS):
        if i % 3 == 0:
            attempts.append((walidata, "satudata_dataset_return", {
                "id": dataset["id"], "reason_category": "lainnya", "reason": f"balapan {i}"}))
        else:
            attempts.append((walidata if i % 2 else sysadmin, "satudata_dataset_publish",
                             {"id": dataset["id"]}))
    results = _race_processes(app, attempts)
    winner = _check_one_winner(results, dataset["id"], {
        "satudata_dataset_publish": "published", "satudata_dataset_return": "draft"})
    rows = _audit(dataset["id"])
    assert len(rows) == before + 1
    assert rows[-1].transition == {"satudata_dataset_publish": "publish",
                                   "satudata_dataset_return": "return"}[winner]
    model.Session.expire_all()
    assert model.Package.get(dataset["id"]).private is (winner == "satudata_dataset_return")


def test_twenty_processes_publish_once(app, world):
    """Publishing flips ``private`` exactly once, with exactly one audit row."""
    dataset = make_dataset(world, "validated")
    walidata = world["users"]["walidata"]["name"]
    results = _race_processes(
        app, [(walidata, "satudata_dataset_publish", {"id": dataset["id"]})] * RACERS)
    _check_one_winner(results, dataset["id"], {"satudata_dataset_publish": "published"})
    assert [r.transition for r in _audit(dataset["id"])].count("publish") == 1
    model.Session.expire_all()
    assert model.Package.get(dataset["id"]).private is False


def test_twenty_threads_verify_the_same_dataset(app, world):
    dataset = make_dataset(world, "submitted")
    walidata = world["users"]["walidata"]["name"]
    model.Session.remove()
    results = _race_threads(
        app, [(walidata, "satudata_dataset_verify", {"id": dataset["id"]})] * RACERS)
    _check_one_winner(results, dataset["id"], {"satudata_dataset_verify": "verified"})
    assert [r.transition for r in _audit(dataset["id"])].count("verify") == 1


def test_sequential_second_transition_gets_the_conflict_message(app, world):
    dataset = make_dataset(world, "submitted")
    walidata = world["users"]["walidata"]["name"]
    helpers.call_action("satudata_dataset_verify", context={"user": walidata}, id=dataset["id"])
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("satudata_dataset_verify", context={"user": walidata},
                            id=dataset["id"])
    assert dataset["name"] in err.value.error_dict["state"][0]
