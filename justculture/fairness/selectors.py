"""Reads for the fairness measures: who entered each event, their groups, the workforce figures,
the comparison itself, consistency with the guide, departures, and the decision-point prompt.

Numerators count distinct people (Person records) per event per period, from the cases in the
system; denominators are the imported WorkforceFigure headcounts. People whose group is not
stated are on neither side; their number is reported separately. Suppression follows
justculture.core.disclosure (through justculture.fairness.stats) with the organisation's threshold.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from justculture.assessments.models import Assessment
from justculture.cases.models import Case, Person
from justculture.cases.selectors import case_for, visible_case_ids
from justculture.core.disclosure import SECONDARY, hidden_keys, suppress
from justculture.core.models import Organisation, Team, User
from justculture.core.permissions import Permission, has_permission, require, teams_with_permission
from justculture.decisions.models import Decision
from justculture.decisions.rules import decision_rules
from justculture.fairness.groups import (
    DEFAULT_DIMENSION,
    NOT_KNOWN,
    RECORD_FIELDS,
    Dimension,
    Event,
    definitions,
)
from justculture.fairness.models import EqualityRecord, WorkforceFigure
from justculture.fairness.periods import Period, two_year_window
from justculture.fairness.stats import Comparison, GroupCounts, GroupResult, comparison
from justculture.guide import default_guide

# A decision at this severity or above is "formal action" for the consistency measure: a formal
# process (2), or exclusion or referral to the regulator (3). See decisions/rules.yaml.
FORMAL_SEVERITY = 2


# --- Equality records -----------------------------------------------------------------------

def may_see_equality_data(user: User, case: Case) -> bool:
    return (has_permission(user, Permission.VIEW_EQUALITY_DATA, case.team_id)
            or has_permission(user, Permission.EDIT_EQUALITY_DATA, case.team_id))


def equality_case_for(user: User, reference: str, *, permission: Permission | None = None) -> Case:
    """The case, if the user may see it and its person's equality data; otherwise 404. Then a 403
    without the ``permission`` the page needs (to change the data).

    A 404 rather than a 403 for seeing it, so that the page does not even reveal that it exists.
    """
    case = case_for(user, reference)
    if not may_see_equality_data(user, case):
        raise Http404("No such page")
    if permission is not None:
        require(user, permission, case.team_id)
    return case


def equality_record_of(case: Case) -> EqualityRecord | None:
    return EqualityRecord.objects.filter(person_id=case.person_id).select_related("updated_by").first()


# --- Numerators: who entered each event ------------------------------------------------------

def _bounds(period: Period) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(period.start, time.min))
    end = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min))
    return start, end


def _newer_decision() -> QuerySet[Decision]:
    """A later decision (by recorded_at, then id) on the outer decision's case."""
    return Decision.objects.filter(case_id=OuterRef("case_id")).filter(
        Q(recorded_at__gt=OuterRef("recorded_at")) | Q(recorded_at=OuterRef("recorded_at"), pk__gt=OuterRef("pk"))
    )


def _current_only(decisions: QuerySet[Decision]) -> QuerySet[Decision]:
    """The decisions that are their case's current one."""
    return decisions.filter(~Exists(_newer_decision()))


def _measure_dates(organisation: Organisation, measure: str, team: Team | None) -> dict[int, tuple[int, date]]:
    """{case id: (person id, date)} for cases whose current decision includes the measure.

    The date is that of the first decision on the case that included the measure, so a case
    decided again later is not counted twice or moved to a later period; a measure dropped by a
    later decision is not counted at all.
    """
    return {case_id: (person_id, day) for case_id, (person_id, day, _) in
            _measure_rows(organisation, measure, team, None).items()}


