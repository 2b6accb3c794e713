"""The case task list's figures come from one hand-written statement (cases/overview.py): it must
give the same figures as the ORM on both databases, for an empty case and a busy one, and the
case page must show them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from justculture.actions import services as action_services
from justculture.actions.selectors import tracker_counts
from justculture.cases import services as case_services
from justculture.cases.models import Case
from justculture.casework import decisions as casework_decisions
from justculture.casework.overview import CaseOverview, case_overview, latest_versions
from justculture.core.models import User
from justculture.decisions import services as decision_services
from justculture.decisions.models import ReferralConsideration
from tests.conftest import client_for, pdf_upload, text_upload
from tests.decisions.conftest import TO_D, give_outcome


def figures_by_orm(case: Case) -> CaseOverview:
    latest = case.decisions.order_by("-recorded_at", "-id").first()
    counts = tracker_counts(case.actions.all())
    return CaseOverview(
        factors_recorded=case.factor_records.count(), documents=case.documents.count(),
        decided_on=latest.decided_on if latest else None, decision_departs=bool(latest and latest.departs_from_guide),
        actions_open=counts["open"], actions_overdue=counts["overdue"], actions_done=counts["done"],
        referral_considered=ReferralConsideration.objects.filter(case=case).exists(),
    )


def test_an_empty_case_has_no_figures(case: Case):
    overview = case_overview(case)
    assert overview == figures_by_orm(case)
    assert overview == CaseOverview(0, 0, None, False, 0, 0, 0, False)
    assert latest_versions(case) == {}


def test_a_busy_case_gives_the_same_figures_as_the_orm(case: Case, handler: User, decider: User, make_case):
    other = make_case(handler, name="Someone Else")  # whose rows must not be counted
    today = timezone.localdate()
    for target in (case, other):
        document = case_services.evidence_upload(case=target, upload=pdf_upload(), description="Rota",
                                                 factor_ids=["staffing"], by=handler)
        case_services.factor_record_save(case=target, factor_id="staffing", present="yes", contribution="major",
                                         account="Two nurses short.", documents=[document], by=handler)
    case_services.evidence_upload(case=case, upload=text_upload(), description="Statement", by=handler)
    case_services.factor_record_save(case=case, factor_id="personal-health", present="no", contribution="none",
                                     account="", by=handler)

    def action(title: str, due_in: int | None, status: str = "") -> None:
        made = action_services.action_create(
            case=case, kind="system", category="staffing", title=title,
            due_date=today + timedelta(days=due_in) if due_in is not None else None, by=handler)
        if status:
            action_services.action_set_status(action=made, status=status, note="Noted.", by=handler)

    action("Late", -3)
    action("Late but started", -1, "in-progress")
    action("Due soon", 4)
    action("Undated", None)
    action("Finished late", -9, "done")
    action("Dropped", -9, "cancelled")
    give_outcome(case, TO_D, handler)
    first = casework_decisions.decision_record(case=case, measures=["support"], rationale="Support first.",
                                              support_detail="Supervision.", decided_by_name="Jo Smith",
                                              decided_on=today - timedelta(days=10), by=decider)
    latest = casework_decisions.decision_record(
        case=case, measures=["formal-process"], formal_type="disciplinary", rationale="Then formal.",
        departure_justification="New facts about probity came to light.", decided_by_name="Jo Smith",
        decided_on=today - timedelta(days=2), by=decider)
    decision_services.referral_considerations_save(case=case, regulator="nmc", answers={}, by=decider)

    overview = case_overview(case)
    assert overview == figures_by_orm(case)
    assert overview == CaseOverview(
        factors_recorded=2, documents=2, decided_on=latest.decided_on, decision_departs=True,
        actions_open=5, actions_overdue=2, actions_done=1, referral_considered=True,
    )
    assert not first.departs_from_guide and latest.departs_from_guide
    # The other case has its own figures.
    assert case_overview(other) == figures_by_orm(other)
    assert case_overview(other).factors_recorded == 1 and case_overview(other).actions_open == 0

    versions = latest_versions(case)
    act = case.acts.get(number=1)
    assert versions[act.pk].version == 1 and versions[act.pk].is_complete and versions[act.pk].outcome_code == "D"

    html = client_html(handler, case)
    assert "2 of 10 factors recorded, 2 evidence documents" in html
    assert "5 open, 2 overdue, 1 done" in html
    assert "Departs from the guide&#39;s recommendation. Decided on" in html
    assert "Outcome D (version 1)" in html


def client_html(user: User, case: Case) -> str:
    return client_for(user).get(f"/cases/{case.reference}/").content.decode()
