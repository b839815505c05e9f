"""What a request reads once: the lifecycle state and the user's permission labels (kept in
the request until it writes), and the header's count of new activities (Redis, per user)."""
from __future__ import annotations

from typing import Any

import flask
import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.satudata_blitar import activity_counter, lifecycle
from ckanext.satudata_blitar import permissions, request_memo

from lifecycle_support import fresh_world, make_dataset, transition_params


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for):
    yield from fresh_world(reset_db, migrate_db_for)


class Statements:
    """SQL statements sent while it listens, those naming ``table`` only."""

    def __init__(self, table: str) -> None:
        self.table, self.seen = table, []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        if self.table in statement:
            self.seen.append(statement)

    def __enter__(self) -> "Statements":
        sa.event.listen(model.meta.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc: Any) -> None:
        sa.event.remove(model.meta.engine, "before_cursor_execute", self)


def test_state_read_once_per_request_and_again_after_a_write(world, app):
    ds = make_dataset(world)
    pkg = model.Package.get(ds["id"])
    with app.flask_app.test_request_context():
        with Statements("satudata_blitar_dataset_status") as sql:
            assert [lifecycle.get_state(pkg) for _ in range(3)] == ["draft"] * 3
            assert len(sql.seen) == 1
            helpers.call_action("satudata_dataset_submit",
                                {"user": world["users"]["opd_editor"]["name"]}, id=ds["id"])
            sql.seen.clear()
            assert lifecycle.get_state(pkg) == "submitted"  # the write emptied the memo
            assert len(sql.seen) == 1
    with app.flask_app.test_request_context():  # a new request reads again
        with Statements("satudata_blitar_dataset_status") as sql:
            assert lifecycle.get_state(pkg) == "submitted"
            assert len(sql.seen) == 1
    # outside a request (jobs, CLI) nothing is kept
    assert not flask.has_request_context()
    helpers.call_action("satudata_dataset_return", {"user": world["users"]["walidata"]["name"]},
                        id=ds["id"], **transition_params("return"))
    assert lifecycle.get_state(pkg) == "draft"


def test_a_rollback_forgets_what_the_request_read(world, app):
    ds = make_dataset(world)
    pkg = model.Package.get(ds["id"])
    with app.flask_app.test_request_context():
        assert lifecycle.get_state(pkg) == "draft"
        assert request_memo.memo("lifecycle_states")
        model.Session.rollback()
        assert request_memo.memo("lifecycle_states") == {}


def test_user_labels_read_once_per_request_and_after_membership_changes(world, app):
    user = model.User.get(world["users"]["other_opd"]["name"])
    with app.flask_app.test_request_context():
        first = permissions.user_labels(user)
        with Statements("member") as sql:
            assert permissions.user_labels(user) == first
            assert not sql.seen
        helpers.call_action("organization_member_create", id=world["org_a"]["id"],
                            username=user.name, role="member")
        assert f"member-{world['org_a']['id']}" in permissions.user_labels(user)
        assert f"member-{world['org_a']['id']}" not in first


def test_new_activities_cached_per_user_and_fresh_on_the_dashboard(world, app):
    user = world["users"]["opd_editor"]
    key = activity_counter._key(model.User.get(user["name"]).id)
    redis = activity_counter._redis()
    redis.delete(key)
    headers = {"Authorization": user["token"]}
    app.get("/dataset/", headers=headers)
    real = int(redis.get(key))  # counted once, then kept
    redis.set(key, 99)
    page = app.get("/dataset/", headers=headers).body
    assert "99" in page.split("notifications", 1)[1][:600]  # the header shows the cache
    app.get("/dashboard/", headers=headers)  # the dashboard counts afresh
    assert int(redis.get(key)) == real == 0
    with app.flask_app.test_request_context("/"):
        assert tk.h.new_activities() is None  # nobody signed in
