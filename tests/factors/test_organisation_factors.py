"""An organisation's own contextual factors: the page, the service and the route."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import resolve, reverse

from justculture.cases import factor_views as views
from justculture.cases.models import Case, FactorRecord
from justculture.core import audit
from justculture.core.models import AuditEvent, Organisation, User
from justculture.factors.models import OrganisationFactor
from justculture.factors.services import FactorRuleError, factor_key, organisation_factor_create

URL = "/cases/organisation-factors/"


def html(response: Any) -> str:
    return unescape(response.content.decode())


def test_route_is_not_taken_by_the_case_routes() -> None:
    assert reverse("factors:organisation") == URL
    assert resolve(URL).func is views.organisation_factors
    assert resolve("/cases/C-0001/evidence/upload/").url_name == "evidence-upload"
    assert resolve("/cases/C-0001/evidence/abc123/").url_name == "evidence-download"


def test_admin_sees_the_page(admin_client: Client) -> None:
    response = admin_client.get(URL)
    assert response.status_code == 200
    page = html(response)
    assert "Your organisation's contextual factors" in page
    assert "has not added any factors yet" in page
    assert 'id="main-form"' in page


def test_admin_adds_a_factor(admin_client: Client, admin: User, org: Organisation) -> None:
    response = admin_client.post(URL, {
        "title": "IT system outage", "description": "The electronic record was unavailable."})
    assert response.status_code == 302 and response.url == URL
    factor = OrganisationFactor.objects.get()
    assert (factor.organisation, factor.key, factor.title) == (org, "it-system-outage", "IT system outage")
    event = AuditEvent.objects.get(action="organisation-factor.create")
    assert event.organisation_id == org.pk and event.actor_id == admin.pk
    # The title (and the key made from it) are free text: the log names the factor by its id.
    assert event.changes == {"key": audit.FREE_TEXT, "title": audit.FREE_TEXT, "description": audit.FREE_TEXT}
    assert event.summary == f"Contextual factor {factor.pk} added for the organisation"
    page = html(admin_client.get(URL))
    assert "Contextual factor added: IT system outage." in page
    assert "it-system-outage" in page


def test_duplicate_title_is_refused_clearly(admin_client: Client, admin: User, org: Organisation) -> None:
    organisation_factor_create(organisation=org, title="IT system outage", description="x", by=admin)
    before = AuditEvent.objects.count()
    response = admin_client.post(URL, {"title": "IT  System outage!", "description": "Again"})
    assert response.status_code == 200
    page = html(response)
    assert "There is a problem" in page
    assert "already has a factor called 'IT system outage'" in page
    assert 'href="#title"' in page
    assert 'value="IT  System outage!"' in page
    assert OrganisationFactor.objects.count() == 1
    assert AuditEvent.objects.count() == before


def test_same_title_in_another_organisation_is_fine(
    admin: User, org: Organisation, other_org: Organisation, make_user: Any
) -> None:
    other_admin = make_user(other_org, "org-admin")
    organisation_factor_create(organisation=org, title="Agency induction", description="", by=admin)
    organisation_factor_create(
        organisation=other_org, title="Agency induction", description="", by=other_admin)
    assert OrganisationFactor.objects.filter(key="agency-induction").count() == 2


def test_title_needs_letters_or_numbers(admin_client: Client) -> None:
    response = admin_client.post(URL, {"title": "!!!", "description": "Nothing"})
    assert response.status_code == 200
    assert "letters or numbers" in html(response)
    assert not OrganisationFactor.objects.exists()


def test_missing_fields(admin_client: Client) -> None:
    response = admin_client.post(URL, {"title": "", "description": "Kept text"})
    assert response.status_code == 200
    page = html(response)
    assert "There is a problem" in page and "Enter a title for the factor" in page
    assert "Kept text" in page


def test_page_needs_the_administer_permission(
    handler_client: Client, outsider_client: Client
) -> None:
    for client in (handler_client, outsider_client):
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"title": "A factor", "description": "x"}).status_code == 403
    assert not OrganisationFactor.objects.exists()


def test_page_needs_sign_in(anon_client: Client) -> None:
    response = anon_client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/sign-in/")


def test_service_checks_permission_and_organisation(
    handler: User, admin: User, org: Organisation, other_org: Organisation
) -> None:
    with pytest.raises(PermissionDenied):
        organisation_factor_create(organisation=org, title="A", description="", by=handler)
    with pytest.raises(PermissionDenied):
        organisation_factor_create(organisation=other_org, title="A", description="", by=admin)
    with pytest.raises(FactorRuleError):
        organisation_factor_create(organisation=org, title="  --  ", description="", by=admin)
    assert not OrganisationFactor.objects.exists()


def test_key_is_a_bounded_slug() -> None:
    assert factor_key("Équipe & night shift") == "equipe-night-shift"
    assert len(factor_key("word " * 40)) <= 60
    assert not factor_key("word " * 40).endswith("-")


def test_own_factor_can_be_recorded_on_a_case(
    handler_client: Client, admin: User, org: Organisation, case: Case
) -> None:
    organisation_factor_create(
        organisation=org, title="IT system outage", description="The EPR was down.", by=admin)
    url = reverse("factors:edit", args=[case.reference, "org-it-system-outage"])
    page = html(handler_client.get(url))
    assert "IT system outage" in page and "The EPR was down." in page
    response = handler_client.post(url, {"present": "yes", "contribution": "minor", "account": ""})
    assert response.status_code == 302
    assert FactorRecord.objects.filter(case=case, factor_id="org-it-system-outage").exists()
