"""Input schemas of the satudata_* actions (navl), one per action and named after it, and
:func:`validate`, the decorator that applies an action's schema before its body — so before
auth and before the database.

Every rule about the form of an input lives here: which fields an action takes, which are
required, their types, lengths (from the model columns where a column has one) and ranges.
What needs the database (does the OPD exist, is the dataset verified) stays in the action.
Unknown fields are dropped. The validators are CKAN's (``ignore``, ``ignore_missing``) and
ours (``logic/validators.py``) where CKAN's accept too much for an API that must never answer
500: ``unicode_safe`` turns lists into JSON text, ``int_validator`` takes ``1.0``,
``boolean_validator`` reads ``"maybe"`` as false, ``isodate`` takes ``2025-01-01garbage``-like
times and year 1, and none refuses NUL characters or unpaired surrogates.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict, Schema

from ckanext.satudata_blitar import lifecycle, workdays
from ckanext.satudata_blitar.logic import validators as v
from ckanext.satudata_blitar.model.records import (
    ACTING_CHOICES, ITEM_CODE_LENGTH, LETTER_NUMBER_LENGTH,
)

SchemaFunction = Callable[[], Schema]

#: action name → schema function of every action decorated with :func:`validate`
SCHEMAS: dict[str, SchemaFunction] = {}

#: a Table Schema (data standard), as text or as an uploaded file
STANDARD_MAX_LENGTH = 1_000_000
#: CSV text given to ``satudata_daftar_data_import`` instead of a file
IMPORT_MAX_LENGTH = 5_000_000
#: rows of a Daftar Data or answers of a statement
MAX_ITEMS = 2000
#: the deadline list looks this many days ahead at most
MAX_HORIZON = 3660


# -- the decorator ---------------------------------------------------------------------------------
def validate(schema_func: SchemaFunction) -> Callable[[Action], Action]:
    """Validate an action's input with ``schema_func`` before the action runs, like CKAN's
    ``tk.validate``, and register the schema in :data:`SCHEMAS`. The action receives the
    validated dict; errors raise ``ValidationError`` (HTTP 409)."""
    def decorator(action: Action) -> Action:
        @functools.wraps(action)
        def wrapper(context: Context, data_dict: Optional[DataDict] = None) -> Any:
            return action(context, validated(schema_func, data_dict, context))

        wrapper.satudata_schema = schema_func  # type: ignore[attr-defined]
        SCHEMAS[action.__name__] = schema_func
        return wrapper
    return decorator


def validated(schema_func: SchemaFunction, data_dict: Any, context: Context) -> dict[str, Any]:
    """``data_dict`` checked against ``schema_func()``; raises ``ValidationError``.

    navl flattens a list of objects into keys of its own and refuses a list mixing objects
    with other values (``DataError``, HTTP 400); top-level lists are handed over as tuples so
    that each reaches its field's validator whole.
    """
    if data_dict is None:
        data_dict = {}
    if not isinstance(data_dict, dict):
        raise tk.ValidationError({"data": [tk._("The input must be a JSON object.")]})
    frozen = {key: tuple(value) if isinstance(value, list) else value
              for key, value in data_dict.items()}
    data, errors = tk.navl_validate(frozen, schema_func(), context)
    if errors:
        raise tk.ValidationError(errors)
    return data


# -- building blocks -------------------------------------------------------------------------------
def _schema(**fields: list[Any]) -> Schema:
    """The fields, with every other input dropped."""
    ignore = tk.get_validator("ignore")
    return dict(fields, __extras=[ignore], __junk=[ignore])


def _required(*validators: Any, message: Optional[str] = None) -> list[Any]:
    return [v.satudata_required(message), *validators]


def _optional(*validators: Any) -> list[Any]:
    """Absent, null or blank: left out (no filter, no change)."""
    return [v.satudata_optional, *validators]


def _changed(*validators: Any) -> list[Any]:
    """Update semantics: absent or null keeps the stored value; ``""`` is a value."""
    return [tk.get_validator("ignore_missing"), *validators]


def _id() -> list[Any]:
    return _required(v.satudata_id)


def _text(length: int = v.SHORT_TEXT) -> Any:
    return v.satudata_text(length)


def _year_required() -> list[Any]:
    return _required(v.satudata_record_year,
                     message=tk._("Write the year as four digits, e.g. 2026."))


def _this_year() -> list[Any]:
    """A record year; the current year (WIB) when absent."""
    return [v.satudata_default(workdays.today().year), v.satudata_record_year]


# -- lifecycle -------------------------------------------------------------------------------------
def _transition(name: str) -> Schema:
    """A lifecycle transition; ``lifecycle.TRANSITIONS`` says which reasons it requires."""
    t = lifecycle.TRANSITIONS[name]
    choices = ", ".join(lifecycle.REASON_CATEGORIES)
    category = v.satudata_choice(lifecycle.REASON_CATEGORIES, tk._(
        'Unknown reason category "{value}"; choose one of: {choices}.'))
    return _schema(
        id=_id(),
        note=_optional(_text(v.LONG_TEXT)),
        reason=(_required(_text(v.LONG_TEXT), message=tk._(
            "Write the reason, so the OPD knows what to fix."))
            if t.needs_reason else _optional(_text(v.LONG_TEXT))),
        reason_category=(_required(category, message=tk._(
            "Choose the reason category: {choices}.").format(choices=choices))
            if t.needs_reason_category else _optional(category)),
        letter_ref=_optional(_text(max(LETTER_NUMBER_LENGTH, v.ID_LENGTH))),
    )


def dataset_submit() -> Schema:
    """``satudata_dataset_submit``: ``id``, optional ``note``."""
    return _transition("submit")


def dataset_verify() -> Schema:
    """``satudata_dataset_verify``: ``id``, optional ``note``."""
    return _transition("verify")


def dataset_return() -> Schema:
    """``satudata_dataset_return``: ``id``, ``reason_category`` and ``reason`` required."""
    return _transition("return")


def dataset_validate() -> Schema:
    """``satudata_dataset_validate``: ``id``, optional ``letter_ref`` (letter id or number)."""
    return _transition("validate")


def dataset_publish() -> Schema:
    """``satudata_dataset_publish``: ``id``, optional ``note``."""
    return _transition("publish")


def dataset_withdraw() -> Schema:
    """``satudata_dataset_withdraw``: ``id``, ``reason`` required."""
    return _transition("withdraw")


def dataset_status_show() -> Schema:
    return _schema(id=_id())


def dataset_history() -> Schema:
    return _schema(id=_id())


def queue_list() -> Schema:
    return _schema()


#: rows per page of Dataset Saya and the Walidata queue
LIST_PAGE_SIZE = 20


def _list_query(states: tuple[str, ...]) -> Schema:
    """Query parameters of a dataset list page: search words, a state, an OPD, the page."""
    return _schema(
        q=_optional(_text(200)),
        state=_optional(v.satudata_choice(states, tk._(
            "There is no state \"{value}\" here. Choose one of: {choices}."))),
        opd=_optional(v.satudata_text(v.ID_LENGTH)),
        page=_optional(v.satudata_int(1, 100_000)),
    )


def my_datasets_query() -> Schema:
    """``/satudata/dataset-saya?q=&state=&opd=&page=``"""
    return _list_query(lifecycle.STATES)


def queue_query() -> Schema:
    """``/satudata/antrean?q=&state=&opd=&page=``"""
    return _list_query((lifecycle.SUBMITTED, lifecycle.VALIDATED))


def audit_export() -> Schema:
    return _schema(
        owner_org=_optional(v.satudata_id),
        package_id=_optional(v.satudata_id),
        since=_optional(v.satudata_datetime),
        until=_optional(v.satudata_datetime),
    )


def _role() -> Any:
    return v.satudata_choice(lifecycle.PORTAL_ROLES, tk._(
        'Unknown role "{value}"; choose one of: {choices}.'))


def role_assign() -> Schema:
    return _schema(user=_id(), role=_required(_role()))


def role_revoke() -> Schema:
    return _schema(user=_id(), role=_required(_role()))


def role_list() -> Schema:
    return _schema(user=_optional(v.satudata_id), role=_optional(_role()))


# -- Daftar Data -----------------------------------------------------------------------------------
def _items() -> Any:
    """Daftar Data items by API or spreadsheet names (``records.daftar_data.validate_items``
    checks their content)."""
    lengths = {"code": ITEM_CODE_LENGTH, "kode": ITEM_CODE_LENGTH,
               "notes": v.LONG_TEXT, "catatan": v.LONG_TEXT}
    return v.satudata_records(MAX_ITEMS, lengths, v.SHORT_TEXT)


def _format(choices: tuple[str, ...], message: str) -> Any:
    return v.satudata_choice(choices, message, lower=True)


def daftar_data_create() -> Schema:
    return _schema(
        year=_year_required(),
        title=_optional(_text()),
        notes=_optional(_text(v.LONG_TEXT)),
        items=_optional(_items()),
    )


def daftar_data_update() -> Schema:
    return _schema(
        id=_id(),
        title=_changed(_text()),
        notes=_changed(_text(v.LONG_TEXT)),
        items=_changed(_items()),
    )


def daftar_data_agree() -> Schema:
    return _schema(
        id=_id(),
        agreed_date=_required(v.satudata_date(allow_future=False)),
        minute_number=_required(_text()),
    )


def daftar_data_revise() -> Schema:
    return _schema(id=_id())


def daftar_data_carry_over() -> Schema:
    return _schema(id=_id(), year=_optional(v.satudata_record_year))


def _spreadsheet_format() -> Any:
    return _format(("csv", "xlsx"), tk._('Choose the format "csv" or "xlsx".'))


def daftar_data_import() -> Schema:
    return _schema(
        id=_id(),
        format=_optional(_spreadsheet_format()),
        upload=_optional(v.satudata_upload),
        content=_optional(v.satudata_text(IMPORT_MAX_LENGTH, strip=False)),
    )


def daftar_data_export() -> Schema:
    return _schema(id=_id(), format=[v.satudata_default("csv"), _spreadsheet_format()])


def daftar_data_show() -> Schema:
    return _schema(id=_optional(v.satudata_id), year=_optional(v.satudata_record_year))


def daftar_data_list() -> Schema:
    return _schema(year=_optional(v.satudata_record_year))


# -- statements and validation letters -----------------------------------------------------------
def _signed_letter(update: bool = False) -> dict[str, list[Any]]:
    """Number, date, signatory and signed PDF of an official letter (statement or validation
    letter); the PDF's content is checked by the action (``records.pdf.pdf_from_input``)."""
    fields = {
        "number": _text(LETTER_NUMBER_LENGTH),
        "letter_date": v.satudata_date(allow_future=False),
        "signatory_name": _text(),
        "signatory_nip": v.satudata_nip,
        "signatory_position": _text(),
    }
    acting = v.satudata_choice(ACTING_CHOICES, tk._('Acting must be empty, "plt" or "plh".'),
                               lower=True)
    if update:
        out = {name: _changed(v.satudata_required(), check) for name, check in fields.items()}
        out["signatory_acting"] = _changed(acting)
        out["upload"] = _optional(v.satudata_upload)
    else:
        out = {name: _required(check) for name, check in fields.items()}
        out["signatory_acting"] = [v.satudata_default(""), acting]
        out["upload"] = _required(v.satudata_upload,
                                  message=tk._("Upload the signed letter as a PDF."))
    return out


