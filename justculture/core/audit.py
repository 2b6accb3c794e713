"""The explicit auditor. Services call ``record`` inside their transaction; nothing is implicit.

Each event's hash covers its own content and the previous event's hash. ``verify_chain`` walks
the log and reports the first event that does not fit, so a row changed, removed or inserted
outside the application is found.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from justculture.core.models import AuditChainHead, AuditEvent, User

GENESIS = "0" * 64
REDACTED = "[not recorded: special-category data]"


def _canonical(event: AuditEvent) -> str:
    body = {
        "organisation_id": event.organisation_id,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case_id": event.case_id,
        "summary": event.summary,
        "changes": event.changes,
        "previous_hash": event.previous_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event).encode("utf-8")).hexdigest()


def record(
    *,
    by: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    organisation_id: int | None = None,
    case_id: int | None = None,
    summary: str,
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log. Must run inside the caller's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower.split(".")[-1]
        object_id = obj.pk if object_id is None else object_id
        if organisation_id is None:
            organisation_id = getattr(obj, "organisation_id", None)
    if organisation_id is None and by is not None:
        organisation_id = by.organisation_id
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS}
        )
        event = AuditEvent(
            organisation_id=organisation_id,
            at=timezone.now(),
            actor_id=by.pk if by is not None else None,
            actor=(by.username if by is not None else "system"),
            action=action,
            object_type=object_type or "",
            object_id=str(object_id if object_id is not None else ""),
            case_id=case_id,
            summary=summary[:300],
            changes=json.loads(json.dumps(dict(changes or {}), default=str)),
            previous_hash=head.last_hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        head.last_hash = event.hash
        head.count += 1
        head.save(update_fields=["last_hash", "count"])
    return event


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], sensitive: Iterable[str] = ()
) -> dict[str, Any]:
    """Fields whose value changed, as {field: [old, new]}; sensitive fields show no values."""
    hidden = set(sensitive)
    changed: dict[str, Any] = {}
    for key in after:
        if before.get(key) != after[key]:
            changed[key] = REDACTED if key in hidden else [before.get(key), after[key]]
    return changed


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif isinstance(value, datetime):
            value = value.isoformat()
        values[name] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
    return values


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    problem: str = ""
    event_id: int | None = None


def verify_chain() -> ChainReport:
    """Walk the whole log in order and report the first event that breaks the chain."""
    previous = GENESIS
    checked = 0
    last_id: int | None = None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.previous_hash != previous:
            return ChainReport(
                False, checked, f"audit event {event.pk} does not follow the event before it "
                "(an event was removed or inserted out of band)", event.pk,
            )
        if compute_hash(event) != event.hash:
            return ChainReport(
                False, checked, f"audit event {event.pk} was altered after it was written", event.pk
            )
        previous = event.hash
        last_id = event.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != previous or head.count != checked):
        return ChainReport(
            False, checked, "the newest audit events were removed (the log ends early)", last_id
        )
    return ChainReport(True, checked)
