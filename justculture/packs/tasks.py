"""Background tasks for documentation packs, run by the task worker (`justculture db_worker`),
and the request that queues one (tasks sit above services, so services never import them)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from justculture.cases.models import Case
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.models import User
from justculture.packs import services
from justculture.packs.errors import PackError
from justculture.packs.models import PackRequest
from justculture.packs.redaction import redactor_for


@task()
def generate_pack(request_id: str) -> str:
    """Make the pack for one web request; returns the request's final status."""
    return services.pack_job_run(request_id=request_id)


@task()
def expire_packs() -> int:
    """Delete pack files kept longer than PACK_KEEP_HOURS; returns how many."""
    return services.packs_expire()


def _check_share_of_the_worker(by: User) -> None:
    """Refuse a request that would give one person more than their share of the pack worker
    (settings JUSTCULTURE PACK_MAX_WAITING_PER_USER and PACK_MAX_PER_USER_PER_HOUR). Locks the
    person's row so two requests at once are counted one after the other."""
    User.objects.select_for_update().filter(pk=by.pk).first()
    mine = PackRequest.objects.filter(requested_by=by)
    waiting = mine.filter(status__in=[PackRequest.Status.QUEUED, PackRequest.Status.RUNNING]).count()
    limit = settings.JUSTCULTURE["PACK_MAX_WAITING_PER_USER"]
    if waiting >= limit:
        raise PackError(f"You already have {waiting} packs waiting or being made. Wait for one to finish before "
                        "asking for another.", field="format", status=429)
    hourly = settings.JUSTCULTURE["PACK_MAX_PER_USER_PER_HOUR"]
    if mine.filter(requested_at__gte=timezone.now() - timedelta(hours=1)).count() >= hourly:
        raise PackError(f"You have asked for {hourly} packs in the last hour, the most allowed. Try again later.",
                        field="format", status=429)


def pack_request(
    *, case: Case, fmt: services.Format, include_patient_details: bool = False, reason: str = "", by: User,
) -> PackRequest:
    """Record a request for a pack and queue its making, in one transaction.

    The same checks as ``pack_generate`` are made now, so a mistake is shown at once, and again
    when the worker makes the pack (permissions may have changed in between).
    """
    reason = services.check_request(case=case, fmt=fmt, include_patient_details=include_patient_details,
                            reason=reason, by=by)
    redactor = redactor_for(case.incident.patient_name, case.incident.patient_identifier)
    with transaction.atomic():
        _check_share_of_the_worker(by)
        request = PackRequest.objects.create(
            organisation_id=case.organisation_id, case=case, requested_by=by, format=fmt,
            include_patient_details=include_patient_details, reason=redactor.text(reason),
        )
        # The database task backend stores the task in this same transaction: both or neither.
        result = generate_pack.enqueue(str(request.pk))
        request.task_id = str(result.id)
        request.save(update_fields=["task_id"])
        audit.record(
            by=by, action=AuditAction.PACK_REQUEST, obj=case, case_id=case.pk,
            summary=f"Documentation pack asked for, case {case.reference} ({services.FORMATS[fmt][0]}"
                    + (", with patient details" if include_patient_details else ", patient details redacted") + ")",
            changes={"format": fmt, "include_patient_details": include_patient_details, "request": str(request.pk)},
        )
    return request
