"""The words of every notification: in-portal notices, event mail and the daily digest.

A message is built once as a small structure (subject, lead, facts, the link to the page where
the action is taken) and written out as plain text and as HTML; the in-portal notice list
shows its subject and lead in the page's language. Mail is written in the recipient's language
(``satudata_blitar_notify_pref.lang``, Indonesian by default). Dates go through
``formats.format_date``; due dates come from the events (``workdays`` via ``deadlines``).
"""
from __future__ import annotations

import contextlib
import html
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import config, deadlines, formats, lifecycle
from ckanext.satudata_blitar.model.notify import Notice, NotifyPreference
from ckanext.satudata_blitar.notify import events


@dataclass
class Message:
    subject: str
    lead: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    link_label: str = ""
    link: str = ""
    items: list[str] = field(default_factory=list)


# -- language ----------------------------------------------------------------------------------
def user_language(user_id: str) -> str:
    row = model.Session.get(NotifyPreference, user_id)
    return row.lang if row is not None else "id"


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """``tk._`` in ``lang`` (``id``/``en``), inside a web request or not (jobs, CLI)."""
    import flask_babel

    from ckanext.satudata_blitar.report.render import i18n_context  # noqa: PLC0415

    with i18n_context(), flask_babel.force_locale(lang):
        yield


def _url(route: str, lang: str, **values: Any) -> str:
    """Absolute link to a page of the portal, in ``lang``."""
    if lang != (tk.config.get("ckan.locale_default") or "id"):
        values["locale"] = lang
    path = tk.h.url_for(route, **values)
    if path.startswith("http"):
        return path
    return str(tk.config.get("ckan.site_url") or "").rstrip("/") + path


# -- event messages ------------------------------------------------------------------------------
def _org_title(org_id: Optional[str]) -> str:
    org = model.Group.get(org_id) if org_id else None
    return (org.title or org.name) if org else ""


def _dataset_facts(pkg: Optional[model.Package], org: str) -> list[tuple[str, str]]:
    facts = []
    if pkg is not None:
        facts.append((tk._("Dataset"), pkg.title or pkg.name))
    if org:
        facts.append((tk._("OPD"), org))
    return facts


def event_message(notice: Notice, lang: str) -> Message:
    """The message of a notice (call inside :func:`language` or a request)."""
    data = notice.values
    event = notice.event
    org = _org_title(notice.owner_org)
    pkg = model.Package.get(notice.package_id) if notice.package_id else None
    title = (pkg.title or pkg.name) if pkg is not None else ""
    facts = _dataset_facts(pkg, org)
    due = formats.format_date(data.get("due"), lang) if data.get("due") else ""
    dataset_link = _url("dataset.read", lang, id=pkg.name) if pkg is not None else ""
    if event == "submit":
        msg = Message(tk._("Submitted for review: {title}").format(title=title),
                      tk._("{opd} submitted a dataset; verify it or return it with a reason.")
                      .format(opd=org), facts, tk._("Review the dataset"), dataset_link)
        if due:
            msg.facts.append((tk._("Verify by"), due))
    elif event == "return":
        category = lifecycle.reason_category_labels().get(data.get("reason_category") or "", "")
        msg = Message(tk._("Returned to draft: {title}").format(title=title),
                      tk._("The Walidata returned your dataset; fix it and submit it again."),
                      facts, tk._("Fix the dataset"), dataset_link)
        if category:
            msg.facts.append((tk._("Category"), category))
        msg.facts.append((tk._("Reason"), data.get("reason") or ""))
    elif event == "verify":
        msg = Message(tk._("Validation letter needed: {title}").format(title=title),
                      tk._("The Walidata verified a dataset of your OPD; record its signed "
                           "validation letter so that it can be published."), facts,
                      tk._("Record the validation letter"),
                      _url("satudata_records.letter_new", lang))
        if due:
            msg.facts.append((tk._("Record the letter by"), due))
    elif event == "validate":
        msg = Message(tk._("Ready to publish: {title}").format(title=title),
                      tk._("The dataset has its validation letter and is ready to publish."),
                      facts, tk._("Publish the dataset"), dataset_link)
    elif event == "publish":
        msg = Message(tk._("Published: {title}").format(title=title),
                      tk._("Your dataset is now public."), facts, tk._("See the public page"),
                      dataset_link)
    elif event == "withdraw":
        msg = Message(tk._("Withdrawn: {title}").format(title=title),
                      tk._("The Walidata withdrew the dataset; it is a private draft again."),
                      facts + [(tk._("Reason"), data.get("reason") or "")],
                      tk._("Open the dataset"), dataset_link)
    elif event == "daftar_data_agreed":
        msg = Message(
            tk._("Daftar Data {year} agreed: statement due {date}").format(
                year=data.get("year"), date=due),
            tk._("The Forum Satu Data agreed the Daftar Data {year}. {opd} has {count} items "
                 "in it: file the availability statement by {date}.").format(
                year=data.get("year"), opd=org, count=data.get("items"), date=due),
            [(tk._("OPD"), org), (tk._("Statement due"), due)],
            tk._("File the statement"), _url("satudata_records.statement_new", lang))
    elif event == "statement_filed":
        msg = Message(
            tk._("Statement filed: {opd}, Daftar Data {year}").format(opd=org,
                                                                      year=data.get("year")),
            tk._("{opd} filed its availability statement.").format(opd=org),
            [(tk._("OPD"), org), (tk._("Number"), data.get("number") or "")],
            tk._("Open the statement"),
            _url("satudata_records.statement_read", lang, id=data.get("statement_id")))
    elif event == "escalation":
        label = escalation_label(data.get("kind"))
        subject_title = title or org
        msg = Message(
            tk._("Overdue by {days} working days: {title}").format(
                days=data.get("days"), title=subject_title),
            tk._("{step} is overdue (due {date}); it is copied to you to follow it up.")
            .format(step=label, date=due),
            facts + [(tk._("Step"), label), (tk._("Due"), due)],
            tk._("Open it"), dataset_link or _url("satudata_records.deadlines", lang))
    else:
        msg = Message(event, "", facts, tk._("Open"), dataset_link)
    return msg


