"""Writes for incidents, people, cases, acts, contextual factors and evidence.

Every function is keyword-only, checks the actor's permission, runs in one transaction and
records an audit event in that same transaction, so a failure leaves nothing behind.
Free-text narrative can hold patient details and health information: the audit log names the
fields that changed but never copies their text.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from justculture.cases.evidence import inspect_upload
from justculture.cases.lifecycle import ensure_open
from justculture.cases.models import Act, Case, EvidenceDocument, FactorRecord, Incident, Person
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.errors import ServiceError
from justculture.core.models import Organisation, Team, User
from justculture.core.permissions import Permission, require, require_any_team
from justculture.core.services import next_number
from justculture.core.validators import refuse_direction_controls
from justculture.factors.selectors import factor_for, factor_reference, factor_references
from justculture.factors.taxonomy import default_taxonomy


class CaseRuleError(ServiceError):
    """A request that the case's rules do not allow; the message says why."""


def incident_create(
    *,
    organisation: Organisation,
    occurred_at: datetime,
    team: Team,
    description: str,
    location: str = "",
    external_reference: str = "",
    patient_name: str = "",
    patient_identifier: str = "",
    by: User,
) -> Incident:
    require(by, Permission.OPEN_CASE, team.pk)
    if team.organisation_id != organisation.pk:
        raise CaseRuleError("That team belongs to another organisation.", field="team_id")
    with transaction.atomic():
        number = next_number(organisation, "incident")
        incident = Incident.objects.create(
            organisation=organisation, reference=f"INC-{number:04d}", occurred_at=occurred_at,
            team=team, location=location, description=description,
            external_reference=external_reference, patient_name=patient_name,
            patient_identifier=patient_identifier, created_by=by,
        )
        audit.record(
            by=by, action=AuditAction.INCIDENT_CREATE, obj=incident,
            summary=f"Incident {incident.reference} recorded",
            changes={"team": team.name, "occurred_at": occurred_at.isoformat(),
                     **audit.snapshot(incident, ["location", "description", "external_reference"]),
                     "patient_details": audit.FREE_TEXT if (patient_name or patient_identifier) else None},
        )
    return incident


def person_create(
    *,
    organisation: Organisation,
    name: str,
    role_title: str,
    staff_group: str,
    employment_type: str,
    registration_body: str = "nmc",
    registration_number: str = "",
    band_or_grade: str = "",
    years_in_role: Decimal | None = None,
    by: User,
) -> Person:
    require_any_team(by, Permission.OPEN_CASE)
    refuse_direction_controls(name, field="name", label="Full name")
    with transaction.atomic():
        person = Person.objects.create(
            organisation=organisation, name=name, role_title=role_title, staff_group=staff_group,
            registration_body=registration_body, registration_number=registration_number,
            band_or_grade=band_or_grade, years_in_role=years_in_role,
            employment_type=employment_type, created_by=by,
        )
        audit.record(
            by=by, action=AuditAction.PERSON_CREATE, obj=person, summary=f"Professional record {person.pk} created",
            changes=audit.snapshot(person, ["role_title", "staff_group", "registration_body",
                                            "band_or_grade", "employment_type"]),
        )
    return person


def case_open(
    *,
    incident: Incident,
    person: Person,
    concern: str,
    acts: Sequence[str] = (),
    team: Team | None = None,
    by: User,
) -> Case:
    """Open a case about one professional, with the acts (if known yet) to be assessed."""
    team = team or incident.team
    require(by, Permission.OPEN_CASE, team.pk)
    if person.organisation_id != incident.organisation_id or team.organisation_id != incident.organisation_id:
        raise CaseRuleError("The incident, the person and the team must belong to one organisation.")
    with transaction.atomic():
        number = next_number(incident.organisation, "case")
        case = Case.objects.create(
            organisation_id=incident.organisation_id, reference=f"C-{number:04d}",
            incident=incident, person=person, team=team, concern=concern, created_by=by,
        )
        case.assigned_to.add(by)
        audit.record(
            by=by, action=AuditAction.CASE_OPEN, obj=case, case_id=case.pk,
            summary=f"Case {case.reference} opened about professional record {person.pk} for incident "
                    f"{incident.reference}",
            changes={"team": team.name, "status": case.status, "person": person.pk,
                     "staff_group": person.staff_group, "concern": audit.FREE_TEXT},
        )
        for description in acts:
            if description.strip():
                _act_create(case=case, description=description, by=by)
    return case


