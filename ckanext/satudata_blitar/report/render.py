"""Renderings of the annual report document: tables, SVG charts, HTML, PDF, XLSX and CSV.

Everything here reads only the dict made by :func:`ckanext.satudata_blitar.report.compute.build`
(never the database), so the four forms carry the same numbers. :func:`sections` turns the
document into titled tables once; the HTML page, the PDF, the workbook (one sheet per section)
and the CSV (one block per section) are all made from those tables.

Labels go through ``tk._`` (Indonesian by default, English in ``/en/``); renderings made
outside a web request (CLI, background job) run inside :func:`i18n_context`.
"""
from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from markupsafe import Markup, escape

import ckan.plugins.toolkit as tk

from ckanext.satudata_blitar import lifecycle
from ckanext.satudata_blitar import config
from ckanext.satudata_blitar import formats
from ckanext.satudata_blitar import spreadsheets

FORMATS: tuple[str, ...] = ("json", "pdf", "xlsx", "csv")
MIMETYPES: dict[str, str] = {
    "json": "application/json; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@contextlib.contextmanager
def i18n_context() -> Iterator[None]:
    """Make ``tk._`` and ``tk.render`` work outside a web request (CLI, jobs).

    Inside a request nothing changes. Elsewhere a test request context of the CKAN app is
    pushed; it uses the portal's default language (``ckan.locale_default``).
    """
    import flask

    if flask.has_request_context():
        yield
        return
    from ckan.config import middleware

    ctx = getattr(middleware, "_internal_test_request_context", None)
    if ctx is None:
        app = middleware.make_app(tk.config)
        ctx = middleware._internal_test_request_context  # noqa: SLF001
        if ctx is None:  # pragma: no cover - make_app always sets it
            ctx = app.apps["flask_app"]._wsgi_app.test_request_context()  # noqa: SLF001
    with ctx.app.test_request_context():
        yield


# -- labels ----------------------------------------------------------------------------------
def step_labels() -> dict[str, str]:
    return {"review": tk._("Review (submitted → verified)"),
            "validation": tk._("Validation (verified → validated)"),
            "publication": tk._("Publication (validated → published)")}


def indicator_labels() -> dict[str, str]:
    return {
        "complete_metadata": tk._("Published datasets with complete SDI metadata"),
        "registered_standard": tk._("Published datasets using a registered data standard"),
        "reference_codes": tk._("Published datasets with valid reference area codes"),
        "machine_readable": tk._("Published datasets in machine-readable formats"),
        "updated_on_time": tk._("Published datasets updated on time for their frequency"),
        "data_checks": tk._("Data-standard checks passed"),
    }


def evidence_labels() -> dict[str, str]:
    """Labels of the parts of the document an EPSS indicator takes its evidence from (the
    document's keys, e.g. ``quality.indicators.registered_standard``)."""
    labels = {f"quality.indicators.{key}": label for key, label in indicator_labels().items()}
    labels.update({
        "quality.data_checks": indicator_labels()["data_checks"],
        "summary.realisation_rate": tk._("Daftar Data realised (%)"),
        "opds": tk._("Realisation per OPD"),
        "published_datasets": tk._("Published datasets"),
        "timing": tk._("Time per step (working days)"),
        "quality.returns": tk._("Returns by reason"),
        "letters": tk._("Validation letters of the year"),
    })
    return labels


def principle_labels() -> dict[str, str]:
    return {"standar_data": tk._("Data standard"), "metadata": tk._("Metadata"),
            "interoperabilitas": tk._("Interoperability"),
            "kode_referensi": tk._("Reference codes / master data")}


def statement_label(status: Optional[str]) -> str:
    return {"on_time": tk._("On time"), "late": tk._("Late"), "missing": tk._("Not received"),
            "not_required": tk._("Not required")}.get(status or "", status or "")


def count_labels() -> dict[str, str]:
    return {"submitted": tk._("Submitted"), "verified": tk._("Verified"),
            "validated": tk._("Validated"), "published": tk._("Published"),
            "returned": tk._("Returned"), "withdrawn": tk._("Withdrawn")}


def report_title(document: dict[str, Any]) -> str:
    return tk._("Report on the Conduct of Sectoral Statistics of {region}, {year}").format(
        region=document.get("region") or "Kota Blitar", year=document["year"])


def government_name() -> str:
    return config.report_government_name()


def agency_name() -> str:
    return config.report_agency_name()


# -- values ----------------------------------------------------------------------------------
def _decimal_comma() -> bool:
    try:
        return (tk.h.lang() or "id") == "id"
    except Exception:  # noqa: BLE001 - no request: the portal default
        return (tk.config.get("ckan.locale_default") or "id") == "id"


def fmt(value: Any) -> str:
    """A value as people read it: ``–`` for none, ``66,7`` (Indonesian) / ``66.7``."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return tk._("Yes") if value else tk._("No")
    if isinstance(value, float):
        text = f"{value:.1f}"
        return text.replace(".", ",") if _decimal_comma() else text
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".") if _decimal_comma() else f"{value:,}"
    return str(value)


@dataclass
class Section:
    """One titled table of the report."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""


def print_list_limit() -> int:
    """Longest list printed row by row in the PDF (``…report.pdf_list_limit``)."""
    return config.report_pdf_list_limit()


def _condense(section: Section, org_column: int, limit: Optional[int]) -> Section:
    """A long list becomes a count per OPD for print; the full list stays in XLSX/CSV."""
    if limit is None or len(section.rows) <= limit:
        return section
    counts: dict[str, int] = {}
    for row in section.rows:
        counts[row[org_column] or "–"] = counts.get(row[org_column] or "–", 0) + 1
    return Section(section.key, section.title, [tk._("OPD"), tk._("Count")],
                   [[org, n] for org, n in sorted(counts.items())] + [[tk._("Total"),
                                                                       len(section.rows)]],
                   note=tk._("{count} rows: the full list is in the XLSX and CSV versions of "
                             "this report.").format(count=len(section.rows)))


def sections(document: dict[str, Any], print_limit: Optional[int] = None) -> list[Section]:
    """The document as titled tables, in reading order (HTML, PDF, XLSX and CSV).

    :param print_limit: for print (PDF), lists longer than this (published datasets,
        validation letters) are condensed to a count per OPD
    """
    public = document.get("scope") == "public"
    s = document["summary"]
    out: list[Section] = []
    summary = Section("summary", tk._("Summary"), [tk._("Item"), tk._("Value")])
    summary.rows += [
        [tk._("OPDs (data producers)"), s["opd_count"]],
        [tk._("OPDs with Daftar Data items"), s["opds_with_items"]],
        [tk._("Daftar Data items planned"), s["items_planned"]],
        [tk._("Items realised (published)"), s["items_realised"]],
        [tk._("Realisation rate (%)"), s["realisation_rate"]],
        [tk._("Published datasets at the end of the period"), s["datasets_published"]],
    ]
    if not public:
        summary.rows.append([tk._("Datasets at the end of the period"), s["datasets_total"]])
        for state in lifecycle.STATES:
            summary.rows.append([tk._("Datasets in state: {state}").format(
                state=lifecycle.state_label(state)), s["datasets_by_state"][state]])
    out.append(summary)

    if public:
        opd = Section("opds", tk._("Realisation per OPD"),
                      [tk._("OPD"), tk._("Items planned"), tk._("Items realised"),
                       tk._("Realisation rate (%)"), tk._("Published datasets")])
        for o in document["opds"]:
            opd.rows.append([o["title"], o["items_planned"], o["items_realised"],
                             o["realisation_rate"], o["published"]])
    else:
        labels = count_labels()
        opd = Section("opds", tk._("Realisation per OPD"),
                      [tk._("OPD"), tk._("Items planned"), tk._("Items realised"),
                       tk._("Realisation rate (%)"), tk._("Statement"),
                       *[labels[k] for k in labels]],
                      note=tk._("Counts are datasets that went through each step during "
                                "the year."))
        for o in document["opds"]:
            st = o["statement"]
            statement = statement_label(st.get("status"))
            if st.get("number"):
                statement = f"{statement} ({formats.format_date(st['letter_date'])})"
            opd.rows.append([o["title"], o["items_planned"], o["items_realised"],
                             o["realisation_rate"], statement,
                             *[o["datasets"][k] for k in labels]])
    out.append(opd)

    if not public:
        timing = Section("timing", tk._("Time per step (working days)"),
                         [tk._("Step"), tk._("SOP standard (days)"), tk._("Completed"),
                          tk._("Median"), tk._("90th percentile"), tk._("Within standard"),
                          tk._("Within standard (%)")],
                         note=tk._("Working days exclude weekends, public holidays and cuti "
                                   "bersama; days while a dataset was returned to its OPD "
                                   "do not count."))
        for key, label in step_labels().items():
            t = document["timing"][key]
            timing.rows.append([label, t["standard_days"], t["count"], t["median"], t["p90"],
                                t["within_standard"], t["within_standard_rate"]])
        out.append(timing)

        updates = document.get("updates")
        if updates is not None:
            section = Section(
                "updates", tk._("Updates of published datasets (revisions)"),
                [tk._("OPD"), tk._("Updates published"), tk._("On time"), tk._("Late"),
                 tk._("Without update due date"),
                 tk._("Median working days from submit to publication")],
                note=tk._("An update is on time when its revision was published by the "
                          "update due date that the previous version's frequency and "
                          "period gave."))
            titles = {o["id"]: o["title"] for o in document["opds"]}

            def _row(label: str, u: dict[str, Any]) -> list[Any]:
                return [label, u["updates"], u["on_time"], u["late"], u["without_due_date"],
                        u["median_working_days_submit_to_publish"]]
            for org_id, u in sorted(updates["by_opd"].items(),
                                    key=lambda item: titles.get(item[0], item[0])):
                section.rows.append(_row(titles.get(org_id, org_id), u))
            section.rows.append(_row(tk._("Total"), updates["total"]))
            out.append(section)

        reasons = lifecycle.reason_category_labels()
        returns = Section("returns", tk._("Returns by reason"), [tk._("Reason"), tk._("Returns")])
        for key, count in document["quality"]["returns"]["by_reason"].items():
            returns.rows.append([reasons.get(key, key), count])
        returns.rows.append([tk._("Total"), document["quality"]["returns"]["total"]])
        out.append(returns)

    principles = principle_labels()
    ind_labels = indicator_labels()
    quality = Section("quality", tk._("Quality (evidence for SDI principles and EPSS)"),
                      [tk._("Indicator"), tk._("Count"), tk._("Of"), tk._("Share (%)"),
                       tk._("SDI principle"), tk._("EPSS indicator")],
                      note=tk._("Evidence from the portal's records for the SDI principles "
                                "and the EPSS indicators; not an official EPSS score."))
    indicators = dict(document["quality"]["indicators"])
    if not public:
        checks = document["quality"]["data_checks"]
        indicators["data_checks"] = {"count": checks["passed"], "total": checks["checked"],
                                     "rate": checks["pass_rate"],
                                     "principles": checks["principles"],
                                     "epss": checks["epss"]}
    for key, ind in indicators.items():
        quality.rows.append([ind_labels.get(key, key), ind["count"], ind["total"], ind["rate"],
                             ", ".join(principles.get(p, p) for p in ind["principles"]),
                             ", ".join(ind["epss"])])
    out.append(quality)

    epss = Section("epss", tk._("EPSS indicators and their evidence"),
                   [tk._("Code"), tk._("Indicator"), tk._("Evidence in this report")],
                   note=tk._("Evidence only: no EPSS score is computed."))
    evidence = evidence_labels()
    for e in document["epss"]:
        epss.rows.append([e["code"], e["name"], ", ".join(
            evidence.get(key, key) for key in e["evidence"])])
    out.append(epss)

    if not public:
        letters = Section("letters", tk._("Validation letters of the year"),
                          [tk._("Number"), tk._("Date"), tk._("OPD"), tk._("Subject"),
                           tk._("Signed by"), tk._("Datasets")])
        for x in document["letters"]:
            letters.rows.append([x["number"], formats.format_date(x["letter_date"]),
                                 x["organization_title"],
                                 x["subject"], f"{x['signatory_name']}, {x['signatory_position']}",
                                 len(x["datasets"])])
        out.append(_condense(letters, 2, print_limit))

    published = Section("published", tk._("Published datasets"),
                        [tk._("Title"), tk._("OPD"), tk._("Published on"), tk._("Frequency"),
                         tk._("Daftar Data item"), tk._("Data standard")])
    for d in document["published_datasets"]:
        published.rows.append([d["title"], d["organization_title"],
                               formats.format_date(d["published_at"]),
                               lifecycle.frequency_label(d["frequency"]),
                               d["daftar_data_item"], d["standar_data"]])
    out.append(_condense(published, 1, print_limit))

    if not public:
        ev = document["evaluation"]
        notes = Section("notes", tk._("Evaluation notes of the Sekretariat SDI"),
                        [tk._("Topic"), tk._("Note")])
        for n in ev["notes"]:
            notes.rows.append([n["section"], n["text"]])
        out.append(notes)
        deliveries = Section("deliveries", tk._("Delivery of the report"),
                             [tk._("Date"), tk._("Letter number"), tk._("To"), tk._("Copies"),
                              tk._("Notes")])
        for d in ev["deliveries"]:
            deliveries.rows.append([formats.format_date(d["delivered_date"]),
                                    d["letter_number"], d["recipient"],
                                    d["copies"], d["notes"]])
        out.append(deliveries)
    return out


# -- charts (hand-written SVG) ------------------------------------------------------------------
#: widest advance of a character in DejaVu Sans / Liberation Sans, in em (digits and capitals
#: are narrower): text measured with it never runs past the space given to it
_EM = 0.64
CHART_WIDTH = 640


def _text_width(text: str, size: float) -> float:
    return len(text) * size * _EM


def _wrap(label: str, max_chars: int, max_lines: int = 2) -> list[str]:
    """Words of ``label`` in lines of at most ``max_chars``; the last line ends with "…"
    when the label is longer (the full label is in the chart's title and the table)."""
    lines: list[str] = []
    current = ""
    for word in label.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= max_chars:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word if len(word) <= max_chars else word[:max_chars - 1] + "…"
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = lines[:max_lines - 1] + [(last[:max_chars - 1] if len(last) >= max_chars
                                          else last) + "…"]
    return lines or [""]


def _bar_chart(rows: list[tuple[str, list[Optional[float]]]], maximum: float, unit: str,
               series: list[str], title: str, marker: Optional[float] = None,
               marker_label: str = "") -> Optional[Markup]:
    """Horizontal bars, one group per row, one bar per series (SVG, no script); ``None`` when
    there is nothing to draw. Every label has its own reserved box inside the viewBox: row
    labels wrap to two lines in a left column, values sit in a column after the longest bar,
    the legend and the marker's label wrap or shift to stay inside; nothing overlaps."""
    if not rows or all(v is None for _, values in rows for v in values):
        return None
    colors = ["#1f6f8b", "#b35c00", "#4d5862"]
    size, small, bar_h, gap, line_h = 11, 10, 14, 10, 13
    width = CHART_WIDTH
    labels = [_wrap(label, 28) for label, _ in rows]
    label_w = max(_text_width(line, size) for lines in labels for line in lines) + 8
    value_texts = [[("–" if v is None else fmt(v) + unit) for v in values] for _, values in rows]
    value_w = max(_text_width(t, small) for texts in value_texts for t in texts) + 8
    chart_w = width - label_w - value_w
    maximum = maximum or 1
    parts: list[str] = []
    # legend, wrapped to as many lines as it needs
    x, y = 0.0, 4.0
    for i, name in enumerate(series):
        item_w = 14 + _text_width(name, size) + 12
        if x and x + item_w > width:
            x, y = 0.0, y + 16
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="10" height="10" '
                     f'fill="{colors[i % 3]}"/><text x="{x + 14:.1f}" y="{y + 9:.1f}" '
                     f'font-size="{size}">{escape(name)}</text>')
        x += item_w
    top = y + 22
    y = top
    for (label, values), lines, texts in zip(rows, labels, value_texts):
        group_h = max(bar_h * len(values), line_h * len(lines)) + gap
        first = y + (group_h - gap - line_h * len(lines)) / 2 + size
        for n, line in enumerate(lines):
            parts.append(f'<text x="{label_w - 8:.1f}" y="{first + n * line_h:.1f}" '
                         f'font-size="{size}" text-anchor="end">{escape(line)}</text>')
        for i, value in enumerate(values):
            w = 0 if value is None else max(0.0, min(value, maximum)) / maximum * chart_w
            by = y + (group_h - gap - bar_h * len(values)) / 2 + i * bar_h
            parts.append(f'<rect x="{label_w:.1f}" y="{by:.1f}" width="{w:.1f}" '
                         f'height="{bar_h - 2}" fill="{colors[i % 3]}"/>'
                         f'<text x="{label_w + w + 4:.1f}" y="{by + bar_h - 4:.1f}" '
                         f'font-size="{small}">{escape(texts[i])}</text>')
        y += group_h
    if marker is not None:
        mx = label_w + min(marker, maximum) / maximum * chart_w
        text_x = min(mx + 3, width - _text_width(marker_label, small))
        parts.append(f'<line x1="{mx:.1f}" y1="{top - 4:.1f}" x2="{mx:.1f}" y2="{y:.1f}" '
                     f'stroke="#b42318" stroke-dasharray="4 3"/><text x="{text_x:.1f}" '
                     f'y="{y + 12:.1f}" font-size="{small}" fill="#b42318">'
                     f'{escape(marker_label)}</text>')
        y += 16
    height = y + 6
    full = "; ".join(f"{label}: " + ", ".join(texts) for (label, _), texts
                     in zip(rows, value_texts))
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="satudata-chart" '
                  f'viewBox="0 0 {width} {height:.0f}" width="{width}" height="{height:.0f}" '
                  f'role="img" aria-label="{escape(title)}"><title>{escape(title)}. '
                  f'{escape(full)}</title>' + "".join(parts) + "</svg>")


