"""The insights report, as a reader who may not see the cases gets it, against the one disclosure
rule: for every table whose figures add up to a total the reader sees, the hidden figures never
add up to a small number (so none can be worked out by subtraction)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from justculture.insights import selectors
from justculture.insights.report import Report, Table, build_report
from justculture.insights.selectors import Filters, Scope
from tests.core.reader import problem
from tests.insights.conftest import local

pytestmark = pytest.mark.django_db

ROUTE = ["1a", "2a", "2b", "2c", "3a", "3b", "3c", "4a"]
OVERDUE = date(2020, 1, 1)


@pytest.fixture
def many_small(build, team, other_team, third_team):
    """Ward 7 and Ward 9 (City Hospital) and Maternity (County Hospital), with several small figures."""
    build.many(12, team, local(2025, 3, 5), factors=["staffing", "distractions"], outcome="E",
               assessments=[("E", ROUTE, "yes")], actions=[("system", "open", None)])
    build.many(3, other_team, local(2025, 4, 5), factors=["staffing"], outcome="D",
               assessments=[("D", ROUTE, "no")], actions=[("system", "open", OVERDUE)])
    build.many(2, third_team, local(2025, 4, 9), factors=["staffing", "distractions"], outcome="C",
               actions=[("system", "open", OVERDUE)])
    build.many(4, other_team, local(2025, 4, 6), factors=["equipment-design"], outcome="D")
    build.many(11, third_team, local(2025, 5, 6), factors=["team-culture"], outcome="E",
               assessments=[("E", ROUTE, "yes")])
    build.many(1, third_team, local(2025, 5, 7), factors=["team-culture"], outcome="B")


def reports(org) -> tuple[Report, Report]:
    exact = build_report(Scope(organisation=org, team_ids=None, exact=True), Filters())
    hidden = build_report(Scope(organisation=org, team_ids=None, exact=False), Filters())
    return exact, hidden


def table(report: Report, key: str) -> Table:
    return next(t for t in report.tables() if t.key == key)


def cells(report: Report, key: str, column: int = 0) -> dict[tuple[str, str, str], int | None]:
    return {(ln.dimension, ln.factor, ln.period): ln.cells[column].count for ln in table(report, key).lines}


def card(report: Report, key: str) -> int | None:
    return next(c.cell.count for c in report.cards if c.key == key)


def check(true: dict, shown: dict, threshold: int, total: int | None, what: str) -> None:
    """``total``: the table's total as the reader sees it (None when hidden: then it is small)."""
    assert set(true) == set(shown), what
    if total is not None:
        assert sum(true.values()) == total, f"{what}: the figures do not add up to the total shown"
    else:
        assert sum(true.values()) < threshold, what
    found = problem(true, shown, threshold)
    assert not found, f"{what}: {found}"


def test_no_table_lets_a_small_figure_be_worked_out(many_small, org):
    exact, hidden = reports(org)
    threshold = hidden.threshold
    assert threshold == 10 and not hidden.exact
    overall = cells(hidden, "factors")
    checked = 0
    # Each factor by team, by site and by period adds up to the factor's count.
    for key in ("factors-by-team", "factors-by-site", "factors-by-period"):
        true_by: dict[str, dict] = defaultdict(dict)
        shown_by: dict[str, dict] = defaultdict(dict)
        for ident, count in cells(exact, key).items():
            true_by[ident[1]][ident] = count
        for ident, count in cells(hidden, key).items():
            shown_by[ident[1]][ident] = count
        for factor, true in true_by.items():
            check(true, shown_by[factor], threshold, overall[("all", factor, "")], f"{key}, {factor}")
            checked += 1
    # The outcomes add up to the number of cases.
    check(cells(exact, "outcomes"), cells(hidden, "outcomes"), threshold, card(hidden, "cases"), "outcomes")
    # "Same" and "not the same" add up to the number answered.
    same = {k: v for k, v in cells(exact, "substitution").items() if k[0] != "answered"}
    shown_same = {k: v for k, v in cells(hidden, "substitution").items() if k[0] != "answered"}
    check(same, shown_same, threshold, cells(hidden, "substitution")[("answered", "", "")], "substitution")
    # Open and overdue actions by team add up to the cards.
    for column, card_key in ((0, "open-system-actions"), (1, "overdue-system-actions")):
        check(cells(exact, "system-actions", column), cells(hidden, "system-actions", column), threshold,
              card(hidden, card_key), card_key)
    assert checked >= 9
    # The data has small figures to hide, and the rule had to hide more than them somewhere.
    reasons = {c.hidden for t in hidden.tables() for ln in t.lines for c in ln.cells}
    assert {"small", "secondary"} <= reasons


def test_a_team_filter_keeps_the_same_rule(many_small, org, third_team):
    exact = build_report(Scope(organisation=org, team_ids=None, exact=True), Filters(team=third_team.pk))
    hidden = build_report(Scope(organisation=org, team_ids=None, exact=False), Filters(team=third_team.pk))
    check(cells(exact, "outcomes"), cells(hidden, "outcomes"), hidden.threshold, card(hidden, "cases"), "outcomes")
    assert card(hidden, "cases") == 14
    assert all(c is None or c >= 10 for t in hidden.tables() if t.key != "hotspots" for c in cells(hidden, t.key).values())
    assert selectors.case_totals(Scope(organisation=org, team_ids=None, exact=True), Filters(team=third_team.pk))[
        "cases"] == 14
