"""Template helpers of satudata_blitar (CKAN's ``tk.blanket.helpers`` registers every public
function): lifecycle labels and status, the workflow panel and navigation, SDI form choices
and data-check labels. Helpers only call actions or rules; no rule is decided here."""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import config, formats, lifecycle, permissions, portal
from ckanext.satudata_blitar.checks.reference import load_reference
from ckanext.satudata_blitar.views import data as view_data


# -- dates (the one written form: formats.py) ------------------------------------------------
def satudata_date(value: Any) -> str:
    """``29 November 2026`` in the page's language."""
    return formats.format_date(value)


def satudata_datetime(value: Any) -> str:
    """``29 November 2026, 18.16 WIB`` in the page's language."""
    return formats.format_datetime(value)


def render_datetime(datetime_: Any, date_format: Optional[str] = None, with_hours: bool = False,
                    with_seconds: bool = False) -> str:
    """CKAN core's ``h.render_datetime`` replaced, so core's templates (activity streams,
    dataset and resource pages, user pages) write dates as the portal does: ``formats.py``'s
    date, or its moment in WIB ``with_hours``; ``date_format`` is ignored (one format)."""
    if with_hours or with_seconds:
        return formats.format_datetime(datetime_)
    return formats.format_date(datetime_)


# -- the city's site (portal.py) --------------------------------------------------------------
def satudata_home() -> dict[str, Any]:
    """What the home page shows: published datasets and OPDs counted as their public pages
    count them, the latest published datasets, sectors and OPDs."""
    return portal.home()


def satudata_waiting() -> Optional[dict[str, int]]:
    """What waits for the signed-in user (``satudata_deadline_list``: total and overdue),
    for the header; ``None`` for a visitor."""
    return portal.waiting(view_data.user_name() or None)


def satudata_logo() -> str:
    """URL of the city's logo in the header ('' when ``ckanext.satudata_blitar.logo`` is
    not set)."""
    logo = config.logo()
    return tk.h.url_for_static_or_external(logo) if logo else ""


def satudata_region_name() -> str:
    """The region's name (``Kota Blitar``)."""
    return config.region_name()


# -- labels of codes CKAN core and the data standards show ------------------------------------
def satudata_activity_type_label(activity_type: Optional[str]) -> str:
    """Label of an activity type of the activity stream filter (``changed package``)."""
    labels = {
        "new package": tk._("New dataset"), "changed package": tk._("Dataset changed"),
        "deleted package": tk._("Dataset deleted"), "follow dataset": tk._("Dataset followed"),
        "new resource view": tk._("New resource view"),
        "changed resource view": tk._("Resource view changed"),
        "deleted resource view": tk._("Resource view deleted"),
        "new user": tk._("New user"), "changed user": tk._("User changed"),
        "follow user": tk._("User followed"), "new group": tk._("New group"),
        "changed group": tk._("Group changed"), "deleted group": tk._("Group deleted"),
        "follow group": tk._("Group followed"), "new organization": tk._("New organization"),
        "changed organization": tk._("Organization changed"),
        "deleted organization": tk._("Organization deleted"),
        "follow organization": tk._("Organization followed"),
    }
    return labels.get(activity_type or "", (activity_type or "").capitalize())


def satudata_error_page(code: Any, name: Optional[str], content: Any) -> dict[str, Any]:
    """Title and text of an error page: werkzeug's English name and default description of
    the code are replaced by the portal's; a message the refusing page gave is kept."""
    from werkzeug.exceptions import default_exceptions  # noqa: PLC0415

    code = code[0] if isinstance(code, (list, tuple)) and code else code
    code = int(code) if str(code).isdigit() else 500
    titles = {
        400: tk._("Bad request"), 401: tk._("Sign-in needed"), 403: tk._("Access denied"),
        404: tk._("Page not found"), 405: tk._("Not allowed here"),
        409: tk._("Conflict with the current state"), 413: tk._("File too large"),
        429: tk._("Too many requests"), 500: tk._("Something went wrong on the server"),
    }
    texts = {
        400: tk._("The request could not be understood. Check the address or the form."),
        401: tk._("Sign in to open this page."),
        403: tk._("You do not have access to this page."),
        404: tk._("The page you asked for does not exist or was moved. Check the address, or "
                  "search for the data."),
        405: tk._("This page cannot be opened this way."),
        413: tk._("The file is larger than the portal accepts."),
        429: tk._("Too many requests in a short time. Wait a moment and try again."),
        500: tk._("The portal could not finish this request. Try again later; if it happens "
                  "again, tell the portal administrator."),
    }
    default = default_exceptions.get(code)
    text = str(content or "")
    if not text or (default is not None and text == default.description) or \
            text == "Internal server error":
        text = texts.get(code, tk._("The request could not be completed."))
    return {"code": code, "title": titles.get(code, tk._("Error")), "text": text}