def _measure_rows(organisation: Organisation, measure: str, team: Team | None,
                  person_field: str | None) -> dict[int, tuple[int, date, Any]]:
    """As _measure_dates, with the value of ``person_field`` (a path from Person) for each case."""
    decisions = Decision.objects.filter(organisation=organisation)
    if team is not None:
        decisions = decisions.filter(case__team=team)
    including = decisions
    filtered_by_database = connection.features.supports_json_field_contains
    if filtered_by_database:
        # Let the database skip decisions without the measure (PostgreSQL: jsonb @>); where it
        # cannot, the measures are read and tested here. Not reading them where the database
        # has tested them saves decoding thousands of JSON lists (docs/performance.md).
        including = decisions.filter(measures__contains=[measure])
    fields = ["case_id", "decided_on", "case__person_id", "superseded"]
    if person_field:
        fields.append(f"case__person__{person_field}")
    if not filtered_by_database:
        fields.append("measures")
    first: dict[int, date] = {}
    found: dict[int, tuple[int, date, Any]] = {}
    for row in (
        including.annotate(superseded=Exists(_newer_decision())).order_by("case_id", "recorded_at", "id")
        .values_list(*fields)
    ):
        case_id, decided_on, person_id, superseded = row[:4]
        if not filtered_by_database and measure not in (row[-1] or []):
            continue
        first.setdefault(case_id, decided_on)
        if not superseded:  # the case's current decision includes the measure
            found[case_id] = (person_id, first[case_id], row[4] if person_field else None)
    return found


def event_people(organisation: Organisation, event: Event, period: Period, team: Team | None = None) -> set[int]:
    """The distinct people (Person ids) who entered the event in the period."""
    return set(_event_people_values(organisation, event, period, team, None))


def _plain_event_rows(organisation: Organisation, event: Event, period: Period,
                      team: Team | None) -> tuple[QuerySet[Any], str] | None:
    """For the two events that are plain rows in the period (a case opened, an assessment
    started): those rows, unordered (the models' ordering would join and sort), and the path from
    a row to its Person. None for the measure events."""
    start, end = _bounds(period)
    if event.code == "concern-raised":
        cases = Case.objects.filter(organisation=organisation, created_at__gte=start, created_at__lt=end)
        return (cases if team is None else cases.filter(team=team)).order_by(), "person"
    if event.code == "assessment-started":
        started = Assessment.objects.filter(organisation=organisation, started_at__gte=start, started_at__lt=end)
        return (started if team is None else started.filter(case__team=team)).order_by(), "case__person"
    return None


def _event_people_values(organisation: Organisation, event: Event, period: Period, team: Team | None,
                         person_field: str | None) -> dict[int, Any]:
    """{person id: value of ``person_field`` (a path from Person), or None} for the people who
    entered the event in the period. Reading the value in the same query saves reading every
    person's group afterwards (docs/performance.md)."""
    plain = _plain_event_rows(organisation, event, period, team)
    if plain is not None:
        rows, person = plain
        fields = (f"{person}_id", *((f"{person}__{person_field}",) if person_field else ()))
        # No repeats: one row a person.
        return {row[0]: row[1] if person_field else None for row in rows.values_list(*fields).distinct()}
    if event.measure:
        return {person: value for person, day, value in
                _measure_rows(organisation, event.measure, team, person_field).values() if period.contains(day)}
    raise ValueError(f"Unknown event {event.code!r}")


def _event_value_counts(organisation: Organisation, event: Event, period: Period, team: Team | None,
                        person_field: str) -> Counter[Any]:
    """{value of ``person_field``: how many people who entered the event in the period have it}.
    For the two events that are plain rows in the period, the database counts the people by value
    (a person has one value: a field of theirs or of their one equality record), so only a row per
    value comes back instead of a row per person (docs/performance.md)."""
    plain = _plain_event_rows(organisation, event, period, team)
    if plain is None:
        return Counter(_event_people_values(organisation, event, period, team, person_field).values())
    rows, person = plain
    value = f"{person}__{person_field}"
    counts = rows.values(value).annotate(people=Count(f"{person}_id", distinct=True)).values_list(value, "people")
    return Counter(dict(counts))


def _person_field(dimension: Dimension) -> str:
    """Where a person's value in the dimension is held, as a path from Person."""
    if dimension.from_person:
        return dimension.from_person
    collapsed = dimension.code == "ethnicity-collapsed"
    return f"equality_record__{RECORD_FIELDS['ethnicity' if collapsed else dimension.code]}"


