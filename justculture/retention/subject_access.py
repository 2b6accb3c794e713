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
from justculture.assessments.models import Assessment
from justculture.cases.models import Case, Person
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
FORMAT_VERSION = 1


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
    data = _fields(case, users, skip=("person",))
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


def _audit_events(person: Person, case_ids: list[int], equality_id: int | None) -> list[dict[str, Any]]:
    about = Q(case_id__in=case_ids) | Q(object_type="person", object_id=str(person.pk)) | Q(
        object_type="subject-access", object_id=str(person.pk))
    if equality_id is not None:
        about |= Q(object_type="equalityrecord", object_id=str(equality_id))
    rows = AuditEvent.objects.filter(about, organisation_id=person.organisation_id).order_by("id")
    return [
        {"id": e.pk, "at": _value(e.at), "actor": e.actor, "action": e.action,
         "action_title": action_title(e.action), "object_type": e.object_type,
         "object_id": e.object_id, "case_id": e.case_id, "summary": e.summary, "changes": e.changes}
        for e in rows
    ]


def build_export(person: Person, *, include_patient_details: bool) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The export document and the evidence files to add, as (path in zip, EvidenceDocument)."""
    users = _Users()
    files: list[tuple[str, Any]] = []
    cases = list(Case.objects.filter(person=person).select_related("incident", "team").order_by("created_at", "pk"))
    case_data = []
    for case in cases:
        data = _case(case, users, files)
        data["team"] = str(case.team)
        if not include_patient_details:
            redactor = redactor_for(case.incident.patient_name, case.incident.patient_identifier)
            data = redactor.apply(data)
        case_data.append(data)
    equality = EqualityRecord.objects.filter(person=person).first()
    document = {
        "format": "justculture-subject-access", "format_version": FORMAT_VERSION,
        "generated_at": _value(timezone.now()),
        "organisation": person.organisation.name,
        "patient_details": "included" if include_patient_details else "redacted",
        "person": _fields(person, users),
        "equality_data": _fields(equality, users, skip=("person",)) if equality else None,
        "cases": case_data,
        "audit_events": _audit_events(person, [c.pk for c in cases], equality.pk if equality else None),
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
