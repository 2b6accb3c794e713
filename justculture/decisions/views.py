"""The decision on a case, "Should we refer?", advice taken, and an organisation's regulators.

Thin: scope the case with the selectors, parse the form, call one service, render. Reads need the
case to be visible (case_for scopes and 404s); the decide permission is checked in the same lookup
(on GET and POST alike for pages that only write, on POST for the referral page, which anyone who
sees the case may read), and the services check it again.
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
from justculture.cases.selectors import case_for
from justculture.core.errors import ServiceError
from justculture.core.http import current_user
from justculture.core.permissions import Permission, has_permission, require
from justculture.decisions import services
from justculture.decisions.forms import (
    AdviceForm,
    RegulatorContactForm,
)
from justculture.decisions.models import Decision, ReferralConsideration
from justculture.decisions.rules import DecisionRules, Measure, decision_rules
from justculture.decisions.selectors import (
    Recommendation,
    Regulator,
    recommendation_for,
    regulators_for,
)

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
def advice_new(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = case_for(user, reference, permission=Permission.DECIDE)
    back = "decisions:referral" if request.GET.get("from") == "referral" else "decisions:decision"
    form = AdviceForm(request.POST if _post(request) else None, initial={"advised_on": timezone.localdate()})
    if _post(request) and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.advice_record(case=case, advised_on=data["advised_on"], adviser=data["adviser"],
                                            advice=data["advice"], by=user)
        except ServiceError as exc:
            form.add_service_error(exc)
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
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Referral details for {contact.name} saved.")
            return redirect("decisions:regulators")
    own = set(organisation.regulator_contacts.values_list("code", flat=True))
    return render(request, "decisions/regulators.jinja", {
        "organisation": organisation, "regulators": listed, "own": own, "form": form, "chosen": chosen,
    })
