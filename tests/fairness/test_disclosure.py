"""The fairness figures and the consistency table, as the selectors return them, against the one
disclosure rule: from what is shown and each table's total, no small number can be worked out."""

from __future__ import annotations

import pytest
from django.utils import timezone

from justculture.cases.models import Case
from justculture.fairness import selectors
from justculture.fairness.models import EqualityRecord
from justculture.fairness.periods import two_year_window
from tests.core.reader import problem
from tests.decisions.conftest import TO_D, give_outcome
from tests.fairness.conftest import decide
from tests.insights.conftest import CaseBuilder, local

NOT_STATED = "not stated"

# People with a concern raised by detailed ethnicity (A, White - British, is the comparison group),
# and how many have no group stated.
DATASETS = [
    pytest.param({"A": 12, "R": 11, "N": 1, "H": 2}, 0, id="two small groups"),
    pytest.param({"A": 25, "N": 4}, 3, id="one small group and a few not stated"),
    pytest.param({"A": 30, "R": 9, "N": 9, "H": 0}, 5, id="small groups that add up to the threshold"),
    pytest.param({"A": 40, "R": 15, "N": 3}, 12, id="the not-stated count protects"),
    pytest.param({"A": 5, "R": 20, "N": 20}, 0, id="the comparison group small"),
    pytest.param({"A": 30, "R": 20}, 4, id="only the not-stated count small"),
]


@pytest.fixture
def people(org, handler, team):
    """Cases made straight in the database (hundreds cost little), each person with an equality record."""
    builder = CaseBuilder(handler)

    def make(groups: dict[str, int], not_stated: int) -> None:
        for code, n in [*groups.items(), ("prefer-not-to-say", not_stated)]:
            for case in builder.many(n, team, local(2025, 1, 1)):
                EqualityRecord.objects.create(organisation=org, person=case.person, ethnicity=code, updated_by=handler)

    return make


@pytest.mark.parametrize(("groups", "not_stated"), DATASETS)
def test_figures_give_no_small_number_away(org, people, groups, not_stated):
    people(groups, not_stated)
    period = two_year_window(timezone.localdate())
    exact = selectors.figures(org, event="concern-raised", dimension="ethnicity", period=period, min_count=0)
    true = {r.group: r.result.events for r in exact.rows} | {NOT_STATED: exact.not_stated_events}
    assert true == {code: n for code, n in groups.items() if n or code == "A"} | {NOT_STATED: not_stated}
    figs = selectors.figures(org, event="concern-raised", dimension="ethnicity", period=period)
    shown = {r.group: r.result.events for r in figs.rows} | {NOT_STATED: figs.not_stated_events}
    found = problem(true, shown, org.suppression_threshold, derivable={NOT_STATED})
    assert not found, found
    # Every count below the threshold is hidden, with its rate.
    assert all(shown[key] is None for key, n in true.items() if n < org.suppression_threshold)
    assert all(r.result.rate is None for r in figs.rows if r.result.suppressed)


def test_the_consistency_table_gives_no_small_number_away(org, handler, hr, make_case, record_equality):
    # Decided after outcome D, by group: White - British 5 (2 formal), Chinese 4 (1), Black African 1 (1),
    # Indian 1 (0). At a threshold of 4, the 1 and 1 would add up to 2 from the outcome's total.
    today = timezone.localdate()
    plan = {"A": [True, True, False, False, False], "R": [True, False, False, False], "N": [True], "H": [False]}
    for code, formal in plan.items():
        for i, is_formal in enumerate(formal):
            case: Case = make_case(handler, name=f"{code}{i}")
            record_equality(case, ethnicity=code)
            give_outcome(case, TO_D, handler)
            decide(case, hr, ["formal-process"] if is_formal else ["support"], today)
    period = two_year_window(today)
    exact = selectors.consistency(org, dimension="ethnicity", period=period, min_count=0)
    hidden = selectors.consistency(org, dimension="ethnicity", period=period, min_count=4)
    (true_row,) = exact.rows
    (row,) = hidden.rows
    true_decided = {c.group: c.decided for c in true_row.cells} | {NOT_STATED: 0}
    true_formal = {c.group: c.formal for c in true_row.cells} | {NOT_STATED: 0}
    assert true_decided == {"A": 5, "R": 4, "N": 1, "H": 1, NOT_STATED: 0}
    # The not-stated column is never shown.
    decided = {c.group: c.decided for c in row.cells} | {NOT_STATED: None}
    formal = {c.group: c.formal for c in row.cells} | {NOT_STATED: None}
    for true, shown in ((true_decided, decided), (true_formal, formal)):
        found = problem(true, shown, 4, derivable={NOT_STATED})
        assert not found, found
    assert decided["N"] is None and decided["H"] is None and decided["R"] is None
    # The count hidden to protect the small ones says so.
    assert next(c for c in row.cells if c.group == "R").hidden == "secondary"
