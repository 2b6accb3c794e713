"""Writes for retention: an organisation's own periods, and erasing what has expired.

Erasing works one case (with everything in it), one incident, one professional at a time, each in
its own transaction: a failure part-way through one leaves that one exactly as it was and the run
carries on with the next. Each erased record gets its own audit event naming its type, id or
reference and the rule applied, never its content. Evidence files are removed from disk only
after the transaction that erased their rows has committed, so a rollback never loses a file.
The audit log itself is never erased: its hash chain is what proves the erasure happened.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from justculture.actions.models import Action
from justculture.assessments.models import Answer, Assessment, PeerView
from justculture.cases.models import Act, Case, EvidenceDocument, FactorRecord, Incident, Person
from justculture.cases.states import case_states
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.errors import ServiceError
from justculture.core.models import DisclosureReason, Organisation, SignInAttempt, User
from justculture.core.permissions import Permission, require
from justculture.decisions.models import AdviceRecord, Decision, ReferralConsideration
from justculture.fairness.models import EqualityRecord, WorkforceFigure
from justculture.packs.models import PackRequest
from justculture.packs.services import pack_dir
from justculture.retention import selectors
from justculture.retention.models import RetentionOverride
from justculture.retention.rules import Period, default_rules, is_expired
from justculture.retention.selectors import Expired

logger = logging.getLogger(__name__)

REASON_MAX = 1000


class RetentionError(ServiceError):
    """A request the retention rules do not allow, or a record that cannot be erased; says why."""


# Periods -----------------------------------------------------------------------------------------

def period_save(*, organisation: Organisation, rule: str, amount: int, unit: str, reason: str,
                by: User) -> RetentionOverride:
    """Set the organisation's own period for one rule (within the rule's minimum and maximum)."""
    require(by, Permission.MANAGE_RETENTION)
    if by.organisation_id != organisation.pk:
        raise RetentionError("You can only change your own organisation's retention periods.")
    spec = default_rules().get(rule)
    if spec is None:
        raise RetentionError(f"'{rule}' is not a retention rule.", field="rule")
    if not spec.per_organisation:
        raise RetentionError(f"The period for {spec.title.lower()} is set for the whole service, "
                             "not per organisation.")
    try:
        period = Period(int(amount), unit)
    except (TypeError, ValueError) as exc:
        raise RetentionError(f"The period is not valid: {exc}.", field="amount") from exc
    problem = spec.allows(period)
    if problem:
        raise RetentionError(problem, field="amount")
    reason = reason.strip()
    if not reason:
        raise RetentionError("Give the reason for the change, for example the policy it follows.", field="reason")
    if len(reason) > REASON_MAX:
        raise RetentionError(f"Keep the reason to {REASON_MAX} characters or fewer.", field="reason")
    with transaction.atomic():
        override = RetentionOverride.objects.select_for_update().filter(organisation=organisation, rule=rule).first()
        before = str(Period(override.amount, override.unit)) if override else f"{spec.period} (default)"
        if override is None:
            override = RetentionOverride(organisation=organisation, rule=rule)
        override.amount, override.unit, override.reason, override.updated_by = period.amount, period.unit, reason, by
        override.save()
        audit.record(by=by, action=AuditAction.RETENTION_PERIOD, obj=override, organisation_id=organisation.pk,
                     summary=f"Retention period for {spec.title.lower()} set to {period}"[:300],
                     changes={"rule": rule, "period": [before, str(period)], **audit.snapshot(override, ["reason"])})
    return override


def period_reset(*, organisation: Organisation, rule: str, by: User) -> None:
    """Go back to the packaged default period for one rule."""
    require(by, Permission.MANAGE_RETENTION)
    if by.organisation_id != organisation.pk:
        raise RetentionError("You can only change your own organisation's retention periods.")
    spec = default_rules().get(rule)
    if spec is None:
        raise RetentionError(f"'{rule}' is not a retention rule.", field="rule")
    with transaction.atomic():
        override = RetentionOverride.objects.select_for_update().filter(organisation=organisation, rule=rule).first()
        if override is None:
            return
        before = str(Period(override.amount, override.unit))
        override_id = override.pk
        override.delete()
        audit.record(by=by, action=AuditAction.RETENTION_PERIOD, object_type="retentionoverride", object_id=override_id,
                     organisation_id=organisation.pk,
                     summary=f"Retention period for {spec.title.lower()} back to the default of {spec.period}",
                     changes={"rule": rule, "period": [before, f"{spec.period} (default)"]})


# Erasing -----------------------------------------------------------------------------------------

@dataclass
class ErasureReport:
    """What a run did: the entries erased, those left and why, and files that could not be removed."""

    erased: list[Expired] = field(default_factory=list)
    records: int = 0
    kept: list[tuple[Expired, str]] = field(default_factory=list)
    failed: list[tuple[Expired, str]] = field(default_factory=list)
    files_removed: int = 0
    files_not_removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.files_not_removed

    def as_dict(self) -> dict[str, Any]:
        return {
            "erased": [e.as_dict() for e in self.erased], "records_erased": self.records,
            "kept": [{**e.as_dict(), "why": why} for e, why in self.kept],
            "failed": [{**e.as_dict(), "error": why} for e, why in self.failed],
            "files_removed": self.files_removed, "files_not_removed": self.files_not_removed,
        }


class _Eraser:
    """Erases the records of one entry inside the caller's transaction, auditing each one."""

    def __init__(self, entry: Expired, report: ErasureReport, case_id: int | None = None):
        self.entry = entry
        self.report = report
        self.case_id = case_id
        self.count = 0

    def audit(self, record_type: str, object_id: Any, reference: str) -> None:
        entry = self.entry
        audit.record(
            by=None, action=AuditAction.RETENTION_ERASE, object_type=record_type, object_id=object_id,
            organisation_id=entry.organisation_id, case_id=self.case_id,
            summary=f"Erased {reference} under the retention rule {entry.rule}"[:300],
            changes={"record_type": record_type, "rule": entry.rule, "period": str(entry.period),
                     "trigger_date": entry.trigger_date.isoformat(), "expiry_date": entry.expiry_date.isoformat()},
        )
        self.count += 1

    def each(self, rows: models.QuerySet[Any], record_type: str, describe: Callable[[Any], str]) -> None:
        """Audit then delete every row of a queryset (children must already be gone)."""
        items = list(rows)
        for row in items:
            self.audit(record_type, row.pk, describe(row))
        if items:
            type(items[0]).objects.filter(pk__in=[r.pk for r in items]).delete()