def escalation_label(kind: Optional[str]) -> str:
    return {
        "verification": tk._("Verification by the Walidata"),
        "publication": tk._("Publication by the Walidata"),
        "validation": tk._("The validation letter of the OPD"),
        "statement": tk._("The availability statement of the OPD"),
    }.get(kind or "", kind or "")


# -- writing out --------------------------------------------------------------------------------
def _site() -> str:
    return f"Satu Data {config.region_name()}"


def as_text(msg: Message, lang: str) -> str:
    lines = [msg.lead, ""]
    lines += [f"{label}: {value}" for label, value in msg.facts if value]
    if msg.items:
        lines.append("")
        lines += [f"- {item}" for item in msg.items]
    if msg.link:
        lines += ["", f"{msg.link_label}: {msg.link}"]
    lines += ["", "-- ", _site(),
              tk._("Change how you are notified: {url}").format(
                  url=_url("satudata_notices.preferences", lang))]
    return "\n".join(lines) + "\n"


def as_html(msg: Message, lang: str) -> str:
    e = html.escape
    parts = [f"<p>{e(msg.lead)}</p>"]
    if msg.facts:
        parts.append("<table>" + "".join(
            f"<tr><th align=\"left\">{e(label)}</th><td>{e(value)}</td></tr>"
            for label, value in msg.facts if value) + "</table>")
    if msg.items:
        parts.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in msg.items) + "</ul>")
    if msg.link:
        parts.append(f'<p><a href="{e(msg.link)}">{e(msg.link_label)}</a></p>')
    prefs = _url("satudata_notices.preferences", lang)
    parts.append(f'<p><small>{e(_site())} · <a href="{e(prefs)}">'
                 f'{e(tk._("Change how you are notified"))}</a></small></p>')
    return f"<!DOCTYPE html><html lang=\"{lang}\"><body>{''.join(parts)}</body></html>"


def _mail(msg: Message, lang: str) -> tuple[str, str, str]:
    return f"[{_site()}] {msg.subject}", as_text(msg, lang), as_html(msg, lang)


def notice_mail(notice: Notice, lang: str) -> tuple[str, str, str]:
    with language(lang):
        return _mail(event_message(notice, lang), lang)


def notice_summary(notice: Notice) -> dict[str, str]:
    """Subject, lead and link of a notice in the current request's language (notice list)."""
    lang = formats.current_language()
    msg = event_message(notice, lang)
    parts = urllib.parse.urlsplit(msg.link)
    path = parts.path + (f"?{parts.query}" if parts.query else "") if msg.link else ""
    return {"subject": msg.subject, "lead": msg.lead, "link": msg.link, "path": path,
            "link_label": msg.link_label, "facts": msg.facts}


# -- the digest ----------------------------------------------------------------------------------
def digest_item(entry: dict[str, Any], lang: str) -> str:
    due = formats.format_date(entry.get("due"), lang)
    left = entry.get("working_days_left")
    name = entry.get("title") or entry.get("name") or ""
    if entry.get("overdue"):
        when = tk._("overdue by {days} working days (due {date})").format(
            days=-(left or 0), date=due)
    else:
        when = tk._("due {date}, {days} working days left").format(date=due, days=left)
    return f"{deadlines.kind_label(entry.get('kind') or '')}: {name} — {when}"


def digest_mail(user: model.User, payload: dict[str, Any], lang: str) -> tuple[str, str, str]:
    with language(lang):
        entries = payload.get("entries", [])
        overdue = sum(1 for e in entries if e.get("overdue"))
        msg = Message(
            tk._("Daily digest {date}: {overdue} overdue, {soon} due soon").format(
                date=formats.format_date(payload.get("on"), lang), overdue=overdue,
                soon=len(entries) - overdue),
            tk._("What is due soon or overdue for you on {date}, by the portal's working-day "
                 "clock:").format(date=formats.format_date(payload.get("on"), lang)),
            [], tk._("Open your deadlines"), _url("satudata_records.deadlines", lang))
        msg.items = [digest_item(e, lang) for e in entries]
        notices = [model.Session.get(Notice, i) for i in payload.get("notices", [])]
        for notice in notices:
            if notice is not None and events.visible(user, notice):
                msg.items.append(event_message(notice, lang).subject)
        return _mail(msg, lang)
