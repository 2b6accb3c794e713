"""Case workspace pages: list, incident, new case, the case task list, concern, acts, status,
timeline. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from urllib.parse import quote

from django.contrib import messages
from django.core.cache import cache
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.views.decorators.http import require_http_methods
from markupsafe import Markup

from justculture.cases import selectors, services
from justculture.cases.forms import (
    ActForm,
    CaseFilterForm,
    CaseForm,
    ConcernForm,
    IncidentForm,
)
from justculture.cases.states import case_states
from justculture.core import once
from justculture.core.errors import ServiceError
from justculture.core.formatting import localtime_date
from justculture.core.http import current_user
from justculture.core.paging import capped_page
from justculture.core.permissions import Permission, any_team_permission, has_permission
from justculture.factors.selectors import factors_for
from justculture.guide import default_guide

CASES_PER_PAGE = 25
# Above this many cases the list says "more than 1,000" rather than count them all (core/paging.py).
CASES_COUNTED_UP_TO = 1000


def case_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    guide = default_guide()
    team_rows = list(selectors.teams_of(user).values_list("pk", "name", "site"))
    teams = [(str(pk), f"{name} ({site})" if site else name) for pk, name, site in team_rows]
    outcomes = [(o.code, f"{o.code}: {o.title}") for o in guide.outcomes.values()]
    factors = [(f.id, f.title) for f in factors_for(user.organisation)] if user.organisation else []
    # The form is built only when filters were sent; without them its HTML is usually kept
    # (_filter_form_html).
    filtering = any(name in request.GET for name in CaseFilterForm.FILTER_NAMES)
    form = CaseFilterForm(request.GET, teams=teams, outcomes=outcomes, factors=factors) if filtering else None
    filters = selectors.CaseFilters()
    if form is not None and form.is_valid():
        data = form.cleaned_data
        filters = selectors.CaseFilters(
            q=data["q"].strip(), status=data["status"], team=int(data["team"]) if data["team"] else None,
            outcome=data["outcome"], date_from=data["date_from"], date_to=data["date_to"],
            factor=data["factor"],
        )
    # Only the columns the table shows, as plain rows: loading every column of the cases, incidents
    # and people (descriptions, concerns) and making model objects of them was a good part of the
    # page's time at scale (docs/performance.md).
    cases = selectors.case_list(user, filters, paged=True).values(
        "reference", "status", "latest_outcome", "team_id", person_name=F("person__name"),
        person_role=F("person__role_title"), occurred_at=F("incident__occurred_at"),
    )
    # One page of cases at a time, counted up to a thousand; a bad or out-of-range page number
    # shows the nearest page. That a list runs past the cap is remembered for a minute per user
    # and filters (core/paging.py).
    page = capped_page(cases, request.GET.get("page"), per_page=CASES_PER_PAGE, cap=CASES_COUNTED_UP_TO,
                       remember_as=f"cases:{user.pk}:{hashlib.sha256(repr(filters).encode()).hexdigest()[:32]}")
    # Per row: the incident date in the current time zone (looked up once for the page) and the
    # team's name from the teams already read for the filter (rather than a join).
    zone = timezone.get_current_timezone()
    team_names = {pk: name for pk, name, _site in team_rows}
    for row in page.rows:
        row["occurred_on"] = localtime_date(row["occurred_at"], zone)
        row["team_name"] = team_names.get(row["team_id"], "")
    other_params = request.GET.copy()
    other_params.pop("page", None)
    filtered = filters != selectors.CaseFilters()
    return render(request, "cases/list.jinja", {
        "form": form, "page": page, "filter_form": _filter_form_html(request, form, filtered, teams, outcomes, factors),
        # Looked up once per row: (tag colour, title) of each status, the title of each outcome.
        "status_tags": {code: (state.tag, state.title) for code, state in case_states().states.items()},
        "outcome_titles": {o.code: o.title for o in guide.outcomes.values()},
        "page_query": other_params.urlencode(),
        "case_url": _case_url_maker(),
        "filtered": filtered,
        "can_open": any_team_permission(user, Permission.OPEN_CASE),
    })


# The filter form as it stands before any filter is chosen (how most people arrive at the list) is
# the same for everyone in an organisation until its teams or factors change, so its HTML is kept
# for a while under a key made of everything it shows: building and rendering the form was a
# third of the list's time (docs/performance.md). A form with filters or errors is always rendered.
FILTER_FORM_KEEP_SECONDS = 600


def _filter_form_html(request: HttpRequest, form: CaseFilterForm | None, filtered: bool,
                      teams: list[tuple[str, str]], outcomes: list[tuple[str, str]],
                      factors: list[tuple[str, str]]) -> Markup:
    def rendered(shown: CaseFilterForm) -> str:
        return render_to_string("cases/_filter_form.jinja", {"form": shown, "filtered": filtered}, request=request)

    if form is not None:
        return Markup(rendered(form))  # noqa: S704 - our own template's output, escaped when rendered
    shown = repr((teams, outcomes, factors, case_states().choices(), get_script_prefix(), get_urlconf()))
    key = f"case-filter-form:{hashlib.sha256(shown.encode()).hexdigest()}"
    html = cache.get(key)
    if html is None:
        html = rendered(CaseFilterForm(None, teams=teams, outcomes=outcomes, factors=factors))
        cache.set(key, html, FILTER_FORM_KEEP_SECONDS)
    return Markup(html)  # noqa: S704 - our own template's output, escaped when rendered


def _case_url_maker() -> Callable[[str], str]:
    """A function giving a case page's URL from its reference: one reverse() for the whole list
    instead of one per row, with the reference quoted as reverse() quotes it."""
    marker = "0case0ref0"
    pattern = reverse("cases:detail", args=[marker])
    before, after = pattern.split(marker, 1)

    def case_url(reference: str) -> str:
        return before + quote(reference, safe=RFC3986_SUBDELIMS + "/~:@") + after

    return case_url


@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not any_team_permission(user, Permission.OPEN_CASE):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("You cannot record incidents.")
    form = IncidentForm(request.POST or None, teams=selectors.teams_of(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = user.organisation
        assert organisation is not None

        def record() -> str:
            incident = services.incident_create(
                organisation=organisation, occurred_at=data["occurred_at"], team=data["team"],
                location=data["location"], description=data["description"],
                external_reference=data["external_reference"], patient_name=data["patient_name"],
                patient_identifier=data["patient_identifier"], by=user,
            )
            messages.success(request, f"Incident {incident.reference} recorded. Now add the person the concern is about.")
            return reverse("cases:case-new", args=[incident.reference])

        # A second submission of the same form (a double click) goes where the first went.
        return redirect(once.web(user, data["submission_token"], record)[0])
    return render(request, "cases/incident_form.jinja", {"form": form})


def incident_detail(request: HttpRequest, incident_ref: str) -> HttpResponse:
    user = current_user(request)
    incident = selectors.incident_for(user, incident_ref)
    cases = selectors.visible_cases(user).filter(incident=incident).select_related("person")
    return render(request, "cases/incident.jinja", {
        "incident": incident, "cases": cases, "states": case_states(),
        "can_open": has_permission(user, Permission.OPEN_CASE, incident.team_id),
    })


@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest, incident_ref: str) -> HttpResponse:
    user = current_user(request)
    incident = selectors.incident_for(user, incident_ref, permission=Permission.OPEN_CASE)
    form = CaseForm(request.POST or None, initial={"registration_body": "nmc"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        acts = form.act_list()

        def open_case() -> str:
            # once.web runs this in one transaction: the person and the case, or neither.
            person = services.person_create(
                organisation=incident.organisation, name=data["name"], role_title=data["role_title"],
                staff_group=data["staff_group"], registration_body=data["registration_body"],
                registration_number=data["registration_number"], band_or_grade=data["band_or_grade"],
                years_in_role=data["years_in_role"], employment_type=data["employment_type"], by=user,
            )
            case = services.case_open(incident=incident, person=person, concern=data["concern"], acts=acts, by=user)
            messages.success(request, f"Case {case.reference} opened.")
            return reverse("cases:detail", args=[case.reference])

        return redirect(once.web(user, data["submission_token"], open_case)[0])
    return render(request, "cases/case_form.jinja", {"form": form, "incident": incident})


@require_http_methods(["GET", "POST"])
def concern_edit(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = selectors.case_for(user, reference, permission=Permission.EDIT_CASE)
    form = ConcernForm(request.POST or None, initial={"concern": case.concern})
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update_concern(case=case, concern=form.cleaned_data["concern"], by=user)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "The description of the concern was saved.")
            return redirect("cases:detail", case.reference)
    return render(request, "cases/concern_form.jinja", {"form": form, "case": case})


@require_http_methods(["GET", "POST"])
def act_new(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = selectors.case_for(user, reference, permission=Permission.EDIT_CASE)
    form = ActForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            act = services.act_add(case=case, description=form.cleaned_data["description"], by=user)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Act {act.number} added.")
            return redirect("cases:detail", case.reference)
    return render(request, "cases/act_form.jinja", {"form": form, "case": case, "act": None})


@require_http_methods(["GET", "POST"])
def act_edit(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    user = current_user(request)
    case = selectors.case_for(user, reference, permission=Permission.EDIT_CASE)
    act = selectors.act_for(case, number)
    form = ActForm(request.POST or None, initial={"description": act.description})
    if request.method == "POST" and form.is_valid():
        try:
            services.act_update(act=act, description=form.cleaned_data["description"], by=user)
        except ServiceError as exc:
            form.add_service_error(exc)
            return render(request, "cases/act_form.jinja", {"form": form, "case": case, "act": act})
        if services.act_reworded_since_assessment(act):
            messages.success(request, f"Act {act.number} saved. Its completed assessment keeps the wording it "
                                      "assessed: revisit the assessment to assess the new wording.")
        else:
            messages.success(request, f"Act {act.number} saved.")
        return redirect("cases:detail", case.reference)
    return render(request, "cases/act_form.jinja", {"form": form, "case": case, "act": act})
