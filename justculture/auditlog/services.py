"""Reading the audit log is itself audited: a search, and every download, adds an event."""

from __future__ import annotations

from django.db import transaction

from justculture.auditlog.selectors import AuditFilters
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.models import AuditEvent, User

VIEW = AuditAction.AUDIT_VIEW
EXPORT = AuditAction.AUDIT_EXPORT
OBJECT_TYPE = "audit-log"


def record_search(*, by: User, filters: AuditFilters, matching: int) -> AuditEvent:
    with transaction.atomic():
        return audit.record(
            by=by, action=VIEW, object_type=OBJECT_TYPE, object_id="search",
            organisation_id=by.organisation_id,
            summary=f"Audit log searched: {_count(matching)} matched",
            changes={"filters": _recorded(filters), "matching": matching},
        )


def record_export(
    *, by: User | None, organisation_id: int | None, filters: AuditFilters, matching: int, file_format: str,
    via: str,
) -> AuditEvent:
    """``via`` is "web" or "command line"; ``by`` is None for the command (run by the operator)."""
    with transaction.atomic():
        return audit.record(
            by=by, action=EXPORT, object_type=OBJECT_TYPE, object_id=file_format,
            organisation_id=organisation_id,
            summary=f"Audit log exported as {file_format.upper()} ({via}): {_count(matching)}",
            changes={"filters": _recorded(filters), "matching": matching, "format": file_format, "via": via},
        )


def _recorded(filters: AuditFilters) -> dict[str, str]:
    """The filters as the log records them: words searched for are free text (they may be a
    patient's name), so the log says only that there were some; so is a "person" that names
    nobody who has ever signed in."""
    described = filters.described()
    if "q" in described:
        described["q"] = audit.FREE_TEXT
    actor = described.get("actor")
    if actor and actor != "system" and not User.objects.filter(username__iexact=actor).exists():
        described["actor"] = audit.FREE_TEXT
    return described


def _count(number: int) -> str:
    return f"{number:,} event{'' if number == 1 else 's'}"