def _evidence_path(name: str) -> Path | None:
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return None  # remote storage: nothing to check locally


def _removable(path: Path | None, label: str) -> str | None:
    """Why a stored file could not be removed, or None (a missing file needs no removing)."""
    if path is None or (not path.exists() and not path.is_symlink()):
        return None
    if not path.is_file():
        return f"the stored file {label} is not a regular file"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"the folder of the stored file {label} is not writable"
    return None


def _remove_files(evidence: list[str], packs: list[Path], report: ErasureReport) -> None:
    """Runs once the erasing transaction has committed; a failure is reported, never undone."""
    for name in evidence:
        try:
            default_storage.delete(name)
        except OSError as exc:
            logger.error("retention: could not remove the evidence file %s: %s", name, exc.strerror or exc)
            report.files_not_removed.append(name)
        else:
            report.files_removed += 1
    for path in packs:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            logger.error("retention: could not remove the pack file %s: %s", path, exc.strerror or exc)
            report.files_not_removed.append(str(path))
        else:
            report.files_removed += 1


def _key(entry: Expired) -> int:
    if entry.object_id is None:
        raise RetentionError(f"{entry.reference} has no record id")
    return entry.object_id


def _erase_case(entry: Expired, today: date, report: ErasureReport) -> None:
    case = Case.objects.select_for_update().filter(pk=_key(entry), organisation_id=entry.organisation_id or 0).first()
    if case is None:
        raise _Kept("the case no longer exists")
    organisation = Organisation.objects.get(pk=case.organisation_id)
    closed = selectors.case_closed_dates(organisation, [case.pk]).get(case.pk)
    if closed is None:
        raise _Kept("the case has been reopened")
    if not is_expired(closed, entry.period, today):
        raise _Kept("the case was closed again more recently, so it has not expired")
    ref = case.reference
    eraser = _Eraser(entry, report, case_id=case.pk)
    packs = list(PackRequest.objects.filter(case=case).order_by("requested_at"))
    if any(p.status in (PackRequest.Status.QUEUED, PackRequest.Status.RUNNING) for p in packs):
        raise _Kept("a documentation pack is being made for it")
    pack_files = [pack_dir() / p.stored_path for p in packs if p.stored_path]
    for path in pack_files:
        problem = _removable(path, str(path))
        if problem:
            raise RetentionError(f"Documentation pack of case {ref}: {problem}; nothing in the case was erased")
    eraser.each(PackRequest.objects.filter(case=case).order_by("requested_at"), "packrequest",
                lambda p: f"documentation pack request {p.pk} of case {ref}")
    eraser.each(Action.objects.filter(case=case).order_by("pk"), "action", lambda a: f"action {a.pk} of case {ref}")
    assessments = Assessment.objects.filter(case=case).select_related("act").order_by("pk")
    eraser.each(Answer.objects.filter(assessment__in=assessments).order_by("pk"), "answer",
                lambda a: f"answer {a.pk} of case {ref}")
    eraser.each(PeerView.objects.filter(assessment__in=assessments).order_by("pk"), "peerview",
                lambda p: f"peer view {p.pk} of case {ref}")
    eraser.each(assessments, "assessment", lambda a: f"assessment of act {a.act.number} version {a.version} "
                f"of case {ref}")
    eraser.each(Decision.objects.filter(case=case).order_by("pk"), "decision", lambda d: f"decision {d.pk} of case {ref}")
    eraser.each(AdviceRecord.objects.filter(case=case).order_by("pk"), "advicerecord",
                lambda a: f"advice record {a.pk} of case {ref}")
    eraser.each(ReferralConsideration.objects.filter(case=case), "referralconsideration",
                lambda r: f"referral considerations of case {ref}")
    eraser.each(FactorRecord.objects.filter(case=case).order_by("pk"), "factorrecord",
                lambda f: f"contextual-factor record {f.pk} of case {ref}")
    documents = list(EvidenceDocument.objects.filter(case=case).order_by("pk"))
    names = []
    for document in documents:
        problem = _removable(_evidence_path(document.file.name or ""), document.file.name or "")
        if problem:
            raise RetentionError(f"Evidence document {document.pk} of case {ref}: {problem}; nothing in the "
                                 "case was erased")
        if document.file.name:
            names.append(document.file.name)
    eraser.each(EvidenceDocument.objects.filter(case=case).order_by("pk"), "evidencedocument",
                lambda d: f"evidence document {d.pk} of case {ref}")
    eraser.each(Act.objects.filter(case=case).order_by("number"), "act", lambda a: f"act {a.number} of case {ref}")
    eraser.each(DisclosureReason.objects.filter(organisation_id=case.organisation_id, kind="pack", subject=ref),
                "disclosurereason", lambda r: f"reason {r.pk} for including patient details in a pack of case {ref}")
    eraser.audit("case", case.pk, f"case {ref}")
    case.delete()
    transaction.on_commit(lambda: _remove_files(names, pack_files, report))
    report.records += eraser.count


