"""Notifications through a real SMTP server (aiosmtpd) and real RQ jobs on the test Redis:
every hand-off tells exactly whom it must, nobody who may not see the dataset ever gets its
name, the digest and the escalation follow the working-day clock, preferences are honoured and
a failing SMTP server is retried without sending twice."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

import pytest
from freezegun import freeze_time

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.satudata_blitar.model.notify import MailLog, Notice
from ckanext.satudata_blitar.notify import digest, mail

from lifecycle_support import fresh_world
from sop_support import COMPLETE, NIP, make_pdf, record_letter, upload

from .conftest import run_jobs


@pytest.fixture(scope="module")
def world(reset_db, migrate_db_for, smtp) -> Iterator[dict[str, Any]]:
    for w in fresh_world(reset_db, migrate_db_for):
        users = w["users"]
        users["editor2"] = factories.User(name="lc_editor2")
        users["plain"] = factories.User(name="lc_plain")
        helpers.call_action("member_create", id=w["org_a"]["id"], object="lc_editor2",
                            object_type="user", capacity="editor")
        w["email"] = {role: model.User.get(u["name"]).email for role, u in users.items()}
        w["name"] = {role: u["name"] for role, u in users.items()}
        run_jobs()
        smtp.take()
        yield w


def _act(world: dict[str, Any], who: str, transition: str, package_id: str, **params: Any) -> None:
    helpers.call_action(f"satudata_dataset_{transition}", context={"user": world["name"][who]},
                        id=package_id, **params)


def _mail(smtp, world) -> dict[str, list[Any]]:
    """Run the queued jobs; the messages received, by the role of their recipient."""
    run_jobs()
    by_email = {e: role for role, e in world["email"].items()}
    out: dict[str, list[Any]] = {}
    for received in smtp.take():
        for to in received.to:
            out.setdefault(by_email.get(to, to), []).append(received)
    return out


def _dataset(world: dict[str, Any], title: str) -> dict[str, Any]:
    return factories.Dataset(owner_org=world["org_a"]["id"], user=world["users"]["opd_editor"],
                             title=title, **COMPLETE)


OPD_A = {"opd_editor", "opd_admin", "editor2"}


def test_every_hand_off_tells_exactly_who_acts_next(world, smtp):
    pkg = _dataset(world, "Jumlah Posyandu Aktif")
    title, link = pkg["title"], f"/dataset/{pkg['name']}"
    seen: list[Any] = []

    def step(who: str, transition: str, expected: set[str], **params: Any) -> dict[str, list]:
        _act(world, who, transition, pkg["id"], **params)
        got = _mail(smtp, world)
        assert set(got) == expected, transition
        for role, messages in got.items():
            assert len(messages) == 1, (transition, role)
            message = messages[0]
            assert title in message.subject and title in message.text
            assert "Dinas" in message.text or world["org_a"]["title"] in message.text
            seen.append(message)
        return got

    got = step("opd_editor", "submit", {"walidata"})
    text = got["walidata"][0].text
    assert link in text and "http://test.ckan.net" in text
    assert "Batas verifikasi" in text or "Verify by" in text  # the verification due date
    assert got["walidata"][0].html.startswith("<!DOCTYPE html>")
    assert f'href="http://test.ckan.net{link}"' in got["walidata"][0].html

    got = step("walidata", "return", {"opd_editor"}, reason_category="kode_wilayah_salah",
               reason="Kode kelurahan 35.72.01.1009 tidak ada.")
    assert "Kode kelurahan 35.72.01.1009 tidak ada." in got["opd_editor"][0].text
    assert "Kode wilayah salah" in got["opd_editor"][0].text  # the category, in Indonesian

    step("opd_editor", "submit", {"walidata"})
    got = step("walidata", "verify", {"opd_admin"})
    assert "/satudata/letters/new" in got["opd_admin"][0].text
    letter = record_letter(world["org_a"]["id"], [pkg["id"]])
    step("opd_admin", "validate", {"walidata"}, letter_ref=letter["id"])
    step("walidata", "publish", OPD_A)
    got = step("walidata", "withdraw", OPD_A, reason="Digantikan edisi baru.")
    assert "Digantikan edisi baru." in got["opd_editor"][0].text

    # nobody else got anything; and the in-portal notices match the mail
    notices = model.Session.query(Notice).filter(Notice.package_id == pkg["id"]).all()
    assert len(notices) == len(seen), [(n.event, model.User.get(n.user_id).name, n.mail) for n in notices]
    outsiders = {world["users"][r]["id"] for r in ("other_opd", "plain", "pembina", "sekretariat")}
    assert not [n for n in notices if n.user_id in outsiders]


def test_a_producer_who_left_the_opd_is_not_told_and_outsiders_never_are(world, smtp):
    pkg = _dataset(world, "Rahasia Draf Gizi Buruk")
    helpers.call_action("member_create", id=world["org_b"]["id"], object="lc_editor2",
                        object_type="user", capacity="editor")
    # editor2 of OPD A (also in OPD B) submits, then leaves OPD A
    helpers.call_action("satudata_dataset_submit", context={"user": "lc_editor2"}, id=pkg["id"])
    _mail(smtp, world)
    helpers.call_action("member_delete", id=world["org_a"]["id"], object="lc_editor2",
                        object_type="user")
    try:
        _act(world, "walidata", "return", pkg["id"], reason_category="lainnya", reason="Ulangi.")
        got = _mail(smtp, world)
        # the submitter may no longer see the draft: the OPD is told instead
        assert set(got) == {"opd_editor", "opd_admin"}
        everything = model.Session.query(Notice).filter(Notice.package_id == pkg["id"]).all()
        editor2 = world["users"]["editor2"]["id"]
        assert [n.event for n in everything if n.user_id == editor2] == []
    finally:
        helpers.call_action("member_create", id=world["org_a"]["id"], object="lc_editor2",
                            object_type="user", capacity="editor")
        helpers.call_action("member_delete", id=world["org_b"]["id"], object="lc_editor2",
                            object_type="user")


def test_daftar_data_agreed_and_statement_filed(world, smtp):

    dd = helpers.call_action("satudata_daftar_data_create", year=2026, items=[
        {"code": "DD-N1", "name": "Jumlah posyandu", "owner_org": world["org_a"]["name"],
         "frequency": "tahunan", "data_type": "statistik", "unit": "unit", "priority": "ya"}])
    helpers.call_action("satudata_daftar_data_agree",
                        context={"user": world["name"]["sekretariat"]}, id=dd["id"],
                        agreed_date="2026-11-27", minute_number="BA/1/2026")
    got = _mail(smtp, world)
    assert set(got) == OPD_A
    message = got["opd_admin"][0]
    # agreed Friday 27 November 2026: 5 working days → Friday 4 December 2026
    assert "4 Desember 2026" in message.subject and "/satudata/statements/new" in message.text
    helpers.call_action(
        "satudata_statement_create", context={"user": world["name"]["opd_admin"]},
        daftar_data_id=dd["id"], owner_org=world["org_a"]["id"],
        items=[{"code": "DD-N1", "available": True}], number="470/12/410.102/2026",
        letter_date="2026-11-28", signatory_name="dr. Ani", signatory_nip=NIP,
        signatory_position="Kepala Dinas", signatory_acting="", upload=upload(make_pdf()))
    got = _mail(smtp, world)
    assert set(got) == {"sekretariat"}
    assert "470/12/410.102/2026" in got["sekretariat"][0].text


def test_preferences_off_digest_and_english(world, smtp):
    ctx = {"user": world["name"]["editor2"]}
    helpers.call_action("satudata_notify_preference_update", context=ctx, mode="off")
    helpers.call_action("satudata_notify_preference_update",
                        context={"user": world["name"]["opd_admin"]}, mode="digest")
    helpers.call_action("satudata_notify_preference_update",
                        context={"user": world["name"]["opd_editor"]}, mode="immediate",
                        lang="en")
    try:
        pkg = _dataset(world, "Jumlah Puskesmas")
        for transition in ("submit", "verify"):
            _act(world, "opd_editor" if transition == "submit" else "walidata", transition,
                 pkg["id"])
        letter = record_letter(world["org_a"]["id"], [pkg["id"]])
        _act(world, "walidata", "validate", pkg["id"], letter_ref=letter["id"])
        _mail(smtp, world)
        _act(world, "walidata", "publish", pkg["id"])
        got = _mail(smtp, world)
        assert set(got) == {"opd_editor"}  # editor2: off; the head: digest only
        assert got["opd_editor"][0].subject.endswith("Published: Jumlah Puskesmas")
        assert "/en/dataset/" in got["opd_editor"][0].text
        # in-portal notices stay, whatever the choice
        for role in ("editor2", "opd_admin"):
            listed = helpers.call_action("satudata_notice_list",
                                         context={"user": world["name"][role]})
            assert any(n["event"] == "publish" and n["package_id"] == pkg["id"]
                       for n in listed["notices"])
        # the head's publish and verify notices wait for the digest, which sends them once
        created = digest.digest(dt.date(2026, 11, 30))
        mail.send_due()
        got = _mail(smtp, world)
        assert "opd_admin" in got and "editor2" not in got
        head = got["opd_admin"][0]
        assert "Jumlah Puskesmas" in head.text
        assert not digest.digest(dt.date(2026, 11, 30))  # once a day
        assert created
    finally:
        for role in ("editor2", "opd_admin", "opd_editor"):
            helpers.call_action("satudata_notify_preference_update",
                                context={"user": world["name"][role]}, mode="immediate",
                                lang="id")
        _mail(smtp, world)


def test_digest_on_fixed_dates_across_idul_fitri_and_escalation_once(world, smtp):
    with freeze_time(dt.datetime(2026, 3, 12, 2, 0)):
        pkg = _dataset(world, "Angka Kematian Ibu")
    with freeze_time(dt.datetime(2026, 3, 13, 2, 0)):  # Friday 13 March 2026, 09.00 WIB
        _act(world, "opd_editor", "submit", pkg["id"])
    _mail(smtp, world)
    # due Friday 27 March (Nyepi 18–19, cuti bersama Idul Fitri 20–24 March skipped)
    walidata = model.User.get(world["name"]["walidata"])
    on_24 = [e for e in digest.digest_entries(walidata, dt.date(2026, 3, 24))
             if e.get("package_id") == pkg["id"]]
    assert on_24 == []  # 25, 26, 27: three working days left, not yet "due soon"
    on_25 = [e for e in digest.digest_entries(walidata, dt.date(2026, 3, 25))
             if e.get("package_id") == pkg["id"]]
    assert [(e["due"], e["working_days_left"]) for e in on_25] == [("2026-03-27", 2)]
    # the digest of 25 March: the Walidata is told, nobody without a deadline is
    digest.digest(dt.date(2026, 3, 25))
    mail.send_due()
    got = _mail(smtp, world)
    assert "walidata" in got and "plain" not in got and "other_opd" not in got
    assert "Angka Kematian Ibu" in got["walidata"][0].text
    assert "27 Maret 2026" in got["walidata"][0].text
    assert "Verifikasi dataset: Angka Kematian Ibu" in got["walidata"][0].text  # in Indonesian
    assert "Angka Kematian Ibu" not in "".join(m.text for m in got.get("opd_admin", []))

    # escalation: overdue by 2 working days on 31 March (not yet), 3 on 1 April, once
    assert digest.escalate(dt.date(2026, 3, 31)) == 0
    assert not _escalated(pkg)
    digest.escalate(dt.date(2026, 4, 1))
    digest.escalate(dt.date(2026, 4, 2))
    got = _mail(smtp, world)
    rows = _escalated(pkg)
    assert [n.user_id for n in rows] == [world["users"]["sekretariat"]["id"]]
    assert set(got) == {"sekretariat"} and len(got["sekretariat"]) == 1
    assert "Angka Kematian Ibu" in got["sekretariat"][0].subject

    # an OPD step (the validation letter) overdue is copied to the head of the OPD, once
    with freeze_time(dt.datetime(2026, 3, 30, 2, 0)):
        _act(world, "walidata", "verify", pkg["id"])
    _mail(smtp, world)
    digest.escalate(dt.date(2026, 4, 20))
    digest.escalate(dt.date(2026, 4, 21))
    got = _mail(smtp, world)
    assert set(got) == {"opd_admin"} and len(got["opd_admin"]) == 1
    assert "Surat validasi OPD" in got["opd_admin"][0].text


def _escalated(pkg: dict[str, Any]) -> list[Notice]:
    model.Session.expire_all()
    return (model.Session.query(Notice)
            .filter(Notice.event == "escalation", Notice.package_id == pkg["id"]).all())


def test_smtp_down_then_up_retries_without_sending_twice(world, smtp):
    pkg = _dataset(world, "Jumlah Apotek")
    smtp.stop()
    try:
        _act(world, "opd_editor", "submit", pkg["id"])  # the transition is not held up
        run_jobs()
    finally:
        smtp.start()
    assert smtp.take() == []
    row = model.Session.query(MailLog).filter(MailLog.key.like(f"submit:{pkg['id']}:%")).one()
    assert row.status == "failed" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at is not None
    # not yet due: nothing; one minute later (the first retry of the back-off): sent once
    assert mail.send_due(row.created_at) == {}
    assert mail.send_due(row.next_attempt_at + dt.timedelta(seconds=1)) == {"sent": 1}
    got = _mail(smtp, world)
    assert set(got) == {"walidata"} and len(got["walidata"]) == 1
    # a retried job, or the sweep again, does not send it twice
    assert mail.send_job([row.id]) == {row.id: "sent"}
    assert mail.send_due(dt.datetime.utcnow() + dt.timedelta(days=1)) == {}
    assert smtp.take() == []
    model.Session.expire_all()
    row = model.Session.get(MailLog, row.id)
    assert row.status == "sent" and row.attempts == 2


# -- who may call what, and the pages ---------------------------------------------------------
ACTIONS = ("satudata_notice_list", "satudata_notice_mark_read",
           "satudata_notify_preference_show", "satudata_notify_preference_update",
           "satudata_mail_log_list")


@pytest.mark.parametrize("who,allowed", [
    ("anonymous", set()),
    ("plain", set(ACTIONS) - {"satudata_mail_log_list"}),
    ("opd_editor", set(ACTIONS) - {"satudata_mail_log_list"}),
    ("walidata", set(ACTIONS) - {"satudata_mail_log_list"}),
    ("sysadmin", set(ACTIONS)),
])
def test_auth_of_the_notification_actions(world, who, allowed):
    user = world["name"].get(who)
    granted = set()
    for action in ACTIONS:
        try:
            helpers.call_auth(action, {"user": user or "", "model": model})
            granted.add(action)
        except Exception:  # noqa: BLE001 - NotAuthorized
            pass
    assert granted == allowed


def test_pages_list_mark_read_and_preferences(app, world, smtp):
    from sop_support import browser, post_form

    pkg = _dataset(world, "Jumlah Bidan Desa")
    _act(world, "opd_editor", "submit", pkg["id"])
    _mail(smtp, world)
    assert app.get("/satudata/notices").status_code == 403            # anonymous
    client = browser(app, world["name"]["walidata"], "correct123")
    page = client.get("/satudata/notices").get_data(as_text=True)
    assert "Diajukan untuk diperiksa: Jumlah Bidan Desa" in page
    assert 'class="badge satudata-unread-count"' in page
    before = helpers.call_action("satudata_notice_list",
                                 context={"user": world["name"]["walidata"]})["unread"]
    notice = model.Session.query(Notice).filter(
        Notice.package_id == pkg["id"], Notice.user_id == world["users"]["walidata"]["id"]).one()
    done = post_form(client, "/satudata/notices/read",
                     {"id": notice.id, "next": f"/dataset/{pkg['name']}"}, "/satudata/notices")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/dataset/{pkg['name']}")
    after = helpers.call_action("satudata_notice_list",
                                context={"user": world["name"]["walidata"]})["unread"]
    assert after == before - 1
    # another user's notice, or none: not found, never a 500
    other = model.Session.query(Notice).filter(
        Notice.user_id != world["users"]["walidata"]["id"]).first()
    for bad in (other.id, "tidak-ada", "x" * 500):
        res = post_form(client, "/satudata/notices/read", {"id": bad}, "/satudata/notices")
        assert res.status_code == 404
    # preferences: a wrong choice is an error on the form; a right one is saved
    res = post_form(client, "/satudata/notices/preferences", {"mode": "kadang", "lang": "id"})
    assert res.status_code == 200 and "kadang" in res.get_data(as_text=True)
    res = post_form(client, "/satudata/notices/preferences", {"mode": "off", "lang": "en"})
    assert res.status_code == 302
    assert helpers.call_action("satudata_notify_preference_show",
                               context={"user": world["name"]["walidata"]}) == {
        "mode": "off", "lang": "en"}
    helpers.call_action("satudata_notify_preference_update",
                        context={"user": world["name"]["walidata"]}, mode="immediate", lang="id")
    # the mail log: sysadmins only
    assert client.get("/satudata/notices/mail-log").status_code == 403
    admin = browser(app, world["name"]["sysadmin"], "correct123")
    log_page = admin.get("/satudata/notices/mail-log").get_data(as_text=True)
    assert "Jumlah Bidan Desa" in log_page and 'data-status="sent"' in log_page
