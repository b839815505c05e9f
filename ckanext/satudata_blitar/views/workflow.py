"""Pages of the SOP roles. Each view checks who may open it, calls the actions and renders.

=====================================  ==========================================================
``/satudata/dataset-saya``             OPD staff: the OPD's datasets by state (Dataset Saya)
``/satudata/antrean``                  Walidata: review queue across OPDs, working-day deadlines
``/satudata/dataset/<id>/<action>``    confirmation form of a transition (GET) and the step (POST)
``/satudata/pembina``                  Pembina Data (and the other SOP roles): overview of OPDs
``/satudata/sekretariat``              Sekretariat SDI: Daftar Data, statements, report
=====================================  ==========================================================
"""
from __future__ import annotations

from ckanext.satudata_blitar import permissions

from typing import Any, Optional

from flask import Blueprint

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import lifecycle, workdays
from ckanext.satudata_blitar.logic import schema
from ckanext.satudata_blitar.views import data as d

workflow = Blueprint("satudata_workflow", __name__, url_prefix="/satudata")


# -- who may open what (delegates to the lifecycle's and records' rules) --------------------------
def _user_obj() -> Optional[model.User]:
    name = d.user_name()
    return model.User.get(name) if name else None


def _login_required() -> Optional[Any]:
    if not d.user_name():
        return tk.redirect_to("user.login", came_from=tk.request.full_path)
    return None


def _roles() -> set[str]:
    return permissions.portal_roles(_user_obj())


def _is_sysadmin() -> bool:
    return permissions.is_sysadmin(_user_obj())


def _form_data() -> dict[str, Any]:
    return {k: v for k, v in tk.request.form.items() if k != "_csrf_token"}


def _list_query(schema_func: Any) -> tuple[dict[str, Any], list[str]]:
    """The page's query parameters checked by ``schema_func`` (logic/schema.py): the valid
    ones, and a plain message for each bad one (the page then shows everything that one
    would have filtered, and says why)."""
    raw = {k: v for k, v in tk.request.args.items()}
    data, errors = tk.navl_validate(raw, schema_func(), d.context())
    names = {"q": tk._("Search"), "state": tk._("State"), "opd": tk._("OPD"),
             "page": tk._("Page")}
    messages = []
    for field, problems in errors.items():
        data.pop(field, None)
        messages.extend(f"{names.get(field, field)}: {msg}" for msg in problems)
    return data, messages


def _matches(words: str, *texts: Optional[str]) -> bool:
    """Every search word appears in one of ``texts`` (case-insensitive)."""
    haystack = " ".join(t for t in texts if t).lower()
    return all(word in haystack for word in words.lower().split())


def _page(items: list[Any], query: dict[str, Any], endpoint: str) -> Any:
    """One page of ``items`` (CKAN's pager), its links keeping the query."""
    from ckan.lib.pagination import Page

    params = {k: v for k, v in query.items() if k != "page" and v not in (None, "")}
    return Page(collection=items, page=query.get("page") or 1,
                items_per_page=schema.LIST_PAGE_SIZE,
                url=lambda page, **_: tk.h.url_for(endpoint, page=page, **params))


# -- Dataset Saya ---------------------------------------------------------------------------------
def my_datasets() -> Any:
    """The OPD's datasets by state: returned ones with the reason, failing checks, deadlines,
    and a Submit button when submission is possible (else what is missing)."""
    login = _login_required()
    if login:
        return login
    orgs = d.user_organizations("read")
    if not orgs:
        return tk.abort(403, tk._("Dataset Saya is for the staff of an OPD (members of an "
                                  "organization). Ask the portal administrator to add you "
                                  "to your OPD."))
    query, problems = _list_query(schema.my_datasets_query)
    selected = query.get("opd") or ""
    if selected and selected not in {o["name"] for o in orgs}:
        problems.append(tk._("You are not a member of an OPD named \"{name}\": the datasets "
                             "of all your OPDs are shown.").format(name=selected))
        selected = query["opd"] = ""
    deadlines = d.deadlines_by_dataset()
    counts: dict[str, int] = {s: 0 for s in d.STATE_ORDER}
    found: list[dict[str, Any]] = []
    overdue = 0
    for org in orgs:
        if selected and org["name"] != selected:
            continue
        for pkg in d.opd_datasets(org["id"]):
            if query.get("q") and not _matches(query["q"], pkg.get("title"), pkg.get("name")):
                continue
            status = d.status_of(pkg["id"])
            if status is None:
                continue
            deadline = deadlines.get(pkg["id"])
            overdue += bool(deadline and deadline.get("overdue"))
            counts[status["state"]] = counts.get(status["state"], 0) + 1
            if query.get("state") and status["state"] != query["state"]:
                continue
            found.append({"pkg": pkg, "org": org, "status": status, "deadline": deadline})
    order = {s: i for i, s in enumerate(d.STATE_ORDER)}
    found.sort(key=lambda e: order.get(e["status"]["state"], len(order)))
    page = _page(found, query, "satudata_workflow.my_datasets")
    groups: dict[str, list[dict[str, Any]]] = {s: [] for s in d.STATE_ORDER}
    for entry in page.items:  # the details only for the datasets on this page
        pkg, status = entry["pkg"], entry["status"]
        if status["state"] == lifecycle.DRAFT:
            entry["reason"] = d.last_reason(d.history(pkg["id"])) if status["returned"] \
                else None
            entry["problems"] = d.submit_problems(pkg)
            entry["checks"] = [c for c in d.resource_checks(pkg) if c["status"] != "passed"]
        withdrawn = bool(entry.get("reason") and entry["reason"]["transition"] == "withdraw")
        entry["badge"] = d.badge(status["state"], status["returned"], withdrawn)
        entry["actions"] = d.actions_for(status, pkg["name"])
        groups.setdefault(status["state"], []).append(entry)
    sections = [{"state": s, "label": lifecycle.state_label(s), "entries": groups.get(s, []),
                 "total": counts.get(s, 0)}
                for s in d.STATE_ORDER if not query.get("state") or s == query["state"]]
    body = tk.render("satudata/workflow/my_datasets.html", {
        "sections": sections, "orgs": orgs, "selected": selected, "overdue": overdue,
        "query": query, "problems": problems, "page": page,
        "states": [(s, lifecycle.state_label(s)) for s in d.STATE_ORDER],
    })
    return (body, 400) if problems else body


