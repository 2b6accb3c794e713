"""The retention periods pages and the subject access pages: allowed role, forbidden role, other
organisation, the NHS.UK error summary with input kept, and audit."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.test import Client

from justculture.core.models import AuditEvent, Organisation, User
from justculture.retention.models import RetentionOverride
from tests.conftest import client_for
from tests.retention.conftest import Built


def test_the_periods_page_lists_each_rule_with_its_reasoning(admin_client: Client, org: Organisation) -> None:
    html = admin_client.get("/retention/").content.decode()
    assert "Retention periods" in html and "Closed cases and everything in them" in html
    assert "6 years" in html and "The date the case was last closed" in html
    assert "Sign-in attempts" in html and "Service-wide" in html
    assert 'href="/retention/closed-case/change/"' in html
    assert 'href="/retention/sign-in-attempts/change/"' not in html


def test_the_periods_page_is_refused_to_a_case_handler(handler_client: Client) -> None:
    assert handler_client.get("/retention/").status_code == 403
    assert handler_client.get("/retention/closed-case/change/").status_code == 403


def test_an_hr_adviser_may_read_the_periods_but_not_change_them(hr: User) -> None:
    client = client_for(hr)
    html = client.get("/retention/").content.decode()
    assert "Closed cases" in html and "/change/" not in html
    assert client.post("/retention/closed-case/change/", {"amount": "2", "unit": "years", "reason": "x"}
                       ).status_code == 403
    assert not RetentionOverride.objects.exists()


def test_a_bad_period_shows_the_error_summary_and_keeps_the_input(admin_client: Client) -> None:
    response = admin_client.post("/retention/closed-case/change/", {"amount": "3", "unit": "months",
                                                                    "reason": "Trust policy 7"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and 'href="#amount"' in html
    assert "must be at least 1 year" in html
    assert 'value="3"' in html and "Trust policy 7" in html and 'value="months" checked' in html
    assert "<title>Error: " in html
    assert not RetentionOverride.objects.exists()
    html = admin_client.post("/retention/closed-case/change/", {"amount": "", "unit": "years", "reason": ""}
                             ).content.decode()
    assert "Enter how many days, months or years" in html and "Enter why your organisation keeps" in html


def test_saving_a_period_is_audited_and_shown(admin_client: Client, admin: User, org: Organisation) -> None:
    response = admin_client.post("/retention/closed-case/change/", {"amount": "8", "unit": "years",
                                                                    "reason": "Trust policy 7"})
    assert response.status_code == 302 and response["Location"] == "/retention/"
    override = RetentionOverride.objects.get(organisation=org)
    assert (override.rule, override.amount, override.unit, override.updated_by) == ("closed-case", 8, "years", admin)
    assert AuditEvent.objects.get(action="retention.period").actor == admin.username
    html = admin_client.get("/retention/").content.decode()
    assert "8 years" in html and "Trust policy 7" in html
    admin_client.post("/retention/closed-case/change/", {"reset": "yes"})
    assert not RetentionOverride.objects.exists()
    assert AuditEvent.objects.filter(action="retention.period").count() == 2


def test_service_wide_and_unknown_rules_have_no_change_page(admin_client: Client) -> None:
    assert admin_client.get("/retention/sign-in-attempts/change/").status_code == 404
    assert admin_client.get("/retention/no-such-rule/change/").status_code == 404


def test_people_search_and_export_for_an_hr_adviser(full: Built, hr: User) -> None:
    client = client_for(hr)
    html = client.get("/subject-access/", {"q": "taylor"}).content.decode()
    assert "Sam Taylor" in html and full.case.reference in html
    assert f'href="/subject-access/{full.person.pk}/"' in html
    html = client.get("/subject-access/", {"q": full.case.reference}).content.decode()
    assert "Sam Taylor" in html
    assert "There is a problem" in client.get("/subject-access/", {"q": ""}).content.decode()
    page = client.get(f"/subject-access/{full.person.pk}/").content.decode()
    assert "Export everything held about Sam Taylor" in page
    response = client.post(f"/subject-access/{full.person.pk}/", {"include_patient_details": "no", "reason": ""})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert f'filename="subject-access-{full.person.pk}.zip"' in response["Content-Disposition"]
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("subject-access.json"))
    assert data["person"]["name"] == "Sam Taylor"
    assert AuditEvent.objects.filter(action="special-category.view", object_type="subject-access",
                                     actor=hr.username).count() == 1


def test_patient_details_need_a_reason_on_the_export_page(full: Built, hr: User) -> None:
    client = client_for(hr)
    html = client.post(f"/subject-access/{full.person.pk}/", {"include_patient_details": "yes",
                                                              "reason": ""}).content.decode()
    assert "There is a problem" in html and "Enter the reason for including patient details" in html
    assert 'value="yes" checked' in html
    assert not AuditEvent.objects.filter(action="special-category.view").exists()


def test_subject_access_is_refused_to_a_case_handler(full: Built, handler_client: Client) -> None:
    assert handler_client.get("/subject-access/").status_code == 403
    assert handler_client.get(f"/subject-access/{full.person.pk}/").status_code == 403
    assert handler_client.post(f"/subject-access/{full.person.pk}/", {"include_patient_details": "no"}
                               ).status_code == 403


def test_another_organisations_professional_is_not_found(full: Built, other_org: Organisation,
                                                         make_user: Any) -> None:
    client = client_for(make_user(other_org, "hr-adviser"))
    assert client.get(f"/subject-access/{full.person.pk}/").status_code == 404
    assert client.post(f"/subject-access/{full.person.pk}/", {"include_patient_details": "no"}).status_code == 404
    assert "Sam Taylor" not in client.get("/subject-access/", {"q": "Sam"}).content.decode()
    assert not AuditEvent.objects.filter(action="special-category.view").exists()


def test_the_header_links_to_the_new_pages_for_those_who_may_use_them(admin_client: Client,
                                                                      handler_client: Client) -> None:
    html = admin_client.get("/retention/").content.decode()
    assert 'href="/subject-access/">Subject access' in html and 'href="/retention/">Retention' in html
    html = handler_client.get("/cases/").content.decode()
    assert "/subject-access/" not in html and 'href="/retention/"' not in html