def statement_create() -> Schema:
    answers = v.satudata_records(MAX_ITEMS, {"item_id": v.ID_LENGTH,
                                             "code": ITEM_CODE_LENGTH,
                                             "reason": v.LONG_TEXT}, v.SHORT_TEXT)
    return _schema(
        daftar_data_id=_optional(v.satudata_id),
        year=_optional(v.satudata_record_year),
        owner_org=_required(_text()),
        items=_optional(answers),
        **_signed_letter(),
    )


def statement_show() -> Schema:
    return _schema(id=_id())


def statement_list() -> Schema:
    return _schema(year=_optional(v.satudata_record_year), owner_org=_optional(_text()))


def validation_letter_create() -> Schema:
    return _schema(
        owner_org=_required(_text()),
        subject=_required(_text()),
        datasets=_optional(v.satudata_id_list()),
        **_signed_letter(),
    )


def validation_letter_update() -> Schema:
    return _schema(
        id=_id(),
        subject=_changed(v.satudata_required(), _text()),
        datasets=_changed(v.satudata_id_list()),
        **_signed_letter(update=True),
    )


def validation_letter_show() -> Schema:
    return _schema(id=_id())


def validation_letter_list() -> Schema:
    return _schema(
        owner_org=_optional(_text()),
        year=_optional(v.satudata_record_year),
        package_id=_optional(v.satudata_id),
    )