def _group_of(value: Any, dimension: Dimension) -> str:
    """The group code for a value read at _person_field(dimension), as person_groups() gives it."""
    if dimension.from_person:
        return str(value)
    if value is None:  # no equality record
        return NOT_KNOWN
    return definitions().collapse(value) if dimension.code == "ethnicity-collapsed" else str(value)


# Above this many people, person_groups reads the whole organisation's rows in one query rather
# than sending every id in an IN list (tens of thousands of ids made the query slow to send and
# plan); below it, ids go in chunks of _ID_CHUNK. See docs/performance.md.
_WHOLE_ORGANISATION_ABOVE = 5000
_ID_CHUNK = 2000


def _rows_for(queryset: QuerySet[Any], key: str, ids: list[int], organisation: Organisation | None,
              org_filter: str, fields: tuple[str, ...]) -> Iterable[tuple[Any, ...]]:
    if organisation is not None and len(ids) > _WHOLE_ORGANISATION_ABOVE:
        wanted = set(ids)
        return (row for row in queryset.filter(**{org_filter: organisation}).values_list(key, *fields)
                if row[0] in wanted)
    return (row for first in range(0, len(ids), _ID_CHUNK)
            for row in queryset.filter(**{f"{key}__in": ids[first:first + _ID_CHUNK]}).values_list(key, *fields))


def person_groups(person_ids: Iterable[int], dimension: Dimension,
                  organisation: Organisation | None = None) -> dict[int, str]:
    """Each person's group code in the dimension; "not-known" where nothing is recorded.

    Give the people's organisation when there may be many of them: it lets the read be one query.
    """
    ids = list(person_ids)
    if dimension.from_person:
        return {pk: str(value) for pk, value in _rows_for(
            Person.objects.all(), "pk", ids, organisation, "organisation", (dimension.from_person,))}
    collapsed = dimension.code == "ethnicity-collapsed"
    field_name = RECORD_FIELDS["ethnicity" if collapsed else dimension.code]
    groups = dict.fromkeys(ids, NOT_KNOWN)
    defs = definitions()
    for person_id, value in _rows_for(EqualityRecord.objects.all(), "person_id", ids, organisation,
                                      "person__organisation", (field_name,)):
        groups[person_id] = defs.collapse(value) if collapsed else value
    return groups


# --- Denominators: the workforce figures -----------------------------------------------------

def workforce_periods(organisation: Organisation) -> list[str]:
    """The workforce period labels held, most recently imported first."""
    rows = (WorkforceFigure.objects.filter(organisation=organisation).values("period")
            .annotate(last=Max("imported_at")).order_by("-last", "-period"))
    return [r["period"] for r in rows]


@dataclass
class WorkforcePeriod:
    """What is held for one workforce period label (for the import page)."""

    period: str
    figures: int = 0
    dimensions: set[str] = field(default_factory=set)
    team_ids: set[int] = field(default_factory=set)
    whole: bool = False
    imported_at: datetime | None = None

    @property
    def dimension_titles(self) -> list[str]:
        defs = definitions()
        return [defs.dimension(code).title for code in defs.dimensions if code in self.dimensions]


def workforce_summary(organisation: Organisation) -> list[WorkforcePeriod]:
    """Per period label: how many figures, for which dimensions and teams, newest label first."""
    found: dict[str, WorkforcePeriod] = {}
    for period, dimension, team_id, imported_at in (
        WorkforceFigure.objects.filter(organisation=organisation)
        .values_list("period", "dimension", "team_id", "imported_at")
    ):
        entry = found.setdefault(period, WorkforcePeriod(period))
        entry.figures += 1
        entry.dimensions.add(dimension)
        if team_id is None:
            entry.whole = True
        else:
            entry.team_ids.add(team_id)
        if entry.imported_at is None or imported_at > entry.imported_at:
            entry.imported_at = imported_at
    return [found[p] for p in sorted(found, reverse=True)]


