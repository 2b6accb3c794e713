"""The decision on a case, "Should we refer?", advice taken, and an organisation's regulators.

Thin: scope the case with the selectors, parse the form, call one service, render. Reads need the
case to be visible (case_for scopes and 404s); pages that only write check the decide permission
up front, and the services check it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from justculture.cases.models import Case
from justculture.cases.selectors import case_for, factor_records
from justculture.core.http import current_user
from justculture.core.permissions import Permission, has_permission, require
from justculture.decisions import services
from justculture.decisions.forms import (
    AdviceForm,
    DecisionForm,
    ReferralForm,
    RegulatorContactForm,
    decision_error_field,
)
from justculture.decisions.models import Decision, ReferralConsideration
from justculture.decisions.rules import DecisionRules, Measure, decision_rules
from justculture.decisions.selectors import (
    Recommendation,
    Regulator,
    recommendation_for,
    referral_sections,
    regulators_for,
)
from justculture.factors.selectors import factors_for
from justculture.fairness.selectors import decision_prompt

#: The regulators list includes "not registered", which is no one to refer to or configure.
NOT_REGISTERED = "none"



def _post(request: HttpRequest) -> bool:
    return request.method == "POST"


@dataclass(frozen=True)
class GuidePanel:
    """The guide's recommendation, and the courses of action that would depart from it."""

    recommendation: Recommendation
    departing: list[Measure]

    @property
    def departing_words(self) -> str:
        """The departing measures as one phrase, e.g. "a formal process, or referral to the regulator"."""
        titles = [m.title[0].lower() + m.title[1:] for m in self.departing]
        return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + ", or " + titles[-1]


def _guide_panel(recommendation: Recommendation, rules: DecisionRules) -> GuidePanel:
    departing = [m for m in rules.measures.values() if rules.departure([m.code], recommendation.indication)]
    return GuidePanel(recommendation, departing)


@dataclass(frozen=True)
class DecisionSummary:
    """A recorded decision with its codes turned into words."""

    decision: Decision
    measures: list[str]
    local_action_types: list[str]
    formal_type: str
    support_offered: list[str]


def _summary(decision: Decision, rules: DecisionRules) -> DecisionSummary:
    return DecisionSummary(
        decision=decision,
        measures=[rules.measures[m].title if m in rules.measures else m for m in decision.measures],
        local_action_types=[rules.local_action_types.get(t, t) for t in decision.local_action_types],
        formal_type=rules.formal_types.get(decision.formal_type, decision.formal_type),
        support_offered=[rules.support_offered.get(s, s) for s in decision.support_offered],
    )


def _consideration(case: Case) -> ReferralConsideration | None:
    return ReferralConsideration.objects.filter(case=case).select_related("updated_by").first()


