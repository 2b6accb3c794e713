"""Evidence pages: the list, uploading (checked by content) and downloading (audited)."""

from __future__ import annotations

import hashlib
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from justculture.cases import services as case_services
from justculture.cases.models import Case, EvidenceDocument, FactorRecord
from justculture.core.models import AuditEvent, User
from tests.conftest import pdf_upload, read_bytes, text_upload
from tests.factors.conftest import stored_files


def upload_url(case: Case, factor: str | None = None) -> str:
    url = reverse("factors:evidence-upload", args=[case.reference])
    return f"{url}?factor={factor}" if factor else url


def list_url(case: Case) -> str:
    return reverse("factors:evidence", args=[case.reference])


def download_url(case: Case, document: EvidenceDocument) -> str:
    return reverse("factors:evidence-download", args=[case.reference, document.token])


def html(response: Any) -> str:
    return unescape(response.content.decode())


def checked(page: str, name: str) -> list[str]:
    """The values of the ticked checkboxes called name."""
    pattern = rf'<input[^>]*name="{name}" type="checkbox" value="([^"]*)"( checked)?'
    return [value for value, tick in re.findall(pattern, page) if tick]


def post_upload(client: Client, case: Case, upload: Any, factor: str | None = None, **data: Any) -> Any:
    fields = {"description": "Ward 7 rota", "document_date": "2024-03-01", **data}
    if upload is not None:
        fields["file"] = upload
    return client.post(upload_url(case, factor), fields)


# --- upload ---------------------------------------------------------------------------------


def test_upload_form(handler_client: Client, case: Case) -> None:
    response = handler_client.get(upload_url(case))
    assert response.status_code == 200
    page = html(response)
    assert 'enctype="multipart/form-data"' in page
    assert 'id="main-form"' in page and "novalidate" in page
    assert 'type="file"' in page and 'type="date"' in page
    assert checked(page, "factors") == []
    assert reverse("cases:detail", args=[case.reference]) in page


def test_upload_form_preselects_the_factor(handler_client: Client, case: Case) -> None:
    page = html(handler_client.get(upload_url(case, "distractions")))
    assert checked(page, "factors") == ["distractions"]


def test_upload_form_ignores_an_unknown_factor(handler_client: Client, case: Case) -> None:
    response = handler_client.get(upload_url(case, "not-a-factor"))
    assert response.status_code == 200
    assert checked(html(response), "factors") == []


def test_upload_pdf(handler_client: Client, handler: User, case: Case, media_root: Path) -> None:
    upload = pdf_upload("Ward 7 rota.pdf")
    content = upload.read()
    upload.seek(0)
    response = post_upload(handler_client, case, upload, factors=["staffing", "distractions"])
    assert response.status_code == 302
    assert response.url == list_url(case)
    document = EvidenceDocument.objects.get()
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert (document.kind, document.content_type) == ("pdf", "application/pdf")
    assert document.original_name == "Ward 7 rota.pdf"
    assert document.description == "Ward 7 rota"
    assert str(document.document_date) == "2024-03-01"
    assert document.uploaded_by == handler
    # Stored under MEDIA_ROOT with an opaque name, away from static files and the package.
    path = Path(document.file.path).resolve()
    assert path.is_relative_to(media_root.resolve())
    assert not path.is_relative_to(Path(django_settings.STATIC_ROOT).resolve())
    assert "rota" not in path.name
    assert path.read_bytes() == content
    assert stored_files(media_root) == [path]
    assert set(document.factor_records.values_list("factor_id", flat=True)) == {
        "staffing", "distractions"}
    event = AuditEvent.objects.get(action="evidence.upload")
    assert event.case_id == case.pk and event.changes["sha256"] == document.sha256
    assert "Ward 7 rota.pdf" in html(handler_client.get(response.url))


def test_upload_text_from_a_factor_returns_to_the_factor(
    handler_client: Client, case: Case
) -> None:
    upload = text_upload("statement.txt", "I was the only nurse on the bay.\n")
    response = post_upload(handler_client, case, upload, factor="staffing", factors=["staffing"])
    assert response.status_code == 302
    assert response.url == reverse("factors:edit", args=[case.reference, "staffing"])
    document = EvidenceDocument.objects.get()
    assert document.sha256 == hashlib.sha256(b"I was the only nurse on the bay.\n").hexdigest()
    assert document.kind == "text"
    record = FactorRecord.objects.get(case=case, factor_id="staffing")
    assert list(record.documents.all()) == [document]
    page = html(handler_client.get(response.url))
    assert "statement.txt uploaded." in page
    assert checked(page, "evidence") == [document.token]