def chart_realisation(document: dict[str, Any]) -> Optional[Markup]:
    """Realisation rate per OPD (OPDs with Daftar Data items); ``None`` when none has one."""
    rows = [(o["title"], [o["realisation_rate"]]) for o in document["opds"] if o["items_planned"]]
    return _bar_chart(rows, 100.0, "%", [tk._("Realisation rate (%)")],
                      tk._("Realisation per OPD"))


def chart_timing(document: dict[str, Any]) -> Optional[Markup]:
    """Median and 90th percentile of each step against the SOP standard; ``None`` when no
    step was finished in the period."""
    timing = document.get("timing") or {}
    labels = step_labels()
    rows = [(labels[k], [t["median"], t["p90"]]) for k, t in timing.items()]
    values = [v for _, vs in rows for v in vs if v is not None]
    maximum = max(values + [5.0]) * 1.1
    return _bar_chart(rows, maximum, "", [tk._("Median"), tk._("90th percentile")],
                      tk._("Time per step (working days)"),
                      marker=5.0, marker_label=tk._("SOP standard: 5 days"))


def template_vars(document: dict[str, Any], json_sha256: str,
                  print_limit: Optional[int] = None) -> dict[str, Any]:
    """Everything the report templates need."""
    return {"document": document, "sections": sections(document, print_limit), "fmt": fmt,
            "title": report_title(document), "sha256": json_sha256,
            "government": government_name(), "agency": agency_name(),
            "chart_realisation": chart_realisation(document),
            "chart_timing": chart_timing(document)}


