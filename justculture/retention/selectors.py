"""Reads for retention: the periods in force for an organisation, and what has expired.

What has expired is worked out from the records themselves each time; nothing is flagged in
advance. The list is "projected": an incident or a professional whose only remaining cases are
themselves expired is listed too, because the same run erases those cases first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from justculture.cases.models import Case, Incident, Person
from justculture.cases.states import case_states
from justculture.core.models import Organisation, SignInAttempt, User
from justculture.fairness.models import EqualityRecord, WorkforceFigure
from justculture.retention.models import RetentionOverride
from justculture.retention.rules import Period, Rule, default_rules, expiry_date

# The order a run erases in: what others point at goes last.
ORDER = ("closed-case", "incident", "equality-data", "person", "workforce-figures", "sign-in-attempts",
         "task-results")


@dataclass(frozen=True)
class InForce:
    """A rule with the period that applies to one organisation."""

    rule: Rule
    period: Period
    override: RetentionOverride | None = None

    @property
    def overridden(self) -> bool:
        return self.override is not None


@dataclass(frozen=True)
class Expired:
    """One record (or, for the high-volume system tables, one batch of records) past its expiry."""

    rule: str
    record_type: str
    reference: str
    trigger_date: date
    expiry_date: date
    period: Period
    organisation_id: int | None = None
    organisation: str = ""
    object_id: int | None = None
    # For the batch of sign-in attempts or task results: their ids, and how many.
    ids: tuple[object, ...] = field(default=(), repr=False)
    count: int = 1

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule, "record_type": self.record_type, "reference": self.reference,
            "organisation": self.organisation or None, "id": self.object_id, "count": self.count,
            "trigger_date": self.trigger_date.isoformat(), "expiry_date": self.expiry_date.isoformat(),
            "period": str(self.period),
        }


def _ending_states() -> tuple[str, ...]:
    return case_states().ending_states()


def periods_in_force(organisation: Organisation | None) -> list[InForce]:
    """Every rule, with the organisation's own period where it has set one."""
    overrides = (
        {o.rule: o for o in RetentionOverride.objects.filter(organisation=organisation).select_related("updated_by")}
        if organisation is not None else {}
    )
    result = []
    for rule in default_rules().values():
        override = overrides.get(rule.code) if rule.per_organisation else None
        period = Period(override.amount, override.unit) if override is not None else rule.period
        result.append(InForce(rule, period, override))
    return result


def in_force_for(organisation: Organisation | None, code: str) -> InForce:
    for item in periods_in_force(organisation):
        if item.rule.code == code:
            return item
    raise Http404("No such retention rule")


def _day(value: datetime) -> date:
    return timezone.localdate(value) if timezone.is_aware(value) else value.date()


def case_closed_dates(organisation: Organisation, case_ids: Iterable[int] | None = None) -> dict[int, date]:
    """When each closed case of the organisation was last closed (``Case.closed_at``, set by the
    case lifecycle). A closed case without one (loaded from elsewhere) falls back to its last
    update, which can only be later than the real closing, never earlier."""
    closed = Case.objects.filter(organisation=organisation, status__in=_ending_states())
    if case_ids is not None:
        closed = closed.filter(pk__in=list(case_ids))
    return {pk: _day(closed_at or updated) for pk, closed_at, updated in closed.values_list("pk", "closed_at", "updated_at")}


def _item(force: InForce, record_type: str, reference: str, trigger: date, organisation: Organisation | None,
          object_id: int | None) -> Expired:
    return Expired(
        rule=force.rule.code, record_type=record_type, reference=reference, trigger_date=trigger,
        expiry_date=expiry_date(trigger, force.period), period=force.period,
        organisation_id=organisation.pk if organisation else None,
        organisation=organisation.slug if organisation else "", object_id=object_id,
    )


