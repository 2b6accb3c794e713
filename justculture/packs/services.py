"""Producing a documentation pack: permission check, building, rendering and the audit record.

A pack is a read of special-category data (health factors, narrative about patients), so every
pack made is audited, and including patient details needs a reason and a second audit event.
The slow part (rendering) runs outside any transaction so it never holds the database; the
audit events are written afterwards in one transaction, and the file is only handed back once
they are stored.

On the web a pack is made in the background: ``tasks.pack_request`` records the request and queues a
task in the same transaction, the worker runs ``pack_job_run`` (which calls ``pack_generate``
with the requester's own permissions, checked again at that moment) and writes the file under
JUSTCULTURE["PACK_DIR"]; ``pack_download`` hands it to the requester, audited. The command line
(``justculture pack``) calls ``pack_generate`` directly and waits.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from justculture.cases.models import Case
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.models import DisclosureReason, User
from justculture.core.permissions import Permission, require
from justculture.packs.builder import build_pack
from justculture.packs.errors import PackError
from justculture.packs.models import PackRequest
from justculture.packs.render import render_json, render_pdf, render_zip

__all__ = [
    "FORMATS", "PackError", "pack_download", "pack_filename", "pack_generate", "pack_job_run",
    "packs_expire",
]

logger = logging.getLogger(__name__)

Format = Literal["pdf", "json", "zip"]

FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("PDF", "application/pdf"),
    "json": ("JSON", "application/json"),
    "zip": ("zip with evidence", "application/zip"),
}
REASON_MAX = 2000


def pack_filename(case: Case, fmt: str, *, include_patient_details: bool) -> str:
    marker = "-with-patient-details" if include_patient_details else ""
    return f"{case.reference}-documentation-pack{marker}.{fmt}"


def check_request(*, case: Case, fmt: str, include_patient_details: bool, reason: str, by: User | None) -> str:
    """Check who asks and what for; the reason, trimmed."""
    if by is not None:
        if by.organisation_id != case.organisation_id:
            raise PermissionDenied("You do not have permission to do this (view_case).")
        require(by, Permission.VIEW_CASE, case.team_id)
        require(by, Permission.VIEW_EVIDENCE, case.team_id)
    if fmt not in FORMATS:
        raise PackError(f"Choose the format of the pack: {', '.join(FORMATS)} (not '{fmt}').", field="fmt")
    reason = reason.strip()
    if include_patient_details and not reason:
        raise PackError("Give the reason for including patient details, for example the regulator's request.",
                        field="reason")
    if len(reason) > REASON_MAX:
        raise PackError(f"Keep the reason to {REASON_MAX} characters or fewer.", field="reason")
    return reason


def pack_generate(
    *,
    case: Case,
    fmt: Format,
    include_patient_details: bool = False,
    reason: str = "",
    by: User | None,
    request_id: str | None = None,
) -> tuple[bytes, str, str]:
    """The pack for a case as (file content, file name, content type).

    Web users need to see cases and evidence for the case's team. ``by=None`` is the system
    operator at the command line (justculture pack), recorded as "system" in the audit log.
    ``request_id`` is the PackRequest being made, if any: the audit log names it, since the reason
    for including patient details is kept there and never in the log.
    """
    reason = check_request(case=case, fmt=fmt, include_patient_details=include_patient_details,
                            reason=reason, by=by)
    pack = build_pack(case, include_patient_details=include_patient_details)
    if fmt == "pdf":
        content = render_pdf(pack)
    elif fmt == "json":
        content = render_json(pack)
    else:
        content = render_zip(pack, case)
    filename = pack_filename(case, fmt, include_patient_details=include_patient_details)

    label = FORMATS[fmt][0]
    special = sorted(f["id"] for f in pack["factors"] if f["special_category"] and f["recorded"])
    with transaction.atomic():
        if include_patient_details:
            # The reason is free text: a pack asked for on the web keeps it in its PackRequest,
            # one made at the command line in a DisclosureReason; the log names either.
            kept = None
            if not request_id and reason:
                kept = DisclosureReason.objects.create(
                    organisation_id=case.organisation_id, kind="pack", subject=case.reference,
                    reason=reason, given_by=by,
                )
            audit.record(
                by=by, action=AuditAction.PACK_PATIENT_DETAILS_INCLUDED, obj=case, case_id=case.pk,
                summary=f"Patient details included in the documentation pack for case {case.reference}",
                changes={"format": fmt, "reason": audit.FREE_TEXT if reason else "",
                         **({"request": request_id} if request_id else {}),
                         **({"reason_record": kept.pk} if kept else {})},
            )
        audit.record(
            by=by, action=AuditAction.PACK_GENERATE, obj=case, case_id=case.pk,
            summary=f"Documentation pack created for case {case.reference} ({label}"
                    + (", with patient details" if include_patient_details else ", patient details redacted")
                    + ")",
            changes={"format": fmt, "include_patient_details": include_patient_details,
                     "sha256": hashlib.sha256(content).hexdigest(), "size": len(content),
                     "evidence_documents": len(pack["appendices"]),
                     "special_category_factors": special},
        )
    return content, filename, FORMATS[fmt][1]


# --- Packs made in the background ---------------------------------------------------------------

FAILED_MESSAGE = "Something went wrong while making the pack. Try again, and tell your administrator if it keeps happening."


def pack_dir() -> Path:
    configured = settings.JUSTCULTURE.get("PACK_DIR")
    return Path(configured) if configured else Path(settings.MEDIA_ROOT) / "packs"


def _store(request: PackRequest, content: bytes) -> str:
    """Write the file readable by this service's user only, atomically; its path under PACK_DIR."""
    relative = Path(str(request.organisation_id)) / f"{request.pk}.{request.format}"
    target = pack_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")  # created with mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(relative)