def _erase_incident(entry: Expired, report: ErasureReport) -> None:
    incident = Incident.objects.select_for_update().filter(pk=_key(entry),
                                                           organisation_id=entry.organisation_id or 0).first()
    if incident is None:
        raise _Kept("the incident no longer exists")
    if Case.objects.filter(incident=incident).exists():
        raise _Kept("a case about the incident remains")
    eraser = _Eraser(entry, report)
    eraser.audit("incident", incident.pk, f"incident {incident.reference}")
    incident.delete()
    report.records += eraser.count


def _erase_person(entry: Expired, report: ErasureReport) -> None:
    person = Person.objects.select_for_update().filter(pk=_key(entry), organisation_id=entry.organisation_id or 0).first()
    if person is None:
        raise _Kept("the professional's record no longer exists")
    if Case.objects.filter(person=person).exists():
        raise _Kept("a case about the professional remains")
    eraser = _Eraser(entry, report)
    eraser.each(EqualityRecord.objects.filter(person=person), "equalityrecord",
                lambda e: f"equality data of professional record {person.pk}")
    eraser.each(DisclosureReason.objects.filter(organisation_id=person.organisation_id, kind="subject-access",
                                                subject=str(person.pk)),
                "disclosurereason", lambda r: f"reason {r.pk} for including patient details in a subject access export")
    eraser.audit("person", person.pk, f"professional record {person.pk}")
    person.delete()
    report.records += eraser.count


