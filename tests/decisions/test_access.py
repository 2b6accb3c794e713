"""Who may open and send each decision page: the allowed user, another organisation (404),
anonymous users (sent to sign in), and roles without the decide permission (403 on writes)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import resolve, reverse

from justculture.cases.models import Case
from justculture.core.models import AuditEvent
from justculture.decisions import services, views
from justculture.decisions.models import AdviceRecord, Decision, ReferralConsideration, RegulatorContact
from tests.conftest import client_for
from tests.decisions.conftest import decision_post


def read_urls(case: Case) -> list[str]:
    ref = case.reference
    return [f"/cases/{ref}/decision/", f"/cases/{ref}/referral/"]


def write_urls(case: Case) -> list[str]:
    ref = case.reference
    return [f"/cases/{ref}/decision/new/", f"/cases/{ref}/advice/new/", f"/cases/{ref}/referral/"]


def all_urls(case: Case) -> list[str]:
    return list(dict.fromkeys([*read_urls(case), *write_urls(case)]))


ANY_POST = {**decision_post(), "advised_on": "2026-01-05", "adviser": "x", "advice": "x", "regulator": "nmc"}


def test_the_url_names_and_paths():
    assert reverse("decisions:decision", args=["C-0001"]) == "/cases/C-0001/decision/"
    assert reverse("decisions:decision-new", args=["C-0001"]) == "/cases/C-0001/decision/new/"
    assert reverse("decisions:referral", args=["C-0001"]) == "/cases/C-0001/referral/"
    assert reverse("decisions:advice-new", args=["C-0001"]) == "/cases/C-0001/advice/new/"
    assert reverse("decisions:regulators") == "/cases/organisation-regulators/"
    # Not taken by the case page "<reference>/".
    assert resolve("/cases/organisation-regulators/").func is views.regulators


def test_a_decision_maker_opens_every_page(case, decider_client):
    for url in all_urls(case):
        assert decider_client.get(url).status_code == 200, url


def test_a_case_handler_can_read_but_not_write(case, handler_client):
    for url in read_urls(case):
        assert handler_client.get(url).status_code == 200, url
    for url in write_urls(case):
        assert handler_client.post(url, ANY_POST).status_code == 403, url
    # Pages that are only a form are refused up front.
    assert handler_client.get(f"/cases/{case.reference}/decision/new/").status_code == 403
    assert handler_client.get(f"/cases/{case.reference}/advice/new/").status_code == 403
    assert not Decision.objects.exists() and not AdviceRecord.objects.exists()
    assert not ReferralConsideration.objects.exists()


def test_the_read_pages_offer_no_forms_to_those_who_cannot_decide(case, handler_client):
    html = handler_client.get(f"/cases/{case.reference}/referral/").content.decode()
    assert 'id="main-form"' not in html
    assert "No referral considerations have been recorded yet." in html
    html = handler_client.get(f"/cases/{case.reference}/decision/").content.decode()
    assert "/decision/new/" not in html and "/advice/new/" not in html


def test_another_organisations_user_gets_404_everywhere(case, outsider, make_user, other_org):
    deciding_outsider = client_for(make_user(other_org, "decision-maker", "org-admin"))
    for client in (client_for(outsider), deciding_outsider):
        for url in all_urls(case):
            assert client.get(url).status_code == 404, url
            assert client.post(url, ANY_POST).status_code == 404, url
    assert not Decision.objects.exists() and not AdviceRecord.objects.exists()
    assert not ReferralConsideration.objects.exists()


def test_anonymous_users_are_sent_to_sign_in(case):
    client = Client()
    for url in [*all_urls(case), "/cases/organisation-regulators/"]:
        for response in (client.get(url), client.post(url, ANY_POST)):
            assert response.status_code == 302 and response["Location"].startswith("/sign-in/"), url


def test_a_team_scoped_decider_decides_only_for_their_team(org, team, other_team, handler, make_user, make_case):
    ward_decider = client_for(make_user(org, ("decision-maker", team)))
    theirs = make_case(handler, on_team=other_team, name="Jo Bloggs")
    assert ward_decider.get(f"/cases/{theirs.reference}/decision/").status_code == 404
    # A role for one team and a view role for the whole organisation: sees the case, cannot decide.
    viewer = client_for(make_user(org, ("decision-maker", team), "case-handler"))
    assert viewer.get(f"/cases/{theirs.reference}/decision/").status_code == 200
    assert viewer.post(f"/cases/{theirs.reference}/decision/new/", decision_post()).status_code == 403


def test_services_refuse_without_the_decide_permission(case, handler):
    with pytest.raises(PermissionDenied):
        services.advice_record(case=case, advised_on=case.created_at.date(), adviser="x", advice="y", by=handler)
    with pytest.raises(PermissionDenied):
        services.referral_considerations_save(case=case, regulator="nmc", answers={}, by=handler)
    assert not AuditEvent.objects.filter(action__in=["advice.record", "referral.considerations"]).exists()


def test_regulators_page_is_for_administrators_only(org, admin_client, handler_client, decider_client):
    assert admin_client.get("/cases/organisation-regulators/").status_code == 200
    for client in (handler_client, decider_client):
        assert client.get("/cases/organisation-regulators/").status_code == 403
        posted = client.post("/cases/organisation-regulators/", {"code": "gmc", "name": "Doctors"})
        assert posted.status_code == 403
    assert not RegulatorContact.objects.exists()
