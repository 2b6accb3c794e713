"""The organisation-wide tracker and "my actions": scoping, filters, counts, overdue and sorting."""

from __future__ import annotations

import re

import pytest

from justculture.actions import selectors, services
from tests.actions.conftest import MINE, TRACKER, days_from_today, detail_url, html
from tests.conftest import client_for


@pytest.fixture
def spread(org, team, other_team, handler, make_case, make_action):
    """Actions on a Ward 7 case and a Maternity case: late, due, undated and finished."""
    ward = make_case(handler, on_team=team)
    maternity = make_case(handler, on_team=other_team, name="Jo Bloggs")
    late = make_action(ward, title="Late ward action", owner=handler, due=days_from_today(-3))
    soon = make_action(ward, title="Soon ward action", kind="support", category="training", due=days_from_today(2))
    undated = make_action(maternity, title="Undated maternity action")
    finished = make_action(maternity, title="Finished maternity action", owner=handler, due=days_from_today(-9))
    services.action_set_status(action=finished, status="done", by=handler)
    return {"ward": ward, "maternity": maternity, "late": late, "soon": soon, "undated": undated,
            "finished": finished}


def _titles(page: str) -> list[str]:
    return re.findall(r">\s*([A-Z][a-z]+ (?:ward|maternity) action)\s*<", page)


def _count(page: str, key: str) -> str:
    match = re.search(rf">{key}</dt><dd class=\"nhsuk-summary-list__value\">(\d+)<", page)
    assert match, key
    return match.group(1)


def test_the_tracker_shows_counts_and_highlights_overdue(spread, handler_client):
    page = html(handler_client.get(TRACKER))
    assert page.count("<h1") == 1
    assert (_count(page, "Open"), _count(page, "Overdue"), _count(page, "Done")) == ("3", "1", "1")
    assert len(_titles(page)) == 4 and "4 actions" in page
    row = page.split("Late ward action")[1].split("</tr>")[0]
    assert "Overdue" in row and "nhsuk-u-visually-hidden" in row
    finished_row = page.split("Finished maternity action")[1].split("</tr>")[0]
    assert "Overdue" not in finished_row  # past its date but done
    assert f'href="{detail_url(spread["late"])}"' in page


def test_the_tracker_is_sorted_by_due_date_both_ways(spread, handler_client):
    earliest = _titles(html(handler_client.get(TRACKER)))
    assert earliest == ["Finished maternity action", "Late ward action", "Soon ward action",
                        "Undated maternity action"]
    page = html(handler_client.get(TRACKER, {"sort": "-due"}))
    assert _titles(page) == ["Soon ward action", "Late ward action", "Finished maternity action",
                             "Undated maternity action"]
    assert 'aria-sort="descending"' in page and "sort=due" in page


@pytest.mark.parametrize(("query", "expected"), [
    ({"status": "done"}, ["Finished maternity action"]),
    ({"kind": "support"}, ["Soon ward action"]),
    ({"overdue": "on"}, ["Late ward action"]),
    ({"owner": "none"}, ["Soon ward action", "Undated maternity action"]),
])
def test_the_tracker_filters(spread, handler_client, query, expected):
    page = html(handler_client.get(TRACKER, query))
    assert _titles(page) == expected
    assert "matching the filters" in page


def test_the_tracker_filters_by_team_and_owner(spread, handler, other_team, handler_client):
    assert _titles(html(handler_client.get(TRACKER, {"team": other_team.pk}))) == [
        "Finished maternity action", "Undated maternity action"]
    assert _titles(html(handler_client.get(TRACKER, {"owner": handler.pk}))) == [
        "Finished maternity action", "Late ward action"]
    page = html(handler_client.get(TRACKER, {"team": "999999", "owner": "abc"}))
    assert "Select a team from the list" in page and "Select an owner from the list" in page


def test_the_counts_follow_the_filters(spread, other_team, handler_client):
    page = html(handler_client.get(TRACKER, {"team": other_team.pk}))
    assert (_count(page, "Open"), _count(page, "Overdue"), _count(page, "Done")) == ("1", "0", "1")


def test_a_team_scoped_user_sees_only_their_teams_actions(spread, org, team, make_user):
    ward_only = client_for(make_user(org, ("case-handler", team)))
    page = html(ward_only.get(TRACKER))
    assert _titles(page) == ["Late ward action", "Soon ward action"]
    assert (_count(page, "Open"), _count(page, "Overdue"), _count(page, "Done")) == ("2", "1", "0")
    assert "Maternity" not in page.split('id="team"')[1].split("</select>")[0]


def test_an_assigned_case_counts_as_visible(spread, org, team, other_team, make_user):
    ward_only = make_user(org, ("case-handler", team))
    spread["maternity"].assigned_to.add(ward_only)
    assert "Undated maternity action" in _titles(html(client_for(ward_only).get(TRACKER)))


def test_aggregate_only_roles_get_no_tracker_and_team_roles_see_their_team(spread, org, team, make_user):
    analyst = client_for(make_user(org, "equality-analyst"))
    assert analyst.get(TRACKER).status_code == 403
    # With a team role as well, only that team's actions are listed, each linked to its case.
    mixed = client_for(make_user(org, "equality-analyst", ("investigator", team)))
    body = html(mixed.get(TRACKER)).split("<tbody")[1]
    assert f'href="{detail_url(spread["late"])}"' in body
    assert "Undated maternity action" not in body


def test_users_who_can_see_no_case_are_refused(spread, org, make_user):
    for role in ("auditor", "org-admin"):
        assert client_for(make_user(org, role)).get(TRACKER).status_code == 403, role


def test_another_organisation_sees_none_of_these_actions(spread, outsider_client):
    page = html(outsider_client.get(TRACKER))
    assert _titles(page) == [] and "No actions" in page


def test_my_actions_lists_open_owned_actions_overdue_first(spread, handler, handler_client, make_action):
    make_action(spread["ward"], title="Later ward action", owner=handler, due=days_from_today(20))
    make_action(spread["ward"], title="Someone ward action", due=days_from_today(-30))
    page = html(handler_client.get(MINE))
    assert _titles(page) == ["Late ward action", "Later ward action"]
    row = page.split("Late ward action")[1].split("</tr>")[0]
    assert "Overdue" in row


def test_my_actions_only_on_cases_i_can_see(spread, org, team, make_user):
    ward_only = make_user(org, ("case-handler", team))
    services.action_update(action=spread["undated"], title="Undated maternity action", category="staffing",
                           owner=ward_only, by=make_user(org, "case-handler"))
    page = html(client_for(ward_only).get(MINE))
    assert "Undated maternity action" not in page and "You have no open actions" in page


def test_overdue_is_worked_out_by_the_database(spread):
    late = selectors.with_overdue(type(spread["late"]).objects.all())
    assert dict(late.values_list("title", "is_overdue")) == {
        "Late ward action": True, "Soon ward action": False, "Undated maternity action": False,
        "Finished maternity action": False,
    }
