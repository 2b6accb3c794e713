"""The permission a page needs is checked when its case is looked up, so a user who may see a case
but not change it is refused the form itself (GET) exactly as they are refused saving it (POST),
and nothing changes; another organisation's case stays a 404 on both."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from justculture.cases.models import Case
from justculture.cases.visibility import CaseVisibility
from justculture.core.models import AuditEvent, Team, User
from tests.conftest import client_for

# The edit pages of a case, with a form that would change something if it were accepted.
EDIT_PAGES = {
    "concern": ("concern/", {"concern": "Rewritten by someone who may not edit."}),
    "act-new": ("acts/new/", {"description": "An act added by someone who may not edit."}),
    "act-edit": ("acts/1/edit/", {"description": "An act changed by someone who may not edit."}),
    "status": ("status/", {"status": "gathering", "reason": "Moved by someone who may not edit."}),
}


def _state(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return (fresh.concern, fresh.status, sorted(fresh.acts.values_list("number", "description")),
            AuditEvent.objects.filter(case_id=case.pk).count())


@pytest.fixture
def viewers(org, team: Team, other_team: Team, make_user: Callable[..., User]) -> dict[str, User]:
    """Users who may see the case (on the team "Ward 7") but hold no edit_case for it."""
    # A case handler for another team, assigned to the case: sees it, may not edit it.
    assigned = make_user(org, ("case-handler", other_team))
    return {"decision-maker": make_user(org, "decision-maker"), "assigned-elsewhere": assigned}


@pytest.mark.parametrize("page", list(EDIT_PAGES))
@pytest.mark.parametrize("who", ["decision-maker", "assigned-elsewhere"])
def test_a_viewer_who_may_not_edit_is_refused_the_form_as_they_are_refused_saving_it(
    case: Case, viewers: dict[str, User], page: str, who: str
) -> None:
    user = viewers[who]
    case.assigned_to.add(viewers["assigned-elsewhere"])
    client = client_for(user)
    assert client.get(f"/cases/{case.reference}/").status_code == 200  # they do see the case
    url = f"/cases/{case.reference}/{EDIT_PAGES[page][0]}"
    before = _state(case)

    shown = client.get(url)
    saved = client.post(url, EDIT_PAGES[page][1])

    assert shown.status_code == saved.status_code == 403
    # The same refusal page both times, with no form to fill in.
    for response in (shown, saved):
        html = response.content.decode()
        assert "<h1>You cannot do this</h1>" in html
        assert 'id="main-form"' not in html
    assert _state(case) == before


@pytest.mark.parametrize("page", list(EDIT_PAGES))
def test_the_edit_pages_still_open_for_a_user_who_may_edit(case: Case, handler_client: Client, page: str) -> None:
    response = handler_client.get(f"/cases/{case.reference}/{EDIT_PAGES[page][0]}")
    assert response.status_code == 200
    assert 'id="main-form"' in response.content.decode()


@pytest.mark.parametrize("page", list(EDIT_PAGES))
def test_another_organisations_case_is_still_a_404_on_get_and_post(
    case: Case, outsider_client: Client, page: str
) -> None:
    url = f"/cases/{case.reference}/{EDIT_PAGES[page][0]}"
    before = _state(case)
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url, EDIT_PAGES[page][1]).status_code == 404
    assert _state(case) == before


def test_a_loaded_case_is_checked_without_a_query_when_a_role_covers_its_team(
    org, team: Team, other_team: Team, case: Case, make_user: Callable[..., User], django_assert_num_queries
) -> None:
    """The one-case form of the rule reads the database only to look for an assignment."""
    ward = make_user(org, ("investigator", team))
    elsewhere = make_user(org, ("investigator", other_team))
    ward_rule, elsewhere_rule = CaseVisibility.of(ward), CaseVisibility.of(elsewhere)
    with django_assert_num_queries(0):
        assert ward_rule.sees(case)
    with django_assert_num_queries(1):
        assert not elsewhere_rule.sees(case)
    case.assigned_to.add(elsewhere)
    assert elsewhere_rule.sees(case)
    # The rule is worked out once per user object (one request) and reused.
    assert CaseVisibility.of(ward) is ward_rule
