"""The case action pages: who may open them, the forms, and what the pages show."""

from __future__ import annotations

from django.test import Client

from justculture.actions.models import Action
from justculture.cases import services as case_services
from justculture.core.models import AuditEvent
from tests.actions.conftest import (
    MINE,
    TRACKER,
    complete,
    days_from_today,
    detail_url,
    html,
    list_url,
    new_url,
)
from tests.conftest import client_for


def _urls(action):
    return [list_url(action.case), new_url(action.case), detail_url(action)]


def _valid_post(**changes):
    data = {
        "kind": "system", "category": "staffing", "title": "Add a second nurse at night",
        "description": "Agree funding with the matron.", "owner": "", "due_date": days_from_today(30).isoformat(),
    }
    data.update(changes)
    return data


# Access ---------------------------------------------------------------------------------------

def test_every_page_opens_for_a_case_handler(action, handler_client):
    for url in [*_urls(action), TRACKER, MINE]:
        assert handler_client.get(url).status_code == 200, url


def test_another_organisation_gets_404_and_changes_nothing(action, outsider_client):
    for url in _urls(action):
        assert outsider_client.get(url).status_code == 404, url
    for url in (new_url(action.case), detail_url(action)):
        assert outsider_client.post(url, _valid_post(form="status", status="done")).status_code == 404, url
    action.refresh_from_db()
    assert action.status == "open" and Action.objects.count() == 1
    for url in (TRACKER, MINE):
        assert action.title not in html(outsider_client.get(url))


def test_anonymous_users_are_sent_to_sign_in(action):
    client = Client()
    for url in [*_urls(action), TRACKER, MINE]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/"), url
        response = client.post(url, _valid_post())
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/"), url


def test_an_action_of_another_case_is_not_found(action, handler, handler_client, make_case):
    other = make_case(handler, name="Jo Bloggs")
    assert handler_client.get(f"/cases/{other.reference}/actions/{action.pk}/").status_code == 404
    assert handler_client.get(f"/cases/{action.case.reference}/actions/999999/").status_code == 404


def test_a_role_without_manage_actions_can_read_but_not_write(action, investigator_client):
    assert investigator_client.get(list_url(action.case)).status_code == 200
    page = investigator_client.get(detail_url(action))
    assert page.status_code == 200 and "Change the status" not in html(page)
    assert "Add an action" not in html(investigator_client.get(list_url(action.case)))
    assert investigator_client.get(new_url(action.case)).status_code == 403
    assert investigator_client.post(new_url(action.case), _valid_post()).status_code == 403
    assert investigator_client.post(new_url(action.case), {}).status_code == 403
    assert investigator_client.post(detail_url(action), {"form": "status", "status": "done"}).status_code == 403
    assert investigator_client.post(detail_url(action), _valid_post(form="details")).status_code == 403
    action.refresh_from_db()
    assert action.status == "open" and action.title == "Review the night staffing rota"
    assert Action.objects.count() == 1


def test_a_handler_for_another_team_cannot_change_an_assigned_case(action, org, other_team, make_user):
    elsewhere = make_user(org, ("case-handler", other_team))
    action.case.assigned_to.add(elsewhere)
    client = client_for(elsewhere)
    assert client.get(detail_url(action)).status_code == 200
    assert client.post(detail_url(action), {"form": "status", "status": "done"}).status_code == 403


# Adding ---------------------------------------------------------------------------------------

def test_add_an_action(case, handler, handler_client):
    response = handler_client.post(new_url(case), _valid_post(owner=handler.pk))
    assert response.status_code == 302 and response["Location"] == list_url(case)
    action = Action.objects.get()
    assert (action.kind, action.category, action.owner, action.team_id) == ("system", "staffing", handler, case.team_id)
    assert action.due_date == days_from_today(30) and not action.auto_created
    event = AuditEvent.objects.get(action="action.create")
    assert event.case_id == case.pk and event.object_id == str(action.pk)
    listing = html(handler_client.get(list_url(case)))
    assert "Add a second nurse at night" in listing and "Staffing and skill mix" in listing
    followed = handler_client.post(new_url(case), _valid_post(title="Second action"), follow=True)
    assert "Action added: Second action" in html(followed)


