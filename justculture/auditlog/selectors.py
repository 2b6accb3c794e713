"""Queries over the audit log, shared by the auditor's pages and the `justculture audit` command.

Every web query starts from ``organisation_events``, which keeps to one organisation's events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from justculture.cases.models import Case
from justculture.core.audit_actions import AuditAction
from justculture.core.models import AuditEvent, Organisation


@dataclass(frozen=True)
class AuditFilters:
    """What to look for. Dates are whole days in the service's time zone, both ends included."""

    date_from: date | None = None
    date_to: date | None = None
    actor: str = ""
    action: str = ""
    object_type: str = ""
    case_id: int | None = None
    # The reference the case was asked for by; kept only to say what was searched for.
    case_reference: str = ""
    q: str = ""

    def described(self) -> dict[str, str]:
        """The filters in force, as text, for the audit record of a search or an export."""
        described: dict[str, str] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "case_id" or value in (None, ""):
                continue
            described[field.name] = value.isoformat() if isinstance(value, date) else str(value)
        return described


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered(rows: QuerySet[AuditEvent], filters: AuditFilters) -> QuerySet[AuditEvent]:
    if filters.date_from is not None:
        rows = rows.filter(at__gte=day_start(filters.date_from))
    if filters.date_to is not None:
        rows = rows.filter(at__lt=day_start(filters.date_to + timedelta(days=1)))
    if filters.actor:
        rows = rows.filter(actor__iexact=filters.actor)
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.object_type:
        rows = rows.filter(object_type=filters.object_type)
    if filters.case_id is not None:
        rows = rows.filter(case_id=filters.case_id)
    if filters.q:
        rows = rows.filter(summary__icontains=filters.q)
    return rows


def organisation_events(organisation_id: int, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """One organisation's events (never another's), narrowed by the filters."""
    return filtered(AuditEvent.objects.filter(organisation_id=organisation_id), filters or AuditFilters())


def action_choices(organisation_id: int) -> list[tuple[str, str]]:
    """(value, title) of every action, in title order, for the filter.

    Every action of the list (AuditAction), and any other value the organisation's log still
    holds (an action written before the list had it), so that every event can be found.
    """
    known = {str(action.value): str(action.label) for action in AuditAction}
    stored = AuditEvent.objects.filter(organisation_id=organisation_id).exclude(action__in=list(known))
    for value in stored.order_by("action").values_list("action", flat=True).distinct():
        known[value] = value
    return sorted(known.items(), key=lambda item: (item[1].lower(), item[0]))


def object_types_in(organisation_id: int) -> list[str]:
    rows = AuditEvent.objects.filter(organisation_id=organisation_id).exclude(object_type="")
    return list(rows.order_by("object_type").values_list("object_type", flat=True).distinct())


def case_id_for(organisation_id: int, reference: str) -> int | None:
    """The id of the organisation's case with this reference (any letter case), if there is one."""
    found = Case.objects.filter(organisation_id=organisation_id, reference__iexact=reference.strip())
    return found.values_list("pk", flat=True).first()


def case_references(case_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {pk for pk in case_ids if pk is not None}
    if not wanted:
        return {}
    return dict(Case.objects.filter(pk__in=wanted).values_list("pk", "reference"))


def organisation_slugs() -> dict[int, str]:
    return dict(Organisation.objects.values_list("pk", "slug"))
