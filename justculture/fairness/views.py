"""The equality data page of a case's person, the workforce import and the fairness page.

Thin: scope with the selectors, parse the form, call one service or selector, render. The
equality page is a 404 for anyone who may not see equality data, so that it does not reveal
itself; every view of it is audited.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from justculture.core.errors import ServiceError
from justculture.core.models import User
from justculture.core.permissions import Permission, has_permission, require
from justculture.core.routers import reading_from_replica
from justculture.fairness import selectors, services
from justculture.fairness.charts import Point, ratio_chart
from justculture.fairness.csvfiles import CsvFileError, Problem
from justculture.fairness.forms import EqualityForm, FairnessFilterForm, WorkforceUploadForm
from justculture.fairness.groups import DEFAULT_DIMENSION, DEFAULT_EVENT, RECORD_FIELDS, definitions
from justculture.fairness.periods import WINDOW
from justculture.fairness.stats import NO_ADVERSE_IMPACT


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@never_cache  # special-category data: no copy kept by the browser or a proxy
@require_http_methods(["GET", "POST"])
def equality(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    # Anyone who may see the data reads it here; saving it needs edit_equality_data.
    posted = request.method == "POST"
    case = selectors.equality_case_for(user, reference, permission=Permission.EDIT_EQUALITY_DATA if posted else None)
    can_edit = has_permission(user, Permission.EDIT_EQUALITY_DATA, case.team_id)
    record = selectors.equality_record_of(case)
    initial = {f: getattr(record, f) for f in RECORD_FIELDS.values()} if record else {
        f: "not-known" for f in RECORD_FIELDS.values()}
    form = EqualityForm(request.POST if posted else None, initial=initial)
    if posted and form.is_valid():
        try:
            services.equality_record_save(case=case, by=user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "Equality monitoring information saved.")
            return redirect("cases:detail", case.reference)
    services.equality_record_viewed(case=case, by=user)
    defs = definitions()
    answers = [
        (form.fields[f].label, defs.dimension(d).title_of(getattr(record, f)) if record else "Not recorded")
        for d, f in RECORD_FIELDS.items()
    ]
    return render(request, "fairness/equality.jinja", {
        "case": case, "form": form, "record": record, "can_edit": can_edit, "answers": answers,
    })


@require_http_methods(["GET", "POST"])
def workforce(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, Permission.EDIT_EQUALITY_DATA)
    assert user.organisation is not None
    form = WorkforceUploadForm(request.POST or None, request.FILES or None)
    problems: list[Problem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = services.workforce_import(data=upload.read(), by=user, filename=upload.name or "the file")
        except CsvFileError as exc:
            problems = exc.problems
            count = len(problems)
            form.add_error("file", f"The file has {count} problem{'s' if count != 1 else ''}. Nothing was imported. "
                                   "Correct the rows listed below and upload the file again.")
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, summary.words)
            return redirect("fairness:workforce")
    defs = definitions()
    return render(request, "fairness/workforce.jinja", {
        "form": form, "problems": problems, "held": selectors.workforce_summary(user.organisation),
        "dimensions": [defs.dimension(code) for code in defs.dimensions],
        "teams": list(user.organisation.teams.all()),
    })


def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    scope = selectors.fairness_scope(user)
    organisation = scope.organisation
    teams = list(scope.teams())
    # Defaults filled in, so the radios and selects show what the figures are for.
    data = request.GET.copy()
    for name, default in (("event", DEFAULT_EVENT), ("dimension", DEFAULT_DIMENSION), ("period_type", WINDOW)):
        data.setdefault(name, default)
    form = FairnessFilterForm(
        data, teams=teams, whole=scope.whole,
        workforce_periods=selectors.workforce_periods(organisation),
    )
    chosen = form.choices()
    team = next((t for t in teams if t.pk == chosen["team"]), None)
    if team is None and not scope.whole:
        raise PermissionDenied("You may only see the fairness figures of your own teams.")
    with reading_from_replica():
        figures = selectors.figures(
            organisation, event=chosen["event"], dimension=chosen["dimension"], period=chosen["period"], team=team,
            workforce_period=chosen["workforce_period"],
        )
        consistency = selectors.consistency(organisation, dimension=chosen["dimension"],
                                            period=chosen["period"], team=team)
        departures = selectors.departures(user, organisation, period=chosen["period"], team=team)
    chart = ratio_chart(
        f"relative likelihood of {figures.event.title.lower()} by {figures.dimension.short}",
        [Point(r.title, r.is_reference, r.result.suppressed, r.result.relative_likelihood, r.result.ci_low,
               r.result.ci_high, r.result.alert, r.result.hidden) for r in figures.rows],
        reference_title=figures.reference_title, min_count=figures.min_count,
    ) if figures.has_workforce and figures.rows else None
    services.fairness_viewed(by=user, filters={
        "event": chosen["event"], "dimension": chosen["dimension"], "period": chosen["period"].label,
        "team": team.name if team else "whole organisation", "workforce_period": figures.workforce_period or "",
    })
    return render(request, "fairness/index.jinja", {
        "form": form, "figures": figures, "chart": chart, "band": NO_ADVERSE_IMPACT,
        "consistency": consistency,
        "departures": departures,
        "can_import": has_permission(user, Permission.EDIT_EQUALITY_DATA),
    })
