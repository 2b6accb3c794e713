"""The pack page: who may open it, the pack made by the task worker, its status page and the
audited download, and errors that keep the input."""

from __future__ import annotations

import io
import json
import zipfile

from django.test import Client
from django.urls import reverse

from justculture.cases.models import Case
from justculture.core import audit
from justculture.core.models import AuditEvent
from justculture.packs.models import PackRequest
from tests.conftest import client_for
from tests.deploy.worker import run_queued_tasks


def pack_url(case: Case) -> str:
    return reverse("packs:pack", args=[case.reference])


def test_the_url(case: Case) -> None:
    assert pack_url(case) == f"/cases/{case.reference}/pack/"


def test_the_page_describes_the_pack_and_offers_the_choices(case: Case, handler_client: Client) -> None:
    response = handler_client.get(pack_url(case))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Documentation pack</h1>" in page
    assert 'id="main-form"' in page and 'name="csrfmiddlewaretoken"' in page
    for value in ["pdf", "json", "zip"]:
        assert f'value="{value}"' in page
    assert 'name="include_patient_details"' in page and 'name="reason"' in page
    assert "Create the pack" in page and "Only include patient details when they are needed" in page


def test_another_organisation_gets_404(case: Case, outsider_client: Client) -> None:
    assert outsider_client.get(pack_url(case)).status_code == 404
    assert outsider_client.post(pack_url(case), {"format": "json"}).status_code == 404
    assert not AuditEvent.objects.filter(action="pack.generate").exists()


def test_anonymous_users_are_sent_to_sign_in(case: Case) -> None:
    for response in [Client().get(pack_url(case)), Client().post(pack_url(case), {"format": "json"})]:
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_a_role_that_cannot_see_cases_gets_404(case: Case, org, make_user) -> None:
    client = client_for(make_user(org, "equality-analyst"))
    assert client.get(pack_url(case)).status_code == 404
    assert client.post(pack_url(case), {"format": "pdf"}).status_code == 404


def test_seeing_the_case_without_the_evidence_permission_for_its_team_is_403(
    case: Case, org, other_team, make_user
) -> None:
    # Assigned to the case (so it is visible), but the role covers another team only.
    user = make_user(org, ("case-handler", other_team))
    case.assigned_to.add(user)
    client = client_for(user)
    assert client.get(f"/cases/{case.reference}/").status_code == 200
    assert client.get(pack_url(case)).status_code == 403
    assert client.post(pack_url(case), {"format": "json"}).status_code == 403
    assert not AuditEvent.objects.filter(action="pack.generate").exists()


def _assert_attachment(response, filename: str, content_type: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def _ask_and_fetch(client: Client, case: Case, data: dict[str, str]):
    """Ask for a pack, run the worker, follow the status page's download link; the response."""
    asked = client.post(pack_url(case), data)
    assert asked.status_code == 302
    status_url = asked["Location"]
    page = client.get(status_url).content.decode()
    assert "Queued" in page and "Refresh status" in page and "Download" not in page
    run_queued_tasks()
    page = client.get(status_url).content.decode()
    assert "Ready" in page and "Refresh status" not in page
    download_url = status_url + "download/"
    assert f'href="{download_url}"' in page
    response = client.get(download_url)
    # Reading the stream to the end closes the response (the test client's wrapper does it).
    body = b"".join(response.streaming_content)
    return response, body


def test_each_format_downloads(decided_case: Case, demo_users) -> None:
    client = client_for(demo_users["decision.maker"])
    response, body = _ask_and_fetch(client, decided_case, {"format": "pdf"})
    _assert_attachment(response, "C-0001-documentation-pack.pdf", "application/pdf")
    assert body.startswith(b"%PDF-")
    response, body = _ask_and_fetch(client, decided_case, {"format": "json"})
    _assert_attachment(response, "C-0001-documentation-pack.json", "application/json")
    assert json.loads(body)["cover"]["case_reference"] == "C-0001"
    response, body = _ask_and_fetch(client, decided_case, {"format": "zip"})
    _assert_attachment(response, "C-0001-documentation-pack.zip", "application/zip")
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    events = AuditEvent.objects.filter(case_id=decided_case.pk, action="pack.generate")
    assert [e.changes["format"] for e in events.order_by("id")] == ["pdf", "json", "zip"]
    downloads = AuditEvent.objects.filter(case_id=decided_case.pk, action="pack.download")
    assert downloads.count() == 3
    assert all(e.actor == "decision.maker" for e in downloads)
    # The pack page lists the user's own requests, each linking to its status page.
    page = client.get(pack_url(decided_case)).content.decode()
    assert page.count("asked for") >= 3 and "ready" in page


def test_patient_details_without_a_reason_redisplay_the_form(patient_case: Case, handler_client: Client) -> None:
    response = handler_client.post(pack_url(patient_case),
                                   {"format": "zip", "include_patient_details": "yes", "reason": " "})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and 'href="#reason"' in page
    assert "Enter why patient details need to be included" in page
    assert "<title>Error: " in page
    # What was chosen is kept.
    assert 'value="zip" checked' in page
    assert 'name="include_patient_details" type="checkbox" value="yes" checked' in page
    assert not AuditEvent.objects.filter(action__startswith="pack.").exists()
    assert not PackRequest.objects.exists()


def test_no_format_is_an_error(case: Case, handler_client: Client) -> None:
    response = handler_client.post(pack_url(case), {"format": "docx", "reason": "kept text"})
    page = response.content.decode()
    assert response.status_code == 200 and "Select the format of the pack" in page and 'href="#format"' in page
    assert "kept text" in page


def test_patient_details_with_a_reason_are_included_and_audited(patient_case: Case, handler_client: Client) -> None:
    response, body = _ask_and_fetch(handler_client, patient_case, {
        "format": "json", "include_patient_details": "yes", "reason": "Regulator's request of 3 March"})
    _assert_attachment(response, "C-0001-documentation-pack-with-patient-details.json", "application/json")
    assert "Jane Mary Doe" in body.decode("utf-8")
    included = AuditEvent.objects.get(action="pack.patient-details-included")
    # The reason is free text: the log names the request, which keeps it.
    assert included.changes["reason"] == audit.FREE_TEXT
    assert PackRequest.objects.get(pk=included.changes["request"]).reason == "Regulator's request of 3 March"
    assert "Regulator" not in json.dumps([included.summary, included.changes])


def test_the_default_download_is_redacted(patient_case: Case, handler_client: Client) -> None:
    response, body = _ask_and_fetch(handler_client, patient_case, {"format": "json", "reason": ""})
    _assert_attachment(response, "C-0001-documentation-pack.json", "application/json")
    assert "Jane" not in body.decode("utf-8")
