"""Plain-language messages for check issues (English msgids, Indonesian in ``i18n/id``).

A check stores *issues* (code, row, column, value, params), never rendered text, so a report
is shown in the reader's language. ``render`` turns one issue into a sentence that names the
row and the column and says how to fix it.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from ckanext.satudata_blitar.spreadsheets import REFUSALS


def N_(msgid: str) -> str:
    """Mark a string for extraction; it is translated when rendered."""
    return msgid


ERROR = "error"
WARNING = "warning"
INFO = "info"

#: code -> English msgid of the message body
TEMPLATES: dict[str, str] = {
    # area codes
    "area-code-unknown": N_("'%(value)s' is not an area code of %(region)s. Use a code from "
                            "the reference list, for example %(example)s."),
    # the same issue when the mistyped code clearly means one area (reference.nearest)
    "area-code-unknown-near": N_("'%(value)s' is not an area code of %(region)s. Did you mean "
                                 "%(suggestion)s? All codes are in the reference list of area "
                                 "codes."),
    "area-code-mixed": N_("'%(value)s' is a %(system)s code, but this file uses %(file_system)s "
                          "codes (first in row %(first_row)s). Do not mix the two systems: write "
                          "every code as a %(file_system)s code, for example %(example)s."),
    "area-code-level": N_("'%(value)s' is the code of a %(level)s, but this data standard needs "
                          "%(expected)s codes, for example %(example)s."),
    "area-system": N_("Area codes use the %(system)s system."),
    # values
    "year-outside-period": N_("year %(value)s is outside the reference period of the dataset "
                              "(%(start)s-%(end)s). Correct the year, or the reference period "
                              "in the dataset metadata."),
    "negative-count": N_("'%(value)s' is negative, but a count cannot be below zero. Enter 0 or "
                         "a positive number."),
    "duplicate-key": N_("this row repeats %(key)s, already used in row %(first_row)s. Remove "
                        "the duplicate row or correct it."),
    "type-error": N_("'%(value)s' is not a valid %(type_label)s. Write it like %(example)s."),
    "number-format-indonesian": N_("'%(value)s' uses Indonesian separators (dot for thousands, "
                                   "comma for decimals) while other numbers in this file do not. "
                                   "Write numbers without thousands separators and with a dot "
                                   "for decimals, for example %(example)s."),
    "number-format-detected": N_("The numbers use Indonesian separators (1.234,5); they were "
                                 "read as 1234.5."),
    "not-integer": N_("'%(value)s' is not a whole number. Enter a whole number, for example "
                      "%(example)s."),
    "required-missing": N_("the value is empty, but this column must be filled in. Enter a "
                           "value."),
    "constraint-minimum": N_("'%(value)s' is below the minimum %(limit)s of the data standard. "
                             "Check the value."),
    "constraint-maximum": N_("'%(value)s' is above the maximum %(limit)s of the data standard. "
                             "Check the value."),
    "constraint-enum": N_("'%(value)s' is not an allowed value. Use one of: %(allowed)s."),
    "constraint-other": N_("'%(value)s' does not meet a rule of the data standard (%(note)s)."),
    "missing-cell": N_("the row has fewer columns than the header, so this cell is missing. "
                       "Check for a missing separator in this row."),
    "extra-cell": N_("the row has more columns than the header. If a text contains a comma, "
                     "put it between double quotes, or check the column separator."),
    "blank-row": N_("the row is empty. Delete it."),
    # header
    "header-missing-required": N_("this column of the data standard %(standard)s is missing. "
                                  "Add a column with exactly this header."),
    "header-missing-optional": N_("this optional column of the data standard %(standard)s is "
                                  "missing."),
    "header-unknown": N_("this column is not part of the data standard %(standard)s. Remove "
                         "the column, or ask the Walidata to update the standard."),
    "header-unknown-suggest": N_("this column is not part of the data standard %(standard)s. "
                                 "Did you mean %(suggestion)s? Rename the header to exactly "
                                 "%(suggestion)s."),
    "header-duplicate": N_("this header appears more than once. Every column needs its own "
                           "name."),
    "header-blank": N_("Column number %(position)s has an empty header. Give it a name from the "
                       "data standard or delete the column."),
    "header-order": N_("The columns are in a different order than in the data standard; this "
                       "is accepted."),
    # file
    "file-empty": N_("The file is empty. Upload the file again with a header row and data."),
    "file-no-rows": N_("The file has a header but no data rows. Add the data below the header."),
    "file-binary": N_("The file is not a text CSV file (it looks like %(kind)s). Save it as "
                      "'CSV UTF-8' in your spreadsheet program, or upload it with the right "
                      "format."),
    "file-encoding-mixed": N_("Line %(line)s uses a different character encoding than the rest "
                              "of the file (UTF-8 mixed with another encoding). Open the file in "
                              "a spreadsheet program and save it again as 'CSV UTF-8'."),
    "file-encoding-legacy": N_("The file is not UTF-8; it was read as %(encoding)s. Saving it "
                               "as 'CSV UTF-8' is recommended."),
    "file-encoding": N_("Character encoding: %(encoding)s."),
    "file-delimiter": N_("The columns are separated by '%(delimiter)s' instead of a comma; the "
                         "file was read correctly. The standard format is CSV with commas."),
    "file-delimiter-unknown": N_("The first row could not be split into the columns of the data "
                                 "standard with a comma, semicolon, tab or '|'. Check the column "
                                 "separator and that the first row is the header."),
    "file-unreadable": N_("The file could not be read (%(note)s). Check the file and upload it "
                          "again."),
    "xlsx-sheets": N_("The workbook has %(count)s sheets; only the first sheet '%(sheet)s' was "
                      "checked. Put the data in the first sheet and remove the other sheets."),
    "xlsx-merged-header": N_("The header row has merged cells (%(cells)s). Unmerge them so that "
                             "every column has its own header cell."),
    "unsupported-format": N_("Format %(format)s is not checked; only CSV and XLSX are."),
    "no-standard": N_("No data standard is chosen for this resource, so only general checks "
                      "were run. Choose the data standard in the resource form."),
    "standard-unknown": N_("The data standard '%(standard)s' does not exist. Choose a registered "
                           "data standard."),
    "not-uploaded": N_("The file is a link, not an upload, so it cannot be checked. Upload the "
                       "file to the portal."),
    "no-file": N_("The uploaded file cannot be found on the server. Upload the file again."),
    "check-crashed": N_("The check could not finish (%(note)s). Upload the file again or "
                        "contact the Walidata."),
    "too-many-errors": N_("Only the first %(limit)s problems are listed. Fix them and upload the "
                          "file again to see the rest."),
    "formula-like-cell": N_("'%(value)s' starts with %(char)s, so a spreadsheet program may "
                            "run it as a formula when someone opens the downloaded file. If it "
                            "is text, write it so that it does not start with %(char)s, for "
                            "example by putting words first."),
    "formula-like-more": N_("%(count)s cells start with =, +, -, @, a tab or a carriage return; "
                            "only the first %(shown)s are listed."),
    "frictionless": N_("%(note)s"),
    # workbooks refused before they are read (decompression bombs): spreadsheets.py
    **REFUSALS,
}

ROW_COLUMN = N_("Row %(row)s, column %(column)s: ")
ROW_ONLY = N_("Row %(row)s: ")
COLUMN_ONLY = N_("Column %(column)s: ")

TYPE_LABELS: dict[str, tuple[str, str]] = {
    "integer": (N_("whole number"), "1234"),
    "number": (N_("number"), "1234.5"),
    "year": (N_("year"), "2025"),
    "date": (N_("date"), "2025-12-31"),
    "datetime": (N_("date and time"), "2025-12-31T08:00:00"),
    "boolean": (N_("true/false value"), "true"),
}

LEVEL_LABELS: dict[str, str] = {
    "kota": N_("city"),
    "kecamatan": N_("district (kecamatan)"),
    "kelurahan": N_("village (kelurahan)"),
}

#: params whose value is itself a msgid to translate before formatting
_TRANSLATED_PARAMS = ("type_label", "level", "expected", "char")


def issue(code: str, severity: str = ERROR, *, row: Optional[int] = None,
          column: Optional[str] = None, value: Any = None, **params: Any) -> dict[str, Any]:
    """Build one issue record (JSON-serialisable)."""
    out: dict[str, Any] = {"code": code, "severity": severity}
    if row is not None:
        out["row"] = row
    if column is not None:
        out["column"] = column
    if value is not None:
        out["value"] = _short(str(value))
    if params:
        out["params"] = {k: (v if isinstance(v, (int, float)) else _short(str(v)))
                         for k, v in params.items()}
    return out


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(item: dict[str, Any], gettext: Optional[Callable[[str], str]] = None) -> str:
    """Turn an issue into a sentence in the current language.

    :param item: an issue built by :func:`issue`
    :param gettext: translation function; defaults to CKAN's ``toolkit._`` (request locale)
    """
    if gettext is None:
        import ckan.plugins.toolkit as tk

        gettext = tk._
    params: dict[str, Any] = dict(item.get("params") or {})
    for key in _TRANSLATED_PARAMS:
        if key in params:
            params[key] = gettext(str(params[key]))
    params.setdefault("value", item.get("value", ""))
    params["row"] = item.get("row", "")
    params["column"] = item.get("column", "")
    code = item.get("code", "")
    if code == "area-code-unknown" and params.get("suggestion"):
        code = "area-code-unknown-near"
    template = TEMPLATES.get(code, TEMPLATES["frictionless"])
    params.setdefault("note", item.get("code", ""))
    try:
        body = gettext(template) % params
    except (KeyError, ValueError, TypeError):
        body = template % {k: params.get(k, "") for k in _names(template)}
    if item.get("row") is not None and item.get("column"):
        prefix = gettext(ROW_COLUMN) % params
    elif item.get("row") is not None:
        prefix = gettext(ROW_ONLY) % params
    elif item.get("column"):
        prefix = gettext(COLUMN_ONLY) % params
    else:
        prefix = ""
    return prefix + body


def _names(template: str) -> list[str]:
    import re

    return re.findall(r"%\((\w+)\)s", template)


def render_report(report: dict[str, Any],
                  gettext: Optional[Callable[[str], str]] = None) -> dict[str, Any]:
    """Copy of a stored report with a ``message`` on every issue."""
    out = dict(report)
    out["issues"] = [dict(i, message=render(i, gettext)) for i in report.get("issues", [])]
    return out