def case_update_concern(*, case: Case, concern: str, by: User) -> Case:
    require(by, Permission.EDIT_CASE, case.team_id)
    with transaction.atomic():
        ensure_open(case)
        if case.concern != concern:
            case.concern = concern
            case.save(update_fields=["concern", "updated_at"])
            audit.record(by=by, action=AuditAction.CASE_UPDATE, obj=case, case_id=case.pk,
                         summary=f"Description of the concern changed, case {case.reference}",
                         changes={"concern": audit.FREE_TEXT})
    return case


def _act_create(*, case: Case, description: str, by: User) -> Act:
    if len(description) > Act.MAX_LENGTH:
        raise CaseRuleError(f"Describe the act in {Act.MAX_LENGTH:,} characters or fewer: one specific action or "
                            "omission (put the wider story in the concern).", field="description")
    if case.acts.count() >= Act.MAX_PER_CASE:
        raise CaseRuleError(f"A case can have at most {Act.MAX_PER_CASE} acts to assess.", field="description")
    number = (case.acts.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    act = Act.objects.create(case=case, number=number, description=description, created_by=by)
    audit.record(by=by, action=AuditAction.ACT_CREATE, obj=act, organisation_id=case.organisation_id,
                 case_id=case.pk, summary=f"Act {number} added for assessment",
                 changes={"description": audit.FREE_TEXT})
    return act


def act_add(*, case: Case, description: str, by: User) -> Act:
    require(by, Permission.EDIT_CASE, case.team_id)
    with transaction.atomic():
        ensure_open(case)
        return _act_create(case=case, description=description, by=by)


def act_update(*, act: Act, description: str, by: User) -> Act:
    """Reword an act. Completed assessments of it keep the wording they assessed
    (``Assessment.act_description``); ``act_reworded_since_assessment`` tells the caller to
    suggest a revisit."""
    require(by, Permission.EDIT_CASE, act.case.team_id)
    with transaction.atomic():
        ensure_open(act.case)
        if len(description) > Act.MAX_LENGTH:
            raise CaseRuleError(f"Describe the act in {Act.MAX_LENGTH:,} characters or fewer.", field="description")
        if act.description != description:
            act.description = description
            act.save(update_fields=["description"])
            audit.record(by=by, action=AuditAction.ACT_UPDATE, obj=act, organisation_id=act.case.organisation_id,
                         case_id=act.case_id, summary=f"Act {act.number} description changed",
                         changes={"description": audit.FREE_TEXT})
    return act


def factor_record_save(
    *,
    case: Case,
    factor_id: str,
    present: str,
    contribution: str,
    account: str,
    documents: Iterable[EvidenceDocument] = (),
    by: User,
) -> FactorRecord:
    """Create or update what the case found about one contextual factor."""
    require(by, Permission.RECORD_FACTORS, case.team_id)
    factor = factor_for(case.organisation, factor_id)
    if factor is None:
        raise CaseRuleError(f"'{factor_id}' is not a contextual factor of this organisation.", field="factor_id")
    docs = list(documents)
    if any(d.case_id != case.pk for d in docs):
        raise CaseRuleError("Evidence can only be linked from the same case.", field="documents")
    with transaction.atomic():
        ensure_open(case)
        record = FactorRecord.objects.select_for_update().filter(case=case, factor_id=factor_id).first()
        before = audit.snapshot(record, ["present", "contribution", "account"]) if record else {}
        before_docs = sorted(record.documents.values_list("pk", flat=True)) if record else []
        if record is None:
            record = FactorRecord(case=case, factor_id=factor_id, recorded_by=by)
        record.present = present
        record.contribution = contribution
        record.account = account
        record.recorded_by = by
        record.save()
        record.documents.set(docs)
        after = audit.snapshot(record, ["present", "contribution", "account"])
        # Whether a special-category factor (personal health) played a part is health data.
        hidden = {"present", "contribution", "account"} if factor.special_category else {"account"}
        changes = audit.diff(before, after, sensitive=hidden)
        if before_docs != sorted(d.pk for d in docs):
            changes["documents"] = [before_docs, sorted(d.pk for d in docs)]
        # An organisation's own factor is named by its id: its title is free text.
        reference = factor_reference(case.organisation_id, factor_id)
        audit.record(by=by, action=AuditAction.FACTOR_RECORD, obj=record, organisation_id=case.organisation_id,
                     case_id=case.pk,
                     summary=f"Contextual factor recorded: {factor.title if factor.builtin else reference}",
                     changes={"factor": reference, **changes})
    return record


def evidence_upload(
    *,
    case: Case,
    upload: UploadedFile[Any],
    description: str,
    document_date: date | None = None,
    factor_ids: Iterable[str] = (),
    by: User,
) -> EvidenceDocument:
    """Store an evidence document (checked by content, hashed) and link it to factors."""
    require(by, Permission.UPLOAD_EVIDENCE, case.team_id)
    kind, sha256 = inspect_upload(upload, settings.JUSTCULTURE["MAX_UPLOAD_BYTES"])
    wanted = list(dict.fromkeys(factor_ids))
    for factor_id in wanted:
        if factor_for(case.organisation, factor_id) is None:
            raise CaseRuleError(f"'{factor_id}' is not a contextual factor of this organisation.",
                                field="factor_ids")
    with transaction.atomic():
        ensure_open(case)
        document = EvidenceDocument(
            organisation_id=case.organisation_id, case=case, token=secrets.token_hex(16),
            original_name=(upload.name or "document")[-255:], content_type=kind.content_type,
            kind=kind.code, size=upload.size or 0, sha256=sha256, description=description,
            document_date=document_date, uploaded_by=by,
        )
        # If anything below fails the transaction rolls back; the stored file is removed too.
        document.file.save("upload", upload, save=False)
        try:
            document.save()
            for factor_id in wanted:
                record, _created = FactorRecord.objects.get_or_create(
                    case=case, factor_id=factor_id,
                    defaults={"present": "unknown", "recorded_by": by},
                )
                record.documents.add(document)
            audit.record(
                by=by, action=AuditAction.EVIDENCE_UPLOAD, obj=document, case_id=case.pk,
                summary=f"Evidence document {document.pk} uploaded to case {case.reference}",
                changes={"sha256": sha256, "size": document.size, "kind": kind.code,
                         "factors": factor_references(case.organisation_id, wanted),
                         **audit.snapshot(document, ["original_name", "description"])},
            )
        except BaseException:
            document.file.delete(save=False)
            raise
    return document


def act_reworded_since_assessment(act: Act) -> bool:
    """Whether a completed assessment of the act assessed other wording than the act has now."""
    return act.assessments.filter(completed_at__isnull=False).exclude(act_description=act.description).exists()


def evidence_download(*, case: Case, document: EvidenceDocument, by: User) -> EvidenceDocument:
    """Record that a user opened an evidence document (evidence may hold special-category data)."""
    require(by, Permission.VIEW_EVIDENCE, case.team_id)
    with transaction.atomic():
        audit.record(by=by, action=AuditAction.EVIDENCE_DOWNLOAD, obj=document, case_id=case.pk,
                     summary=f"Evidence document {document.pk} downloaded from case {case.reference}")
    return document


def special_category_viewed(*, case: Case, what: str, object_type: str, object_id: str, by: User) -> None:
    """Record a read of special-category data (for example a personal-health factor record)."""
    with transaction.atomic():
        audit.record(by=by, action=AuditAction.SPECIAL_CATEGORY_VIEW, object_type=object_type,
                     object_id=object_id, organisation_id=case.organisation_id, case_id=case.pk,
                     summary=f"Viewed {what}")


def is_special_category_factor(factor_id: str) -> bool:
    factor = default_taxonomy().get(factor_id)
    return bool(factor and factor.special_category)
