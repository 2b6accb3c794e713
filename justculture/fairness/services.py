"""Writes for equality data and workforce figures, and the audit of every read of equality data.

Keyword-only, permission-checked, atomic and audited like every service. Equality data is
special-category: the audit log names the fields that changed, never their values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from justculture.cases.models import Case
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.errors import ServiceError
from justculture.core.models import User
from justculture.core.permissions import Permission, has_permission, require
from justculture.fairness import csvfiles
from justculture.fairness.groups import DEFAULT_DIMENSION, RECORD_FIELDS, definitions, normalise
from justculture.fairness.models import EqualityRecord, WorkforceFigure

FIELDS = tuple(RECORD_FIELDS.values())


class FairnessError(ServiceError):
    """A request the rules do not allow; the message says what to do."""


def equality_record_save(
    *,
    case: Case,
    ethnicity: str,
    sex: str,
    disability: str,
    age_band: str,
    qualified: str,
    by: User,
) -> EqualityRecord:
    """Create or update the equality record of the case's person (one record per person)."""
    require(by, Permission.EDIT_EQUALITY_DATA, case.team_id)
    if by.organisation_id != case.organisation_id:
        raise FairnessError("You can only record equality data in your own organisation.")
    given = {"ethnicity": ethnicity, "sex": sex, "disability": disability, "age_band": age_band, "qualified": qualified}
    defs = definitions()
    for dimension_code, field in RECORD_FIELDS.items():
        dimension = defs.dimension(dimension_code)
        if dimension.group(given[field]) is None:
            raise FairnessError(f"Choose one of the listed answers for {dimension.short}.", field=field)
    with transaction.atomic():
        record = EqualityRecord.objects.select_for_update().filter(person_id=case.person_id).first()
        before = audit.snapshot(record, FIELDS) if record else {}
        created = record is None
        if record is None:
            record = EqualityRecord(organisation_id=case.organisation_id, person_id=case.person_id, updated_by=by)
        for field, value in given.items():
            setattr(record, field, value)
        record.updated_by = by
        record.save()
        changes = audit.diff(before, audit.snapshot(record, FIELDS), sensitive=FIELDS)
        audit.record(
            by=by, action=AuditAction.EQUALITY_SAVE, obj=record, organisation_id=case.organisation_id, case_id=case.pk,
            summary=("Equality data recorded" if created else "Equality data changed")
                    + f" for the professional in case {case.reference}",
            changes=changes,
        )
    return record


def equality_record_viewed(*, case: Case, by: User) -> None:
    """Record that a user looked at a person's equality data (every view is audited)."""
    if not (has_permission(by, Permission.VIEW_EQUALITY_DATA, case.team_id)
            or has_permission(by, Permission.EDIT_EQUALITY_DATA, case.team_id)):
        require(by, Permission.VIEW_EQUALITY_DATA, case.team_id)
    with transaction.atomic():
        audit.record(
            by=by, action=AuditAction.EQUALITY_VIEW, object_type="equalityrecord", object_id=case.person_id,
            organisation_id=case.organisation_id, case_id=case.pk,
            summary=f"Viewed the equality data of the professional in case {case.reference}",
        )


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    replaced: int
    periods: list[str]
    dimensions: list[str]
    teams: list[str]

    @property
    def words(self) -> str:
        plural = "s" if self.rows != 1 else ""
        text = f"{self.rows} headcount{plural} imported for {', '.join(self.periods)}"
        if self.replaced:
            text += f", replacing {self.replaced} earlier figure{'s' if self.replaced != 1 else ''}"
        return text + "."


def workforce_import(*, data: str | bytes | Iterable[str], by: User, filename: str = "the file") -> ImportSummary:
    """Import workforce headcounts from CSV, all or nothing.

    Every row is checked first; any problem raises csvfiles.CsvFileError naming the row, the column
    and why, and nothing is saved. Figures already held for a period, team and dimension that the
    file covers are replaced by the file's.
    """
    require(by, Permission.EDIT_EQUALITY_DATA)
    organisation = by.organisation
    if organisation is None:
        raise FairnessError("You are not part of an organisation.")
    teams = {csvfiles.key(t.name): t.name for t in organisation.teams.all()}
    team_ids = {t.name: t.pk for t in organisation.teams.all()}
    defs = definitions()
    rows = csvfiles.read_workforce_import(
        data, teams=teams, groups={code: d.lookup() for code, d in defs.dimensions.items()},
        normalise=normalise, default_dimension=DEFAULT_DIMENSION, name=filename,
    )
    if not rows:
        raise csvfiles.CsvFileError([csvfiles.Problem(filename, None, None, "the file has no rows of figures under its header.")])
    with transaction.atomic():
        replaced = 0
        for period, team, dimension in sorted({(r.period, r.team, r.dimension) for r in rows}, key=str):
            existing = WorkforceFigure.objects.filter(organisation=organisation, period=period, dimension=dimension)
            existing = existing.filter(team_id=team_ids[team]) if team else existing.filter(team__isnull=True)
            replaced += existing.count()
            existing.delete()
        WorkforceFigure.objects.bulk_create([
            WorkforceFigure(organisation=organisation, period=r.period, team_id=team_ids[r.team] if r.team else None,
                            dimension=r.dimension, group=r.group, headcount=r.headcount, imported_by=by)
            for r in rows
        ])
        summary = ImportSummary(
            rows=len(rows), replaced=replaced, periods=sorted({r.period for r in rows}),
            dimensions=sorted({r.dimension for r in rows}), teams=sorted({r.team or "Whole organisation" for r in rows}),
        )
        audit.record(
            by=by, action=AuditAction.WORKFORCE_IMPORT, object_type="workforcefigure", object_id=",".join(summary.periods)[:60],
            organisation_id=organisation.pk, summary=f"Workforce figures imported: {summary.words}"[:300],
            changes={"rows": summary.rows, "replaced": replaced, "periods": summary.periods,
                     "dimensions": summary.dimensions, "teams": summary.teams, "file": audit.FREE_TEXT},
        )
    return summary


def fairness_viewed(*, by: User, filters: dict[str, str]) -> None:
    """Record that a user looked at the fairness figures (aggregates of special-category data)."""
    with transaction.atomic():
        audit.record(by=by, action=AuditAction.FAIRNESS_VIEW, object_type="fairness", object_id=filters.get("event", ""),
                     organisation_id=by.organisation_id, summary="Viewed the fairness figures", changes=filters)
