"""The insights page and its downloads. Thin: read the filters, build the report, render it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.models import User
from justculture.core.routers import reading_from_replica
from justculture.insights import export, selectors
from justculture.insights.forms import InsightFilterForm
from justculture.insights.report import Report, build_report


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _report(request: HttpRequest) -> tuple[User, InsightFilterForm, Report]:
    """The reader's report for the filters in the query string (PermissionDenied without view_insights)."""
    user = _user(request)
    scope = selectors.scope_for(user)
    teams = list(selectors.teams_in(scope))
    form = InsightFilterForm(
        request.GET or None, teams=teams,
        hotspot_default=scope.organisation.hotspot_threshold if scope.exact else None,
    )
    filters, hotspot = form.filters()
    with reading_from_replica():
        report = build_report(scope, filters, hotspot_threshold=hotspot)
    return user, form, report


def index(request: HttpRequest) -> HttpResponse:
    _, form, report = _report(request)
    # The downloads repeat the filters in force; with a mistake in the form, the page shows defaults.
    query = request.GET.urlencode() if form.is_bound and form.is_valid() else ""
    return render(request, "insights/index.jinja", {
        "form": form, "report": report, "query": query, "filtered": bool(query),
    })


def _audit_download(user: User, report: Report, kind: str) -> None:
    filters: dict[str, Any] = dict(report.filter_summary)
    with transaction.atomic():
        audit.record(by=user, action=AuditAction.INSIGHTS_DOWNLOAD, object_type="insights", object_id=kind,
                     summary=f"Insights figures downloaded as {kind.upper()}",
                     changes={"filters": filters, "exact_counts": report.exact})


def _filename(user: User, extension: str) -> str:
    slug = user.organisation.slug if user.organisation else "organisation"
    return f"insights-{slug}-{timezone.localdate():%Y-%m-%d}.{extension}"


def export_csv(request: HttpRequest) -> HttpResponse:
    user, _, report = _report(request)
    _audit_download(user, report, "csv")
    response = HttpResponse(export.render_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(user, "csv")}"'
    response["Cache-Control"] = "no-store"
    return response


def summary_pdf(request: HttpRequest) -> HttpResponse:
    user, _, report = _report(request)
    _audit_download(user, report, "pdf")
    response = HttpResponse(export.render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(user, "pdf")}"'
    response["Cache-Control"] = "no-store"
    return response
