"""Re-key the audit log's hash chain: each event's hash becomes an HMAC under the chain key
(AUDIT_CHAIN_KEY, or a key derived from SECRET_KEY) instead of a plain SHA-256 anyone can
recompute (core/audit.py). The old chain is verified first; a chain that does not verify is left
as it is, so the break is still reported by `justculture audit verify` (it then reports every
event from the first as altered) and can be looked into with the previous release.

The canonical form and the key rule are copied here as they were when this migration was written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import migrations

GENESIS = "0" * 64


def _canonical(event: Any, previous_hash: str) -> str:
    body = {
        "organisation_id": event.organisation_id,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id, "actor": event.actor, "action": event.action,
        "object_type": event.object_type, "object_id": event.object_id, "case_id": event.case_id,
        "summary": event.summary, "changes": event.changes, "previous_hash": previous_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def _key() -> bytes:
    explicit = getattr(settings, "AUDIT_CHAIN_KEY", "")
    if explicit:
        return str(explicit).encode("utf-8")
    return hashlib.sha256(f"justculture.core.audit.chain:{settings.SECRET_KEY}".encode()).hexdigest().encode()


def forwards(apps: Any, schema_editor: Any) -> None:
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    events = AuditEvent.objects.order_by("id")
    previous = GENESIS
    count = 0
    for event in events.iterator(chunk_size=2000):
        text = _canonical(event, event.previous_hash)
        if event.previous_hash != previous or hashlib.sha256(text.encode()).hexdigest() != event.hash:
            sys.stderr.write(f"\nThe audit log's chain is broken at event {event.pk}, so it was not re-keyed: "
                             "look into it with `justculture audit verify` of the previous release.\n")
            return
        previous = event.hash
        count += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if count and (head is None or head.last_hash != previous or head.count != count):
        sys.stderr.write("\nThe audit log's chain head does not match the log, so it was not re-keyed.\n")
        return
    key = _key()
    previous = GENESIS
    last_id = None
    while True:
        # In chunks read whole before they are written (SQLite must not update a table mid-read).
        chunk = list(events.filter(id__gt=last_id)[:2000] if last_id is not None else events[:2000])
        if not chunk:
            break
        for event in chunk:
            new_hash = hmac.new(key, _canonical(event, previous).encode("utf-8"), hashlib.sha256).hexdigest()
            # The historical model has none of the live model's guards against changing events.
            AuditEvent.objects.filter(pk=event.pk).update(previous_hash=previous, hash=new_hash)
            previous = new_hash
        last_id = chunk[-1].pk
    if head is not None:
        AuditChainHead.objects.filter(pk=1).update(last_hash=previous)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_submission_key")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