# -- files -----------------------------------------------------------------------------------
def to_json(document: dict[str, Any]) -> bytes:
    """The document as pretty JSON (UTF-8); its SHA-256 is over the canonical form."""
    import json

    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def to_csv(document: dict[str, Any]) -> bytes:
    """One CSV block per section: title row, header row, data rows, blank row (UTF-8 with
    BOM; numbers with a decimal point so that programs read them; formula-like text
    neutralised by :func:`spreadsheets.csv_row`)."""
    buffer = io.StringIO()
    csv_writer = csv.writer(buffer, lineterminator="\r\n")

    def write(row: list[Any]) -> None:
        csv_writer.writerow(spreadsheets.csv_row(row))

    write([report_title(document)])
    write([tk._("As of"), document["period"]["as_of"]])
    write([])
    for section in sections(document):
        write([section.title])
        write(section.columns)
        for row in section.rows:
            write(row)
        write([])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(document: dict[str, Any]) -> bytes:
    """A workbook with one sheet per section (numbers stay numbers; formula-like text is
    written as text by :func:`spreadsheets.xlsx_append`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for section in sections(document):
        name = section.title[:31]
        for bad in "[]:*?/\\":
            name = name.replace(bad, "-")
        while name in used:
            name = name[:29] + "_" + str(len(used))
        used.add(name)
        ws = wb.create_sheet(name)
        spreadsheets.xlsx_append(ws, [section.title])
        ws["A1"].font = Font(bold=True, size=13)
        spreadsheets.xlsx_append(ws, section.columns)
        for cell in ws[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in section.rows:
            spreadsheets.xlsx_append(ws, ["" if v is None else v for v in row])
        if section.note:
            ws.append([])
            spreadsheets.xlsx_append(ws, [section.note])
        for i, column in enumerate(ws.columns, start=1):
            width = max((len(str(c.value)) for c in list(column)[1:] if c.value is not None),
                        default=8)
            ws.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
        ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_html(document: dict[str, Any], json_sha256: str) -> str:
    """The standalone print document (the source of the PDF)."""
    return tk.render("satudata/report/document.html",
                     template_vars(document, json_sha256, print_limit=print_list_limit()))


def to_pdf(document: dict[str, Any], json_sha256: str) -> bytes:
    """A4 PDF with WeasyPrint: cover with the city government header, page numbers,
    table headers repeated on every page a table spans."""
    import weasyprint

    html = to_html(document, json_sha256)
    return weasyprint.HTML(string=html, base_url=tk.config.get("ckan.site_url") or None
                           ).write_pdf()


def render(document: dict[str, Any], fmt_: str, json_sha256: str) -> bytes:
    """The document in ``fmt_`` (json, pdf, xlsx, csv)."""
    if fmt_ == "json":
        return to_json(document)
    if fmt_ == "csv":
        return to_csv(document)
    if fmt_ == "xlsx":
        return to_xlsx(document)
    if fmt_ == "pdf":
        return to_pdf(document, json_sha256)
    raise ValueError(f"unknown format {fmt_}")


def filename(document: dict[str, Any], fmt_: str) -> str:
    org = document.get("organization")
    suffix = f"-{org['name']}" if org else ""
    scope = "-ringkasan-publik" if document.get("scope") == "public" else ""
    return f"laporan-statistik-sektoral-{document['year']}{suffix}{scope}.{fmt_}"