def dataset_letter_list() -> Schema:
    return _schema(id=_id())


def deadline_list() -> Schema:
    return _schema(
        horizon=[v.satudata_default(30), v.satudata_int(1, MAX_HORIZON)],
        all=[v.satudata_default(False), v.satudata_bool],
    )


# -- annual report ---------------------------------------------------------------------------------
def report_annual() -> Schema:
    return _schema(year=_this_year(), organization=_optional(_text()))


def report_public() -> Schema:
    return _schema(year=_this_year(), organization=_optional(_text()))


def report_note_create() -> Schema:
    return _schema(
        year=_this_year(),
        text=_required(_text(v.LONG_TEXT)),
        section=[v.satudata_default("umum"), _text()],
    )


def report_note_delete() -> Schema:
    return _schema(id=_id())


def report_delivery_create() -> Schema:
    return _schema(
        year=_this_year(),
        delivered_date=_required(v.satudata_date()),
        letter_number=_required(_text(LETTER_NUMBER_LENGTH)),
        recipient=_required(_text()),
        copies=[v.satudata_default(1), v.satudata_int(1, 1000)],
        notes=_optional(_text(v.LONG_TEXT)),
    )


def report_generate() -> Schema:
    from ckanext.satudata_blitar.report.render import FORMATS  # noqa: PLC0415

    return _schema(
        year=_this_year(),
        format=[v.satudata_default("pdf"), _format(FORMATS, tk._("Choose one of: {choices}."))],
        organization=_optional(_text()),
        run_now=[v.satudata_default(False), v.satudata_bool],
    )


