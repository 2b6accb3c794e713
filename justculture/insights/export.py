"""The report as CSV (long format) and as a printable PDF learning summary (WeasyPrint).

Both come from the same Report as the page, so they hide exactly what the page hides: a hidden
count is an empty cell with suppressed=true in the CSV, and "fewer than N" in the PDF.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from justculture.insights.report import Report

CSV_HEADER = ("table", "dimension", "factor", "period", "measure", "count", "suppressed")
PDF_TEMPLATE = "insights/summary_pdf.jinja"
# A folder holding nothing the template refers to, so relative URLs lead nowhere.
_BASE_URL = str(Path(__file__).resolve().parent / "jinja2" / "insights") + "/"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    # Team and site names are typed by people: never let a spreadsheet read one as a formula.
    return "'" + value if value.startswith(_FORMULA_START) else value


def render_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in report.csv_rows():
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()


def render_html(report: Report) -> str:
    return render_to_string(PDF_TEMPLATE, {"report": report})


def _fetcher() -> Any:
    """Load nothing from outside the document (only data: URLs)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), fail_on_errors=False)


def render_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    document = HTML(string=render_html(report), base_url=_BASE_URL, url_fetcher=_fetcher())
    pdf: bytes = document.write_pdf(pdf_tags=True)
    return pdf
