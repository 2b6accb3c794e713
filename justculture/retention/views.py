"""Pages: the retention periods in force (changeable by the organisation administrator) and the
subject access export for one professional."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from justculture.core.errors import ServiceError
from justculture.core.http import current_user
from justculture.core.models import Organisation, User
from justculture.core.permissions import Permission, has_permission, require
from justculture.retention import selectors, services, subject_access
from justculture.retention.forms import PeopleSearchForm, PeriodForm, SubjectAccessForm

# Who may read the periods page: whoever changes them, and those who answer for the data.
_READERS = (Permission.MANAGE_RETENTION, Permission.SUBJECT_ACCESS, Permission.VIEW_AUDIT)


def _organisation(user: User) -> Organisation:
    if user.organisation is None:
        raise PermissionDenied("You do not belong to an organisation.")
    return user.organisation


@require_http_methods(["GET"])
def periods(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not any(has_permission(user, p) for p in _READERS):
        raise PermissionDenied("You do not have permission to do this (manage_retention).")
    organisation = _organisation(user)
    waiting = Counter(e.rule for e in selectors.expired_for_organisation(organisation))
    return render(request, "retention/periods.jinja", {
        "organisation": organisation, "rules": selectors.periods_in_force(organisation), "waiting": waiting,
        "can_change": has_permission(user, Permission.MANAGE_RETENTION),
    })


@require_http_methods(["GET", "POST"])
def period_change(request: HttpRequest, rule: str) -> HttpResponse:
    user = current_user(request)
    require(user, Permission.MANAGE_RETENTION)
    organisation = _organisation(user)
    force = selectors.in_force_for(organisation, rule)
    if not force.rule.per_organisation:
        raise Http404("This period is set for the whole service")
    if request.method == "POST" and request.POST.get("reset") == "yes":
        services.period_reset(organisation=organisation, rule=rule, by=user)
        messages.success(request, f"The period for {force.rule.title.lower()} is back to the default of "
                                  f"{force.rule.period}.")
        return redirect("retention:periods")
    initial = {"amount": force.period.amount, "unit": force.period.unit,
               "reason": force.override.reason if force.override else ""}
    form = PeriodForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.period_save(organisation=organisation, rule=rule, amount=data["amount"], unit=data["unit"],
                                 reason=data["reason"], by=user)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Records of this kind are now kept for {data['amount']} {data['unit']}.")
            return redirect("retention:periods")
    return render(request, "retention/period_form.jinja", {"force": force, "form": form, "organisation": organisation})


@require_http_methods(["GET"])
def people(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(user, Permission.SUBJECT_ACCESS)
    form = PeopleSearchForm(request.GET if "q" in request.GET else None)
    results = selectors.people_search(user, form.cleaned_data["q"]) if form.is_valid() else []
    return render(request, "retention/people.jinja", {"form": form, "results": results,
                                                      "searched": form.is_bound and form.is_valid()})


@require_http_methods(["GET", "POST"])
def export(request: HttpRequest, person_id: int) -> HttpResponse:
    user = current_user(request)
    require(user, Permission.SUBJECT_ACCESS)
    person = selectors.person_for(user, person_id)
    form = SubjectAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        include = form.cleaned_data["include_patient_details"] == "yes"
        try:
            content, filename = subject_access.subject_access_export(
                person=person, include_patient_details=include, reason=form.cleaned_data["reason"], by=user,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            response = HttpResponse(content, content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            response["Cache-Control"] = "no-store"
            return response
    cases = list(person.cases.order_by("reference").values_list("reference", "status"))
    return render(request, "retention/export.jinja", {"person": person, "form": form, "cases": cases})
