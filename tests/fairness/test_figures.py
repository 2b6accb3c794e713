"""The figures from the database: numerators from cases (distinct people per event per period),
denominators from workforce figures, consistency, departures and the decision prompt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from justculture.cases import services as case_services
from justculture.cases.models import Case
from justculture.fairness import selectors
from justculture.fairness.periods import calendar_year, two_year_window
from tests.decisions.conftest import TO_D, TO_G, give_outcome
from tests.fairness.conftest import BLACK_AFRICAN, WHITE, decide

WORKFORCE = ("period,dimension,group,headcount\n"
             "{year},ethnicity-collapsed,White,100\n"
             "{year},ethnicity-collapsed,Ethnic minority,50\n"
             "{year},ethnicity-collapsed,Not known,10\n")


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def window(today):
    return two_year_window(today)


@pytest.fixture
def workforce(import_workforce, today):
    import_workforce(WORKFORCE.format(year=today.year))


def rows(figs: selectors.Figures) -> dict[str, tuple[int | None, int | None]]:
    return {r.group: (r.result.events, r.result.headcount) for r in figs.rows}


def test_concerns_raised_counted_by_group_with_not_stated_apart(org, handler, make_case, record_equality, workforce, window):
    record_equality(make_case(handler, name="A"), ethnicity=WHITE)
    record_equality(make_case(handler, name="B"), ethnicity=BLACK_AFRICAN)
    record_equality(make_case(handler, name="C"), ethnicity="prefer-not-to-say")
    make_case(handler, name="D")  # nothing recorded: not known
    figs = selectors.figures(org, event="concern-raised", period=window, min_count=0)
    assert rows(figs) == {"white": (1, 100), "ethnic-minority": (1, 50)}
    assert figs.reference == "white" and figs.reference_title == "White"
    assert figs.not_stated_events == 2 and figs.not_stated_headcount == 10
    em = next(r for r in figs.rows if r.group == "ethnic-minority").result
    assert em.rate == pytest.approx(0.02) and em.relative_likelihood == pytest.approx(2.0)
    assert figs.workforce_period == str(window.end.year)


def test_the_organisations_threshold_suppresses(org, handler, make_case, record_equality, workforce, window):
    record_equality(make_case(handler, name="A"), ethnicity=WHITE)
    figs = selectors.figures(org, event="concern-raised", period=window)
    assert figs.min_count == org.suppression_threshold == 10
    assert all(r.result.suppressed for r in figs.rows)


def test_people_are_counted_once_and_only_in_their_period(org, handler, make_case, record_equality, workforce, today):
    first = make_case(handler, name="A")
    record_equality(first, ethnicity=WHITE)
    # A second case about the same person in the same period.
    case_services.case_open(incident=first.incident, person=first.person, concern="Another concern.", by=handler)
    old = make_case(handler, name="B")
    record_equality(old, ethnicity=WHITE)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3 * 365))
    figs = selectors.figures(org, event="concern-raised", period=two_year_window(today), min_count=0)
    assert rows(figs)["white"] == (1, 100)
    last_year = calendar_year(today.year - 3 if today.month > 1 else today.year - 4)
    assert selectors.event_people(org, figs.event, last_year) <= {old.person_id}


def test_formal_action_counts_the_current_decision_dated_by_the_first(org, handler, hr, make_case, record_equality, today):
    kept = make_case(handler, name="A")
    dropped = make_case(handler, name="B")
    for case in (kept, dropped):
        record_equality(case, ethnicity=BLACK_AFRICAN)
    long_ago = today - timedelta(days=800)
    decide(kept, hr, ["formal-process"], long_ago)
    decide(kept, hr, ["formal-process", "suspension"], today)
    decide(dropped, hr, ["formal-process"], today)
    decide(dropped, hr, ["support"], today)
    defs_event = selectors.definitions().event("formal-action")
    # Counted on the first date formal action was decided, not the later re-decision.
    assert selectors.event_people(org, defs_event, two_year_window(today)) == set()
    assert selectors.event_people(org, defs_event, two_year_window(long_ago)) == {kept.person_id}
    suspension = selectors.definitions().event("suspension")
    assert selectors.event_people(org, suspension, two_year_window(today)) == {kept.person_id}


def test_assessment_started_and_referral(org, handler, hr, make_case, record_equality, today):
    case = make_case(handler, name="A")
    give_outcome(case, TO_G, handler)
    decide(case, hr, ["referral"], today)
    defs = selectors.definitions()
    window = two_year_window(today)
    assert selectors.event_people(org, defs.event("assessment-started"), window) == {case.person_id}
    assert selectors.event_people(org, defs.event("referral"), window) == {case.person_id}
    assert selectors.event_people(org, defs.event("formal-action"), window) == set()


def test_team_figures_use_the_teams_cases_and_headcounts(org, handler, make_case, record_equality, import_workforce,
                                                        team, other_team, window):
    record_equality(make_case(handler, name="A"), ethnicity=WHITE)
    record_equality(make_case(handler, name="B", on_team=other_team), ethnicity=WHITE)
    import_workforce(f"period,team,group,headcount\n{window.end.year},Ward 7,White,30\n"
                     f"{window.end.year},Ward 7,Ethnic minority,12\n")
    figs = selectors.figures(org, event="concern-raised", period=window, team=team, min_count=0)
    assert rows(figs) == {"white": (1, 30), "ethnic-minority": (0, 12)}
    whole = selectors.figures(org, event="concern-raised", period=window, min_count=0)
    assert not whole.has_workforce and rows(whole)["white"] == (2, 0)


def test_collapsed_headcounts_are_added_up_from_detailed_ones(org, import_workforce, window):
    import_workforce(f"period,dimension,group,headcount\n{window.end.year},ethnicity,White - British,70\n"
                     f"{window.end.year},ethnicity,White - Irish,5\n{window.end.year},ethnicity,Black or Black British - African,20\n"
                     f"{window.end.year},ethnicity,Z,4\n")
    figs = selectors.figures(org, event="concern-raised", period=window, min_count=0)
    assert rows(figs) == {"white": (0, 75), "ethnic-minority": (0, 20)}
    assert figs.not_stated_headcount == 4


def test_staff_group_comes_from_the_person_and_the_largest_group_is_the_reference(org, handler, make_case, import_workforce, window):
    make_case(handler, name="A")
    import_workforce(f"period,dimension,group,headcount\n{window.end.year},staff-group,Nursing and midwifery,900\n"
                     f"{window.end.year},staff-group,Medical and dental,300\n")
    figs = selectors.figures(org, event="concern-raised", dimension="staff-group", period=window, min_count=0)
    assert figs.reference == "nursing-midwifery"
    assert rows(figs) == {"nursing-midwifery": (1, 900), "medical-dental": (0, 300)}
    assert figs.not_stated_events == 0


def test_the_workforce_period_falls_back_to_the_latest_import(org, import_workforce, today):
    import_workforce("period,group,headcount\n2001,White,10\n")
    label, note = selectors.choose_workforce_period(org, two_year_window(today))
    assert label == "2001" and "most recently imported" in note
    assert selectors.choose_workforce_period(org, calendar_year(2001))[0] == "2001"


def test_consistency_by_outcome_and_group(org, handler, hr, make_case, record_equality, today):
    cases = [make_case(handler, name=f"P{i}") for i in range(3)]
    for case, ethnicity in zip(cases, [WHITE, BLACK_AFRICAN, BLACK_AFRICAN], strict=True):
        record_equality(case, ethnicity=ethnicity)
        give_outcome(case, TO_D, handler)
    decide(cases[0], hr, ["support"], today)
    decide(cases[1], hr, ["formal-process"], today)  # a departure from outcome D
    decide(cases[2], hr, ["support"], today)
    result = selectors.consistency(org, dimension="ethnicity-collapsed", period=two_year_window(today), min_count=0)
    assert [c for c, _ in result.groups] == ["white", "ethnic-minority"]
    (row,) = result.rows
    assert row.outcome == "D"
    cells = {c.group: (c.decided, c.formal) for c in row.cells}
    assert cells == {"white": (1, 0), "ethnic-minority": (2, 1)}
    suppressed = selectors.consistency(org, dimension="ethnicity-collapsed", period=two_year_window(today))
    assert all(c.suppressed for c in suppressed.rows[0].cells)


def test_departures_in_full_only_for_cases_the_user_may_see(org, handler, hr, analyst, make_case, today):
    case = make_case(handler)
    give_outcome(case, TO_D, handler)
    decide(case, hr, ["formal-process"], today)
    window = two_year_window(today)
    seen = selectors.departures(hr, org, period=window)
    assert seen.total == 1 and seen.shown[0].reference == case.reference
    assert seen.shown[0].justification.startswith("A written justification")
    assert seen.shown[0].guide_outcomes == ["D"]
    hidden = selectors.departures(analyst, org, period=window)
    assert hidden.total == 1 and hidden.shown == [] and hidden.hidden == 1


def test_the_decision_prompt_never_shows_the_persons_own_group(org, handler, hr, make_user, make_case, record_equality,
                                                              import_workforce, today):
    import_workforce(f"period,group,headcount\n{today.year},White,1000\n{today.year},Ethnic minority,500\n")
    subjects = []
    for i in range(12):
        white = make_case(handler, name=f"W{i}")
        record_equality(white, ethnicity=WHITE)
        decide(white, hr, ["formal-process"], today)
        minority = make_case(handler, name=f"M{i}")
        record_equality(minority, ethnicity=BLACK_AFRICAN)
        decide(minority, hr, ["formal-process"], today)
        subjects = [white, minority]
    decider = make_user(org, "decision-maker")
    prompts = [selectors.decision_prompt(case, decider) for case in subjects]
    # The same words whichever group the person is in, and no "same group" line.
    assert prompts[0] == prompts[1]
    assert prompts[0].same_group is None and prompts[0].fairness_url is None
    text = " ".join(line.text for line in prompts[0].lines)
    assert "White staff: 1.2% (12 of 1,000)" in text
    assert "Ethnic minority staff: 2.4% (12 of 500), 2.00 times as likely as White staff" in text
    # An HR adviser may see equality data, so is told about staff in the same group, unnamed.
    for_hr = selectors.decision_prompt(subjects[1], hr)
    assert for_hr.same_group is not None and for_hr.same_group.startswith("Staff in the same group as this person")
    assert "Ethnic minority" not in for_hr.same_group and "Black" not in for_hr.same_group
    assert for_hr.fairness_url == "/fairness/"


def test_the_decision_prompt_without_workforce_figures(org, handler, make_user, make_case):
    case = make_case(handler)
    prompt = selectors.decision_prompt(case, make_user(org, "decision-maker"), event="referral")
    assert "No workforce figures" in prompt.intro and prompt.lines == [] and prompt.alert is None
    assert prompt.event == "Referral to the regulator"