def satudata_frequency_label(code: Optional[str]) -> str:
    """Label of an update-frequency code (``tahunan`` → Tahunan)."""
    return lifecycle.frequency_label(code)


def satudata_field_type_label(field_type: Optional[str]) -> str:
    """Label of a Table Schema column type of a data standard (``string`` → text)."""
    labels = {
        "string": tk._("text"), "number": tk._("number"), "integer": tk._("whole number"),
        "year": tk._("year"), "date": tk._("date"), "datetime": tk._("date and time"),
        "boolean": tk._("yes/no"), "yearmonth": tk._("year and month"),
    }
    return labels.get(field_type or "string", field_type or "")


# -- lifecycle -------------------------------------------------------------------------------
def satudata_state_label(state: Optional[str]) -> str:
    """Label of a lifecycle state (Draf, Diajukan, Terverifikasi, Tervalidasi, Terpublikasi)."""
    return lifecycle.state_label(state)


def satudata_dataset_status(package_id: str) -> Optional[dict[str, Any]]:
    """Status of a dataset for the current user, or ``None`` when not visible."""
    try:
        return tk.get_action("satudata_dataset_status_show")(
            {"user": tk.current_user.name if tk.current_user else ""}, {"id": package_id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None


def satudata_reason_categories() -> list[dict[str, str]]:
    """Return-reason categories as ``[{"value": ..., "text": ...}]`` for a select field."""
    labels = lifecycle.reason_category_labels()
    return [{"value": key, "text": labels[key]} for key in lifecycle.REASON_CATEGORIES]


def satudata_user_roles(user: Optional[str] = None) -> list[str]:
    """Satu Data roles of a user (default: the current user)."""
    name = user or (tk.current_user.name if tk.current_user else None)
    if not name:
        return []
    return sorted(permissions.portal_roles(model.User.get(name)))


# -- workflow pages ---------------------------------------------------------------------------
def satudata_workflow_panel(pkg_dict: dict[str, Any]) -> Optional[dict[str, Any]]:
    """What the dataset page's workflow panel shows to the current user (``None``: nothing)."""
    if not lifecycle.is_governed_type(pkg_dict.get("type")):
        return None
    return view_data.panel(pkg_dict)


def satudata_can_record_letter(org_id: Optional[str] = None) -> bool:
    """Whether the current user may record a validation letter of the OPD ``org_id`` (of any
    OPD when omitted): the links to the letter form are shown only then."""
    user = view_data.user_name() or None
    if org_id:
        return permissions.permission_manage_letter(user, org_id)[0]
    return bool(permissions.letter_organizations(user))


def satudata_workflow_nav() -> list[dict[str, str]]:
    """Links of the signed-in user's SOP roles, for the main navigation."""
    name = view_data.user_name()
    if not name:
        return []
    user = tk.current_user
    roles = permissions.portal_roles(name)
    sysadmin = bool(getattr(user, "sysadmin", False))
    links: list[tuple[str, str]] = []
    orgs = view_data.user_organizations("read") if not sysadmin else []
    if orgs:
        links.append(("satudata_workflow.my_datasets", tk._("My Datasets (OPD)")))
    if lifecycle.WALIDATA in roles or sysadmin:
        links.append(("satudata_workflow.queue", tk._("Walidata Queue")))
    if orgs or roles or sysadmin:
        links.append(("satudata_records.letter_list", tk._("Validation Letters")))
    if roles & {lifecycle.PEMBINA, lifecycle.WALIDATA} or sysadmin:
        links.append(("satudata_workflow.pembina", tk._("OPD Overview")))
    if roles & {lifecycle.SEKRETARIAT, lifecycle.PEMBINA} or sysadmin:
        links.append(("satudata_workflow.sekretariat", tk._("Daftar Data & Report")))
    current = tk.request.endpoint if tk.request else ""
    return [{"url": tk.h.url_for(endpoint), "label": label, "active": endpoint == current}
            for endpoint, label in links]


# -- SDI metadata and data checks -------------------------------------------------------------
def satudata_area_choices(field: dict[str, Any]) -> list[dict[str, str]]:
    """Kemendagri area codes of the region as scheming choices."""
    return load_reference().choices()


def satudata_standard_choices(field: dict[str, Any]) -> list[dict[str, str]]:
    """Registered data standards as scheming choices."""
    try:
        items = tk.get_action("satudata_standard_list")({"ignore_auth": True}, {})
    except Exception:  # noqa: BLE001 - the form must render even if the registry is down
        return []
    return [{"value": s["name"], "label": f"{s['title']} ({s['name']})"} for s in items]


# -- the guided dataset form and clean pages --------------------------------------------------
def satudata_submit_required_fields() -> list[str]:
    """Fields the submit gate asks for (lifecycle.submit_required_fields): the form marks
    them "required for submission"."""
    return lifecycle.submit_required_fields()


def satudata_form_sections(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The dataset form's sections in order, each with its scheming fields (schema order).

    A field names its section with ``form_section`` in schemas/dataset.yaml (default
    ``basic``); ``collapsible`` sections (the BPS MS-Keg/MS-Var/MS-Ind blocks) fold away."""
    sections = [
        {"name": "basic", "title": tk._("Basic information"), "collapsible": False,
         "intro": tk._("What the dataset is, which OPD produces it and who answers for it.")},
        {"name": "sdi", "title": tk._("SDI metadata"), "collapsible": False,
         "intro": tk._("Period, area, concept and definition, as Satu Data Indonesia asks.")},
        {"name": "bps", "title": tk._("BPS metadata (MS-Keg, MS-Var, MS-Ind)"),
         "collapsible": True,
         "intro": tk._("Optional detail for BPS: open a block only when you have it.")},
        {"name": "source", "title": tk._("Source and data standard"), "collapsible": False,
         "intro": tk._("Where the data comes from and the standard its tables follow.")},
    ]
    by_name = {s["name"]: dict(s, fields=[]) for s in sections}
    for field in fields:
        by_name.get(field.get("form_section") or "basic", by_name["basic"])["fields"].append(field)
    return [by_name[s["name"]] for s in sections if by_name[s["name"]]["fields"]]


def satudata_no_chart_data() -> Any:
    """What a chart of the report shows when it has nothing to draw ("belum ada data")."""
    from markupsafe import Markup, escape

    return Markup(f'<p class="satudata-no-data">{escape(tk._("No data yet."))}</p>')


def satudata_has_value(value: Any) -> bool:
    """Whether a (possibly repeating) metadata value holds anything a reader could use:
    MS-Keg/MS-Var/MS-Ind blocks whose every subfield is empty are not shown."""
    if isinstance(value, dict):
        return any(satudata_has_value(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(satudata_has_value(v) for v in value)
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def satudata_resource_check(resource_id: str) -> Optional[dict[str, Any]]:
    """The check of a resource with rendered messages, or None when not visible."""
    try:
        return tk.get_action("satudata_resource_check_show")(
            {"user": tk.current_user.name if tk.current_user else ""}, {"id": resource_id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None


def satudata_check_status_label(status: Optional[str]) -> str:
    """Label of a check status in the reader's language."""
    labels = {
        "passed": tk._("Passed the data-standard check"),
        "failed": tk._("Does not pass the data-standard check"),
        "pending": tk._("Waiting to be checked"),
        "running": tk._("Being checked"),
        "skipped": tk._("Not checked (linked file)"),
        "not_checked": tk._("Not checked yet"),
    }
    return labels.get(status or "", status or "")


def satudata_can_manage_standards() -> bool:
    """Whether the current user may register data standards."""
    return permissions.permission_manage_standards(
        tk.current_user.name if tk.current_user else None)[0]


def satudata_unread_notices() -> int:
    """Unread notices of the signed-in user (the header badge); 0 for visitors."""
    from ckanext.satudata_blitar.notify import events  # noqa: PLC0415

    user = tk.current_user
    if not user or not getattr(user, "is_authenticated", False):
        return 0
    user_obj = permissions.user_object(user.name)
    if user_obj is None or not permissions.permission_notices(user_obj)[0]:
        return 0
    return events.unread_count(user_obj)


@tk.chained_helper
def new_activities(next_helper: Any) -> Optional[int]:
    """The activity plugin's header counter of new dashboard activities (chained onto its
    helper: the portal always loads ``activity``), cached per user for a minute
    (``activity_counter.py``): it no longer costs a query on every page."""
    from ckanext.satudata_blitar import activity_counter  # noqa: PLC0415

    if not getattr(tk.g, "userobj", None):
        return None
    return activity_counter.count(next_helper)


# -- revisions of published datasets (issue 15) -------------------------------------------------
def satudata_revision_panel(pkg_dict: dict[str, Any]) -> Optional[dict[str, Any]]:
    """What the dataset page shows about revisions and versions to the current user
    (``views/revisions.panel``; ``None`` for visitors)."""
    from ckanext.satudata_blitar.views import revisions as revision_views  # noqa: PLC0415

    return revision_views.panel(pkg_dict)
