"""A double submit (a double click, or the browser sending the form again) creates one thing: the
creating forms carry a one-time token (penetration test finding 8)."""

from __future__ import annotations

import re

from django.test import Client

from justculture.cases.models import Case, Incident, Person
from justculture.decisions.models import Decision
from tests.decisions.conftest import decision_post


def _token(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    found = re.search(r'name="submission_token" value="([^"]+)"', html)
    assert found, "the form carries no one-time token"
    return found.group(1)


def test_the_incident_form_twice_records_one_incident(team, handler_client):
    token = _token(handler_client, "/cases/incidents/new/")
    data = {"occurred_date": "2026-10-01", "occurred_time": "03:15", "team": team.pk, "location": "Bay 4",
            "description": "Insulin given twice.", "submission_token": token}
    first = handler_client.post("/cases/incidents/new/", data)
    second = handler_client.post("/cases/incidents/new/", data)
    assert Incident.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    # A fresh form (a new token) records a second incident, as the person meant.
    handler_client.post("/cases/incidents/new/", {**data, "submission_token": _token(handler_client, "/cases/incidents/new/")})
    assert Incident.objects.count() == 2


def test_the_case_form_twice_opens_one_case_about_one_person(case, handler_client):
    url = f"/cases/incidents/{case.incident.reference}/new-case/"
    data = {"name": "Alex Morgan", "role_title": "Staff nurse", "staff_group": "nursing-midwifery",
            "registration_body": "nmc", "registration_number": "99Z9999Z", "employment_type": "bank",
            "concern": "Gave insulin twice.", "submission_token": _token(handler_client, url)}
    first = handler_client.post(url, data)
    second = handler_client.post(url, data)
    assert first.status_code == 302 and second["Location"] == first["Location"]
    assert Case.objects.count() == 2  # the fixture's case and this one
    assert Person.objects.filter(name="Alex Morgan").count() == 1


def test_an_invalid_form_keeps_its_token_so_the_corrected_submit_is_still_once(team, handler_client):
    token = _token(handler_client, "/cases/incidents/new/")
    bad = handler_client.post("/cases/incidents/new/", {"team": team.pk, "submission_token": token})
    assert bad.status_code == 200 and f'value="{token}"' in bad.content.decode()
    data = {"occurred_date": "2026-10-01", "occurred_time": "03:15", "team": team.pk, "location": "Bay 4",
            "description": "Insulin given twice.", "submission_token": token}
    handler_client.post("/cases/incidents/new/", data)
    handler_client.post("/cases/incidents/new/", data)
    assert Incident.objects.count() == 1


def test_the_decision_form_twice_records_one_decision(case_d, decider_client):
    url = f"/cases/{case_d.reference}/decision/new/"
    data = {**decision_post(), "submission_token": _token(decider_client, url)}
    first = decider_client.post(url, data)
    second = decider_client.post(url, data)
    assert first.status_code == 302 and second["Location"] == first["Location"]
    assert Decision.objects.filter(case=case_d).count() == 1


def test_a_token_is_only_good_for_the_person_it_was_given_to(team, handler_client, org, make_user):
    from tests.conftest import client_for

    token = _token(handler_client, "/cases/incidents/new/")
    data = {"occurred_date": "2026-10-01", "occurred_time": "03:15", "team": team.pk, "location": "Bay 4",
            "description": "Insulin given twice.", "submission_token": token}
    handler_client.post("/cases/incidents/new/", data)
    colleague = client_for(make_user(org, "case-handler"))
    colleague.post("/cases/incidents/new/", data)
    assert Incident.objects.count() == 2
