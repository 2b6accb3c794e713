"""Case pages that read or change several apps: the case's task list, its status and its
timeline, and the decision and referral pages (which show the fairness figures). Thin like every view: parse, call one casework function or selector, render.

Their routes stay in the "cases" URL namespace (config/urls.py adds them to it), so the pages keep
their addresses and names.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from justculture.assessments import selectors as assessment_selectors
from justculture.assessments.forms import ConfirmForm
from justculture.assessments.services import evaluation_of, guide_for, health_answers_viewed
from justculture.assessments.views import _load
from justculture.cases import lifecycle, selectors
from justculture.cases.forms import StatusForm
from justculture.cases.selectors import case_for, factor_records
from justculture.cases.states import case_states
from justculture.casework import assessments as casework_assessments
from justculture.casework import decisions as casework_decisions
from justculture.casework.overview import case_overview, latest_versions
from justculture.casework.status import case_status_change, outstanding
from justculture.casework.timeline import case_timeline
from justculture.core import once
from justculture.core.errors import ServiceError
from justculture.core.http import current_user
from justculture.core.permissions import Permission, has_permission
from justculture.decisions import services as decision_services
from justculture.decisions.forms import DecisionForm, ReferralForm
from justculture.decisions.models import ReferralConsideration
from justculture.decisions.rules import decision_rules
from justculture.decisions.selectors import recommendation_for, referral_sections, regulators_for
from justculture.decisions.views import (
    NOT_REGISTERED,
    FactorLine,
    _consideration,
    _default_regulator,
    _guide_panel,
    _post,
)
from justculture.factors.selectors import factors_for
from justculture.fairness.selectors import decision_prompt
from justculture.guide import default_guide


def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = selectors.case_for(user, reference, related=("incident", "person", "team", "organisation"))
    factors = factors_for(case.organisation)
    acts = list(case.acts.all())
    latest = latest_versions(case)
    read_only = lifecycle.is_read_only(case)
    return render(request, "cases/detail.jinja", {
        "case": case, "states": case_states(), "factors": factors, "read_only": read_only,
        # Counts and the latest decision in one query (casework/overview.py, docs/performance.md).
        "overview": case_overview(case),
        "can_pack": has_permission(user, Permission.VIEW_EVIDENCE, case.team_id),
        "can_equality": has_permission(user, Permission.VIEW_EQUALITY_DATA, case.team_id)
        or has_permission(user, Permission.EDIT_EQUALITY_DATA, case.team_id),
        "acts": acts, "latest": latest, "guide": default_guide(),
        "can_edit": not read_only and has_permission(user, Permission.EDIT_CASE, case.team_id),
        "can_move": has_permission(user, Permission.EDIT_CASE, case.team_id),
        "can_factors": not read_only and has_permission(user, Permission.RECORD_FACTORS, case.team_id),
        "can_assess": not read_only and has_permission(user, Permission.ASSESS, case.team_id),
    })


@require_http_methods(["GET", "POST"])
def status_change(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = selectors.case_for(user, reference, permission=Permission.EDIT_CASE)
    form = StatusForm(request.POST or None, current=case.status)
    if request.method == "POST":
        if form.is_valid():
            try:
                case_status_change(case=case, to=form.cleaned_data["status"], reason=form.cleaned_data["reason"],
                                   by=user)
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, f"Status changed to {case_states().title(case.status)}.")
                return redirect("cases:detail", case.reference)
        elif "status" in form.errors and request.POST.get("status"):
            # Name the move that is not allowed instead of a bare "invalid choice".
            problem = lifecycle.transition_problem(case.status, request.POST["status"])
            if problem:
                form.errors["status"] = form.error_class([problem])
    machine = case_states()
    closing_to = [s for s in machine.allowed(case.status) if s in machine.ending_states()]
    left = outstanding(case) if closing_to else None
    return render(request, "cases/status_form.jinja", {
        "form": form, "case": case, "states": machine, "outstanding": left.lines() if left else [],
        "closing_titles": [machine.title(s).lower() for s in closing_to],
    })


def timeline(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = selectors.case_for(user, reference)
    return render(request, "cases/timeline.jinja", {"case": case, "entries": case_timeline(case)[:1000]})


# --- The decision and referral pages: they show the fairness figures beside the form ----------


@require_http_methods(["GET", "POST"])
def decision_new(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = case_for(user, reference, permission=Permission.DECIDE)
    rules = decision_rules()
    recommendation = recommendation_for(case)
    form = DecisionForm(
        request.POST if _post(request) else None, indication=recommendation.indication,
        initial={"decided_by_name": user.display_name, "decided_on": timezone.localdate()},
    )
    if _post(request) and form.is_valid():
        data = form.cleaned_data

        def record() -> str:
            recorded = casework_decisions.decision_record(
                case=case, measures=data["measures"], rationale=data["rationale"],
                decided_by_name=data["decided_by_name"], decided_on=data["decided_on"],
                support_detail=data["support_detail"], local_action_types=data["local_action_types"],
                formal_type=data["formal_type"], departure_justification=data["departure_justification"],
                who_hurt=data["who_hurt"], their_needs=data["their_needs"], obligations=data["obligations"],
                support_offered=data["support_offered"], support_notes=data["support_notes"], by=user,
            )
            if recorded.departs_from_guide:
                messages.warning(request, "Decision recorded. It was flagged as a departure from the just culture "
                                          "guide's recommendation, with your justification, for the fairness review.")
            else:
                messages.success(request, "Decision recorded. It is consistent with the guide's recommendation.")
            return reverse("decisions:decision", args=[case.reference])

        try:
            # A second submission of the same form (a double click) records nothing more.
            return redirect(once.web(user, data["submission_token"], record)[0])
        except ServiceError as exc:
            form.add_service_error(exc)
    return render(request, "decisions/decision_form.jinja", {
        "case": case, "form": form, "panel": _guide_panel(recommendation, rules),
        "prompt": decision_prompt(case, user, event="formal-action"),
    })


@require_http_methods(["GET", "POST"])
def referral(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = case_for(user, reference, permission=Permission.DECIDE if _post(request) else None)
    can_decide = has_permission(user, Permission.DECIDE, case.team_id)
    record = _consideration(case)
    regulators = [r for r in regulators_for(case.organisation) if r.code != NOT_REGISTERED]
    sections = referral_sections()
    initial = {
        "regulator": record.regulator if record else _default_regulator(case.person.registration_body, regulators),
        "summary": record.summary if record else "",
        **ReferralForm.initial_from(record.answers if record else {}),
    }
    form = ReferralForm(request.POST if _post(request) else None, initial=initial, sections=sections,
                        regulators=regulators)
    if _post(request) and form.is_valid():
        try:
            decision_services.referral_considerations_save(
                case=case, regulator=form.cleaned_data["regulator"], answers=form.answers(),
                summary=form.cleaned_data["summary"], by=user,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "Referral considerations saved. Whether to refer remains your decision.")
            return redirect("decisions:referral", case.reference)

    chosen = str(form["regulator"].value() or "")
    regulator = next(r for r in regulators if r.code == _default_regulator(chosen, regulators))
    recommendation = recommendation_for(case)
    records = factor_records(case)
    factors = factors_for(case.organisation)
    lines = [
        FactorLine(f.title, records[f.id].get_present_display(), records[f.id].get_contribution_display())
        for f in factors if f.id in records and not f.special_category
    ]
    return render(request, "decisions/referral.jinja", {
        "case": case, "form": form, "sections": sections, "record": record, "regulator": regulator,
        "prompt": decision_prompt(case, user, event="referral"),
        "registered": case.person.registration_body != NOT_REGISTERED,
        "factor_lines": lines, "factor_total": len(factors), "factor_recorded": sum(f.id in records for f in factors),
        "health_recorded": any(f.special_category and f.id in records for f in factors),
        "health_outcomes": [(n, o) for n, o, _ in recommendation.outcomes if o.individual_action == "health-pathway"],
        "document_count": case.documents.count(),
        "advice": case.advice.all(), "can_decide": can_decide,
        "answer_labels": dict(ReferralConsideration.CHOICES),
    })


# --- Check your answers: completing an assessment creates its system-learning action --------


@require_http_methods(["GET", "POST"])
def assessment_check(request: HttpRequest, reference: str, number: int, version: int) -> HttpResponse:
    # Anyone who sees the case may read the answers; confirming them needs assess.
    user, case, act = _load(request, reference, number, Permission.ASSESS if request.method == "POST" else None)
    assessment = assessment_selectors.assessment_for(act, version)
    if assessment.is_complete:
        return redirect("assessments:outcome", case.reference, act.number, version)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            casework_assessments.assessment_complete(assessment=assessment, by=user)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, f"The assessment of act {act.number} (version {version}) is complete."
            )
            return redirect("assessments:outcome", case.reference, act.number, version)
    guide = guide_for(assessment.guide_id, assessment.guide_version)
    walk = evaluation_of(assessment)
    answers = assessment_selectors.answers_of(assessment)
    health_answers_viewed(assessment=assessment, question_ids=answers, by=user)
    return render(request, "assessments/check.jinja", {
        "case": case, "act": act, "assessment": assessment, "guide": guide, "walk": walk,
        "form": form, "rows": assessment_selectors.answer_rows(case, guide, walk.path, answers),
        "waiting": answers.get(walk.next_question) if walk.next_question else None,
        "unused": assessment_selectors.answer_rows(case, guide, walk.unused, answers),
        "can_assess": has_permission(user, Permission.ASSESS, case.team_id),
    })


#: Added to the "cases" namespace by config/urls.py.
case_urlpatterns = [
    path("<str:reference>/", case_detail, name="detail"),
    path("<str:reference>/status/", status_change, name="status"),
    path("<str:reference>/timeline/", timeline, name="timeline"),
]

#: Added to the "decisions" namespace by config/urls.py.
decision_urlpatterns = [
    path("<str:reference>/decision/new/", decision_new, name="decision-new"),
    path("<str:reference>/referral/", referral, name="referral"),
]

#: Added to the "assessments" namespace by config/urls.py.
assessment_urlpatterns = [
    path("<str:reference>/acts/<int:number>/assessments/<int:version>/check/", assessment_check, name="check"),
]