def choose_workforce_period(organisation: Organisation, period: Period, wanted: str | None = None) -> tuple[str | None, str]:
    """(label to use, a sentence saying which figures are used and why)."""
    held = workforce_periods(organisation)
    if wanted and wanted in held:
        return wanted, f"Headcounts from the workforce figures for {wanted}, as chosen."
    for label in period.workforce_candidates():
        if label in held:
            return label, f"Headcounts from the workforce figures for {label}."
    if held:
        return held[0], (f"No workforce figures are held for {period.workforce_candidates()[0]}, so the most "
                         f"recently imported figures ({held[0]}) are used.")
    return None, "No workforce figures have been imported yet, so no rates or ratios can be worked out."


def headcounts(organisation: Organisation, label: str | None, dimension: Dimension, team: Team | None = None) -> dict[str, int]:
    """Headcount per group code for the period label, dimension and team (None = whole organisation).

    Collapsed ethnicity figures, when none were imported, are added up from the detailed ones.
    """
    if label is None:
        return {}

    def read(code: str) -> QuerySet[WorkforceFigure]:
        return WorkforceFigure.objects.filter(organisation=organisation, period=label, dimension=code,
                                              team__isnull=team is None, **({"team": team} if team else {}))

    figures = dict(read(dimension.code).values_list("group", "headcount"))
    if not figures and dimension.code == "ethnicity-collapsed":
        defs = definitions()
        summed: Counter[str] = Counter()
        for group, headcount in read("ethnicity").values_list("group", "headcount"):
            summed[defs.collapse(group)] += headcount
        figures = dict(summed)
    return figures


# --- The comparison --------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    group: str
    title: str
    result: GroupResult
    is_reference: bool


@dataclass(frozen=True)
class Figures:
    """One event, dimension, period and team: each group's rate and relative likelihood."""

    event: Event
    dimension: Dimension
    period: Period
    team: Team | None
    workforce_period: str | None
    workforce_note: str
    reference: str
    reference_title: str
    rows: list[Row]
    comparison: Comparison
    not_stated_headcount: int
    min_count: int

    @property
    def has_workforce(self) -> bool:
        return self.workforce_period is not None and any(r.result.headcount for r in self.rows)

    @property
    def alerts(self) -> list[Row]:
        return [r for r in self.rows if r.result.alert]

    @property
    def not_stated_events(self) -> int | None:
        return self.comparison.not_stated_events

    @property
    def titles(self) -> dict[str, str]:
        return {r.group: r.title for r in self.rows}


def _reference_for(dimension: Dimension, heads: dict[str, int], wanted: str | None) -> str:
    if wanted:
        code = dimension.match(wanted)
        if code is not None and dimension.is_stated(code):
            return code
    if dimension.reference:
        return dimension.reference
    stated = [g.code for g in dimension.groups if heads.get(g.code)]
    if stated:
        return max(stated, key=lambda code: heads[code])
    return dimension.groups[0].code


def figures(
    organisation: Organisation,
    *,
    event: str,
    dimension: str = DEFAULT_DIMENSION,
    period: Period,
    team: Team | None = None,
    workforce_period: str | None = None,
    reference: str | None = None,
    min_count: int | None = None,
) -> Figures:
    """The relative likelihood of the event for every group of the dimension, suppressed as needed."""
    defs = definitions()
    the_event = defs.event(event)
    the_dimension = defs.dimension(dimension)
    label, note = choose_workforce_period(organisation, period, workforce_period)
    heads = headcounts(organisation, label, the_dimension, team)
    counted: Counter[str] = Counter()
    for value, people in _event_value_counts(organisation, the_event, period, team, _person_field(the_dimension)).items():
        counted[_group_of(value, the_dimension)] += people
    ref = _reference_for(the_dimension, heads, reference)
    codes = [g.code for g in the_dimension.groups if g.code == ref or heads.get(g.code) or counted.get(g.code)]
    not_stated = sum(n for code, n in counted.items() if not the_dimension.is_stated(code))
    threshold = organisation.suppression_threshold if min_count is None else min_count
    result = comparison(
        [GroupCounts(code, counted.get(code, 0), heads.get(code, 0)) for code in codes], ref, threshold,
        not_stated_events=not_stated,
    )
    by_group = {r.group: r for r in result.results}
    rows = [Row(code, the_dimension.title_of(code), by_group[code], code == ref) for code in codes]
    rows.sort(key=lambda r: not r.is_reference)
    return Figures(
        event=the_event, dimension=the_dimension, period=period, team=team, workforce_period=label,
        workforce_note=note, reference=ref, reference_title=the_dimension.title_of(ref), rows=rows,
        comparison=result,
        not_stated_headcount=sum(n for code, n in heads.items() if not the_dimension.is_stated(code)),
        min_count=threshold,
    )