def report_file_list() -> Schema:
    return _schema(year=_optional(v.satudata_record_year))


def report_file_show() -> Schema:
    return _schema(id=_id())


# -- data standards and checks ---------------------------------------------------------------------
def standard_create() -> Schema:
    table_schema = v.satudata_json(STANDARD_MAX_LENGTH)
    return _schema(
        name=_optional(_text(v.ID_LENGTH)),
        title=_optional(_text()),
        schema=_optional(table_schema),
        upload=_optional(v.satudata_upload, table_schema),
    )


def standard_show() -> Schema:
    return _schema(id=_optional(v.satudata_id), name=_optional(v.satudata_id))


def standard_list() -> Schema:
    return _schema(all_fields=[v.satudata_default(False), v.satudata_bool])


def resource_check_show() -> Schema:
    return _schema(id=_id())


def resource_check_run() -> Schema:
    return _schema(id=_id())


# -- harvesters ------------------------------------------------------------------------------------
def change_feed() -> Schema:
    from ckanext.satudata_blitar.harvest.feed import (  # noqa: PLC0415
        DEFAULT_LIMIT, EVENTS, MAX_LIMIT,
    )

    kinds = v.satudata_choice_list(EVENTS, tk._("Unknown event; use: {choices}"))
    return _schema(
        since=_optional(v.satudata_datetime),
        cursor=_optional(v.satudata_feed_cursor),
        limit=[v.satudata_default(DEFAULT_LIMIT), v.satudata_int(1, MAX_LIMIT)],
        event=_optional(kinds),
        events=_optional(kinds),
    )


# -- notifications ---------------------------------------------------------------------------------
#: the notice list and the mail log show at most this many rows at once
MAX_NOTICES = 200


def notice_list() -> Schema:
    return _schema(
        limit=[v.satudata_default(50), v.satudata_int(1, MAX_NOTICES)],
        unread_only=[v.satudata_default(False), v.satudata_bool],
    )


def notice_mark_read() -> Schema:
    return _schema(id=_optional(v.satudata_id),
                   all=[v.satudata_default(False), v.satudata_bool])


def notify_preference_show() -> Schema:
    return _schema()


def notify_preference_update() -> Schema:
    from ckanext.satudata_blitar.model.notify import LANGS, MODES  # noqa: PLC0415

    return _schema(
        mode=_required(v.satudata_choice(MODES, tk._(
            'Unknown choice "{value}"; choose one of: {choices}.'))),
        lang=_optional(v.satudata_choice(LANGS, tk._(
            'Unknown language "{value}"; choose one of: {choices}.'))),
    )


def mail_log_list() -> Schema:
    return _schema(
        limit=[v.satudata_default(100), v.satudata_int(1, MAX_NOTICES)],
        status=_optional(v.satudata_choice(("pending", "sending", "sent", "failed", "skipped"))),
    )


# -- revisions of published datasets (issue 15) ----------------------------------------------------
def revision_start() -> Schema:
    """``satudata_revision_start``: ``id`` of the published dataset."""
    return _schema(id=_id())


def revision_discard() -> Schema:
    """``satudata_revision_discard``: ``id`` of the revision (or of its package), ``note``."""
    return _schema(id=_id(), note=_optional(_text(v.LONG_TEXT)))


def revision_show() -> Schema:
    return _schema(id=_id())


def revision_list() -> Schema:
    """``satudata_revision_list``: ``id`` of the dataset."""
    return _schema(id=_id())


def revision_diff() -> Schema:
    return _schema(id=_id())


def version_list() -> Schema:
    """``satudata_version_list``: ``id`` of the dataset."""
    return _schema(id=_id())


def version_show() -> Schema:
    """``satudata_version_show``: ``id`` of the dataset and the ``version`` number."""
    return _schema(id=_id(), version=_required(v.satudata_int(1, 1_000_000)))
