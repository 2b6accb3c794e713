"""The aggregates behind the insights page, its exports and the ``insights`` command.

Every figure is computed by the database in a grouped query (``values().annotate(Count(...))``)
or one conditional aggregation: no case is ever loaded into Python, so the number of queries and
the memory used do not grow with the number of cases. Everything is scoped to one organisation
and, for a user whose insight role covers only some teams, to those teams.

Nothing here hides small counts; that is done once, for every output, in ``insights.report``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast, TruncMonth, TruncQuarter
from django.utils import timezone

from justculture.actions.models import Action
from justculture.assessments.models import Answer, Assessment
from justculture.cases.choices import Presence
from justculture.cases.models import Case, FactorRecord
from justculture.cases.visibility import CaseVisibility
from justculture.core.models import Organisation, Team, User
from justculture.core.permissions import Permission, teams_with_permission
from justculture.factors.models import OrganisationFactor
from justculture.factors.selectors import CUSTOM_PREFIX
from justculture.factors.taxonomy import default_taxonomy

# The statuses in actions/kinds.yaml that mean an action still needs doing.
OPEN_ACTION_STATUSES = ("open", "in-progress")
SYSTEM_KIND = "system"
SUBSTITUTION_QUESTION = "4a"
PERIOD_KINDS = ("month", "quarter")
_TRUNC = {"month": TruncMonth, "quarter": TruncQuarter}


@dataclass(frozen=True)
class Scope:
    """Whose figures a reader may see, and whether they may see exact small counts.

    ``team_ids`` is None when the reader's insight role covers the whole organisation. ``exact``
    is True when the reader may also open every case behind the figures; only then are counts
    below the organisation's suppression threshold shown, and only then are figures linked to
    the case list.
    """

    organisation: Organisation
    team_ids: frozenset[int] | None
    exact: bool

    @property
    def drill_down(self) -> bool:
        return self.exact


def scope_for(user: User) -> Scope:
    """The reader's scope, or PermissionDenied when they may not see insights at all."""
    if not user.is_authenticated or user.organisation is None:
        raise PermissionDenied("You need to belong to an organisation to see insights.")
    whole, teams = teams_with_permission(user, Permission.VIEW_INSIGHTS)
    if not whole and not teams:
        raise PermissionDenied(f"You do not have permission to see insights ({Permission.VIEW_INSIGHTS.value}).")
    # Drilling down to cases is offered only where the reader may see every case counted.
    cases = CaseVisibility.of(user)
    team_ids = None if whole else frozenset(teams)
    exact = cases.whole or (team_ids is not None and team_ids <= cases.teams)
    return Scope(organisation=user.organisation, team_ids=team_ids, exact=exact)


@dataclass(frozen=True)
class Filters:
    """What the reader asked for. Dates are of the incident, inclusive, in local time."""

    date_from: date | None = None
    date_to: date | None = None
    team: int | None = None
    site: str = ""
    period: str = "month"

    def __post_init__(self) -> None:
        if self.period not in PERIOD_KINDS:
            raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)}")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _where(scope: Scope, filters: Filters, *, org: str, team: str, occurred: str) -> Q:
    """The scope and filters as one Q, given the paths to the organisation, team and incident time.

    Dates become a half-open range of aware datetimes, so the database compares the stored
    column directly (an index can be used) instead of converting every row to a local date.
    """
    where = Q(**{org: scope.organisation.pk})
    if scope.team_ids is not None:
        where &= Q(**{f"{team}__in": sorted(scope.team_ids)})
    if filters.team is not None:
        where &= Q(**{team: filters.team})
    if filters.site:
        where &= Q(**{f"{team}__site": filters.site})
    if filters.date_from is not None:
        where &= Q(**{f"{occurred}__gte": _start_of(filters.date_from)})
    if filters.date_to is not None:
        where &= Q(**{f"{occurred}__lt": _start_of(filters.date_to + timedelta(days=1))})
    return where


def cases_in(scope: Scope, filters: Filters) -> QuerySet[Case]:
    return Case.objects.filter(
        _where(scope, filters, org="organisation", team="team", occurred="incident__occurred_at")
    )


def factors_found(scope: Scope, filters: Filters) -> QuerySet[FactorRecord]:
    """Factor records marked present, for the cases in scope. One record per case and factor."""
    return FactorRecord.objects.filter(
        _where(scope, filters, org="case__organisation", team="case__team", occurred="case__incident__occurred_at"),
        present=Presence.YES,
    )


