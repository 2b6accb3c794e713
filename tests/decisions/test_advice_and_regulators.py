"""Advice taken about a case, and an organisation's own regulator details."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from justculture.core.models import AuditEvent
from justculture.decisions.models import AdviceRecord, RegulatorContact
from justculture.decisions.selectors import regulator_for
from tests.conftest import client_for


def test_advice_is_recorded_and_listed(case, decider, decider_client):
    url = f"/cases/{case.reference}/advice/new/"
    html = decider_client.get(url).content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in html
    response = decider_client.post(url, {
        "advised_on": "2026-01-05", "adviser": "NMC employer link service, J. Smith",
        "advice": "Local action first; refer if the pattern continues.",
    })
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.reference}/decision/"
    record = AdviceRecord.objects.get()
    assert record.recorded_by == decider and record.advised_on.isoformat() == "2026-01-05"
    event = AuditEvent.objects.get(action="advice.record")
    assert "pattern" not in str(event.changes)
    html = decider_client.get(f"/cases/{case.reference}/decision/").content.decode()
    assert "Advice from NMC employer link service, J. Smith recorded." in html
    assert "Local action first; refer if the pattern continues." in html and "5 January 2026" in html
    assert "Local action first" in decider_client.get(f"/cases/{case.reference}/referral/").content.decode()


def test_advice_from_the_referral_page_returns_there(case, decider_client):
    url = f"/cases/{case.reference}/advice/new/?from=referral"
    assert f'href="/cases/{case.reference}/referral/"' in decider_client.get(url).content.decode()
    response = decider_client.post(url, {"advised_on": "2026-01-05", "adviser": "HR", "advice": "Wait."})
    assert response["Location"] == f"/cases/{case.reference}/referral/"


def test_invalid_advice_keeps_input(case, decider_client):
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = decider_client.post(f"/cases/{case.reference}/advice/new/", {
        "advised_on": future, "adviser": "Kept <adviser>", "advice": " ",
    })
    html = response.content.decode()
    assert "There is a problem" in html
    assert "The date of the advice must be today or in the past" in html
    assert "Enter the advice that was given" in html
    assert 'value="Kept &lt;adviser&gt;"' in html and f'value="{future}"' in html
    assert not AdviceRecord.objects.exists()


def test_an_administrator_overrides_a_regulators_details(org, other_org, admin, admin_client, make_user):
    page = admin_client.get("/cases/organisation-regulators/").content.decode()
    assert "General Medical Council" in page and "https://www.gmc-uk.org" in page
    assert "Not registered with a regulator" not in page
    prefilled = admin_client.get("/cases/organisation-regulators/?code=gmc").content.decode()
    assert 'value="General Medical Council"' in prefilled and "Change the details for General Medical Council" in prefilled

    response = admin_client.post("/cases/organisation-regulators/", {
        "code": "gmc", "name": "General Medical Council (North)", "register": "",
        "referral_contact": "Employer liaison adviser: 0161 000 0000",
    })
    assert response.status_code == 302 and response["Location"] == "/cases/organisation-regulators/"
    contact = RegulatorContact.objects.get()
    assert contact.organisation == org and contact.code == "gmc"
    assert AuditEvent.objects.filter(action="regulator.contact").exists()
    regulator = regulator_for(org, "gmc")
    assert regulator is not None and regulator.referral_contact.startswith("Employer liaison")
    assert regulator.register.startswith("Doctors")  # a blank register keeps the packaged one
    page = admin_client.get("/cases/organisation-regulators/").content.decode()
    assert "Referral details for General Medical Council (North) saved." in page
    assert "Employer liaison adviser: 0161 000 0000" in page and "Your organisation's details" in page

    # Another organisation keeps the packaged details.
    other_admin = client_for(make_user(other_org, "org-admin"))
    assert "Employer liaison adviser" not in other_admin.get("/cases/organisation-regulators/").content.decode()


def test_the_referral_page_uses_the_organisations_details(case, admin_client, decider_client):
    admin_client.post("/cases/organisation-regulators/", {
        "code": "nmc", "name": "NMC", "referral_contact": "Call 0207 000 0000"})
    html = decider_client.get(f"/cases/{case.reference}/referral/").content.decode()
    assert "Call 0207 000 0000" in html and '<option value="nmc" selected' in html


def test_invalid_regulator_form_keeps_input(admin_client):
    response = admin_client.post("/cases/organisation-regulators/", {
        "code": "none", "name": "", "register": "Kept register"})
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Select a regulator from the list" in html and "Enter the regulator&#39;s name" in html
    assert 'value="Kept register"' in html
    assert not RegulatorContact.objects.exists()
