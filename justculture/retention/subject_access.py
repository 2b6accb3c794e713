"""Everything held about one professional, for a subject access request (UK GDPR article 15).

The export is a zip holding:

* ``subject-access.json``: every record, field by field (users named by display name);
* ``summary.txt``: the same in readable form, for the person reviewing the disclosure;
* ``files/``: each evidence document as it was uploaded;
* ``MANIFEST.sha256``: the SHA-256 of every other file in the zip (``sha256sum -c`` checks it).

Patient details in the incidents (and wherever the patient's name or number is written in a
case's text) are redacted as in documentation packs, unless a reason for including them is
given. Evidence files are copies as uploaded and are not redacted. The export is a first draft
for the information-governance team: they still decide what third-party information to withhold
before anything is sent. Every export is recorded in the audit log as a special-category read.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from justculture.actions.models import Action
from justculture.assessments.models import Answer, Assessment, PeerView
from justculture.cases.models import Act, Case, EvidenceDocument, FactorRecord, Person
from justculture.cases.selectors import same_professional
from justculture.core import audit
from justculture.core.audit_actions import AuditAction, action_title
from justculture.core.errors import ServiceError
from justculture.core.models import AuditEvent, DisclosureReason, User
from justculture.core.permissions import Permission, require
from justculture.decisions.models import AdviceRecord, Decision, ReferralConsideration
from justculture.fairness.models import EqualityRecord
from justculture.packs.models import PackRequest
from justculture.packs.redaction import redactor_for

REASON_MAX = 2000
# 2: other records of the same professional ("other_records"), and each case's person_id.
FORMAT_VERSION = 2


class SubjectAccessError(ServiceError):
    """The export cannot be made as asked; the message says why."""


class _Users:
    """Names users by display name, fetching each once."""

    def __init__(self) -> None:
        self.names: dict[int, str] = {}

    def name(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        if user_id not in self.names:
            user = User.objects.filter(pk=user_id).first()
            self.names[user_id] = user.display_name if user else f"user {user_id} (no longer held)"
        return self.names[user_id]


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _fields(obj: models.Model, users: _Users, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every stored field of a record; foreign keys to users become names, others their id.

    Generic on purpose: a field added to a model later appears in the export without a change here.
    """
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name in skip or f.name == "organisation":
            continue
        if f.is_relation:
            raw = getattr(obj, f.attname)
            if f.related_model is User:
                out[f.name] = users.name(raw)
            else:
                out[f.name + "_id" if not f.name.endswith("_id") else f.name] = raw
        elif isinstance(f, models.FileField):
            continue  # files are in files/, named in the document's "file" entry
        else:
            out[f.name] = _value(getattr(obj, f.name))
    return out


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "document"
    return cleaned[-120:]


def _case(case: Case, users: _Users, files: list[tuple[str, Any]]) -> dict[str, Any]:
    data = _fields(case, users)
    data["assigned_to"] = sorted(u.display_name for u in case.assigned_to.all())
    data["incident"] = _fields(case.incident, users)
    data["acts"] = [_fields(a, users) for a in case.acts.order_by("number")]
    data["contextual_factor_records"] = [
        {**_fields(r, users), "evidence_document_ids": sorted(r.documents.values_list("pk", flat=True))}
        for r in case.factor_records.order_by("pk")
    ]
    documents = []
    for document in case.documents.order_by("pk"):
        entry = _fields(document, users, skip=("token",))
        path = f"files/{case.reference}/{document.pk}-{_safe_name(document.original_name)}"
        entry["file"] = path
        files.append((path, document))
        documents.append(entry)
    data["evidence_documents"] = documents
    assessments = []
    for assessment in Assessment.objects.filter(case=case).select_related("act").order_by("act__number", "version"):
        item = _fields(assessment, users)
        item["act_number"] = assessment.act.number
        item["answers"] = [
            {**_fields(a, users), "evidence_document_ids": sorted(a.documents.values_list("pk", flat=True)),
             "factor_record_ids": sorted(a.factor_records.values_list("pk", flat=True))}
            for a in assessment.answers.order_by("pk")
        ]
        item["peer_views"] = [_fields(p, users) for p in assessment.peer_views.order_by("pk")]
        assessments.append(item)
    data["assessments"] = assessments
    data["decisions"] = [_fields(d, users) for d in Decision.objects.filter(case=case).order_by("recorded_at", "pk")]
    referral = ReferralConsideration.objects.filter(case=case).first()
    data["referral_consideration"] = _fields(referral, users) if referral else None
    data["advice_records"] = [_fields(a, users) for a in AdviceRecord.objects.filter(case=case).order_by("pk")]
    data["actions"] = [_fields(a, users) for a in Action.objects.filter(case=case).order_by("pk")]
    data["documentation_pack_requests"] = [
        _fields(p, users, skip=("stored_path", "task_id"))
        for p in PackRequest.objects.filter(case=case).order_by("requested_at")
    ]
    return data