# --- Consistency with the guide ---------------------------------------------------------------

@dataclass(frozen=True)
class ConsistencyCell:
    group: str
    decided: int | None  # None: withheld
    formal: int | None
    share: float | None
    # Why the figure is withheld (justculture.core.disclosure: "small" or "secondary"); "" if shown.
    hidden: str = ""

    @property
    def suppressed(self) -> bool:
        return self.decided is None or self.formal is None


@dataclass(frozen=True)
class ConsistencyRow:
    outcome: str
    title: str
    cells: list[ConsistencyCell]


@dataclass(frozen=True)
class Consistency:
    groups: list[tuple[str, str]]  # (code, title), the dimension's stated groups shown
    rows: list[ConsistencyRow]
    min_count: int


def _current_decision_counts(
    organisation: Organisation, period: Period, team: Team | None, dimension: Dimension
) -> list[tuple[list[str], str, bool, int]]:
    """Current decisions made in the period, counted by (guide outcomes, the person's group, formal).

    The current decision is chosen, the period applied and the rows counted in the database; at
    100,000 cases, building a model instance for every decision and its case took most of the
    fairness page's time (docs/performance.md). The group is worked out as person_groups() does.
    """
    decisions = Decision.objects.filter(organisation=organisation)
    if team is not None:
        decisions = decisions.filter(case__team=team)
    current = _current_only(decisions).filter(decided_on__gte=period.start, decided_on__lte=period.end)
    field_name = f"case__person__{_person_field(dimension)}"
    rows = (
        current.annotate(formal=ExpressionWrapper(Q(severity__gte=FORMAL_SEVERITY), output_field=BooleanField()))
        .order_by().values_list("guide_outcomes", field_name, "formal").annotate(n=Count("id"))
    )
    return [(list(outcomes or []), _group_of(value, dimension), bool(is_formal), n)
            for outcomes, value, is_formal, n in rows]


def consistency(
    organisation: Organisation, *, dimension: str, period: Period, team: Team | None = None, min_count: int | None = None
) -> Consistency:
    """For each guide outcome: by group, the decided cases and how many ended in formal action or referral.

    A case counts under each outcome its acts reached when the decision was made. Counts are
    withheld by the one disclosure rule (justculture.core.disclosure), each outcome's row a table.
    """
    the_dimension = definitions().dimension(dimension)
    threshold = organisation.suppression_threshold if min_count is None else min_count
    decided: dict[str, Counter[str]] = defaultdict(Counter)
    formal: dict[str, Counter[str]] = defaultdict(Counter)
    for outcomes, group, is_formal, count in _current_decision_counts(organisation, period, team, the_dimension):
        group = group if the_dimension.is_stated(group) else ""
        for outcome in dict.fromkeys(outcomes):
            decided[outcome][group] += count
            if is_formal:
                formal[outcome][group] += count
    shown_groups = [g for g in the_dimension.groups if any(decided[o].get(g.code) for o in decided)]
    guide = default_guide()
    rows = []
    for outcome in sorted(decided):
        cells_decided = {g.code: decided[outcome].get(g.code, 0) for g in shown_groups}
        cells_formal = {g.code: formal[outcome].get(g.code, 0) for g in shown_groups}
        # The not-stated cell ("") is never shown here, so it is hidden from the start; a formal
        # count is hidden wherever its decided count is.
        why_decided = suppress({**cells_decided, "": decided[outcome].get("", 0)}, threshold=threshold,
                               derivable={""}, hidden={""})
        why_formal = suppress({**cells_formal, "": formal[outcome].get("", 0)}, threshold=threshold,
                              derivable={""}, hidden=hidden_keys(why_decided))
        cells = []
        for g in shown_groups:
            n = None if why_decided[g.code] else cells_decided[g.code]
            k = None if (n is None or why_formal[g.code]) else cells_formal[g.code]
            cells.append(ConsistencyCell(g.code, n, k, (k / n) if (n and k is not None) else None,
                                         why_decided[g.code] or why_formal[g.code]))
        found = guide.outcomes.get(outcome)
        rows.append(ConsistencyRow(outcome, found.title if found else outcome, cells))
    return Consistency([(g.code, g.title) for g in shown_groups], rows, threshold)