def expired_for_organisation(organisation: Organisation, today: date | None = None) -> list[Expired]:
    """Everything of one organisation past its expiry date, in the order a run erases it."""
    today = today or timezone.localdate()
    force = {item.rule.code: item for item in periods_in_force(organisation)}
    result: list[Expired] = []

    # Closed cases.
    closed_on = case_closed_dates(organisation)
    references = dict(Case.objects.filter(pk__in=list(closed_on)).values_list("pk", "reference"))
    expired_cases: set[int] = set()
    for pk, closed in sorted(closed_on.items(), key=lambda kv: (kv[1], kv[0])):
        item = _item(force["closed-case"], "case", references[pk], closed, organisation, pk)
        if item.expiry_date <= today:
            expired_cases.add(pk)
            result.append(item)

    # Which cases remain after this run, per incident and per person.
    remaining_by_incident: dict[int, int] = defaultdict(int)
    remaining_by_person: dict[int, int] = defaultdict(int)
    open_by_person: dict[int, int] = defaultdict(int)
    for pk, incident_id, person_id, status in Case.objects.filter(organisation=organisation).values_list(
            "pk", "incident_id", "person_id", "status"):
        if pk not in expired_cases:
            remaining_by_incident[incident_id] += 1
            remaining_by_person[person_id] += 1
        if status not in _ending_states():
            open_by_person[person_id] += 1

    for pk, reference, occurred in Incident.objects.filter(organisation=organisation).order_by(
            "occurred_at", "pk").values_list("pk", "reference", "occurred_at"):
        if remaining_by_incident[pk]:
            continue
        item = _item(force["incident"], "incident", reference, _day(occurred), organisation, pk)
        if item.expiry_date <= today:
            result.append(item)

    people_going: set[int] = set()
    person_items: list[Expired] = []
    for pk, created in Person.objects.filter(organisation=organisation).order_by("created_at", "pk").values_list(
            "pk", "created_at"):
        if remaining_by_person[pk]:
            continue
        item = _item(force["person"], "person", f"professional record {pk}", _day(created), organisation, pk)
        if item.expiry_date <= today:
            people_going.add(pk)
            person_items.append(item)

    # Equality data of people whose cases are all closed, counted from the newest closing.
    last_closed: dict[int, date] = {}
    for pk, person_id in Case.objects.filter(pk__in=list(closed_on)).values_list("pk", "person_id"):
        last_closed[person_id] = max(closed_on[pk], last_closed.get(person_id, closed_on[pk]))
    for pk, person_id in EqualityRecord.objects.filter(organisation=organisation).order_by("person_id").values_list(
            "pk", "person_id"):
        if person_id in people_going or open_by_person[person_id] or person_id not in last_closed:
            continue
        item = _item(force["equality-data"], "equality-record", f"equality data of professional record {person_id}",
                     last_closed[person_id], organisation, pk)
        if item.expiry_date <= today:
            result.append(item)
    result.extend(person_items)

    for pk, period, dimension, group, imported in WorkforceFigure.objects.filter(organisation=organisation).order_by(
            "imported_at", "pk").values_list("pk", "period", "dimension", "group", "imported_at"):
        item = _item(force["workforce-figures"], "workforce-figure", f"{period} {dimension} {group}",
                     _day(imported), organisation, pk)
        if item.expiry_date <= today:
            result.append(item)
    return result


def _batch(force: InForce, record_type: str, noun: str, rows: Sequence[tuple[object, datetime]]) -> list[Expired]:
    """One entry for all expired rows of a high-volume system table (no per-row reference to show)."""
    if not rows:
        return []
    newest = max(_day(at) for _pk, at in rows)
    return [Expired(
        rule=force.rule.code, record_type=record_type, reference=f"{len(rows)} {noun}",
        trigger_date=newest, expiry_date=expiry_date(newest, force.period), period=force.period,
        ids=tuple(pk for pk, _at in rows), count=len(rows),
    )]


def _not_after(today: date, period: Period) -> datetime:
    """A moment no expired row can be later than (a cheap database filter before the exact check)."""
    shortest = period.amount * {"days": 1, "months": 28, "years": 365}[period.unit]
    day = today - timedelta(days=shortest - 1)
    return timezone.make_aware(datetime.combine(day, time.min))


def expired_system(today: date | None = None) -> list[Expired]:
    """Expired records that belong to no organisation: sign-in attempts and finished task results."""
    today = today or timezone.localdate()
    force = {item.rule.code: item for item in periods_in_force(None)}
    result: list[Expired] = []
    attempts = force["sign-in-attempts"]
    candidates = SignInAttempt.objects.filter(at__lt=_not_after(today, attempts.period))
    rows = [(pk, at) for pk, at in candidates.order_by("at").values_list("pk", "at")
            if expiry_date(_day(at), attempts.period) <= today]
    result += _batch(attempts, "sign-in-attempts", "sign-in attempts", rows)
    tasks = force["task-results"]
    candidates_t = DBTaskResult.objects.finished().filter(finished_at__lt=_not_after(today, tasks.period))
    finished: list[tuple[object, datetime]] = [(pk, at) for pk, at in candidates_t.order_by("finished_at").values_list(
        "pk", "finished_at") if at is not None and expiry_date(_day(at), tasks.period) <= today]
    result += _batch(tasks, "task-results", "finished task results", finished)
    return result


def expired(organisation: Organisation | None = None, today: date | None = None) -> list[Expired]:
    """What a run would erase: one organisation's records, or (none given) every organisation's
    records followed by the system tables."""
    if organisation is not None:
        return expired_for_organisation(organisation, today)
    result: list[Expired] = []
    for each in Organisation.objects.order_by("slug"):
        result += expired_for_organisation(each, today)
    return result + expired_system(today)


# Subject access ----------------------------------------------------------------------------------

def person_for(user: User, person_id: int) -> Person:
    """A professional of the user's organisation; anyone else's is a 404."""
    if user.organisation_id is None:
        raise Http404("No such professional")
    person = Person.objects.filter(pk=person_id, organisation_id=user.organisation_id).first()
    if person is None:
        raise Http404("No such professional")
    return person


def people_search(user: User, q: str) -> list[tuple[Person, list[str]]]:
    """Professionals of the user's organisation matching a name, registration number or case
    reference, with their case references (at most 50 people)."""
    if user.organisation_id is None or not q.strip():
        return []
    q = q.strip()
    people = Person.objects.filter(organisation_id=user.organisation_id)
    by_case = Case.objects.filter(organisation_id=user.organisation_id, reference__iexact=q).values("person_id")
    people = people.filter(Q(name__icontains=q) | Q(registration_number__iexact=q) | Q(pk__in=by_case))
    found = list(people.order_by("name", "pk")[:50])
    refs: dict[int, list[str]] = defaultdict(list)
    for person_id, reference in Case.objects.filter(person__in=found).order_by("reference").values_list(
            "person_id", "reference"):
        refs[person_id].append(reference)
    return [(p, refs[p.pk]) for p in found]
