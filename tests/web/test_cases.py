"""Incidents, cases, acts and status: every URL for the allowed user, another organisation and
anonymous users; invalid forms keep the input; services audit and roll back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from justculture.cases import services
from justculture.cases.models import Act, Case, Incident, Person
from justculture.casework.status import case_status_change
from justculture.core.errors import ServiceError
from justculture.core.models import AuditEvent
from justculture.core.services import team_create
from tests.conftest import client_for


def case_urls(case: Case) -> list[str]:
    ref = case.reference
    return [
        f"/cases/{ref}/", f"/cases/{ref}/concern/", f"/cases/{ref}/acts/new/",
        f"/cases/{ref}/acts/1/edit/", f"/cases/{ref}/status/", f"/cases/{ref}/timeline/",
        f"/cases/incidents/{case.incident.reference}/", f"/cases/incidents/{case.incident.reference}/new-case/",
    ]


def test_case_pages_open_for_the_handler(case, handler_client):
    for url in case_urls(case):
        assert handler_client.get(url).status_code == 200, url


def test_another_organisations_user_gets_404_everywhere(case, outsider_client):
    for url in case_urls(case):
        assert outsider_client.get(url).status_code == 404, url
        posted = outsider_client.post(url, {"concern": "x", "description": "x", "status": "closed"})
        assert posted.status_code == 404, url
    # and the list does not show the case
    assert case.reference not in outsider_client.get("/cases/").content.decode()


def test_anonymous_users_are_sent_to_sign_in(case):
    client = Client()
    for url in [*case_urls(case), "/cases/", "/cases/incidents/new/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/"), url


def test_a_team_scoped_handler_sees_only_their_teams_cases(org, team, other_team, handler, make_user, make_case):
    ward_only = make_user(org, ("case-handler", team))
    mine = make_case(handler, on_team=team)
    theirs = make_case(handler, on_team=other_team, name="Jo Bloggs")
    client = client_for(ward_only)
    assert client.get(f"/cases/{mine.reference}/").status_code == 200
    assert client.get(f"/cases/{theirs.reference}/").status_code == 404
    listing = client.get("/cases/").content.decode()
    assert mine.reference in listing and theirs.reference not in listing


def test_equality_analyst_cannot_see_cases(org, case, make_user):
    analyst = client_for(make_user(org, "equality-analyst"))
    assert analyst.get(f"/cases/{case.reference}/").status_code == 404
    assert analyst.get("/cases/incidents/new/").status_code == 403


def test_record_an_incident_then_open_a_case(team, handler, handler_client):
    response = handler_client.post("/cases/incidents/new/", {
        "occurred_date": "2026-10-01", "occurred_time": "03:15", "team": team.pk,
        "location": "Bay 4", "description": "Insulin given twice.", "external_reference": "LRMS-1",
    })
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/incidents/{incident.reference}/new-case/"
    assert incident.reference == "INC-0001" and incident.team == team
    assert timezone.localtime(incident.occurred_at).hour == 3

    response = handler_client.post(f"/cases/incidents/{incident.reference}/new-case/", {
        "name": "Alex Morgan", "role_title": "Staff nurse", "staff_group": "nursing-midwifery",
        "registration_body": "nmc", "registration_number": "99Z9999Z", "band_or_grade": "Band 5",
        "years_in_role": "2.5", "employment_type": "bank", "concern": "Gave insulin twice.",
        "acts": "Gave the 08:00 insulin dose\n\nGave it again at 08:30\n",
    })
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.reference}/"
    assert case.person.name == "Alex Morgan" and case.status == "open" and case.team == team
    assert [a.description for a in case.acts.all()] == ["Gave the 08:00 insulin dose", "Gave it again at 08:30"]
    assert handler in case.assigned_to.all()
    actions = list(AuditEvent.objects.filter(case_id=case.pk).values_list("action", flat=True))
    assert actions == ["case.open", "act.create", "act.create"]


def test_invalid_incident_keeps_input_and_summarises_errors(team, handler_client):
    future = (timezone.now() + timedelta(days=3)).date().isoformat()
    response = handler_client.post("/cases/incidents/new/", {
        "occurred_date": future, "team": "", "location": "Bay <b>9</b>", "description": "",
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "The date of the incident must be today or in the past" in html
    assert "Select the team" in html and "Describe what happened" in html
    assert 'value="Bay &lt;b&gt;9&lt;/b&gt;"' in html  # kept, and escaped
    assert f'value="{future}"' in html
    assert Incident.objects.count() == 0


def test_invalid_case_form_keeps_input(case, handler_client):
    url = f"/cases/incidents/{case.incident.reference}/new-case/"
    response = handler_client.post(url, {
        "name": "Pat Lee", "role_title": "", "staff_group": "nursing-midwifery", "registration_body": "nmc",
        "registration_number": "", "years_in_role": "lots", "employment_type": "agency", "concern": "Late dose",
    })
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter the person&#39;s role" in html
    assert "Enter the registration number" in html
    assert "Enter experience as a number of years" in html
    assert 'value="Pat Lee"' in html and "Late dose" in html and 'value="lots"' in html
    assert Case.objects.count() == 1 and Person.objects.count() == 1


def test_case_page_shows_the_task_list(case, handler_client):
    html = handler_client.get(f"/cases/{case.reference}/").content.decode()
    assert "Describe the concern" in html
    assert "Contextual factors and evidence" in html
    assert "0 of 10 factors recorded" in html
    assert "Assessment of act 1" in html and "Not started" in html
    assert case.person.registration_number in html


def test_status_moves_follow_the_state_machine(case, handler_client):
    url = f"/cases/{case.reference}/status/"
    response = handler_client.post(url, {"status": "decided"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "A case that is open cannot move to decided" in html
    case.refresh_from_db()
    assert case.status == "open"

    assert handler_client.post(url, {"status": "gathering"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "gathering"
    event = AuditEvent.objects.filter(case_id=case.pk, action="case.status").get()
    assert event.changes == {"status": ["open", "gathering"]}


def test_transition_service_refuses_bad_moves_and_changes_nothing(case, handler):
    with pytest.raises(ServiceError, match="cannot move to decided"):
        case_status_change(case=case, to="decided", reason="Moved in a test.", by=handler)
    with pytest.raises(ServiceError, match="not a case status"):
        case_status_change(case=case, to="banana", reason="Moved in a test.", by=handler)
    case.refresh_from_db()
    assert case.status == "open"
    assert not AuditEvent.objects.filter(action="case.status").exists()


def test_acts_can_be_added_and_changed(case, handler_client):
    response = handler_client.post(f"/cases/{case.reference}/acts/new/", {"description": "Did not check the wristband"})
    assert response.status_code == 302
    assert list(case.acts.values_list("number", flat=True)) == [1, 2]
    handler_client.post(f"/cases/{case.reference}/acts/2/edit/", {"description": "Did not check the ID band"})
    assert Act.objects.get(case=case, number=2).description == "Did not check the ID band"
    html = handler_client.post(f"/cases/{case.reference}/acts/new/", {"description": "  "}).content.decode()
    assert "Describe the act or omission" in html
    assert handler_client.get(f"/cases/{case.reference}/acts/9/edit/").status_code == 404


def test_concern_edit_is_audited_without_copying_the_text(case, handler_client):
    handler_client.post(f"/cases/{case.reference}/concern/", {"concern": "Patient Jane Doe, NHS 943 476 5919"})
    case.refresh_from_db()
    assert case.concern.startswith("Patient Jane Doe")
    event = AuditEvent.objects.filter(case_id=case.pk, action="case.update").get()
    assert "Jane Doe" not in str(event.changes) and "943" not in str(event.changes)


def test_timeline_lists_the_cases_audit_events(case, handler_client):
    html = handler_client.get(f"/cases/{case.reference}/timeline/").content.decode()
    assert f"Case {case.reference} opened" in html
    assert "Act 1 added for assessment" in html


def test_a_role_without_permission_cannot_write(org, case, make_user):
    decider = make_user(org, "decision-maker")
    client = client_for(decider)
    assert client.get(f"/cases/{case.reference}/").status_code == 200
    assert client.post(f"/cases/{case.reference}/status/", {"status": "gathering"}).status_code == 403
    assert client.post(f"/cases/{case.reference}/acts/new/", {"description": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.act_add(case=case, description="x", by=decider)
    assert case.acts.count() == 1


def test_case_open_rolls_back_when_an_act_fails(case, handler, monkeypatch):
    incident, person = case.incident, case.person
    before = (Case.objects.count(), Act.objects.count(), AuditEvent.objects.count())

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_act_create", boom)
    with pytest.raises(RuntimeError):
        services.case_open(incident=incident, person=person, concern="again", acts=["x"], by=handler)
    assert (Case.objects.count(), Act.objects.count(), AuditEvent.objects.count()) == before


def test_list_filters_and_search(org, team, other_team, handler, handler_client, make_case):
    a = make_case(handler, name="Robin Hood", on_team=team)
    b = make_case(handler, name="Marian Fitzwalter", on_team=other_team)
    case_status_change(case=b, to="gathering", reason="Moved in a test.", by=handler)
    html = handler_client.get("/cases/", {"q": "robin"}).content.decode()
    assert a.reference in html and b.reference not in html
    html = handler_client.get("/cases/", {"status": "gathering"}).content.decode()
    assert b.reference in html and a.reference not in html
    html = handler_client.get("/cases/", {"team": other_team.pk}).content.decode()
    assert b.reference in html and a.reference not in html
    html = handler_client.get("/cases/", {"outcome": "none"}).content.decode()
    assert a.reference in html and b.reference in html
    html = handler_client.get("/cases/", {"outcome": "D"}).content.decode()
    assert "No cases match these filters" in html
    html = handler_client.get("/cases/", {"date_from": "not-a-date"}).content.decode()
    assert "Enter a real date for &#39;incident from&#39;" in html


def test_references_are_per_organisation(org, other_org, handler, outsider, make_case):
    mine = make_case(handler)
    theirs = make_case(outsider, on_team=team_create(organisation=other_org, name="A&E"))
    assert mine.reference == theirs.reference == "C-0001"


def test_case_list_pages_through_every_case_and_keeps_the_filters(team, handler, handler_client, make_case,
                                                                   monkeypatch):
    from justculture.cases import views

    monkeypatch.setattr(views, "CASES_PER_PAGE", 2)
    made = [make_case(handler, name=f"Pat Example {i}").reference for i in range(5)]
    seen: list[str] = []
    url = "/cases/?q=Example"
    for number in (1, 2, 3):
        html = handler_client.get(url).content.decode()
        assert "5 cases matching the filters" in html
        assert f"page {number} of 3" in html
        seen += [ref for ref in made if f">{ref}</a>" in html]
        if number < 3:
            # The next-page link keeps the search.
            assert f'href="?q=Example&amp;page={number + 1}"' in html
            url = f"/cases/?q=Example&page={number + 1}"
        else:
            assert "page=4" not in html
    assert sorted(seen) == sorted(made)
    # A page number that is not a number, or past the end, shows the nearest real page.
    assert "page 1 of 3" in handler_client.get("/cases/?page=abc").content.decode()
    assert "page 1 of 3" in handler_client.get("/cases/?page=-4").content.decode()
    last = handler_client.get("/cases/?page=99").content.decode()
    assert "page 3 of 3" in last and "Showing 5 to 5" in last and 'href="?page=2"' in last


def test_case_list_counts_no_further_than_its_cap_and_still_pages_to_the_end(team, handler, handler_client,
                                                                            make_case, monkeypatch):
    """Above the cap the list says "more than" instead of counting every case, and pages on."""
    from justculture.cases import views

    monkeypatch.setattr(views, "CASES_PER_PAGE", 2)
    monkeypatch.setattr(views, "CASES_COUNTED_UP_TO", 3)
    made = [make_case(handler, name=f"Pat Example {i}").reference for i in range(7)]
    first = handler_client.get("/cases/").content.decode()
    assert "More than 3 cases" in first and "Showing 1 to 2, page 1</span>" in first
    # The next link gives the page number without a total it does not know.
    assert "Page 2" in first and "Page 2 of" not in first
    seen: list[str] = []
    for number in (1, 2, 3, 4):
        html = handler_client.get(f"/cases/?page={number}").content.decode()
        seen += [ref for ref in made if f">{ref}</a>" in html]
        if number < 4:
            assert f'href="?page={number + 1}"' in html
    assert sorted(seen) == sorted(made)
    # The last page knows the total: every row before it and on it.
    assert "7 cases" in html and "page 4 of 4" in html and "page=5" not in html
    # Past the end: the last page, with the exact total.
    assert "page 4 of 4" in handler_client.get("/cases/?page=40").content.decode()
    # Under the cap (a filter leaving one case) the total is exact again.
    assert "1 case matching the filters" in handler_client.get("/cases/?q=Example+1").content.decode()


def test_case_list_remembers_for_a_while_that_it_runs_past_the_cap(team, handler, handler_client, make_case,
                                                                   monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from justculture.cases import views
    from justculture.core import paging

    monkeypatch.setattr(views, "CASES_PER_PAGE", 2)
    monkeypatch.setattr(views, "CASES_COUNTED_UP_TO", 3)
    for i in range(5):
        make_case(handler, name=f"Pat Example {i}")

    def counts(url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            html = handler_client.get(url).content.decode()
        return sum("COUNT(" in q["sql"].upper() for q in queries.captured_queries), html

    first, html = counts("/cases/")
    assert first == 1 and "More than 3 cases" in html
    again, html = counts("/cases/?page=2")
    assert again == 0 and "More than 3 cases" in html  # remembered, not counted again
    # Other filters are another list, counted on their own (and under the cap, exactly).
    filtered, html = counts("/cases/?q=Example+2")
    assert filtered == 0 and "1 case matching the filters" in html  # one page: its rows are the total
    # Once forgotten, the list is counted again.
    monkeypatch.setattr(paging, "REMEMBER_SECONDS", 0)
    from django.core.cache import cache

    cache.clear()
    later, html = counts("/cases/")
    assert later == 1 and "More than 3 cases" in html


def test_one_case_is_found_by_the_same_rule_as_the_list(org, team, other_team, other_org, handler, outsider,
                                                        make_user, make_case):
    """case_for checks the one case it reads (may_see_case), and visible_case_ids many cases it
    was given, instead of building the whole visibility query: for every user and case all must
    agree with the list, and case_for gives a 404 exactly where the case is missing from it."""
    from django.http import Http404

    from justculture.cases.selectors import case_for, may_see_case, visible_case_ids, visible_cases

    ward, maternity = make_case(handler, on_team=team), make_case(handler, on_team=other_team, name="Jo Bloggs")
    assigned_maternity = make_case(handler, on_team=other_team, name="Al Smith")
    elsewhere = make_case(outsider, on_team=team_create_for(other_org))
    ward_only = make_user(org, ("case-handler", team))
    ward_only_assigned = make_user(org, ("case-handler", team))
    assigned_maternity.assigned_to.add(ward_only_assigned)
    analyst = make_user(org, "equality-analyst")  # no view_case permission at all
    cases = [ward, maternity, assigned_maternity, elsewhere]
    expected = {
        handler: {ward, maternity, assigned_maternity},
        ward_only: {ward},
        ward_only_assigned: {ward, assigned_maternity},
        analyst: set(),
        outsider: {elsewhere},
    }
    for user, visible in expected.items():
        assert set(visible_cases(user)) == visible
        # The same rule for many cases at once (the fairness page's departures list).
        own = {c.pk: c.team_id for c in cases if c.organisation_id == user.organisation_id}
        assert visible_case_ids(user, own) == {c.pk for c in visible}
        for case in cases:
            assert may_see_case(user, case) is (case in visible)
            if case in visible:
                assert case_for(user, case.reference).pk == case.pk
            elif case.reference not in {c.reference for c in visible}:
                # (References are numbered per organisation: another organisation's C-0001 is
                # this user's own C-0001 when they have one.)
                with pytest.raises(Http404):
                    case_for(user, case.reference)


def team_create_for(organisation):
    return team_create(organisation=organisation, name="Ward 9")


def test_the_unfiltered_filter_form_is_reused_but_always_shows_current_teams(org, team, handler, handler_client,
                                                                             make_case):
    """The filter form's HTML is kept while no filter is chosen (cases/views.py), under a key made
    of what it shows: a new team appears at once, and a form with filters shows what was typed."""
    make_case(handler)
    first = handler_client.get("/cases/").content.decode()
    assert '<form method="get" action="/cases/" id="main-form"' in first  # markup, not escaped text
    assert f'<option value="{team.pk}">{team}</option>' in first and "Clear filters" not in first
    assert handler_client.get("/cases/?page=1").content.decode().count('id="main-form"') == 1
    added = team_create(organisation=org, name="Ward 99")
    again = handler_client.get("/cases/").content.decode()
    assert f'<option value="{added.pk}">Ward 99</option>' in again
    filtered = handler_client.get("/cases/", {"q": "Sam <b>", "team": str(team.pk)}).content.decode()
    assert 'value="Sam &lt;b&gt;"' in filtered and "Clear filters" in filtered
    assert f'<option value="{team.pk}" selected>{team}</option>' in filtered
    # Back to no filters: the kept form, with nothing typed in it.
    plain = handler_client.get("/cases/").content.decode()
    assert 'value="Sam' not in plain and "Clear filters" not in plain
