"""One clock: every page, action and the annual report give the same due date and verdict.

One dataset of OPD A is walked through the real actions and gates at frozen WIB moments:
submitted Monday 11 May 2026, returned Wednesday 13 May, resubmitted Monday 18 May (the
return spans Kenaikan Yesus Kristus on 14 May and its *cuti bersama* on 15 May), verified
just after midnight WIB on Friday 22 May (still Thursday in UTC), validated on Wednesday
3 June. At each moment the Walidata queue (action and page), the dataset status, the
deadline lists of the Walidata, the Pembina Data and the OPD, the Pembina overview (as the
Pembina and as the Walidata), Dataset Saya, the deadline page and the dataset page's panel
are read; all of them must show the due date computed by hand below. The annual report's
verdict on each finished step must match the last due date shown before it finished.

Statements: the Daftar Data 2026 is agreed on Monday 11 May, so statements are due on
Wednesday 20 May. OPD A's is received at 23:30 WIB on 20 May (on time), OPD B's at 00:30 WIB
on 21 May (late, although it is still 20 May in UTC).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator, Optional

import pytest
from bs4 import BeautifulSoup
from freezegun import freeze_time

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.satudata_blitar import lifecycle, workdays

from sop_support import COMPLETE, NIP, make_pdf, record_letter, upload

D = dt.date
WIB = dt.timezone(dt.timedelta(hours=7))

# -- the SOP rule by hand ------------------------------------------------------------------------
#: days off on weekdays in May and June 2026 (Keppres/SKB libur nasional dan cuti bersama 2026)
DAYS_OFF_2026 = {
    D(2026, 5, 1): "Hari Buruh Internasional",
    D(2026, 5, 14): "Kenaikan Yesus Kristus",
    D(2026, 5, 15): "Cuti Bersama Kenaikan Yesus Kristus",
    D(2026, 5, 27): "Hari Raya Idul Adha",
    D(2026, 5, 28): "Cuti Bersama Hari Raya Idul Adha",
    D(2026, 6, 1): "Hari Lahir Pancasila",
    D(2026, 6, 16): "Tahun Baru Islam",
}


def _hand_working(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in DAYS_OFF_2026


def hand_due(start: dt.date, days: int, paused: tuple[dt.date, dt.date] | None = None) -> dt.date:
    """The SOP rule counted day by day: the ``days``-th working day after ``start`` on which
    the clock ran; while returned (after the return day up to and including the day of the
    new submission) it stands still."""
    day, used = start, 0
    while used < days:
        day += dt.timedelta(days=1)
        if paused and paused[0] < day <= paused[1]:
            continue
        used += _hand_working(day)
    return day


SUBMIT, RETURN, RESUBMIT = D(2026, 5, 11), D(2026, 5, 13), D(2026, 5, 18)
VERIFY, VALIDATE = D(2026, 5, 22), D(2026, 6, 3)
#: 12, 13, (14, 15 off), 18, 19, 20 May
DUE_FIRST = D(2026, 5, 20)
#: 12, 13 May ran; returned 13 → resubmitted 18 May: 19, 20, 21 May
DUE_AFTER_RETURN = D(2026, 5, 21)
#: 25, 26, (27, 28 off), 29 May, (1 June off), 2, 3 June
DUE_VALIDATION = D(2026, 6, 3)
#: statements: 5 working days after the agreement on 11 May
DUE_STATEMENT = D(2026, 5, 20)


def test_the_hand_count_of_the_sop_rule():
    assert hand_due(SUBMIT, 5) == DUE_FIRST
    assert hand_due(SUBMIT, 5, (RETURN, RESUBMIT)) == DUE_AFTER_RETURN
    assert hand_due(VERIFY, 5) == DUE_VALIDATION
    assert hand_due(SUBMIT, 5) == DUE_STATEMENT
    # the portal's calendar has the same days off in this span
    for day, name in DAYS_OFF_2026.items():
        assert not workdays.is_working_day(day), name
    for day in (SUBMIT, RETURN, RESUBMIT, VERIFY, VALIDATE, D(2026, 5, 29)):
        assert workdays.is_working_day(day)


# -- the world -------------------------------------------------------------------------------------
ORG_A, ORG_B = "dinas-waktu-a", "dinas-waktu-b"
DATASET = "penduduk-waktu"


def at(wib: str) -> Any:
    """Freeze time at a WIB moment (``YYYY-MM-DD HH:MM``)."""
    moment = dt.datetime.fromisoformat(wib).replace(tzinfo=WIB)
    return freeze_time(moment.astimezone(dt.timezone.utc).replace(tzinfo=None))


def act(user: str, action: str, **data: Any) -> Any:
    """Call an action as ``user``, through its auth function."""
    return tk.get_action(action)({"user": user, "ignore_auth": False}, data)


def issue_token(user: str) -> str:
    """An API token issued now (frozen). ``api_token_create`` stamps a token with the real
    clock (its column default is out of freezegun's reach) and PyJWT refuses a token issued
    after the frozen "now", so the token is made the same way with the frozen time."""
    from ckan.lib import api_token

    token = model.ApiToken(user_id=model.User.get(user).id, name="clock")
    token.created_at = dt.datetime.utcnow()
    model.Session.add(token)
    model.Session.commit()
    return api_token.encode({"jti": token.id, "iat": api_token.into_seconds(token.created_at)})


def _soup(app: Any, world: dict[str, Any], role: str, url: str) -> BeautifulSoup:
    response = app.get(url, headers={"Authorization": world["tokens"][role]},
                       follow_redirects=False)
    assert response.status_code == 200, (url, role, response.status_code)
    return BeautifulSoup(response.body, "html.parser")


def _attrs(tag: Any) -> Optional[tuple[Optional[str], bool]]:
    if tag is None:
        return None
    return tag.get("data-due") or None, tag.get("data-overdue") == "true"


def _action_entry(items: list[dict[str, Any]], key: str = "deadline"):
    for item in items:
        if item.get("name") == DATASET:
            return item.get(key), bool(item.get("overdue"))
    return None


def observe(app: Any, world: dict[str, Any]) -> dict[str, Any]:
    """What every surface says about the dataset's running step now: ``(due, overdue)``, or
    ``None`` when the dataset is not listed there."""
    u = world["users"]
    seen: dict[str, Any] = {}
    seen["queue_list walidata"] = _action_entry(act(u["walidata"], "satudata_queue_list"))
    seen["queue_list opd"] = _action_entry(act(u["opd_editor"], "satudata_queue_list"))
    for role in ("walidata", "opd_editor", "pembina"):
        status = act(u[role], "satudata_dataset_status_show", id=DATASET)
        seen[f"status_show {role}"] = status["deadline"], status["overdue"]
    for role in ("walidata", "pembina", "opd_editor", "sekretariat"):
        seen[f"deadline_list {role}"] = _action_entry(
            act(u[role], "satudata_deadline_list"), "due")
    seen["deadline_list all walidata"] = _action_entry(
        act(u["walidata"], "satudata_deadline_list", all=True), "due")

    queue = _soup(app, world, "walidata", "/satudata/antrean")
    seen["queue page"] = _attrs(queue.select_one(f'tr[data-dataset="{DATASET}"]'))
    alert = queue.select_one("div.alert[data-overdue-count]")
    seen["queue page overdue count"] = int(alert["data-overdue-count"]) if alert else 0
    for role in ("pembina", "walidata"):
        page = _soup(app, world, role, "/satudata/pembina")
        seen[f"pembina page {role}"] = _attrs(page.select_one(
            f'table.satudata-deadlines tr[data-dataset="{DATASET}"]'))
        seen[f"pembina page {role} overdue by OPD"] = {
            row["data-opd"]: int(row["data-overdue-count"])
            for row in page.select("table.satudata-overview tr[data-opd]")}
    mine = _soup(app, world, "opd_editor", "/satudata/dataset-saya")
    seen["dataset-saya page"] = _attrs(mine.select_one(
        f'li[data-dataset="{DATASET}"] .satudata-deadline'))
    for role in ("pembina", "opd_editor"):
        page = _soup(app, world, role, "/satudata/deadlines")
        seen[f"deadlines page {role}"] = _attrs(
            page.select_one(f'tr[data-dataset="{DATASET}"]'))
    panel = _soup(app, world, "walidata", f"/dataset/{DATASET}")
    seen["dataset page panel"] = _attrs(panel.select_one(".satudata-panel .satudata-deadline"))
    return seen


#: which surfaces list the dataset while each step runs (the others must not list it)
WALIDATA_STEP = {"queue_list walidata", "deadline_list walidata", "queue page"}
OPD_STEP = {"queue_list opd", "deadline_list opd_editor", "dataset-saya page",
            "deadlines page opd_editor"}
EVERY_STEP = {"status_show walidata", "status_show opd_editor", "status_show pembina",
              "deadline_list pembina", "deadline_list all walidata", "pembina page pembina",
              "pembina page walidata", "deadlines page pembina", "dataset page panel"}
STEP_SURFACES = {"verification": EVERY_STEP | WALIDATA_STEP,
                 "validation": EVERY_STEP | OPD_STEP}
LISTS = sorted(WALIDATA_STEP | OPD_STEP | EVERY_STEP | {"deadline_list sekretariat"})

#: moment → (WIB time, running step, hand-computed due date, overdue)
MOMENTS: dict[str, tuple[str, str, dt.date, bool]] = {
    "submitted": ("2026-05-12 10:00", "verification", DUE_FIRST, False),
    "resubmitted": ("2026-05-18 11:00", "verification", DUE_AFTER_RETURN, False),
    "last day": ("2026-05-21 23:00", "verification", DUE_AFTER_RETURN, False),
    "overdue": ("2026-05-22 00:10", "verification", DUE_AFTER_RETURN, True),
    "verified": ("2026-05-25 10:00", "validation", DUE_VALIDATION, False),
    "validation last day": ("2026-06-03 09:00", "validation", DUE_VALIDATION, False),
}


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for) -> Iterator[dict[str, Any]]:
    """The walk above, with every surface observed at each moment (pages through the app)."""
    import ckan.plugins

    ckan.plugins.load_all()
    reset_db()
    for plugin in ("activity", "satudata_blitar", "satudata_search"):
        migrate_db_for(plugin)
    app = helpers._get_test_app()
    mp = pytest.MonkeyPatch()
    # the real submit gate (test.ini switches it off for suites that do not build metadata)
    mp.setitem(tk.config, "ckanext.satudata_blitar.submit_checks", True)
    try:
        yield _walk(app)
    finally:
        mp.undo()
        ckan.plugins.unload_non_system_plugins()


def _walk(app: Any) -> dict[str, Any]:
    world: dict[str, Any] = {"seen": {}}
    with at("2026-05-04 09:00"):  # tokens are issued before every moment they are used at
        made = {role: factories.User(name=f"clock_{role}") for role in (
            "walidata", "pembina", "sekretariat", "opd_editor", "opd_admin", "opd_b_admin")}
        world["users"] = {role: u["name"] for role, u in made.items()}
        world["tokens"] = {role: issue_token(u["name"]) for role, u in made.items()}
        u = world["users"]
        for role in lifecycle.PORTAL_ROLES:
            helpers.call_action("satudata_role_assign", user=u[role], role=role)
        org_a = factories.Organization(name=ORG_A, title="Dinas Waktu A", users=[
            {"name": u["opd_editor"], "capacity": "editor"},
            {"name": u["opd_admin"], "capacity": "admin"}])
        org_b = factories.Organization(name=ORG_B, title="Dinas Waktu B", users=[
            {"name": u["opd_b_admin"], "capacity": "admin"}])
        world["orgs"] = {"a": org_a, "b": org_b}

        def item(code: str, org: str) -> dict[str, Any]:
            return {"code": code, "name": f"Data {code}", "owner_org": org,
                    "frequency": "tahunan", "data_type": "statistik", "data_standard": "",
                    "unit": "orang", "priority": "ya", "notes": ""}

        dd = act(u["sekretariat"], "satudata_daftar_data_create", year=2026,
                 items=[item("A1", ORG_A), item("B1", ORG_B)])
        pkg = act(u["opd_editor"], "package_create", name=DATASET,
                  title="Jumlah Penduduk (uji jam)", owner_org=org_a["id"], **COMPLETE)
        world["package_id"] = pkg["id"]
    with at("2026-05-11 10:00"):
        act(u["sekretariat"], "satudata_daftar_data_agree", id=dd["id"],
            agreed_date="2026-05-11", minute_number="BA/05/Forum-SD/2026")

    def snapshot(name: str) -> None:
        with at(MOMENTS[name][0]):
            world["seen"][name] = observe(app, world)

    with at("2026-05-11 09:00"):
        act(u["opd_editor"], "satudata_dataset_submit", id=DATASET)
    snapshot("submitted")
    with at("2026-05-13 14:00"):
        act(u["walidata"], "satudata_dataset_return", id=DATASET,
            reason_category="metadata_tidak_lengkap", reason="Definisi belum lengkap.")
    with at("2026-05-14 10:00"):  # a holiday, while the dataset is with its OPD
        world["seen"]["returned"] = observe(app, world)
    with at("2026-05-18 09:00"):
        act(u["opd_editor"], "satudata_dataset_submit", id=DATASET)
    snapshot("resubmitted")

    def statement(org: str, admin: str, number: str) -> dict[str, Any]:
        return act(u[admin], "satudata_statement_create", year=2026, owner_org=org,
                   number=number, letter_date="2026-05-20", signatory_name="Kepala Dinas",
                   signatory_nip=NIP, signatory_position="Kepala Dinas", signatory_acting="",
                   items=[{"code": "A1" if org == ORG_A else "B1", "available": "ya"}],
                   upload=upload(make_pdf("Surat pernyataan")))

    with at("2026-05-20 23:30"):  # 16:30 UTC: received on the due date
        world["statement_a"] = statement(ORG_A, "opd_admin", "400/1/410.201/2026")
    with at("2026-05-21 00:30"):  # 20 May 17:30 UTC, but 21 May in Blitar: a working day late
        world["statement_b"] = statement(ORG_B, "opd_b_admin", "400/2/410.202/2026")
    snapshot("last day")
    snapshot("overdue")
    with at("2026-05-22 00:30"):  # 21 May 17:30 UTC
        act(u["walidata"], "satudata_dataset_verify", id=DATASET)
    snapshot("verified")
    snapshot("validation last day")
    with at("2026-06-03 15:00"):
        letter = record_letter(org_a["id"], [world["package_id"]],
                               context={"user": u["opd_admin"], "ignore_auth": False},
                               letter_date="2026-06-03")
        act(u["opd_admin"], "satudata_dataset_validate", id=DATASET, letter_ref=letter["id"])
    with at("2026-06-04 10:00"):
        world["report"] = act(u["sekretariat"], "satudata_report_annual", year=2026)
        for key in ("statement_a", "statement_b"):
            world[key + " shown"] = act(u["sekretariat"], "satudata_statement_show",
                                        id=world[key]["id"])
        world["statements page"] = _soup(app, world, "sekretariat", "/satudata/statements")
        world["statement pages"] = {key: _soup(app, world, "opd_admin" if key == "statement_a"
                                               else "opd_b_admin",
                                               f"/satudata/statements/{world[key]['id']}")
                                    for key in ("statement_a", "statement_b")}
    return world


# -- one due date and one verdict on every surface ------------------------------------------------
@pytest.mark.parametrize("moment", sorted(MOMENTS))
def test_every_surface_shows_the_hand_computed_due_date(world, moment):
    _, step, due, overdue = MOMENTS[moment]
    seen = world["seen"][moment]
    expected = {name: ((due.isoformat(), overdue) if name in STEP_SURFACES[step] else None)
                for name in LISTS}
    assert {name: seen[name] for name in LISTS} == expected


@pytest.mark.parametrize("moment", sorted(MOMENTS))
def test_overdue_counts_agree_between_the_queue_and_the_pembina_overview(world, moment):
    _, step, _, overdue = MOMENTS[moment]
    seen = world["seen"][moment]
    by_opd = {ORG_A: int(overdue), ORG_B: 0}
    # the overview is the same whoever of the SOP roles reads it
    assert seen["pembina page pembina overdue by OPD"] == by_opd
    assert seen["pembina page walidata overdue by OPD"] == by_opd
    assert seen["queue page overdue count"] == (int(overdue) if step == "verification" else 0)


def test_while_returned_no_surface_shows_a_due_date(world):
    seen = world["seen"]["returned"]
    assert {name: seen[name] for name in LISTS if seen[name] is not None} == {
        # the OPD's lists show the returned dataset, with nothing due
        "deadline_list pembina": (None, False),
        "deadline_list all walidata": (None, False),
        "pembina page pembina": (None, False),
        "pembina page walidata": (None, False),
        "deadlines page pembina": (None, False),
        "deadline_list opd_editor": (None, False),
        "deadlines page opd_editor": (None, False),
        "queue_list opd": (None, False),
        "status_show walidata": (None, False),
        "status_show opd_editor": (None, False),
        "status_show pembina": (None, False),
    }


def test_the_overdue_flag_turns_at_midnight_wib_not_utc(world):
    # 23:00 WIB on the due date: on time; 00:10 WIB the next day (still the due date in UTC)
    assert world["seen"]["last day"]["status_show walidata"] == ("2026-05-21", False)
    assert world["seen"]["overdue"]["status_show walidata"] == ("2026-05-21", True)


def test_the_report_judges_each_step_by_the_due_date_the_pages_showed(world):
    timing = world["report"]["timing"]
    shown_before_verify = world["seen"]["overdue"]["queue page"][0]
    shown_before_validate = world["seen"]["validation last day"]["dataset-saya page"][0]
    assert shown_before_verify == DUE_AFTER_RETURN.isoformat()
    assert shown_before_validate == DUE_VALIDATION.isoformat()
    # verified on 22 May WIB after the due date 21 May: late; 6 working days while the clock
    # ran (12, 13, 19, 20, 21, 22 May)
    assert workdays.on_time(VERIFY, D.fromisoformat(shown_before_verify)) is False
    assert timing["review"] == dict(timing["review"], count=1, standard_days=5,
                                    within_standard=0, median=6)
    # validated on its due date: on time, 5 working days (25, 26, 29 May, 2, 3 June)
    assert workdays.on_time(VALIDATE, D.fromisoformat(shown_before_validate)) is True
    assert timing["validation"] == dict(timing["validation"], count=1, standard_days=5,
                                        within_standard=1, median=5)


# -- statements --------------------------------------------------------------------------------
STATEMENTS = {"statement_a": (ORG_A, "2026-05-20", True), "statement_b": (ORG_B, "2026-05-21", False)}


@pytest.mark.parametrize("key", sorted(STATEMENTS))
def test_statement_verdict_is_the_same_on_its_pages_and_in_the_report(world, key):
    org, filed, on_time = STATEMENTS[key]
    due = DUE_STATEMENT.isoformat()
    for shown in (world[key], world[key + " shown"]):  # create's answer and statement_show
        assert (shown["filed"], shown["deadline"], shown["on_time"]) == (filed, due, on_time)
    row = world["statements page"].select_one(f'tr[data-statement="{world[key]["id"]}"]')
    assert (row["data-opd"], row["data-filed"], row["data-due"], row["data-on-time"]) == (
        org, filed, due, "true" if on_time else "false")
    verdict = world["statement pages"][key].select_one(".satudata-statement-verdict")
    assert (verdict["data-filed"], verdict["data-due"], verdict["data-on-time"]) == (
        filed, due, "true" if on_time else "false")
    reported = {o["name"]: o["statement"] for o in world["report"]["opds"]}[org]
    assert (reported["filed"], reported["due"], reported["status"]) == (
        filed, due, "on_time" if on_time else "late")


# -- who sees every OPD's deadlines -------------------------------------------------------------
@pytest.mark.parametrize("role, allowed", [
    ("walidata", True), ("pembina", True), ("sekretariat", True),
    ("opd_editor", False), ("opd_admin", False),
])
def test_every_opds_deadlines_only_for_the_sop_roles(world, role, allowed):
    context = {"user": world["users"][role], "model": model}
    if allowed:
        assert helpers.call_auth("satudata_deadline_list", context, all=True)
    else:
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth("satudata_deadline_list", context, all=True)
    assert helpers.call_auth("satudata_deadline_list", dict(context))