@dataclass(frozen=True)
class Departure:
    reference: str
    decided_on: date
    guide_outcomes: list[str]
    measures: list[str]
    justification: str


@dataclass(frozen=True)
class Departures:
    total: int
    shown: list[Departure] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return self.total - len(self.shown)


class JoinedCodes(Func):
    """A JSON list of codes (outcome letters, measure codes: no commas in them) as one text of the
    codes joined by commas, in the database; ``_codes`` splits it again."""

    output_field = CharField()
    template = "array_to_string(ARRAY(SELECT jsonb_array_elements_text(%(expressions)s)), ',')"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection,
                           template="(SELECT group_concat(value, ',') FROM json_each(%(expressions)s))", **extra)


def _codes(joined: str | None) -> list[str]:
    return joined.split(",") if joined else []


def departures(user: User, organisation: Organisation, *, period: Period, team: Team | None = None) -> Departures:
    """Decisions that departed from the guide in the period: in full for cases the user may see,
    as a count for the rest. Never with anyone's equality data."""
    decisions = Decision.objects.filter(
        organisation=organisation, departs_from_guide=True, decided_on__gte=period.start, decided_on__lte=period.end,
    ).order_by("decided_on", "id")
    if team is not None:
        decisions = decisions.filter(case__team=team)
    # Plain rows of the columns shown rather than model instances (docs/performance.md).
    # The two JSON lists come as comma-joined text, split here: decoding thousands of small JSON
    # values through the field was most of this list's time (docs/performance.md).
    all_decisions = list(decisions.values_list(
        "case_id", "case__team_id", "case__reference", "decided_on", JoinedCodes("guide_outcomes"),
        JoinedCodes("measures"), "departure_justification"))
    # Which cases the viewer may open, by the case list's rule, worked out here rather than by
    # sending every case id back in a second query (docs/performance.md).
    visible = visible_case_ids(user, {d[0]: d[1] for d in all_decisions})
    rules = decision_rules()
    shown = [
        Departure(reference, decided_on, _codes(outcomes),
                  [rules.measures[m].title if m in rules.measures else m for m in _codes(measures)],
                  justification)
        for case_id, _team, reference, decided_on, outcomes, measures, justification in all_decisions
        if case_id in visible
    ]
    return Departures(total=len(all_decisions), shown=shown)


# --- Who may see which figures ----------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    organisation: Organisation
    whole: bool
    team_ids: frozenset[int]

    def teams(self) -> QuerySet[Team]:
        teams = Team.objects.filter(organisation=self.organisation)
        return teams if self.whole else teams.filter(pk__in=self.team_ids)


def fairness_scope(user: User) -> Scope:
    """The organisation and teams whose fairness figures the user may see (PermissionDenied if none)."""
    from django.core.exceptions import PermissionDenied

    whole, teams = teams_with_permission(user, Permission.VIEW_FAIRNESS)
    if user.organisation is None or not (whole or teams):
        raise PermissionDenied("You do not have permission to see fairness figures (view_fairness).")
    return Scope(user.organisation, whole, frozenset(teams))


# --- The prompt at the point of decision ------------------------------------------------------

@dataclass(frozen=True)
class PromptLine:
    text: str