# -- Walidata queue -------------------------------------------------------------------------------
def queue() -> Any:
    """Every OPD's datasets waiting for the Walidata, oldest first, with deadlines."""
    login = _login_required()
    if login:
        return login
    if lifecycle.WALIDATA not in _roles() and not _is_sysadmin():
        return tk.abort(403, tk._("The review queue is for the Walidata."))
    query, problems = _list_query(schema.queue_query)
    items = tk.get_action("satudata_queue_list")(d.context(), {})
    orgs = {o["id"]: o for o in d.organizations()}
    opd = query.get("opd") or ""
    if opd and opd not in {o["name"] for o in orgs.values()}:
        problems.append(tk._("There is no OPD named \"{name}\": every OPD is shown.")
                        .format(name=opd))
        opd = query["opd"] = ""
    state = query.get("state") or ""
    matching = []
    for item in items:
        org = orgs.get(item["owner_org"]) or {}
        if opd and org.get("name") != opd:
            continue
        if state and item["state"] != state:
            continue
        if query.get("q") and not _matches(query["q"], item.get("title"), item.get("name"),
                                           org.get("title")):
            continue
        matching.append((item, org))
    page = _page(matching, query, "satudata_workflow.queue")
    rows = [dict(item, org=org, badge=d.badge(item["state"], item.get("returned")),
                 actions=d.actions_for(item, item["name"])) for item, org in page.items]
    body = tk.render("satudata/workflow/queue.html", {
        "rows": rows, "orgs": sorted(orgs.values(), key=lambda o: o.get("title") or o["name"]),
        "opd": opd, "state": state, "review_days": workdays.step_days("verification"),
        "states": [(s, lifecycle.state_label(s)) for s in (lifecycle.SUBMITTED,
                                                           lifecycle.VALIDATED)],
        "overdue": sum(1 for item, _ in matching if item.get("overdue")),
        "query": query, "problems": problems, "page": page, "total": len(matching),
    })
    return (body, 400) if problems else body


