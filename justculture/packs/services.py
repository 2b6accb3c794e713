"""Producing a documentation pack: permission check, building, rendering and the audit record.

A pack is a read of special-category data (health factors, narrative about patients), so every
pack made is audited, and including patient details needs a reason and a second audit event.
The slow part (rendering) runs outside any transaction so it never holds the database; the
audit events are written afterwards in one transaction, and the file is only handed back once
they are stored.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from justculture.cases.models import Case
from justculture.core import audit
from justculture.core.models import User
from justculture.core.permissions import Permission, require
from justculture.packs.builder import build_pack
from justculture.packs.errors import PackError
from justculture.packs.redaction import redactor_for
from justculture.packs.render import render_json, render_pdf, render_zip

__all__ = ["FORMATS", "PackError", "pack_filename", "pack_generate"]

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


def pack_generate(
    *,
    case: Case,
    fmt: Format,
    include_patient_details: bool = False,
    reason: str = "",
    by: User | None,
) -> tuple[bytes, str, str]:
    """The pack for a case as (file content, file name, content type).

    Web users need to see cases and evidence for the case's team. ``by=None`` is the system
    operator at the command line (justculture pack), recorded as "system" in the audit log.
    """
    if by is not None:
        if by.organisation_id != case.organisation_id:
            raise PermissionDenied("You do not have permission to do this (view_case).")
        require(by, Permission.VIEW_CASE, case.team_id)
        require(by, Permission.VIEW_EVIDENCE, case.team_id)
    if fmt not in FORMATS:
        raise PackError(f"Choose the format of the pack: {', '.join(FORMATS)} (not '{fmt}').")
    reason = reason.strip()
    if include_patient_details and not reason:
        raise PackError("Give the reason for including patient details, for example the regulator's request.")
    if len(reason) > REASON_MAX:
        raise PackError(f"Keep the reason to {REASON_MAX} characters or fewer.")

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
            # The reason is kept (it is the justification the choice needs), but any patient
            # name or number written in it is taken out first: the log never holds patient data.
            redactor = redactor_for(case.incident.patient_name, case.incident.patient_identifier)
            audit.record(
                by=by, action="pack.patient-details-included", obj=case, case_id=case.pk,
                summary=f"Patient details included in the documentation pack for case {case.reference}",
                changes={"format": fmt, "reason": redactor.text(reason)},
            )
        audit.record(
            by=by, action="pack.generate", obj=case, case_id=case.pk,
            summary=f"Documentation pack created for case {case.reference} ({label}"
                    + (", with patient details" if include_patient_details else ", patient details redacted")
                    + ")",
            changes={"format": fmt, "include_patient_details": include_patient_details,
                     "sha256": hashlib.sha256(content).hexdigest(), "size": len(content),
                     "evidence_documents": len(pack["appendices"]),
                     "special_category_factors": special},
        )
    return content, filename, FORMATS[fmt][1]
