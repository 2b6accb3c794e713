"""The aggregates against hand-built data: counts, grouping by team, site and period, filters,
outcomes, the substitution test, system actions, hotspots, and organisation boundaries."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from justculture.core.models import Team
from justculture.insights import selectors
from justculture.insights.selectors import Filters, Scope
from tests.insights.conftest import local

pytestmark = pytest.mark.django_db

PATH_4A = ["1a", "2a", "2b", "2c", "3a", "3b", "3c", "4a"]
PATH_D = ["1a", "2a", "2b", "2c", "3a", "3b"]


def whole(team: Team) -> Scope:
    return Scope(organisation=team.organisation, team_ids=None, exact=True)


def test_factor_counts_count_cases_with_the_factor_found_only(build, team, other_team):
    build.case(team, local(2025, 3, 1), factors=["staffing", "distractions"])
    build.case(team, local(2025, 3, 2), factors=["staffing"], absent=["distractions"])
    build.case(other_team, local(2025, 3, 3), factors=["staffing"], unknown=["equipment-design"])
    build.case(other_team, local(2025, 3, 4), absent=["staffing"])
    assert selectors.factor_counts(whole(team), Filters()) == {"staffing": 3, "distractions": 1}
    assert selectors.case_totals(whole(team), Filters()) == {"cases": 4, "with_factor": 3}


def test_grouped_by_team_and_by_site(build, team, other_team, third_team):
    build.many(2, team, local(2025, 3, 1), factors=["staffing"])
    build.case(third_team, local(2025, 3, 1), factors=["staffing", "management"])
    build.case(other_team, local(2025, 3, 1), factors=["management"])
    by_team = {(r["team"], r["factor_id"]): r["cases"] for r in selectors.factor_counts_by_team(whole(team), Filters())}
    assert by_team == {("Ward 7", "staffing"): 2, ("Ward 9", "staffing"): 1, ("Ward 9", "management"): 1,
                       ("Maternity", "management"): 1}
    by_site = {(r["site"], r["factor_id"]): r["cases"] for r in selectors.factor_counts_by_site(whole(team), Filters())}
    assert by_site == {("City Hospital", "staffing"): 3, ("City Hospital", "management"): 1,
                       ("County Hospital", "management"): 1}


def test_grouped_by_local_month_and_by_quarter(build, team):
    build.case(team, local(2025, 1, 31, 23, 30), factors=["staffing"])
    # 00:30 on 1 April in London is still 31 March in UTC: it belongs to April.
    build.case(team, local(2025, 4, 1, 0, 30), factors=["staffing"])
    build.case(team, local(2025, 3, 15), factors=["staffing"])
    build.case(team, local(2025, 3, 16), factors=["staffing", "distractions"])
    months = {(r["period"], r["factor_id"]): r["cases"]
              for r in selectors.factor_counts_by_period(whole(team), Filters(period="month"))}
    assert months == {(date(2025, 1, 1), "staffing"): 1, (date(2025, 3, 1), "staffing"): 2,
                      (date(2025, 3, 1), "distractions"): 1, (date(2025, 4, 1), "staffing"): 1}
    quarters = {(r["period"], r["factor_id"]): r["cases"]
                for r in selectors.factor_counts_by_period(whole(team), Filters(period="quarter"))}
    assert quarters == {(date(2025, 1, 1), "staffing"): 3, (date(2025, 1, 1), "distractions"): 1,
                        (date(2025, 4, 1), "staffing"): 1}


def test_unknown_period_is_refused():
    with pytest.raises(ValueError, match="period"):
        Filters(period="week")


def test_filters_by_dates_team_and_site(build, team, other_team, third_team):
    build.case(team, local(2025, 2, 28, 23, 59), factors=["staffing"])
    build.case(team, local(2025, 3, 1, 0, 0), factors=["staffing"])
    build.case(team, local(2025, 3, 31, 23, 59), factors=["staffing"])
    build.case(team, local(2025, 4, 1, 0, 0), factors=["staffing"])
    build.case(other_team, local(2025, 3, 10), factors=["staffing"])
    build.case(third_team, local(2025, 3, 10), factors=["staffing"])
    scope = whole(team)
    march = Filters(date_from=date(2025, 3, 1), date_to=date(2025, 3, 31))
    assert selectors.factor_counts(scope, march) == {"staffing": 4}
    assert selectors.factor_counts(scope, Filters(date_from=date(2025, 4, 1))) == {"staffing": 1}
    assert selectors.factor_counts(scope, Filters(date_to=date(2025, 2, 28))) == {"staffing": 1}
    assert selectors.factor_counts(scope, Filters(team=team.pk)) == {"staffing": 4}
    assert selectors.factor_counts(scope, Filters(site="City Hospital")) == {"staffing": 5}
    assert selectors.factor_counts(scope, Filters(site="County Hospital")) == {"staffing": 1}
    assert selectors.case_totals(scope, Filters(team=team.pk, date_from=date(2025, 3, 1)))["cases"] == 3


def test_outcome_spread(build, team):
    build.many(3, team, local(2025, 3, 1), outcome="E")
    build.case(team, local(2025, 3, 1), outcome="D")
    build.many(2, team, local(2025, 3, 1))
    assert selectors.outcome_counts(whole(team), Filters()) == {"E": 3, "D": 1, "": 2}


def test_substitution_test_counts_each_acts_newest_completed_version_on_the_4a_route(build, team):
    build.case(team, local(2025, 3, 1), assessments=[("E", PATH_4A, "yes")])
    build.case(team, local(2025, 3, 1), assessments=[("G", [*PATH_4A, "4b", "4c", "5a"], "no")])
    # Revisited: the first version said no, the newest says yes. Only the newest counts.
    build.case(team, local(2025, 3, 1), assessments=[("G", [*PATH_4A, "4b", "4c", "5a"], "no"),
                                                     ("E", PATH_4A, "yes")])
    # Answered 4a once, but the route changed and no longer goes through it.
    build.case(team, local(2025, 3, 1), assessments=[("D", PATH_D, "yes")])
    # Never reached the substitution test.
    build.case(team, local(2025, 3, 1), assessments=[("D", PATH_D, None)])
    assert selectors.substitution_test(whole(team), Filters()) == {"answered": 3, "same": 2, "not_same": 1}


def test_open_and_overdue_system_actions(build, team, other_team):
    today = date(2025, 6, 1)
    build.case(team, local(2025, 3, 1), actions=[
        ("system", "open", date(2025, 5, 1)),        # overdue
        ("system", "in-progress", date(2025, 7, 1)),  # open, not yet due
        ("system", "open", None),                     # open, no due date
        ("system", "done", date(2025, 1, 1)),         # finished: not counted
        ("system", "cancelled", date(2025, 1, 1)),    # cancelled: not counted
        ("support", "open", date(2025, 1, 1)),        # support for the person: not a system action
    ])
    build.case(other_team, local(2025, 3, 1), actions=[("system", "in-progress", date(2025, 5, 31))])
    rows = {r["team"]: (r["open"], r["overdue"]) for r in selectors.system_actions_by_team(whole(team), Filters(), today)}
    assert rows == {"Ward 7": (3, 1), "Maternity": (1, 1)}


def test_hotspots_need_the_threshold_within_one_team_or_site_and_period(build, team, other_team, third_team):
    build.many(3, team, local(2025, 3, 5), factors=["staffing"])
    build.many(2, team, local(2025, 4, 5), factors=["staffing"])
    build.many(2, third_team, local(2025, 4, 6), factors=["staffing"])   # same site as Ward 7
    build.many(2, other_team, local(2025, 3, 5), factors=["distractions"])
    found = {(s["kind"], s["place"], s["factor_id"], s["period"], s["cases"])
             for s in selectors.hotspots(whole(team), Filters(), 3)}
    assert found == {
        ("team", "Ward 7", "staffing", date(2025, 3, 1), 3),
        ("site", "City Hospital", "staffing", date(2025, 3, 1), 3),
        ("site", "City Hospital", "staffing", date(2025, 4, 1), 4),
    }
    assert {(s["place"], s["cases"]) for s in selectors.hotspots(whole(team), Filters(), 4)} == {("City Hospital", 4)}
    lowered = {(s["place"], s["factor_id"]) for s in selectors.hotspots(whole(team), Filters(), 2) if s["kind"] == "team"}
    assert ("Maternity", "distractions") in lowered and ("Ward 9", "staffing") in lowered
    # One more in February: no month reaches 3 for Maternity, but the first quarter does.
    build.case(other_team, local(2025, 2, 5), factors=["distractions"])
    assert not any(s["place"] == "Maternity" for s in selectors.hotspots(whole(team), Filters(), 3))
    by_quarter = {(s["kind"], s["place"], s["factor_id"], s["period"], s["cases"])
                  for s in selectors.hotspots(whole(team), Filters(period="quarter"), 3)}
    assert ("team", "Maternity", "distractions", date(2025, 1, 1), 3) in by_quarter
    assert ("site", "County Hospital", "distractions", date(2025, 1, 1), 3) in by_quarter
    assert ("team", "Ward 7", "staffing", date(2025, 4, 1), 2) not in by_quarter


def test_another_organisations_data_is_never_counted(build, team, other_org, outsider):
    from justculture.core import services as core_services

    elsewhere = core_services.team_create(organisation=other_org, name="Ward 7", site="City Hospital")
    build.many(2, team, local(2025, 3, 1), factors=["staffing"], outcome="E",
               assessments=[("E", PATH_4A, "yes")], actions=[("system", "open", date(2020, 1, 1))])
    build.many(5, elsewhere, local(2025, 3, 1), factors=["staffing", "distractions"], outcome="D",
               assessments=[("E", PATH_4A, "yes")], actions=[("system", "open", date(2020, 1, 1))])
    scope = whole(team)
    assert selectors.factor_counts(scope, Filters()) == {"staffing": 2}
    assert selectors.case_totals(scope, Filters())["cases"] == 2
    assert selectors.outcome_counts(scope, Filters()) == {"E": 2}
    assert selectors.substitution_test(scope, Filters())["answered"] == 2
    assert [r["open"] for r in selectors.system_actions_by_team(scope, Filters(), date(2025, 1, 1))] == [2]
    assert {s["cases"] for s in selectors.hotspots(scope, Filters(), 1)} == {2}
    # Filtering by a team of the other organisation finds nothing rather than its cases.
    assert selectors.factor_counts(scope, Filters(team=elsewhere.pk)) == {}
    theirs = selectors.scope_for(outsider)
    assert theirs.organisation == other_org
    assert selectors.factor_counts(theirs, Filters()) == {"staffing": 5, "distractions": 5}


def test_scope_follows_the_roles(org, team, other_team, make_user, lead, analyst, handler):
    assert selectors.scope_for(lead) == Scope(org, None, exact=True)
    assert selectors.scope_for(analyst) == Scope(org, None, exact=False)
    with pytest.raises(PermissionDenied):
        selectors.scope_for(handler)
    # A lead for one team sees that team's figures, exactly.
    one_team = make_user(org, ("patient-safety-lead", team))
    assert selectors.scope_for(one_team) == Scope(org, frozenset({team.pk}), exact=True)
    # An analyst who is also a case handler for one team still cannot see every case.
    mixed = make_user(org, "equality-analyst", ("case-handler", team))
    assert selectors.scope_for(mixed).exact is False


def test_a_team_scoped_reader_counts_only_their_teams(build, org, team, other_team, make_user):
    build.case(team, local(2025, 3, 1), factors=["staffing"])
    build.case(other_team, local(2025, 3, 1), factors=["staffing"])
    reader = make_user(org, ("patient-safety-lead", team))
    scope = selectors.scope_for(reader)
    assert selectors.factor_counts(scope, Filters()) == {"staffing": 1}
    assert [t.name for t in selectors.teams_in(scope)] == ["Ward 7"]


def test_framework_counts_count_a_case_once_per_element(build, team):
    # Staffing and management both map to SEIPS "Organisation": one case, counted once.
    build.case(team, local(2025, 3, 1), factors=["staffing", "management"])
    build.case(team, local(2025, 3, 1), factors=["changing-environment"])
    catalogue = selectors.factor_catalogue(team.organisation)
    groups = {name: selectors.framework_groups(catalogue, name) for name in ("seips", "london")}
    counts = selectors.framework_counts(whole(team), Filters(), groups)
    seips = counts["seips"]
    assert seips["Organisation"] == 1
    assert seips["Tasks"] == 1 and seips["Internal environment"] == 1
    assert seips["Person"] == 0
    assert counts["london"]["Work environment"] == 2 and counts["london"]["Organisational and management"] == 1
