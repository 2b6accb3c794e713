"""Writes for imports: one batch of incidents at a time, each batch all or nothing.

A batch runs in one transaction: the organisation's incident counter is locked (which also keeps
two imports of the same organisation from racing), rows whose source reference the organisation
already holds are left alone, the rest are inserted with one bulk insert and given consecutive
references, and one audit event records the batch: the file and its hash, the rows, how many were
created, and the range of references they were given. Each imported incident also keeps its
source system and reference, so any incident can be traced back to its row and its batch event.
Patient details and descriptions are never copied into the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from justculture.cases.models import Incident
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.errors import ServiceError
from justculture.core.models import Counter, Organisation, User
from justculture.core.permissions import Permission, require
from justculture.imports.rows import IncidentRow
from justculture.imports.selectors import existing_source_references


class ImportRuleError(ServiceError):
    """An import the rules do not allow; the message says why."""


@dataclass(frozen=True)
class BatchResult:
    created: int
    already_imported: int
    first_reference: str = ""
    last_reference: str = ""


def incident_reference(number: int) -> str:
    # The same form as incidents recorded through the service (cases.services.incident_create).
    return f"INC-{number:04d}"


def incidents_import_batch(
    *,
    organisation: Organisation,
    rows: Sequence[IncidentRow],
    source_system: str,
    file_label: str,
    file_sha256: str,
    by: User,
) -> BatchResult:
    """Create the incidents of one batch that the organisation does not hold yet, in one transaction."""
    if by.organisation_id != organisation.pk:
        raise ImportRuleError(f"{by.username} is not a member of {organisation.slug}.")
    for team_id in sorted({r.team_id for r in rows}):
        require(by, Permission.OPEN_CASE, team_id)
    if not rows:
        return BatchResult(0, 0)
    with transaction.atomic():
        counter, _ = Counter.objects.select_for_update().get_or_create(organisation=organisation, name="incident")
        held = existing_source_references(organisation, source_system, [r.source_reference for r in rows])
        new: list[IncidentRow] = []
        seen: set[str] = set()
        for row in rows:
            if row.source_reference in held or row.source_reference in seen:
                continue
            seen.add(row.source_reference)
            new.append(row)
        skipped = len(rows) - len(new)
        if not new:
            return BatchResult(0, skipped)
        first = counter.value + 1
        Counter.objects.filter(pk=counter.pk).update(value=F("value") + len(new))
        Incident.objects.bulk_create([
            Incident(
                organisation=organisation, reference=incident_reference(first + offset), occurred_at=row.occurred_at,
                team_id=row.team_id, location=row.location, description=row.description,
                external_reference=row.external_reference, patient_name=row.patient_name,
                patient_identifier=row.patient_identifier, source_system=source_system,
                source_reference=row.source_reference, created_by=by,
            )
            for offset, row in enumerate(new)
        ])
        first_ref, last_ref = incident_reference(first), incident_reference(first + len(new) - 1)
        rows_span = f"{rows[0].row}-{rows[-1].row}"
        audit.record(
            by=by, action=AuditAction.INCIDENT_IMPORT, object_type="incident", object_id=f"{first_ref}..{last_ref}",
            organisation_id=organisation.pk,
            # The file is named by its hash: a file name, like the references of the system the
            # rows came from, is free text.
            summary=f"Imported {len(new)} incident{'s' if len(new) != 1 else ''} {first_ref} to {last_ref} "
                    f"from rows {rows_span} of a file",
            changes={
                "file": audit.FREE_TEXT, "sha256": file_sha256, "source_system": source_system,
                "rows": rows_span, "created": len(new), "already_imported": skipped,
                "references": [first_ref, last_ref],
                "source_references": audit.FREE_TEXT,
                "description": audit.FREE_TEXT,
                "patient_details": audit.FREE_TEXT if any(r.patient_name or r.patient_identifier for r in new)
                else None,
            },
        )
    return BatchResult(len(new), skipped, first_ref, last_ref)