@dataclass(frozen=True)
class DecisionPrompt:
    """A short, neutral reminder of the organisation's figures, for the decision and referral pages.

    It never contains the person's own equality data. ``same_group`` is set only for viewers who
    may see equality data, and even then speaks of "staff in the same group as this person".
    """

    heading: str
    intro: str
    lines: list[PromptLine]
    same_group: str | None
    alert: str | None
    question: str
    note: str
    fairness_url: str | None
    event: str


def _pct(value: float | None) -> str:
    return "not available" if value is None else f"{value * 100:.1f}%"


def _line_for(row: Row, figs: Figures) -> str:
    r = row.result
    who = f"{row.title} staff"
    if r.suppressed and r.hidden == SECONDARY:
        return f"{who}: not shown, so that a small number cannot be worked out."
    if r.suppressed:
        return f"{who}: fewer than {figs.min_count} people, so no figures are shown."
    if r.rate is None:
        return f"{who}: no workforce figure, so no rate."
    text = f"{who}: {_pct(r.rate)} ({r.events} of {r.headcount:,})"
    if row.is_reference:
        return text + ", the group the others are compared with."
    if r.relative_likelihood is None:
        return text + "."
    text += f", {r.relative_likelihood:.2f} times as likely as {figs.reference_title} staff"
    if r.ci_low is not None and r.ci_high is not None:
        text += f" (95% confidence interval {r.ci_low:.2f} to {r.ci_high:.2f})"
    return text + "."


def decision_prompt(
    case: Case, viewer: User, *, event: str = "formal-action", today: date | None = None
) -> DecisionPrompt:
    """The organisation's current figures (the last two-year window, ethnicity White / Ethnic
    minority, whole organisation) for the event ("formal-action" on the decision page,
    "referral" on the referral page), as a neutral prompt to consider consistency."""
    period = two_year_window(today or timezone.localdate())
    figs = figures(case.organisation, event=event, dimension=DEFAULT_DIMENSION, period=period)
    heading = "Before you decide: consistency"
    question = ("Would you make the same decision about a colleague from any other group whose circumstances "
                "were the same? Compare with how similar cases have been handled.")
    note = ("These are figures for the whole organisation, not a judgement about this case. Small numbers are "
            "not shown, so that no one can be identified.")
    fairness_url = reverse("fairness:index") if fairness_scope_or_none(viewer) else None
    if not figs.has_workforce:
        return DecisionPrompt(
            heading, f"No workforce figures have been imported, so there are no figures to compare for "
                     f"{period.words}.", [], None, None, question, note, fairness_url, figs.event.title,
        )
    intro = (f"In {period.words}, the share of staff in {case.organisation.name} who "
             f"{figs.event.phrase}, by ethnicity:")
    lines = [PromptLine(_line_for(row, figs)) for row in figs.rows]
    same_group = None
    if may_see_equality_data(viewer, case):
        group = person_groups([case.person_id], figs.dimension).get(case.person_id, NOT_KNOWN)
        row = next((r for r in figs.rows if r.group == group), None)
        if row is not None and not row.result.suppressed and row.result.rate is not None:
            r = row.result
            same_group = f"Staff in the same group as this person: {_pct(r.rate)} {figs.event.phrase}"
            if row.is_reference:
                same_group += " (the group the others are compared with)."
            elif r.relative_likelihood is not None:
                same_group += f", {r.relative_likelihood:.2f} times the rate of the comparison group."
            else:
                same_group += "."
    alert = None
    if figs.alerts:
        alert = ("In these figures, the difference between groups is larger than chance would usually explain "
                 "(the whole 95% confidence interval is outside 0.80 to 1.25). Take particular care that this "
                 "decision is consistent with how others have been treated.")
    return DecisionPrompt(heading, intro, lines, same_group, alert, question, note, fairness_url, figs.event.title)


def fairness_scope_or_none(user: User) -> Scope | None:
    from django.core.exceptions import PermissionDenied

    try:
        return fairness_scope(user)
    except PermissionDenied:
        return None