def _fail(request: PackRequest, message: str) -> None:
    with transaction.atomic():
        request.status = PackRequest.Status.FAILED
        request.error = message
        request.finished_at = timezone.now()
        request.save(update_fields=["status", "error", "finished_at"])
        audit.record(by=request.requested_by, action=AuditAction.PACK_FAILED, obj=request.case,
                     case_id=request.case_id,
                     summary=f"Documentation pack could not be made for case {request.case.reference}",
                     changes={"request": str(request.pk), "format": request.format})


def pack_job_run(*, request_id: str | uuid.UUID) -> str:
    """Make the pack for one request (run by the task worker); the request's final status.

    Runs once: a request that is no longer queued (already run, or run by another worker) is
    left alone. An expected refusal (a permission removed, bad input) fails the request with its
    message; anything else fails it with a general message and is raised for the worker's log.
    """
    with transaction.atomic():
        request = (PackRequest.objects.select_for_update()
                   .select_related("case__incident", "requested_by").filter(pk=request_id).first())
        if request is None:
            raise PackError(f"There is no pack request {request_id}.")
        if request.status != PackRequest.Status.QUEUED:
            return str(request.status)
        request.status = PackRequest.Status.RUNNING
        request.started_at = timezone.now()
        request.save(update_fields=["status", "started_at"])
    try:
        content, filename, content_type = pack_generate(
            case=request.case, fmt=request.format,  # type: ignore[arg-type]
            include_patient_details=request.include_patient_details, reason=request.reason,
            by=request.requested_by, request_id=str(request.pk),
        )
        stored = _store(request, content)
    except (PackError, PermissionDenied) as exc:
        _fail(request, str(exc))
        return str(PackRequest.Status.FAILED)
    except Exception:
        logger.exception("Documentation pack request %s failed", request.pk)
        _fail(request, FAILED_MESSAGE)
        raise
    with transaction.atomic():
        request.status = PackRequest.Status.READY
        request.file_name = filename
        request.content_type = content_type
        request.stored_path = stored
        request.size = len(content)
        request.sha256 = hashlib.sha256(content).hexdigest()
        request.finished_at = timezone.now()
        request.save(update_fields=["status", "file_name", "content_type", "stored_path", "size", "sha256",
                                    "finished_at"])
    return str(request.status)


def pack_download(*, request: PackRequest, by: User) -> Path:
    """The stored file of a finished request, for its requester, audited (the file is special-category data)."""
    case = request.case
    if by.pk != request.requested_by_id or by.organisation_id != case.organisation_id:
        raise PermissionDenied("Only the person who asked for this pack can download it.")
    require(by, Permission.VIEW_CASE, case.team_id)
    require(by, Permission.VIEW_EVIDENCE, case.team_id)
    if request.status != PackRequest.Status.READY or not request.stored_path:
        raise PackError("This pack is not ready to download.")
    path = pack_dir() / request.stored_path
    if not path.is_file():
        raise PackError("This pack's file is no longer kept. Create the pack again.")
    with transaction.atomic():
        audit.record(
            by=by, action=AuditAction.PACK_DOWNLOAD, obj=case, case_id=case.pk,
            summary=f"Documentation pack downloaded for case {case.reference} ({FORMATS[request.format][0]}"
                    + (", with patient details" if request.include_patient_details else ", patient details redacted")
                    + ")",
            changes={"request": str(request.pk), "sha256": request.sha256},
        )
    return path


# A pack still "being made" after this long was interrupted (its worker stopped or crashed).
INTERRUPTED_AFTER = timedelta(hours=1)
INTERRUPTED_MESSAGE = "Making the pack was interrupted. Create the pack again."


def packs_expire(*, now: datetime | None = None) -> int:
    """Delete the files of packs finished more than PACK_KEEP_HOURS ago; how many were expired.

    The request rows stay (they are the record of what was made); only the files go. Requests
    left "being made" by a worker that stopped are marked failed, so their page says so.
    """
    now = now or timezone.now()
    stuck = PackRequest.objects.filter(status=PackRequest.Status.RUNNING, started_at__lt=now - INTERRUPTED_AFTER)
    for request in stuck.select_related("case", "requested_by"):
        _fail(request, INTERRUPTED_MESSAGE)
    cutoff = now - timedelta(hours=settings.JUSTCULTURE["PACK_KEEP_HOURS"])
    expired = 0
    stale = PackRequest.objects.filter(status=PackRequest.Status.READY, finished_at__lt=cutoff).select_related("case")
    for request in stale.iterator():
        with transaction.atomic():
            locked = PackRequest.objects.select_for_update().filter(
                pk=request.pk, status=PackRequest.Status.READY).first()
            if locked is None:
                continue
            (pack_dir() / locked.stored_path).unlink(missing_ok=True)
            locked.status = PackRequest.Status.EXPIRED
            locked.stored_path = ""
            locked.save(update_fields=["status", "stored_path"])
            audit.record(by=None, action=AuditAction.PACK_EXPIRED, obj=request.case, case_id=request.case_id,
                         summary=f"Documentation pack file deleted after {settings.JUSTCULTURE['PACK_KEEP_HOURS']} "
                                 f"hours, case {request.case.reference}",
                         changes={"request": str(request.pk)})
        expired += 1
    return expired