def test_a_category_of_the_other_kind_is_refused_next_to_the_category(case, handler_client):
    response = handler_client.post(new_url(case), _valid_post(kind="support", category="staffing"))
    page = html(response)
    assert response.status_code == 200
    assert "There is a problem" in page and 'href="#category"' in page
    assert "Select a category that fits the kind of action." in page
    assert 'id="category-error"' in page
    assert Action.objects.count() == 0 and not AuditEvent.objects.filter(action="action.create").exists()


def test_invalid_form_keeps_the_input_and_escapes_it(case, handler_client):
    response = handler_client.post(new_url(case), _valid_post(
        kind="", title="<script>alert(1)</script> rota", description="Keep <b>this</b> text",
        due_date=days_from_today(-1).isoformat(),
    ))
    page = html(response)
    assert response.status_code == 200 and page.count("<h1") == 1
    assert "Select whether the action supports the individual or is system learning" in page
    assert "The due date must be today or in the future" in page
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt; rota"' in page
    assert "<script>alert(1)</script>" not in page
    assert "Keep &lt;b&gt;this&lt;/b&gt; text" in page
    assert f'value="{days_from_today(-1).isoformat()}"' in page
    assert '<option value="staffing" selected' in page
    assert Action.objects.count() == 0


def test_a_bad_date_and_an_outsider_as_owner_are_refused(case, handler_client, outsider):
    page = html(handler_client.post(new_url(case), _valid_post(due_date="31/02/2027", owner=outsider.pk)))
    assert "Enter a real date for the due date" in page
    assert "Select an owner from the list" in page
    assert Action.objects.count() == 0


def test_owners_are_the_active_users_of_the_organisation(org, case, handler, handler_client, make_user, outsider):
    gone = make_user(org, "investigator")
    gone.is_active = False
    gone.save()
    colleague = make_user(org, "decision-maker")
    page = html(handler_client.get(new_url(case)))
    assert f'<option value="{colleague.pk}"' in page and colleague.display_name in page
    assert f'<option value="{gone.pk}"' not in page
    assert f'<option value="{outsider.pk}"' not in page


def test_factors_offered_are_those_present_or_not_known(case, handler, handler_client):
    case_services.factor_record_save(case=case, factor_id="staffing", present="yes", contribution="major",
                                     account="Two nurses short.", by=handler)
    case_services.factor_record_save(case=case, factor_id="distractions", present="unknown",
                                     contribution="not-assessed", account="", by=handler)
    case_services.factor_record_save(case=case, factor_id="equipment-design", present="no",
                                     contribution="none", account="", by=handler)
    page = html(handler_client.get(new_url(case)))
    assert 'value="staffing"' in page and 'value="distractions"' in page
    assert 'name="factor_ids" type="checkbox" value="equipment-design"' not in page
    response = handler_client.post(new_url(case), _valid_post(factor_ids=["staffing", "distractions"]))
    assert response.status_code == 302
    assert Action.objects.get().factor_ids == ["staffing", "distractions"]
    page = html(handler_client.post(new_url(case), _valid_post(factor_ids=["equipment-design"])))
    assert "Select factors from the list" in page and Action.objects.count() == 1


def test_opening_from_a_factor_prefills_kind_category_and_factor(case, handler, handler_client):
    case_services.factor_record_save(case=case, factor_id="personal-health", present="yes",
                                     contribution="moderate", account="Was unwell.", by=handler)
    page = html(handler_client.get(new_url(case) + "?factor=personal-health"))
    assert '<option value="wellbeing" selected' in page
    assert 'value="support" checked' in page
    assert 'value="personal-health" checked' in page
    # A factor not recorded for the case prefills nothing.
    category = html(handler_client.get(new_url(case) + "?factor=staffing")).split('id="category"')[1]
    assert '<option value="" selected' in category.split("</select>")[0]


# The case's list ------------------------------------------------------------------------------

def test_the_list_groups_actions_and_shows_what_prompted_them(case, handler, handler_client, make_action):
    complete(case.acts.get(number=1), handler)
    make_action(case, title="Reflective account", kind="support", category="reflective-practice",
                due=days_from_today(-2), owner=handler)
    make_action(case, title="Fix the pump", category="equipment", factor_ids=("equipment-design",))
    page = html(handler_client.get(list_url(case)))
    support, system = page.split("<h2>Support for the individual</h2>")[1].split("<h2>System learning</h2>")
    assert "Reflective account" in support and "Fix the pump" not in support
    assert "Overdue" in support and "Reflective practice" in support and handler.display_name in support
    assert "Fix the pump" in system and "Equipment and devices" in system
    assert "Wider learning from act 1 (outcome D)" in system and "Outcome D of act 1" in system
    assert "Added automatically" in system
    assert "Overdue" not in system
    assert f'href="{new_url(case)}"' in page


