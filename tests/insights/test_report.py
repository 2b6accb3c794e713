"""Hiding small counts: primary and secondary suppression, ordering, widened dates, hotspots,
and exact figures with links for readers who may see the cases."""

from __future__ import annotations

from datetime import date

import pytest

from justculture.insights import selectors
from justculture.insights.report import SECONDARY, SMALL, build_report, protect
from justculture.insights.selectors import Filters
from tests.insights.conftest import local

pytestmark = pytest.mark.django_db


def test_protect_hides_counts_below_the_threshold():
    assert protect([12, 9, 0, 10], threshold=10, exact=False) == ["", SMALL, SMALL, ""]
    assert protect([12, 9, 0, 10], threshold=10, exact=True) == ["", "", "", ""]


def test_protect_hides_more_when_a_total_would_give_a_small_count_away():
    # 12 + 3 = 15 shown elsewhere: 3 could be worked out, so 12 goes too.
    assert protect([12, 3], threshold=10, exact=False, total_shown=True) == [SECONDARY, SMALL]
    # The hidden ones already add up to 10 or more: nothing more to hide.
    assert protect([30, 6, 5], threshold=10, exact=False, total_shown=True) == ["", SMALL, SMALL]
    # Smallest shown count goes first, then the next, until the hidden total reaches the threshold.
    assert protect([40, 11, 12, 1], threshold=10, exact=False, total_shown=True) == ["", SECONDARY, "", SMALL]
    # Hidden zeros give nobody away.
    assert protect([15, 0, 0], threshold=10, exact=False, total_shown=True) == ["", SMALL, SMALL]
    # Without a total shown, only the small counts are hidden.
    assert protect([12, 3], threshold=10, exact=False) == ["", SMALL]


def factor_line(report, table_key, factor_id, dimension=None):
    table = next(t for t in report.tables() if t.key == table_key)
    return next(ln for ln in table.lines if ln.factor == factor_id and (dimension is None or ln.dimension == dimension))


@pytest.fixture
def mixed(build, team, other_team):
    """Staffing in 12 + 3 cases, distractions in 12, equipment in 4; 12 outcome E and 3 outcome D."""
    build.many(12, team, local(2025, 3, 5), factors=["staffing", "distractions"], outcome="E",
               actions=[("system", "open", date(2020, 1, 1))])
    build.many(3, other_team, local(2025, 4, 5), factors=["staffing"], outcome="D")
    build.many(4, other_team, local(2025, 4, 6), factors=["equipment-design"], outcome="D")


def test_analyst_sees_no_count_below_the_threshold(mixed, analyst):
    report = build_report(selectors.scope_for(analyst), Filters())
    assert not report.exact and report.threshold == 10
    staffing = factor_line(report, "factors", "staffing").cells[0]
    equipment = factor_line(report, "factors", "equipment-design").cells[0]
    assert staffing.count == 15 and not staffing.suppressed
    assert equipment.count is None and equipment.text == "fewer than 10"
    # By team, Maternity's 3 is hidden, and Ward 7's 12 with it (15 - 12 would give 3 away).
    by_team = {ln.dimension: ln.cells[0] for ln in next(t for t in report.tables() if t.key == "factors-by-team").lines
               if ln.factor == "staffing"}
    assert by_team["Maternity"].text == "fewer than 10"
    assert by_team["Ward 7"].count is None and by_team["Ward 7"].text == "not shown"
    # Every figure anywhere in the report is either at least 10 or hidden.
    for table in report.tables():
        for line in table.lines:
            for cell in line.cells:
                assert cell.count is None or cell.count >= 10, (table.key, line)
                assert not cell.link
    for card in report.cards[:-1]:
        assert card.cell.count is None or card.cell.count >= 10


def test_hidden_counts_do_not_reveal_their_order(build, team, analyst):
    build.many(2, team, local(2025, 3, 5), factors=["personal-health"])
    build.many(7, team, local(2025, 3, 5), factors=["team-culture"])
    build.many(11, team, local(2025, 3, 5), factors=["staffing"])
    report = build_report(selectors.scope_for(analyst), Filters())
    order = [ln.factor for ln in next(t for t in report.tables() if t.key == "factors").lines]
    assert order[0] == "staffing"
    # The rest keep taxonomy order: team culture (7) does not jump ahead of smaller ones.
    hidden = order[1:]
    assert hidden.index("team-culture") > hidden.index("distractions")
    assert hidden.index("personal-health") > hidden.index("team-culture")