def decision(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = case_for(user, reference)
    rules = decision_rules()
    summaries = [_summary(d, rules) for d in case.decisions.select_related("recorded_by")]
    return render(request, "decisions/decision.jinja", {
        "case": case, "panel": _guide_panel(recommendation_for(case), rules),
        "current": summaries[0] if summaries else None, "earlier": summaries[1:],
        "advice": case.advice.select_related("recorded_by"), "consideration": _consideration(case),
        "can_decide": has_permission(user, Permission.DECIDE, case.team_id),
    })


@require_http_methods(["GET", "POST"])
def decision_new(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = case_for(user, reference)
    require(user, Permission.DECIDE, case.team_id)
    rules = decision_rules()
    recommendation = recommendation_for(case)
    form = DecisionForm(
        request.POST if _post(request) else None, indication=recommendation.indication,
        initial={"decided_by_name": user.display_name, "decided_on": timezone.localdate()},
    )
    if _post(request) and form.is_valid():
        data = form.cleaned_data
        try:
            recorded = services.decision_record(
                case=case, measures=data["measures"], rationale=data["rationale"],
                decided_by_name=data["decided_by_name"], decided_on=data["decided_on"],
                support_detail=data["support_detail"], local_action_types=data["local_action_types"],
                formal_type=data["formal_type"], departure_justification=data["departure_justification"],
                who_hurt=data["who_hurt"], their_needs=data["their_needs"], obligations=data["obligations"],
                support_offered=data["support_offered"], support_notes=data["support_notes"], by=user,
            )
        except services.DecisionError as exc:
            form.add_error(decision_error_field(str(exc)), str(exc))
        else:
            if recorded.departs_from_guide:
                messages.warning(request, "Decision recorded. It was flagged as a departure from the just culture "
                                          "guide's recommendation, with your justification, for the fairness review.")
            else:
                messages.success(request, "Decision recorded. It is consistent with the guide's recommendation.")
            return redirect("decisions:decision", case.reference)
    return render(request, "decisions/decision_form.jinja", {
        "case": case, "form": form, "panel": _guide_panel(recommendation, rules),
        "prompt": decision_prompt(case, user, event="formal-action"),
    })


@dataclass(frozen=True)
class FactorLine:
    title: str
    present: str
    contribution: str


def _default_regulator(code: str, regulators: list[Regulator]) -> str:
    if any(r.code == code for r in regulators):
        return code
    return next((r.code for r in regulators if r.is_default), regulators[0].code)


@require_http_methods(["GET", "POST"])
def referral(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = case_for(user, reference)
    can_decide = has_permission(user, Permission.DECIDE, case.team_id)
    if _post(request):
        require(user, Permission.DECIDE, case.team_id)
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
            services.referral_considerations_save(
                case=case, regulator=form.cleaned_data["regulator"], answers=form.answers(),
                summary=form.cleaned_data["summary"], by=user,
            )
        except services.DecisionError as exc:
            form.add_error("regulator" if "regulator" in str(exc) else None, str(exc))
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


@require_http_methods(["GET", "POST"])
def advice_new(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = case_for(user, reference)
    require(user, Permission.DECIDE, case.team_id)
    back = "decisions:referral" if request.GET.get("from") == "referral" else "decisions:decision"
    form = AdviceForm(request.POST if _post(request) else None, initial={"advised_on": timezone.localdate()})
    if _post(request) and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.advice_record(case=case, advised_on=data["advised_on"], adviser=data["adviser"],
                                            advice=data["advice"], by=user)
        except services.DecisionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Advice from {record.adviser} recorded.")
            return redirect(back, case.reference)
    return render(request, "decisions/advice_form.jinja", {"case": case, "form": form, "back": back})


@require_http_methods(["GET", "POST"])
def regulators(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(user, Permission.ADMINISTER)
    organisation = user.organisation
    if organisation is None:
        raise PermissionDenied("You do not belong to an organisation.")
    listed = [r for r in regulators_for(organisation) if r.code != NOT_REGISTERED]
    chosen = next((r for r in listed if r.code == request.GET.get("code")), None)
    initial = {}
    if chosen is not None:
        initial = {"code": chosen.code, "name": chosen.name, "register": chosen.register,
                   "referral_contact": chosen.referral_contact}
    form = RegulatorContactForm(request.POST if _post(request) else None, initial=initial, regulators=listed)
    if _post(request) and form.is_valid():
        data = form.cleaned_data
        try:
            contact = services.regulator_contact_save(
                organisation=organisation, code=data["code"], name=data["name"], register=data["register"],
                referral_contact=data["referral_contact"], by=user,
            )
        except services.DecisionError as exc:
            form.add_error("code", str(exc))
        else:
            messages.success(request, f"Referral details for {contact.name} saved.")
            return redirect("decisions:regulators")
    own = set(organisation.regulator_contacts.values_list("code", flat=True))
    return render(request, "decisions/regulators.jinja", {
        "organisation": organisation, "regulators": listed, "own": own, "form": form, "chosen": chosen,
    })
