"""Insights and fairness figures: the same suppressed aggregates the web pages show."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from justculture.api.auth import actor
from justculture.api.common import ERRORS, team_out
from justculture.api.errors import ApiError
from justculture.api.schemas import FairnessOut, FairnessQuery, InsightsOut, InsightsQuery
from justculture.core.forms import EARLIEST_DAY, LATEST_DAY
from justculture.core.routers import reading_from_replica
from justculture.fairness import selectors as fairness_selectors
from justculture.fairness import services as fairness_services
from justculture.fairness.groups import DEFAULT_DIMENSION, DEFAULT_EVENT, definitions
from justculture.fairness.periods import Period, PeriodError, parse_period, two_year_window
from justculture.insights import selectors as insight_selectors
from justculture.insights.report import Cell, build_report

router = Router(tags=["figures"])


def _cell(cell: Cell) -> dict[str, Any]:
    return {"count": cell.count, "hidden": cell.hidden, "text": cell.text}


@router.get("/insights", response={200: InsightsOut, **ERRORS}, summary="Insights figures")
def insights(request: HttpRequest, query: Query[InsightsQuery]) -> dict[str, Any]:
    """Recurring contextual factors, outcomes and actions across cases. Counts below your
    organisation's threshold are hidden (count null) unless you may see every case behind them."""
    scope = insight_selectors.scope_for(actor(request))
    if query.team is not None and not insight_selectors.teams_in(scope).filter(pk=query.team).exists():
        raise ApiError(f"You cannot see figures for a team with id {query.team}.", field="team", status=404)
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ApiError("date_to must be the same as or after date_from.", field="date_to", status=422)
    filters = insight_selectors.Filters(date_from=query.date_from, date_to=query.date_to, team=query.team,
                                        site=query.site, period=query.period)
    with reading_from_replica():
        report = build_report(scope, filters)
    return {
        "organisation": report.organisation_name, "exact": report.exact, "threshold": report.threshold,
        "generated_at": report.generated_at, "notes": list(report.notes),
        "cards": [{"key": c.key, "label": c.label, **_cell(c.cell)} for c in report.cards],
        "tables": [
            {"key": t.key, "caption": t.caption, "measures": list(t.measures),
             "measure_labels": list(t.measure_labels),
             "lines": [{"label": line.label, "dimension": line.dimension, "factor": line.factor,
                        "period": line.period, "cells": [_cell(c) for c in line.cells]} for line in t.lines]}
            for t in report.tables()
        ],
    }


def _choice(value: str, default: str, known: list[tuple[str, str]], field: str) -> str:
    chosen = value or default
    if chosen not in {code for code, _title in known}:
        raise ApiError(f"Unknown {field} '{chosen}'. Choose one of: {', '.join(c for c, _ in known)}.",
                       field=field, status=422)
    return chosen


@router.get("/fairness", response={200: FairnessOut, **ERRORS}, summary="Fairness figures")
def fairness(request: HttpRequest, query: Query[FairnessQuery]) -> dict[str, Any]:
    """Relative likelihood of an event for each group, against the workforce. Viewing is audited."""
    user = actor(request)
    scope = fairness_selectors.fairness_scope(user)
    defs = definitions()
    event = _choice(query.event, DEFAULT_EVENT, defs.event_choices(), "event")
    dimension = _choice(query.dimension, DEFAULT_DIMENSION, defs.dimension_choices(), "dimension")
    try:
        period: Period = parse_period(query.period) if query.period else two_year_window(timezone.localdate())
    except PeriodError as exc:
        raise ApiError(str(exc), field="period", status=422) from None
    if not (period.start >= EARLIEST_DAY and period.end <= LATEST_DAY):
        raise ApiError(f"period must fall between {EARLIEST_DAY.year} and {LATEST_DAY.year}.", field="period",
                       status=422)
    team = None
    if query.team is not None:
        team = scope.teams().filter(pk=query.team).first()
        if team is None:
            raise ApiError(f"You cannot see figures for a team with id {query.team}.", field="team", status=404)
    elif not scope.whole:
        raise PermissionDenied("You may only see the fairness figures of your own teams: give team.")
    with reading_from_replica():
        figures = fairness_selectors.figures(
            scope.organisation, event=event, dimension=dimension, period=period, team=team,
            workforce_period=query.workforce_period or None,
        )
    fairness_services.fairness_viewed(by=user, filters={
        "event": event, "dimension": dimension, "period": period.label,
        "team": team.name if team else "whole organisation", "workforce_period": figures.workforce_period or "",
        "via": "api",
    })
    return {
        "event": event, "dimension": dimension, "period": period.label, "team": team_out(team) if team else None,
        "workforce_period": figures.workforce_period, "workforce_note": figures.workforce_note,
        "reference": figures.reference, "min_count": figures.min_count,
        "not_stated_events": figures.not_stated_events,
        "rows": [
            {"group": r.group, "title": r.title, "is_reference": r.is_reference, "events": r.result.events,
             "headcount": r.result.headcount, "rate": r.result.rate,
             "relative_likelihood": r.result.relative_likelihood, "ci_low": r.result.ci_low,
             "ci_high": r.result.ci_high, "suppressed": r.result.suppressed, "alert": r.result.alert}
            for r in figures.rows
        ],
    }