def _key(model: type[models.Model]) -> str:
    """The object type the audit log gives a record of this model (as ``core.audit.record`` does)."""
    return model._meta.label_lower.split(".")[-1]


def _people_ids(people: list[Person]) -> tuple[list[int], list[int]]:
    """The ids of the person's records, with those merged into them earlier (``people merge``
    deletes the merged rows but their events stay in the log), and the ids of the equality
    records that merging removed."""
    person_ids = {p.pk for p in people}
    removed_equality: set[int] = set()
    seen: set[int] = set()
    while person_ids - seen:
        batch = sorted(person_ids - seen)
        seen |= set(batch)
        for changes in AuditEvent.objects.filter(
                organisation_id=people[0].organisation_id, action=AuditAction.PERSON_MERGE,
                object_type=_key(Person), object_id__in=[str(pk) for pk in batch]).values_list("changes", flat=True):
            person_ids |= {int(pk) for pk in changes.get("merged", [])}
            removed_equality |= {int(pk) for pk in changes.get("equality_records_removed", [])}
    return sorted(person_ids), sorted(removed_equality)


def _audit_events(people: list[Person], cases: list[Case], equality_ids: list[int]) -> list[dict[str, Any]]:
    """The events about the professional's records and their cases: each kind of record matched
    by its exact (object type, object id), never by a bare id, which another kind of record (or
    another person's record) can share."""
    person_ids, removed_equality = _people_ids(people)
    case_ids = [c.pk for c in cases]

    def ids(values: Any) -> list[str]:
        return [str(pk) for pk in values]

    keys: list[tuple[type[models.Model], list[str]]] = [
        (Person, ids(person_ids)),
        (Case, ids(case_ids)),
        (Act, ids(Act.objects.filter(case_id__in=case_ids).values_list("pk", flat=True))),
        (FactorRecord, ids(FactorRecord.objects.filter(case_id__in=case_ids).values_list("pk", flat=True))),
        (EvidenceDocument, ids(EvidenceDocument.objects.filter(case_id__in=case_ids).values_list("pk", flat=True))),
        (Assessment, ids(Assessment.objects.filter(case_id__in=case_ids).values_list("pk", flat=True))),
        (Answer, ids(Answer.objects.filter(assessment__case_id__in=case_ids).values_list("pk", flat=True))),
        (PeerView, ids(PeerView.objects.filter(assessment__case_id__in=case_ids).values_list("pk", flat=True))),
        (Decision, ids(Decision.objects.filter(case_id__in=case_ids).values_list("pk", flat=True))),
        (ReferralConsideration,
         ids(ReferralConsideration.objects.filter(case_id__in=case_ids).values_list("pk", flat=True))),
        (AdviceRecord, ids(AdviceRecord.objects.filter(case_id__in=case_ids).values_list("pk", flat=True))),
        (Action, ids(Action.objects.filter(case_id__in=case_ids).values_list("pk", flat=True))),
    ]
    # Events of a case carry its id in their own column; the pairs also find any that do not.
    about = Q(case_id__in=case_ids)
    for model, object_ids in keys:
        if object_ids:
            about |= Q(object_type=_key(model), object_id__in=object_ids)
    about |= Q(object_type="subject-access", object_id__in=ids(person_ids))
    # An equality record's events name the record, except views, which name the person (a view
    # may come before any record exists): the same object type, two kinds of id.
    equality = _key(EqualityRecord)
    about |= Q(object_type=equality, action=AuditAction.EQUALITY_VIEW, object_id__in=ids(person_ids))
    equality_ids = sorted({*equality_ids, *removed_equality})
    if equality_ids:
        about |= Q(Q(object_type=equality, object_id__in=ids(equality_ids)) & ~Q(action=AuditAction.EQUALITY_VIEW))
    rows = AuditEvent.objects.filter(about, organisation_id=people[0].organisation_id).order_by("id")
    return [
        {"id": e.pk, "at": _value(e.at), "actor": e.actor, "action": e.action,
         "action_title": action_title(e.action), "object_type": e.object_type,
         "object_id": e.object_id, "case_id": e.case_id, "summary": e.summary, "changes": e.changes}
        for e in rows
    ]