def test_html_in_titles_is_escaped_everywhere(case, handler, handler_client, make_action):
    action = make_action(case, title="<img src=x onerror=alert(1)>", owner=handler, due=days_from_today(-1))
    for url in (list_url(case), detail_url(action), TRACKER, MINE):
        page = html(handler_client.get(url))
        assert "<img src=x" not in page, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, url


# Changing -------------------------------------------------------------------------------------

def test_change_the_details(action, handler_client, org, make_user):
    colleague = make_user(org, "decision-maker")
    response = handler_client.post(detail_url(action), {
        "form": "details", "category": "protocols", "title": "Rewrite the handover protocol",
        "description": "", "owner": colleague.pk, "due_date": days_from_today(-5).isoformat(),
    })
    assert response.status_code == 302 and response["Location"] == detail_url(action)
    action.refresh_from_db()
    assert (action.category, action.title, action.owner) == ("protocols", "Rewrite the handover protocol", colleague)
    assert action.due_date == days_from_today(-5)  # an existing action may be overdue
    event = AuditEvent.objects.get(action="action.update")
    assert "title" in event.changes and "category" in event.changes


def test_the_details_form_offers_only_the_actions_kind_and_keeps_bad_input(action, handler_client):
    page = html(handler_client.get(detail_url(action)))
    assert 'value="staffing" selected' in page and 'value="training"' not in page
    response = handler_client.post(detail_url(action), {
        "form": "details", "category": "training", "title": "", "due_date": "soon",
    })
    page = html(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Enter a title for the action" in page and 'value="soon"' in page
    action.refresh_from_db()
    assert action.category == "staffing" and action.title == "Review the night staffing rota"


def test_status_moves_are_audited(action, handler_client):
    response = handler_client.post(detail_url(action), {"form": "status", "status": "in-progress", "note": ""})
    assert response.status_code == 302
    response = handler_client.post(detail_url(action), {"form": "status", "status": "done", "note": "Rota agreed"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.completed_at is not None
    events = list(AuditEvent.objects.filter(action="action.status").order_by("id").values_list("changes", flat=True))
    assert [e["status"] for e in events] == [["open", "in-progress"], ["in-progress", "done"]]
    assert "Rota agreed" not in str(events)
    assert "Done" in html(handler_client.get(detail_url(action)))


def test_cancelling_needs_a_reason(action, handler_client):
    before = AuditEvent.objects.count()
    response = handler_client.post(detail_url(action), {"form": "status", "status": "cancelled", "note": "  "})
    page = html(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Say why the action is being cancelled." in page and 'href="#note"' in page
    assert page.startswith("<!DOCTYPE html>") and "<title>Error:" in page
    action.refresh_from_db()
    assert action.status == "open" and AuditEvent.objects.count() == before
    response = handler_client.post(detail_url(action), {"form": "status", "status": "cancelled",
                                                        "note": "Covered by the trust-wide review"})
    action.refresh_from_db()
    assert response.status_code == 302 and action.status == "cancelled"
    assert "Covered by the trust-wide review" in html(handler_client.get(detail_url(action)))


def test_a_missing_status_is_reported(action, handler_client):
    page = html(handler_client.post(detail_url(action), {"form": "status"}))
    assert "Select a status" in page


def test_an_owner_who_has_left_is_kept_when_the_details_change(action, handler_client, org, make_user):
    leaver = make_user(org, "case-handler")
    action.owner = leaver
    action.save()
    leaver.is_active = False
    leaver.save()
    page = html(handler_client.get(detail_url(action)))
    assert f'<option value="{leaver.pk}" selected' in page
    handler_client.post(detail_url(action), {
        "form": "details", "category": "staffing", "title": "Renamed", "owner": leaver.pk,
    })
    action.refresh_from_db()
    assert action.title == "Renamed" and action.owner == leaver
