"""Rendering a pack (the dictionary from builder.build_pack) as JSON, HTML, PDF and a zip.

The PDF is WeasyPrint's rendering of the HTML template packs/pdf.jinja (autoescaped, like every
template). Nothing is fetched while rendering: the template carries its own CSS, fonts come from
the system, and the URL fetcher refuses everything except inline data.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from justculture.cases.models import Case
from justculture.core.formatting import filesize
from justculture.packs.errors import PackError

TEMPLATE = "packs/pdf.jinja"
# WeasyPrint reports every layout step at INFO level; a pack is not worth a dozen log lines.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
# A local folder that holds nothing the template refers to: relative URLs cannot reach anywhere.
BASE_URL = str(Path(__file__).resolve().parent / "jinja2" / "packs") + "/"


def render_json(pack: dict[str, Any]) -> bytes:
    return (json.dumps(pack, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def render_html(pack: dict[str, Any]) -> str:
    return render_to_string(TEMPLATE, {
        "pack": pack, "cover": pack["cover"], "when": display_datetime, "day": display_date,
        "size": filesize, "years": display_years,
    })


def _url_fetcher() -> Any:
    """A fetcher that loads nothing but data: URLs (WeasyPrint 68+ takes a URLFetcher)."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # pragma: no cover - older WeasyPrint took a plain function
        def refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
            raise ValueError(f"The pack does not load external resources ({url[:40]}).")
        return refuse
    return URLFetcher(allowed_protocols=("data",), fail_on_errors=False)


def render_pdf(pack: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    document = HTML(string=render_html(pack), base_url=BASE_URL, url_fetcher=_url_fetcher())
    # Tagged PDF: headings, lists and tables stay navigable for screen-reader users.
    pdf: bytes = document.write_pdf(pdf_tags=True)
    return pdf


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _zip_time(pack: dict[str, Any]) -> tuple[int, int, int, int, int, int]:
    generated = datetime.fromisoformat(pack["generated_at"])
    return (max(generated.year, 1980), generated.month, generated.day,
            generated.hour, generated.minute, generated.second)


def render_zip(pack: dict[str, Any], case: Case) -> bytes:
    """pack.pdf, pack.json, every evidence file under appendices/, and a manifest of SHA-256 hashes.

    Each evidence file is checked against the hash recorded when it was uploaded; a file that is
    missing or no longer matches stops the zip with a PackError rather than going out unnoticed.
    """
    wanted = {item["document_id"]: item for item in pack["appendices"]}
    documents = {d.pk: d for d in case.documents.filter(pk__in=wanted)}
    files: list[tuple[str, bytes, str]] = [
        ("pack.pdf", render_pdf(pack), "The documentation pack (PDF)"),
        ("pack.json", render_json(pack), "The same content as JSON"),
    ]
    for document_id, item in sorted(wanted.items(), key=lambda pair: pair[1]["number"]):
        document = documents.get(document_id)
        if document is None:
            raise PackError(f"Evidence document {item['number']} was removed while the pack was being made. "
                            "Create the pack again.")
        try:
            with document.file.storage.open(document.file.name or "", "rb") as handle:
                content = handle.read()
        except FileNotFoundError as exc:
            raise PackError(f"The stored file for appendix {item['number']} ({item['file_name']}) is missing, "
                            "so the zip cannot be made. Ask your administrator to restore it.") from exc
        if _sha256(content) != document.sha256:
            raise PackError(f"The stored file for appendix {item['number']} ({item['file_name']}) no longer "
                            "matches the hash recorded when it was uploaded, so the zip was not made. "
                            "Ask your administrator to check the evidence store.")
        files.append((item["zip_path"], content, f"Appendix {item['number']}: {item['description']}"))

    manifest = {
        "schema": pack["schema"],
        "schema_version": pack["schema_version"],
        "case_reference": pack["cover"]["case_reference"],
        "generated_at": pack["generated_at"],
        "patient_details_included": pack["cover"]["patient_details"]["included"],
        "files": [
            {"path": path, "sha256": _sha256(content), "size": len(content), "description": description}
            for path, content, description in files
        ],
    }
    sums = "".join(f"{_sha256(content)}  {path}\n" for path, content, _ in files)
    stamp = _zip_time(pack)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content, _ in [*files, ("manifest.json", render_json(manifest), ""),
                                 ("SHA256SUMS", sums.encode("utf-8"), "")]:
            info = zipfile.ZipInfo(path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


# Display helpers for the template -------------------------------------------------------------


def display_datetime(value: str | None) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M}"


def display_date(value: str | None) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value[:10])
    return f"{day.day} {day:%B %Y}"


def display_years(value: str | None) -> str:
    if value is None:
        return "Not recorded"
    number = float(value)
    shown = f"{number:g}"
    return f"{shown} year" + ("" if number == 1 else "s")