def _as_period(value: Any) -> date:
    """The first day of a truncated period, as a local date (backends return date or datetime)."""
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    assert isinstance(value, date)
    return value


# --- Figures -------------------------------------------------------------------------------


def case_totals(scope: Scope, filters: Filters) -> dict[str, int]:
    """Cases in scope, and how many of them have at least one contextual factor found."""
    found = FactorRecord.objects.filter(case=OuterRef("pk"), present=Presence.YES)
    totals = cases_in(scope, filters).aggregate(
        cases=Count("pk"), with_factor=Count("pk", filter=Exists(found))
    )
    return {key: int(value or 0) for key, value in totals.items()}


def factor_counts(scope: Scope, filters: Filters) -> dict[str, int]:
    """Cases with each contextual factor found, by factor id (factors never found are absent)."""
    rows = factors_found(scope, filters).values("factor_id").annotate(cases=Count("pk")).order_by()
    return {row["factor_id"]: row["cases"] for row in rows}


def factor_counts_by_team(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    rows = (
        factors_found(scope, filters)
        .values("case__team_id", "case__team__name", "factor_id")
        .annotate(cases=Count("pk"))
        .order_by()
    )
    return [
        {"team_id": r["case__team_id"], "team": r["case__team__name"], "factor_id": r["factor_id"], "cases": r["cases"]}
        for r in rows
    ]


def factor_counts_by_site(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    rows = factors_found(scope, filters).values("case__team__site", "factor_id").annotate(cases=Count("pk")).order_by()
    return [{"site": r["case__team__site"], "factor_id": r["factor_id"], "cases": r["cases"]} for r in rows]


def factor_counts_by_period(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    """Cases with each factor found, by the month or quarter (local time) of the incident."""
    trunc = _TRUNC[filters.period]
    rows = (
        factors_found(scope, filters)
        .annotate(period=trunc("case__incident__occurred_at"))
        .values("period", "factor_id")
        .annotate(cases=Count("pk"))
        .order_by()
    )
    return [{"period": _as_period(r["period"]), "factor_id": r["factor_id"], "cases": r["cases"]} for r in rows]


def framework_counts(
    scope: Scope, filters: Filters, frameworks: Mapping[str, Mapping[str, Iterable[str]]]
) -> dict[str, dict[str, int]]:
    """Cases with at least one factor of each element found, for each framework (SEIPS, ...).

    ``frameworks`` maps a framework to its elements and each element to its factor ids. Elements
    share factors and a case may have several factors of one element, so each element is a
    distinct count of cases; every element of every framework comes back from one query, by
    conditional aggregation.
    """
    keys = [(framework, element) for framework, elements in frameworks.items() for element in elements]
    result: dict[str, dict[str, int]] = {framework: {} for framework in frameworks}
    if not keys:
        return result
    aggregates = {
        f"g{index}": Count("case_id", distinct=True, filter=Q(factor_id__in=sorted(set(frameworks[fw][element]))))
        for index, (fw, element) in enumerate(keys)
    }
    counts = factors_found(scope, filters).aggregate(**aggregates)
    for index, (framework, element) in enumerate(keys):
        result[framework][element] = int(counts[f"g{index}"] or 0)
    return result


def outcome_counts(scope: Scope, filters: Filters) -> dict[str, int]:
    """Cases by the outcome of their newest completed assessment ("" for none yet)."""
    rows = cases_in(scope, filters).values("latest_outcome").annotate(cases=Count("pk")).order_by()
    return {row["latest_outcome"]: row["cases"] for row in rows}


def substitution_test(scope: Scope, filters: Filters) -> dict[str, int]:
    """How often the substitution test found that peers would probably have done the same.

    Counted over each act's newest completed assessment whose route went through question 4a
    (earlier versions were superseded; an answer left over from a changed route does not count).
    ``answered`` is that number, ``same`` those answered yes and ``not_same`` the rest.
    """
    newer = Assessment.objects.filter(
        act_id=OuterRef("assessment__act_id"), status=Assessment.COMPLETE, version__gt=OuterRef("assessment__version")
    )
    answers = _on_route(
        Answer.objects.filter(
            _where(scope, filters, org="assessment__organisation", team="assessment__case__team",
                   occurred="assessment__case__incident__occurred_at"),
            question_id=SUBSTITUTION_QUESTION,
            assessment__status=Assessment.COMPLETE,
        ).filter(~Exists(newer)),
        SUBSTITUTION_QUESTION,
    )
    totals = answers.aggregate(answered=Count("pk"), same=Count("pk", filter=Q(answer=Answer.YES)))
    answered, same = int(totals["answered"] or 0), int(totals["same"] or 0)
    return {"answered": answered, "same": same, "not_same": answered - same}


def _on_route(answers: QuerySet[Answer], question_id: str) -> QuerySet[Answer]:
    """Keep answers whose assessment's frozen route (a JSON list of question ids) includes the question."""
    if connection.features.supports_json_field_contains:
        return answers.filter(assessment__path__contains=[question_id])
    # Without JSON containment (SQLite), the list as text holds the id in quotes exactly when it is on the route.
    return answers.annotate(route=Cast("assessment__path", TextField())).filter(route__contains=f'"{question_id}"')


def system_actions_by_team(scope: Scope, filters: Filters, today: date) -> list[dict[str, Any]]:
    """Open system-learning actions by team, with how many of them are past their due date."""
    rows = (
        Action.objects.filter(
            _where(scope, filters, org="organisation", team="team", occurred="case__incident__occurred_at"),
            kind=SYSTEM_KIND,
            status__in=OPEN_ACTION_STATUSES,
        )
        .values("team_id", "team__name")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
        .order_by()
    )
    return [{"team_id": r["team_id"], "team": r["team__name"], "open": r["open"], "overdue": r["overdue"]} for r in rows]


def hotspots(scope: Scope, filters: Filters, threshold: int) -> list[dict[str, Any]]:
    """Team or site, factor and period where the factor was found in at least ``threshold`` cases.

    One grouped query by team (with its site), factor and period; the site figures are the sums
    of their teams' (each record belongs to exactly one team), so the records are read once
    rather than once for teams and again for sites (docs/performance.md).
    """
    trunc = _TRUNC[filters.period]
    found = factors_found(scope, filters).annotate(period=trunc("case__incident__occurred_at"))
    by_team = (
        found.values("case__team_id", "case__team__name", "case__team__site", "factor_id", "period")
        .annotate(cases=Count("pk"))
        .order_by()
    )
    spots = []
    by_site: Counter[tuple[str, str, date]] = Counter()
    for r in by_team:
        period = _as_period(r["period"])
        if r["cases"] >= threshold:
            spots.append({"kind": "team", "place": r["case__team__name"], "team_id": r["case__team_id"],
                          "factor_id": r["factor_id"], "period": period, "cases": r["cases"]})
        if r["case__team__site"] != "":
            by_site[(r["case__team__site"], r["factor_id"], period)] += r["cases"]
    spots += [
        {"kind": "site", "place": site, "team_id": None, "factor_id": factor_id, "period": period, "cases": cases}
        for (site, factor_id, period), cases in by_site.items() if cases >= threshold
    ]
    return spots


# --- Look-ups for labels and the filter form -----------------------------------------------


def teams_in(scope: Scope) -> QuerySet[Team]:
    teams = Team.objects.filter(organisation=scope.organisation)
    if scope.team_ids is not None:
        teams = teams.filter(pk__in=sorted(scope.team_ids))
    return teams.order_by("name")


@dataclass(frozen=True)
class FactorInfo:
    id: str
    title: str
    seips: tuple[str, ...] = ()
    london: tuple[str, ...] = ()
    ycff: tuple[str, ...] = ()
    # False for an organisation's factor that is no longer in use, or an id no longer known:
    # the case list cannot be filtered by it.
    active: bool = True


def factor_catalogue(organisation: Organisation) -> dict[str, FactorInfo]:
    """Every factor an organisation's cases may carry, in taxonomy order, with its mappings."""
    catalogue = {
        f.id: FactorInfo(f.id, f.title, f.seips, f.london, f.ycff) for f in default_taxonomy().factors
    }
    own = OrganisationFactor.objects.filter(organisation=organisation).order_by("title")
    for factor in own:
        title = factor.title if factor.active else f"{factor.title} (no longer in use)"
        catalogue[CUSTOM_PREFIX + factor.key] = FactorInfo(CUSTOM_PREFIX + factor.key, title, active=factor.active)
    return catalogue


def framework_groups(catalogue: Mapping[str, FactorInfo], framework: str) -> dict[str, list[str]]:
    """For one framework ("seips", "london" or "ycff"), its elements and the factor ids under each."""
    groups: dict[str, list[str]] = {}
    for info in catalogue.values():
        for element in getattr(info, framework):
            groups.setdefault(element, []).append(info.id)
    return groups
