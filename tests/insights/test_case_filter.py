"""The case list's factor filter, which the insights page's drill-down links use."""

from __future__ import annotations

import pytest

from justculture.cases import selectors
from tests.conftest import client_for
from tests.insights.conftest import local

pytestmark = pytest.mark.django_db


def test_factor_filter_keeps_cases_where_the_factor_was_found(build, team, other_team, lead):
    found = build.case(team, local(2025, 3, 1), factors=["staffing", "distractions"])
    build.case(team, local(2025, 3, 1), absent=["staffing"])
    build.case(team, local(2025, 3, 1), unknown=["staffing"])
    elsewhere = build.case(other_team, local(2025, 3, 1), factors=["staffing"])
    filtered = selectors.case_list(lead, selectors.CaseFilters(factor="staffing"))
    assert {c.reference for c in filtered} == {found.reference, elsewhere.reference}
    both = selectors.case_list(lead, selectors.CaseFilters(factor="staffing", team=team.pk))
    assert [c.reference for c in both] == [found.reference]


def test_case_list_page_offers_and_applies_the_factor_filter(build, team, lead):
    found = build.case(team, local(2025, 3, 1), factors=["equipment-design"])
    other = build.case(team, local(2025, 3, 1), factors=["staffing"])
    client = client_for(lead)
    page = client.get("/cases/").content.decode()
    assert 'name="factor"' in page and "Device, equipment or product design" in page
    page = client.get("/cases/", {"factor": "equipment-design"}).content.decode()
    assert found.reference in page and other.reference not in page
    bad = client.get("/cases/", {"factor": "no-such-factor"}).content.decode()
    assert "There is a problem" in bad


def test_drill_down_link_shows_the_cases_behind_the_figure(build, team, other_team, lead):
    from justculture.insights import selectors as insight_selectors
    from justculture.insights.report import build_report

    for _ in range(3):
        build.case(team, local(2025, 3, 5), factors=["staffing"])
    build.case(other_team, local(2025, 3, 5), factors=["staffing"])
    build.case(team, local(2025, 4, 5), factors=["staffing"])
    report = build_report(insight_selectors.scope_for(lead), insight_selectors.Filters())
    line = next(ln for t in report.tables() if t.key == "factors-by-period" for ln in t.lines
                if ln.period == "2025-03")
    assert line.cells[0].count == 4
    page = client_for(lead).get(line.cells[0].link).content.decode()
    assert "4 cases matching the filters" in page