def test_upload_without_a_date(handler_client: Client, case: Case) -> None:
    response = post_upload(handler_client, case, pdf_upload(), document_date="")
    assert response.status_code == 302
    assert EvidenceDocument.objects.get().document_date is None


def _exe() -> SimpleUploadedFile:
    return SimpleUploadedFile("rota.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00PE\x00\x00" * 8)


def _html_as_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("rota.pdf", b"<html><script>alert(1)</script></html>")


def _pdf_as_text() -> SimpleUploadedFile:
    return SimpleUploadedFile("notes.txt", b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n")


def _empty() -> SimpleUploadedFile:
    return SimpleUploadedFile("empty.pdf", b"")


@pytest.mark.parametrize(("make", "message"), [
    (_empty, "is empty"),
    (_exe, "is not a type we accept"),
    (_html_as_pdf, "but its name ends with '.pdf'"),
    (_pdf_as_text, "contains a PDF, but its name ends with '.txt'"),
])
def test_bad_files_are_refused_and_nothing_is_kept(
    make: Any, message: str, handler_client: Client, case: Case, media_root: Path
) -> None:
    before = AuditEvent.objects.count()
    response = post_upload(handler_client, case, make(), factor="staffing",
                           description="Kept description", factors=["staffing"])
    assert response.status_code == 200
    page = html(response)
    assert "There is a problem" in page
    assert message in page
    assert 'href="#file"' in page
    assert "Choose the file again" in page
    assert 'value="Kept description"' in page
    assert 'value="2024-03-01"' in page
    assert checked(page, "factors") == ["staffing"]
    assert not EvidenceDocument.objects.exists()
    assert not FactorRecord.objects.exists()
    assert AuditEvent.objects.count() == before
    assert stored_files(media_root) == []


def test_failure_after_storing_leaves_nothing_behind(
    handler_client: Client, case: Case, media_root: Path, monkeypatch: Any
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(case_services.audit, "record", broken)
    with pytest.raises(RuntimeError):
        post_upload(handler_client, case, pdf_upload(), factors=["staffing"])
    assert not EvidenceDocument.objects.exists()
    assert not FactorRecord.objects.exists()
    assert stored_files(media_root) == []


def test_oversize_file_is_refused(
    handler_client: Client, case: Case, media_root: Path, settings: Any
) -> None:
    settings.JUSTCULTURE = {**settings.JUSTCULTURE, "MAX_UPLOAD_BYTES": 40}
    response = post_upload(handler_client, case, pdf_upload(body=b"x" * 100))
    assert response.status_code == 200
    page = html(response)
    assert "There is a problem" in page and "is larger than 40 bytes. Choose a smaller file." in page
    assert not EvidenceDocument.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence.upload").exists()
    assert stored_files(media_root) == []


def test_missing_file_and_description(handler_client: Client, case: Case) -> None:
    response = post_upload(handler_client, case, None, description="")
    assert response.status_code == 200
    page = html(response)
    assert "There is a problem" in page
    assert "Choose a file to upload" in page
    assert "Describe the document" in page
    assert "Choose the file again" not in page
    assert not EvidenceDocument.objects.exists()


def test_good_file_with_a_form_error_must_be_chosen_again(
    handler_client: Client, case: Case, media_root: Path
) -> None:
    response = post_upload(handler_client, case, pdf_upload(), description="", document_date="31/02/2024")
    assert response.status_code == 200
    page = html(response)
    assert "Describe the document" in page and "Enter a real date for the document" in page
    assert "Choose the file again" in page
    assert not EvidenceDocument.objects.exists()
    assert stored_files(media_root) == []


def test_future_document_date_is_refused(handler_client: Client, case: Case) -> None:
    response = post_upload(handler_client, case, pdf_upload(), document_date="2999-01-01")
    assert response.status_code == 200
    assert "must be today or in the past" in html(response)


def test_upload_needs_the_permission(
    reader_client: Client, elsewhere_client: Client, case: Case, media_root: Path
) -> None:
    for client in (reader_client, elsewhere_client):
        assert client.get(upload_url(case)).status_code == 403
        assert post_upload(client, case, pdf_upload()).status_code == 403
    assert not EvidenceDocument.objects.exists()
    assert stored_files(media_root) == []


def test_upload_is_hidden_from_other_organisations(outsider_client: Client, case: Case) -> None:
    assert outsider_client.get(upload_url(case)).status_code == 404
    assert post_upload(outsider_client, case, pdf_upload()).status_code == 404
    assert not EvidenceDocument.objects.exists()


def test_upload_needs_sign_in(anon_client: Client, case: Case) -> None:
    for response in (anon_client.get(upload_url(case)), post_upload(anon_client, case, pdf_upload())):
        assert response.status_code == 302
        assert response.url.startswith("/sign-in/")
    assert not EvidenceDocument.objects.exists()


# --- list -----------------------------------------------------------------------------------


@pytest.fixture
def document(handler: User, case: Case) -> EvidenceDocument:
    from datetime import date

    return case_services.evidence_upload(
        case=case, upload=pdf_upload("rota.pdf"), description="Rota <b>for</b> March",
        document_date=date(2024, 3, 1), factor_ids=["staffing", "team-culture"], by=handler,
    )


def test_evidence_list(handler_client: Client, case: Case, document: EvidenceDocument) -> None:
    response = handler_client.get(list_url(case))
    assert response.status_code == 200
    raw = response.content.decode()
    assert "Rota &lt;b&gt;for&lt;/b&gt; March" in raw
    page = html(response)
    assert "rota.pdf" in page
    assert "1 March 2024" in page
    assert "PDF" in page and "bytes" in page
    assert document.sha256[:12] in page
    assert f'title="SHA-256 {document.sha256}"' in page
    assert f'<span class="nhsuk-u-visually-hidden">{document.sha256}</span>' in page
    assert "Test User" in page
    assert "Staffing, skill mix and workload" in page and "Working practices, norms and culture" in page
    assert download_url(case, document) in page
    assert "<caption" in page and 'scope="col"' in page
    assert page.count("<h1") == 1


def test_evidence_list_without_documents(handler_client: Client, case: Case) -> None:
    page = html(handler_client.get(list_url(case)))
    assert "No documents have been uploaded" in page


def test_evidence_list_is_hidden_from_other_organisations(
    outsider_client: Client, case: Case, document: EvidenceDocument
) -> None:
    assert outsider_client.get(list_url(case)).status_code == 404


def test_evidence_list_needs_sign_in(anon_client: Client, case: Case) -> None:
    response = anon_client.get(list_url(case))
    assert response.status_code == 302 and response.url.startswith("/sign-in/")


def test_evidence_list_hides_download_links_without_permission(
    elsewhere_client: Client, case: Case, document: EvidenceDocument
) -> None:
    response = elsewhere_client.get(list_url(case))
    assert response.status_code == 200
    assert download_url(case, document) not in html(response)
    assert "Upload a document" not in html(response)


# --- download -------------------------------------------------------------------------------


def test_download_returns_the_same_bytes(
    handler_client: Client, handler: User, case: Case, document: EvidenceDocument
) -> None:
    response = handler_client.get(download_url(case, document))
    assert response.status_code == 200
    body = read_bytes(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == document.sha256
    assert body.startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="rota.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.get(action="evidence.download")
    assert (event.case_id, event.actor_id, event.object_id) == (case.pk, handler.pk, str(document.pk))


def test_download_keeps_an_unusual_file_name(
    handler_client: Client, handler: User, case: Case
) -> None:
    document = case_services.evidence_upload(
        case=case, upload=text_upload("Prüfbericht.txt"), description="Report", by=handler)
    response = handler_client.get(download_url(case, document))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "filename*=utf-8''Pr%C3%BCfbericht.txt" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")
    response.close()


def test_download_needs_the_permission(
    elsewhere_client: Client, case: Case, document: EvidenceDocument
) -> None:
    assert elsewhere_client.get(download_url(case, document)).status_code == 403
    assert not AuditEvent.objects.filter(action="evidence.download").exists()


def test_download_is_hidden_from_other_organisations(
    outsider_client: Client, case: Case, document: EvidenceDocument
) -> None:
    assert outsider_client.get(download_url(case, document)).status_code == 404
    assert not AuditEvent.objects.filter(action="evidence.download").exists()


def test_download_needs_sign_in(anon_client: Client, case: Case, document: EvidenceDocument) -> None:
    response = anon_client.get(download_url(case, document))
    assert response.status_code == 302 and response.url.startswith("/sign-in/")


def test_download_of_another_cases_document_is_404(
    handler_client: Client, handler: User, case: Case, make_case: Any, document: EvidenceDocument
) -> None:
    other = make_case(handler, name="Alex Jones")
    url = reverse("factors:evidence-download", args=[other.reference, document.token])
    assert handler_client.get(url).status_code == 404
    missing = reverse("factors:evidence-download", args=[case.reference, "0" * 32])
    assert handler_client.get(missing).status_code == 404


def test_download_is_get_only(handler_client: Client, case: Case, document: EvidenceDocument) -> None:
    assert handler_client.post(download_url(case, document)).status_code == 405