def build_export(person: Person, *, include_patient_details: bool) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The export document and the evidence files to add, as (path in zip, EvidenceDocument).

    It covers every record of the same professional (``cases.selectors.same_professional``: the
    same registration body and number in the organisation), not only the one asked about.
    """
    users = _Users()
    files: list[tuple[str, Any]] = []
    people = same_professional(person)
    cases = list(Case.objects.filter(person__in=people).select_related("incident", "team").order_by("created_at", "pk"))
    case_data = []
    for case in cases:
        data = _case(case, users, files)
        data["team"] = str(case.team)
        if not include_patient_details:
            redactor = redactor_for(case.incident.patient_name, case.incident.patient_identifier)
            data = redactor.apply(data)
        case_data.append(data)
    equality = {e.person_id: e for e in EqualityRecord.objects.filter(person__in=people)}

    def equality_data(record: Person) -> dict[str, Any] | None:
        held = equality.get(record.pk)
        return _fields(held, users, skip=("person",)) if held else None

    document = {
        "format": "justculture-subject-access", "format_version": FORMAT_VERSION,
        "generated_at": _value(timezone.now()),
        "organisation": person.organisation.name,
        "patient_details": "included" if include_patient_details else "redacted",
        "person": _fields(person, users),
        "equality_data": equality_data(person),
        # The same professional's other records (same registration number), each with its own
        # equality data; their cases are in "cases" (each case names its record in person_id).
        "other_records": [{"person": _fields(p, users), "equality_data": equality_data(p)} for p in people[1:]],
        "cases": case_data,
        "audit_events": _audit_events(people, cases, [e.pk for e in equality.values()]),
    }
    return document, files


def _summary(document: dict[str, Any]) -> str:
    """A plain-text reading of the export, section by section."""
    lines: list[str] = []

    def block(title: str, record: dict[str, Any] | None, indent: str = "") -> None:
        lines.append(f"{indent}{title}")
        if record is None:
            lines.append(f"{indent}  (none held)")
            return
        for key, value in record.items():
            if isinstance(value, list | dict):
                continue
            text = "" if value is None else str(value)
            lines.append(f"{indent}  {key.replace('_', ' ')}: {text}".rstrip())

    person = document["person"]
    lines += [f"Subject access export: {person['name']}", f"Organisation: {document['organisation']}",
              f"Generated: {document['generated_at']}",
              f"Patient details: {document['patient_details']}", ""]
    block("The professional's record", person)
    lines.append("")
    block("Equality monitoring data (special-category data)", document["equality_data"])
    for other in document["other_records"]:
        lines.append("")
        block("Another record of the same professional (same registration number)", other["person"])
        block("Its equality monitoring data (special-category data)", other["equality_data"], "  ")
    for case in document["cases"]:
        lines += ["", "=" * 72]
        block(f"Case {case['reference']}", case)
        block("Incident", case["incident"], "  ")
        for title, key in (("Act", "acts"), ("Contextual-factor record", "contextual_factor_records"),
                           ("Evidence document", "evidence_documents"), ("Decision", "decisions"),
                           ("Advice record", "advice_records"), ("Action", "actions")):
            for item in case[key]:
                block(title, item, "  ")
        for assessment in case["assessments"]:
            block(f"Assessment of act {assessment['act_number']}, version {assessment['version']}", assessment, "  ")
            for answer in assessment["answers"]:
                block(f"Answer to {answer['question_id']}", answer, "    ")
            for view in assessment["peer_views"]:
                block("Peer view", view, "    ")
        if case["referral_consideration"] is not None:
            referral = case["referral_consideration"]
            block("Referral considerations", referral, "  ")
            lines.append("    answers: " + json.dumps(referral.get("answers", {}), ensure_ascii=False))
    lines += ["", "=" * 72, f"Audit events about this professional: {len(document['audit_events'])}"]
    for event in document["audit_events"]:
        lines.append(f"  {event['at']}  {event['actor']}  {event['action_title']}  {event['summary']}")
    return "\n".join(lines) + "\n"


def render_zip(document: dict[str, Any], files: list[tuple[str, Any]]) -> bytes:
    sums: list[tuple[str, str]] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        def add(path: str, content: bytes) -> None:
            archive.writestr(path, content)
            sums.append((hashlib.sha256(content).hexdigest(), path))

        missing = []
        for path, evidence in files:
            try:
                with evidence.file.storage.open(evidence.file.name or "", "rb") as handle:
                    add(path, handle.read())
            except OSError:
                missing.append(path)
        document["missing_files"] = missing
        add("subject-access.json", json.dumps(document, indent=2, ensure_ascii=False, default=str).encode("utf-8"))
        add("summary.txt", _summary(document).encode("utf-8"))
        sums.sort(key=lambda s: s[1])
        archive.writestr("MANIFEST.sha256", "".join(f"{digest}  {path}\n" for digest, path in sums))
    return buffer.getvalue()


def export_filename(person: Person, *, include_patient_details: bool) -> str:
    marker = "-with-patient-details" if include_patient_details else ""
    return f"subject-access-{person.pk}{marker}.zip"


def subject_access_export(*, person: Person, include_patient_details: bool = False, reason: str = "",
                          by: User | None) -> tuple[bytes, str]:
    """The export for one professional as (zip content, file name), recorded in the audit log.

    Web users need the subject-access permission for the whole organisation. ``by=None`` is the
    system operator at the command line, recorded as "system".
    """
    if by is not None:
        if by.organisation_id != person.organisation_id:
            raise PermissionDenied("You do not have permission to do this (subject_access).")
        require(by, Permission.SUBJECT_ACCESS)
    reason = reason.strip()
    if include_patient_details and not reason:
        raise SubjectAccessError("Give the reason for including patient details.", field="reason")
    if reason and not include_patient_details:
        raise SubjectAccessError("A reason is only needed when patient details are included.", field="reason")
    if len(reason) > REASON_MAX:
        raise SubjectAccessError(f"Keep the reason to {REASON_MAX} characters or fewer.", field="reason")
    document, files = build_export(person, include_patient_details=include_patient_details)
    content = render_zip(document, files)
    with transaction.atomic():
        changes: dict[str, Any] = {
            "include_patient_details": include_patient_details, "cases": len(document["cases"]),
            "evidence_files": len(files), "sha256": hashlib.sha256(content).hexdigest(), "size": len(content),
        }
        if include_patient_details:
            # The reason is free text (it may name a patient): it is kept in its own record and
            # the log names that record.
            kept = DisclosureReason.objects.create(
                organisation_id=person.organisation_id, kind="subject-access", subject=str(person.pk),
                reason=reason, given_by=by,
            )
            changes["reason"] = audit.FREE_TEXT
            changes["reason_record"] = kept.pk
        audit.record(
            by=by, action=AuditAction.SPECIAL_CATEGORY_VIEW, object_type="subject-access", object_id=person.pk,
            organisation_id=person.organisation_id,
            summary=f"Subject access export of professional record {person.pk} ("
                    + ("with patient details" if include_patient_details else "patient details redacted") + ")",
            changes=changes,
        )
    return content, export_filename(person, include_patient_details=include_patient_details)