# -- transitions ----------------------------------------------------------------------------------
def transition(id: str, action: str) -> Any:
    """Confirmation form of one transition (GET) and the transition itself (POST)."""
    name = d.SLUG_TRANSITIONS.get(action)
    if name is None:
        return tk.abort(404, tk._("Unknown step"))
    login = _login_required()
    if login:
        return login
    try:
        pkg = tk.get_action("package_show")(d.context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Dataset not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorized to see this dataset"))
    status = d.status_of(pkg["id"]) or {}
    if name not in (status.get("allowed_transitions") or []):
        try:
            tk.check_access(f"satudata_dataset_{name}", d.context(), {"id": pkg["id"]})
        except tk.NotAuthorized as exc:
            return tk.abort(403, str(exc) or tk._("You may not do this step."))
        # allowed by role, but not in this state: say why on the form (POST gives the error)
    errors: dict[str, list[str]] = {}
    form: dict[str, Any] = {}
    if tk.request.method == "POST":
        form = _form_data()
        payload = {"id": pkg["id"]}
        for key in ("note", "reason", "reason_category", "letter_ref"):
            if form.get(key):
                payload[key] = form[key].strip()
        try:
            result = tk.get_action(f"satudata_dataset_{name}")(d.context(), payload)
        except tk.ValidationError as exc:
            errors = exc.error_dict  # type: ignore[assignment]
        except tk.NotAuthorized as exc:
            return tk.abort(403, str(exc))
        else:
            tk.h.flash_success(tk._('Done: "{title}" is now {state}.').format(
                title=pkg["title"], state=result["state_label"]))
            # (a published revision answers with the dataset it updated)
            return tk.redirect_to("dataset.read", id=result.get("name") or pkg["name"])
    letters: list[dict[str, Any]] = []
    if name == "validate":
        letters = d.dataset_letters(pkg["id"], full=True)
    problems = d.submit_problems(pkg) if name == "submit" else {}
    return tk.render("satudata/workflow/transition.html", {
        "pkg": pkg, "pkg_dict": pkg, "name": name, "slug": action, "status": status,
        "badge": d.badge(status.get("state"), status.get("returned", False)),
        "label": d.transition_label(name), "form": form, "errors": errors,
        "reason_categories": [{"value": k, "text": v}
                              for k, v in lifecycle.reason_category_labels().items()],
        "needs_reason": lifecycle.TRANSITIONS[name].needs_reason,
        "needs_category": lifecycle.TRANSITIONS[name].needs_reason_category,
        "letters": letters, "problems": problems,
    })


# -- Pembina Data ---------------------------------------------------------------------------------
def pembina() -> Any:
    """Read-only overview of every OPD: datasets by state, overdue steps, letters."""
    login = _login_required()
    if login:
        return login
    if not permissions.permission_read_all(_user_obj()):
        return tk.abort(403, tk._("This overview is for Pembina Data, Walidata and "
                                  "Sekretariat SDI."))
    # every kind of every OPD whoever reads the overview, so each reader sees the same counts
    deadlines = tk.get_action("satudata_deadline_list")(d.context(), {"all": True})
    overdue_by_org: dict[str, int] = {}
    for item in deadlines:
        if item.get("overdue") and item.get("owner_org"):
            overdue_by_org[item["owner_org"]] = overdue_by_org.get(item["owner_org"], 0) + 1
    rows = []
    totals = {s: 0 for s in d.STATE_ORDER}
    for org in d.organizations():
        counts = {s: 0 for s in d.STATE_ORDER}
        returned = 0
        for pkg in d.opd_datasets(org["id"]):
            status = d.status_of(pkg["id"])
            if status is None:
                continue
            counts[status["state"]] = counts.get(status["state"], 0) + 1
            totals[status["state"]] = totals.get(status["state"], 0) + 1
            returned += 1 if status.get("returned") else 0
        rows.append({"org": org, "counts": counts, "returned": returned,
                     "overdue": overdue_by_org.get(org["id"], 0)})
    return tk.render("satudata/workflow/pembina.html", {
        "rows": rows, "totals": totals, "deadlines": deadlines,
        "states": [(s, lifecycle.state_label(s)) for s in d.STATE_ORDER],
        "orgs": {o["id"]: o for o in d.organizations()},
    })


# -- Sekretariat SDI ------------------------------------------------------------------------------
def report_url() -> Optional[str]:
    """URL of the annual report page when the report module is installed, else ``None``."""
    for endpoint in ("satudata_report.read", "satudata_report.index"):
        try:
            return tk.h.url_for(endpoint)
        except Exception:  # noqa: BLE001 - werkzeug BuildError: the endpoint does not exist
            continue
    return None


def sekretariat() -> Any:
    """Daftar Data revisions, availability statements, deadlines and the annual report."""
    login = _login_required()
    if login:
        return login
    roles = _roles()
    if not (roles & {lifecycle.SEKRETARIAT, lifecycle.PEMBINA} or _is_sysadmin()):
        return tk.abort(403, tk._("This page is for the Sekretariat SDI."))
    daftar = tk.get_action("satudata_daftar_data_list")(d.context(), {})
    statements = tk.get_action("satudata_statement_list")(d.context(), {})
    deadlines = tk.get_action("satudata_deadline_list")(d.context(), {})
    return tk.render("satudata/workflow/sekretariat.html", {
        "daftar": daftar, "statements": statements, "report_url": report_url(),
        "deadlines": [x for x in deadlines if x["kind"] in (
            "agreement", "daftar_data_missing", "statement")],
        "orgs": {o["id"]: o for o in d.organizations()},
    })


workflow.add_url_rule("/dataset-saya", view_func=my_datasets)
workflow.add_url_rule("/antrean", view_func=queue)
workflow.add_url_rule("/dataset/<id>/<action>", view_func=transition, methods=["GET", "POST"])
workflow.add_url_rule("/pembina", view_func=pembina)
workflow.add_url_rule("/sekretariat", view_func=sekretariat)
