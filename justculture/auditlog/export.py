"""Audit events as CSV or JSON, produced a chunk at a time so any number of events streams.

Both formats carry the same fields. Times are ISO 8601 in UTC. In CSV, text that a spreadsheet
would run as a formula (starting with = + - @, a tab or a carriage return) is prefixed with an
apostrophe; the JSON holds every value exactly as stored.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC
from itertools import islice
from typing import Any

from justculture.auditlog.selectors import case_references
from justculture.core.audit_actions import action_title
from justculture.core.models import AuditEvent

COLUMNS = (
    "id", "time_utc", "organisation", "actor", "actor_id", "action", "action_title", "object_type", "object_id",
    "case_reference", "summary", "changes", "previous_hash", "hash",
)
BATCH = 1000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def as_dict(event: AuditEvent, references: Mapping[int, str], slugs: Mapping[int, str]) -> dict[str, Any]:
    return {
        "id": event.pk,
        "time_utc": event.at.astimezone(UTC).isoformat(),
        "organisation": slugs.get(event.organisation_id, "") if event.organisation_id is not None else "",
        "actor": event.actor,
        "actor_id": event.actor_id,
        "action": event.action,
        "action_title": action_title(event.action),
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case_id": event.case_id,
        "case_reference": references.get(event.case_id, "") if event.case_id is not None else "",
        "summary": event.summary,
        "changes": event.changes,
        "previous_hash": event.previous_hash,
        "hash": event.hash,
    }


def _batches(events: Iterable[AuditEvent]) -> Iterator[list[AuditEvent]]:
    stream = iter(events)
    while batch := list(islice(stream, BATCH)):
        yield batch


def records(events: Iterable[AuditEvent], slugs: Mapping[int, str]) -> Iterator[dict[str, Any]]:
    """Each event as a dict, looking up case references one batch at a time."""
    for batch in _batches(events):
        references = case_references(event.case_id for event in batch)
        for event in batch:
            yield as_dict(event, references, slugs)


class _Line:
    """What csv.writer writes to: hands each formatted row back instead of storing it."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(events: Iterable[AuditEvent], slugs: Mapping[int, str]) -> Iterator[str]:
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield writer.writerow(COLUMNS)
    for record in records(events, slugs):
        record["changes"] = json.dumps(record["changes"], ensure_ascii=False, sort_keys=True)
        yield writer.writerow([safe_cell(record[column]) for column in COLUMNS])


def json_chunks(events: Iterable[AuditEvent], slugs: Mapping[int, str], about: Mapping[str, Any]) -> Iterator[str]:
    """One JSON object: ``about`` (what was exported), then ``events`` one a line, then ``count``."""
    head = json.dumps(dict(about), ensure_ascii=False, sort_keys=True)
    yield head[:-1] + (', "events": [' if len(head) > 2 else '"events": [')
    count = 0
    for record in records(events, slugs):
        yield ("\n" if count == 0 else ",\n") + json.dumps(record, ensure_ascii=False, sort_keys=True)
        count += 1
    yield f'\n], "count": {count}}}\n'