def _erase_equality(entry: Expired, report: ErasureReport) -> None:
    record = EqualityRecord.objects.select_for_update().filter(pk=_key(entry),
                                                               organisation_id=entry.organisation_id or 0).first()
    if record is None:
        raise _Kept("the equality data no longer exists")
    if Case.objects.filter(person_id=record.person_id).exclude(status__in=case_states().ending_states()).exists():
        raise _Kept("a case about the professional is open again")
    eraser = _Eraser(entry, report)
    eraser.audit("equalityrecord", record.pk, f"equality data of professional record {record.person_id}")
    record.delete()
    report.records += eraser.count


def _erase_workforce(entry: Expired, report: ErasureReport) -> None:
    figure = WorkforceFigure.objects.filter(pk=_key(entry), organisation_id=entry.organisation_id or 0).first()
    if figure is None:
        raise _Kept("the figure no longer exists")
    eraser = _Eraser(entry, report)
    eraser.audit("workforcefigure", figure.pk, f"workforce figure {entry.reference}")
    figure.delete()
    report.records += eraser.count


def _erase_batch(entry: Expired, report: ErasureReport) -> None:
    # Sign-in attempts and task results can number tens of thousands a month and hold no case
    # data, so the run writes one event for the batch (how many, and the newest trigger date).
    model: type[models.Model] = SignInAttempt if entry.record_type == "sign-in-attempts" else DBTaskResult
    deleted = 0
    ids = list(entry.ids)
    for start in range(0, len(ids), 500):
        deleted += model._default_manager.filter(pk__in=ids[start:start + 500]).delete()[0]
    audit.record(
        by=None, action=AuditAction.RETENTION_ERASE, object_type=entry.record_type, object_id=str(deleted),
        summary=f"Erased {deleted} {entry.reference.split(' ', 1)[1]} under the retention rule {entry.rule}",
        changes={"record_type": entry.record_type, "rule": entry.rule, "period": str(entry.period), "count": deleted,
                 "newest_trigger_date": entry.trigger_date.isoformat(),
                 "expiry_date": entry.expiry_date.isoformat()},
    )
    report.records += deleted


class _Kept(Exception):
    """The entry is no longer expired (or already gone): leave it, not an error."""


def retention_erase(*, organisation: Organisation | None = None, today: date | None = None,
                    by: User | None = None) -> ErasureReport:
    """Erase everything that has expired: one organisation's records, or every organisation's and
    the system tables when none is given.

    Run by the system operator (command line) or the background queue, so ``by`` is normally
    None and the audit log records "system". Each case, incident and professional is erased in
    its own transaction; a failure is reported and the rest of the run carries on.
    """
    today = today or timezone.localdate()
    report = ErasureReport()
    for entry in selectors.expired(organisation, today):
        try:
            with transaction.atomic():
                if entry.record_type == "case":
                    _erase_case(entry, today, report)
                elif entry.record_type == "incident":
                    _erase_incident(entry, report)
                elif entry.record_type == "person":
                    _erase_person(entry, report)
                elif entry.record_type == "equality-record":
                    _erase_equality(entry, report)
                elif entry.record_type == "workforce-figure":
                    _erase_workforce(entry, report)
                else:
                    _erase_batch(entry, report)
        except _Kept as why:
            report.kept.append((entry, str(why)))
        except Exception as exc:  # one entry's failure must not stop the run
            logger.error("retention: could not erase %s %s: %s", entry.record_type, entry.reference, exc)
            report.failed.append((entry, str(exc) or type(exc).__name__))
        else:
            report.erased.append(entry)
    with transaction.atomic():
        audit.record(
            by=by, action=AuditAction.RETENTION_RUN, object_type="retention",
            object_id=organisation.slug if organisation else "all",
            organisation_id=organisation.pk if organisation else None,
            summary=f"Retention run: {len(report.erased)} expired entries erased ({report.records} records), "
                    f"{len(report.failed)} failed, {len(report.kept)} no longer expired",
            changes={"erased": len(report.erased), "records": report.records, "failed": len(report.failed),
                     "kept": len(report.kept), "today": today.isoformat()},
        )
    return report