def test_lead_sees_exact_counts_and_links_to_the_cases(mixed, lead, team):
    report = build_report(selectors.scope_for(lead), Filters())
    assert report.exact
    equipment = factor_line(report, "factors", "equipment-design").cells[0]
    assert equipment.count == 4 and not equipment.suppressed
    assert equipment.link == "/cases/?factor=equipment-design"
    ward = factor_line(report, "factors-by-team", "staffing", "Ward 7").cells[0]
    assert ward.count == 12 and ward.link == f"/cases/?factor=staffing&team={team.pk}"
    march = next(ln for ln in next(t for t in report.tables() if t.key == "factors-by-period").lines
                 if ln.factor == "staffing" and ln.period == "2025-03")
    assert march.cells[0].link == "/cases/?factor=staffing&date_from=2025-03-01&date_to=2025-03-31"
    outcome_e = next(ln for ln in next(t for t in report.tables() if t.key == "outcomes").lines if ln.dimension == "E")
    assert outcome_e.cells[0].count == 12 and outcome_e.cells[0].link == "/cases/?outcome=E"


def test_links_keep_the_filters_and_leave_out_what_the_case_list_cannot_filter(mixed, lead, team):
    scope = selectors.scope_for(lead)
    report = build_report(scope, Filters(date_from=date(2025, 3, 10), team=team.pk))
    staffing = factor_line(report, "factors", "staffing").cells[0]
    assert staffing.link == f"/cases/?factor=staffing&team={team.pk}&date_from=2025-03-10"
    # Filtered by site: only figures for one team can be linked (the case list has no site filter).
    by_site = build_report(scope, Filters(site="City Hospital"))
    linked = {t.key for t in by_site.tables() for ln in t.lines for cell in ln.cells if cell.link}
    assert linked == {"factors-by-team", "hotspots"}
    assert factor_line(by_site, "factors-by-team", "staffing", "Ward 7").cells[0].link.endswith(f"team={team.pk}")


def test_analyst_dates_are_widened_to_whole_months(mixed, analyst, lead):
    asked = Filters(date_from=date(2025, 3, 10), date_to=date(2025, 4, 5))
    report = build_report(selectors.scope_for(analyst), asked)
    assert report.filters.date_from == date(2025, 3, 1) and report.filters.date_to == date(2025, 4, 30)
    assert any("whole months" in note for note in report.notes)
    assert build_report(selectors.scope_for(lead), asked).filters == asked


def test_hotspot_threshold_and_its_override(mixed, lead, analyst, org):
    lead_report = build_report(selectors.scope_for(lead), Filters())
    assert lead_report.hotspot_threshold == 3
    spots = next(t for t in lead_report.tables() if t.key == "hotspots").lines
    assert {(ln.dimension, ln.factor, ln.cells[0].count) for ln in spots} == {
        ("team:Ward 7", "staffing", 12), ("team:Ward 7", "distractions", 12), ("site:City Hospital", "staffing", 12),
        ("site:City Hospital", "distractions", 12), ("team:Maternity", "equipment-design", 4),
        ("team:Maternity", "staffing", 3), ("site:County Hospital", "equipment-design", 4),
        ("site:County Hospital", "staffing", 3),
    }
    assert spots[0].heads[0] in {"Ward 7 (team)", "City Hospital (site)"}
    section = next(s for s in lead_report.sections if s.id == "hotspots")
    assert "consider a system review" in section.intro[0]
    higher = build_report(selectors.scope_for(lead), Filters(), hotspot_threshold=4)
    assert higher.hotspot_threshold == 4 and higher.hotspot_count == 6
    org.hotspot_threshold = 5
    org.save()
    lead.refresh_from_db()
    assert build_report(selectors.scope_for(lead), Filters()).hotspot_count == 4
    # An analyst's hotspots need at least the suppression threshold, whatever is asked, and show
    # "at least 10" rather than a count.
    analyst.refresh_from_db()
    theirs = build_report(selectors.scope_for(analyst), Filters(), hotspot_threshold=1)
    assert theirs.hotspot_threshold == 10 and theirs.hotspot_count == 4
    cells = [ln.cells[0] for ln in next(t for t in theirs.tables() if t.key == "hotspots").lines]
    assert {c.text for c in cells} == {"at least 10"} and all(c.count is None for c in cells)


def test_the_suppression_threshold_is_the_organisations_setting(mixed, org, analyst):
    org.suppression_threshold = 20
    org.save()
    analyst.refresh_from_db()
    report = build_report(selectors.scope_for(analyst), Filters())
    assert factor_line(report, "factors", "staffing").cells[0].text == "fewer than 20"
