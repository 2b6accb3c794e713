"""The explicit auditor. Services call ``record`` inside their transaction; nothing is implicit.

Each event's hash covers its own content and the previous event's hash. ``verify_chain`` walks
the log and reports the first event that does not fit, so a row changed, removed or inserted
outside the application is found.

The hash is an HMAC keyed with AUDIT_CHAIN_KEY (or, when that is not set, a key derived from
SECRET_KEY), which is kept outside the database: someone who can write to the database but does
not hold the key cannot recompute the chain after changing it. ``checkpoint`` signs the chain
head so it can be kept outside the database too (a file on other storage, or the log system):
even someone holding the key cannot rewrite the log up to a checkpoint unnoticed
(docs/audit.md, "What the chain protects against").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from justculture.core.audit_actions import AuditAction
from justculture.core.models import AuditChainHead, AuditEvent, User

GENESIS = "0" * 64
# What the log holds in place of a value it must never hold. The log is never erased, so a
# patient's name typed into a title would otherwise outlive every retention period.
REDACTED = "[not recorded: special-category data]"
FREE_TEXT = "[not recorded: free text]"

logger = logging.getLogger(__name__)


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


def _derived(secret: str) -> str:
    return hashlib.sha256(f"justculture.core.audit.chain:{secret}".encode()).hexdigest()


def chain_keys() -> list[bytes]:
    """The keys of the chain, the one new events are written with first. AUDIT_CHAIN_KEY and its
    fallbacks when set; otherwise keys derived from SECRET_KEY and SECRET_KEY_FALLBACKS. Old keys
    stay in the fallbacks after a rotation, so earlier events still verify."""
    explicit = getattr(settings, "AUDIT_CHAIN_KEY", "")
    if explicit:
        secrets = [explicit, *getattr(settings, "AUDIT_CHAIN_KEY_FALLBACKS", [])]
    else:
        secrets = [_derived(s) for s in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]]
    return [s.encode("utf-8") for s in secrets if s]


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def compute_hash(event: AuditEvent, key: bytes | None = None) -> str:
    """The event's HMAC under ``key`` (the current chain key unless given)."""
    return _mac(key if key is not None else chain_keys()[0], _canonical(event))


def hash_matches(event: AuditEvent, keys: list[bytes] | None = None) -> bool:
    """Whether the event's stored hash is its HMAC under one of the chain's keys."""
    text = _canonical(event)
    return any(hmac.compare_digest(_mac(key, text), event.hash) for key in (keys or chain_keys()))


def record(
    *,
    by: User | None,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    organisation_id: int | None = None,
    case_id: int | None = None,
    summary: str,
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log. Must run inside the caller's transaction.

    ``action`` must be an ``AuditAction`` (or its exact value): anything else raises ValueError
    before anything is written. ``summary`` and ``changes`` must hold no free text and no
    special-category values: name records by their reference or id, and build ``changes`` with
    ``snapshot`` and ``diff``, which record such fields only as "not recorded" (see
    docs/audit.md, "What is never recorded"). ``keep_out`` checks this against ``obj`` and the
    records loaded with it: with JUSTCULTURE["AUDIT_STRICT"] (development, tests) an event holding
    their text raises ValueError; otherwise the text is replaced by its marker and logged.
    """
    try:
        action = AuditAction(action)
    except ValueError:
        raise ValueError(
            f"{action!r} is not an audit action: use a member of justculture.core.audit_actions.AuditAction "
            "(add one there for a new kind of event)."
        ) from None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower.split(".")[-1]
        object_id = obj.pk if object_id is None else object_id
        if organisation_id is None:
            organisation_id = getattr(obj, "organisation_id", None)
    if organisation_id is None and by is not None:
        organisation_id = by.organisation_id
    recorded = json.loads(json.dumps(dict(changes or {}), default=_recordable))
    if obj is not None:
        summary, recorded = keep_out(obj, summary, recorded)
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS}
        )
        event = AuditEvent(
            organisation_id=organisation_id,
            at=timezone.now(),
            actor_id=by.pk if by is not None else None,
            actor=(by.username if by is not None else "system"),
            action=action.value,
            object_type=object_type or "",
            object_id=str(object_id if object_id is not None else ""),
            case_id=case_id,
            summary=summary[:300],
            changes=recorded,
            previous_hash=head.last_hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        head.last_hash = event.hash
        head.count += 1
        head.save(update_fields=["last_hash", "count"])
    return event


class Withheld:
    """A field value that the log must not hold: written as a marker, never as the value.

    It keeps the value in memory only, so that ``diff`` can tell whether the field changed;
    ``repr`` and ``str`` show the marker alone, so the value cannot slip out through them either.
    """

    __slots__ = ("_value", "marker")

    def __init__(self, value: Any, marker: str) -> None:
        self._value = value
        self.marker = marker

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Withheld) and other.marker == self.marker and other._value == self._value

    def __hash__(self) -> int:
        return hash(self.marker)

    def __repr__(self) -> str:
        return self.marker

    __str__ = __repr__


def _recordable(value: Any) -> Any:
    """How ``record`` writes a value that JSON has no type for."""
    if isinstance(value, Withheld):
        return value.marker
    return str(value)


# A value shorter than this is not looked for (it would match ordinary words), nor is one made
# only of lower-case letters, digits and hyphens (a code: a factor id, an answer) unless it is
# sensitive and as long as a secret or a hash.
_SHORTEST = 5
_CODE = re.compile(r"[a-z0-9][a-z0-9-]*")
_SECRET_LENGTH = 16


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)


def _loaded(obj: models.Model, depth: int = 2) -> Iterator[models.Model]:
    """The record and those already loaded with it (never a query), up to ``depth`` links away."""
    seen: set[int] = set()
    todo = [(obj, depth)]
    while todo:
        instance, left = todo.pop()
        if id(instance) in seen:
            continue
        seen.add(id(instance))
        yield instance
        if left:
            todo += [(related, left - 1) for related in instance._state.fields_cache.values()
                     if isinstance(related, models.Model)]


def _withheld_texts(obj: models.Model) -> list[tuple[str, str, str]]:
    """(field label, marker, text) for each free-text or sensitive value the log must not hold.

    A text that is part of a plain value of the same records (a username that is an e-mail
    address, a location that is the team's name) may be in the log anyway, so it is left out.
    """
    instances = list(_loaded(obj))
    plain = [text.casefold() for instance in instances for name in declared(instance, "AUDIT_PLAIN")
             for text in _strings(instance.__dict__.get(name))]
    found = []
    for instance in instances:
        sensitive = declared(instance, "AUDIT_SENSITIVE")
        for name in sorted(declared(instance, "AUDIT_FREE_TEXT") | sensitive):
            for text in _strings(instance.__dict__.get(name)):  # only what is loaded: never a query
                text = text.strip()
                code = _CODE.fullmatch(text) is not None
                if len(text) < _SHORTEST or (code and not (name in sensitive and len(text) >= _SECRET_LENGTH)):
                    continue
                if any(text.casefold() in value for value in plain):
                    continue
                marker = REDACTED if name in sensitive else FREE_TEXT
                found.append((f"{instance._meta.label}.{name}", marker, text))
    return found


def keep_out(obj: models.Model, summary: str, changes: Any) -> tuple[str, Any]:
    """The summary and changes with no text of a free-text or sensitive field of ``obj`` (or of
    the records loaded with it) in them.

    A call site that interpolates such a value is a bug: with JUSTCULTURE["AUDIT_STRICT"] on
    (development and tests) it raises ValueError naming the field; otherwise the text is
    replaced by its marker and the field named in the log, so the value never reaches the log.
    """
    texts = _withheld_texts(obj)
    if not texts:
        return summary, changes
    leaked: list[str] = []

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            for label, marker, text in texts:
                pattern = re.compile(rf"(?<!\w){re.escape(text)}(?!\w)", re.IGNORECASE)
                value, replaced = pattern.subn(marker, value)
                if replaced and label not in leaked:
                    leaked.append(label)
            return value
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    cleaned = clean(summary), clean(changes)
    if leaked:
        problem = (f"An audit event about {obj._meta.label_lower} {obj.pk} would hold the text of "
                   f"{', '.join(leaked)}: name the record by its id or reference and record the field with "
                   "audit.snapshot, FREE_TEXT or REDACTED (docs/audit.md).")
        if settings.JUSTCULTURE.get("AUDIT_STRICT"):
            raise ValueError(problem)
        logger.error("audit: %s The text was recorded as not recorded.", problem)
    return cleaned


def declared(model: type[models.Model] | models.Model, name: str) -> frozenset[str]:
    """A model's declared audit fields: ``name`` is "AUDIT_FREE_TEXT", "AUDIT_SENSITIVE" or "AUDIT_PLAIN".

    Every model with text or JSON fields sorts each of them into exactly one of the three sets (a
    test fails for a field left out): free text is whatever a person types (narrative, names,
    titles, file names, references from other systems, and values derived from them); sensitive
    is special-category data, values that reveal it (guide outcomes, health answers) and
    secrets; plain is codes, references, statuses and labels the service itself controls.
    """
    return frozenset(getattr(model, name, frozenset()))


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], sensitive: Iterable[str] = ()
) -> dict[str, Any]:
    """Fields whose value changed, as {field: [old, new]}.

    A field named in ``sensitive`` shows REDACTED instead of its values; a value withheld by
    ``snapshot`` (free text, sensitive) shows its marker: the change is recorded, not the text.
    """
    hidden = set(sensitive)
    changed: dict[str, Any] = {}
    for key in after:
        old, new = before.get(key), after[key]
        if old == new:
            continue
        if key in hidden:
            changed[key] = REDACTED
        elif isinstance(new, Withheld):
            changed[key] = new.marker
        elif isinstance(old, Withheld):
            changed[key] = old.marker
        else:
            changed[key] = [old, new]
    return changed


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of ``obj``, safe to record.

    A field the model declares free text (``AUDIT_FREE_TEXT``) or sensitive (``AUDIT_SENSITIVE``)
    is recorded only as FREE_TEXT or REDACTED when it holds something (a blank one stays blank,
    so the log shows whether it was filled in): never its value.
    """
    free_text = declared(obj, "AUDIT_FREE_TEXT")
    sensitive = declared(obj, "AUDIT_SENSITIVE")
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif isinstance(value, datetime):
            value = value.isoformat()
        if name in sensitive or name in free_text:
            values[name] = value if _blank(value) else Withheld(value, REDACTED if name in sensitive else FREE_TEXT)
            continue
        values[name] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
    return values


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    problem: str = ""
    event_id: int | None = None
    # What is wrong: "altered", "removed" (events missing before this one), "inserted" (out of
    # band), "truncated" (the newest events are gone) or "head" (the chain-head row itself).
    kind: str = ""
    event_at: datetime | None = None
    # The hash of the newest event when the chain is intact, to keep somewhere else if wanted.
    last_hash: str = ""


# A stored value that cannot even be turned back into an event (for example text written into
# the JSON column by hand) is reported as an alteration instead of stopping the walk.
_UNREADABLE_ERRORS = (ValueError, TypeError, AttributeError, OverflowError, KeyError)


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at is not None else "time unreadable"


class _ChainWalk:
    """Walks the log in id order, one event and the one after it at a time (constant memory).

    When an event does not fit, the event after it (or the chain head, at the end) tells what
    happened: an event the next one links past was inserted; an event whose content no longer
    matches its hash, while the chain still runs through it, was altered; a sound event that
    does not follow the one before it means events were removed before it.
    """

    def __init__(self, chunk_size: int) -> None:
        self.chunk_size = chunk_size
        self.keys = chain_keys()
        self.previous = GENESIS
        # The hash the newest accepted event linked to, to spot a sound-looking event slipped in.
        self.prior: str | None = None
        self.checked = 0
        self.last_id: int | None = None
        self.last_at: datetime | None = None
        self.fetched_id: int | None = None

    def advance(self) -> ChainReport | None:
        """Check every event after the last one accepted; a report for the first that breaks the chain."""
        rows = AuditEvent.objects.order_by("id")
        if self.last_id is not None:
            rows = rows.filter(id__gt=self.last_id)
        # On PostgreSQL a transaction lets the server-side cursor stream rows as they are read
        # (outside one, the whole result is first copied aside). On SQLite a transaction would
        # take the write lock for the length of the walk, so none is opened there.
        with transaction.atomic() if connection.vendor == "postgresql" else nullcontext():
            stream = rows.iterator(chunk_size=self.chunk_size)
            current = self._fetch(stream)
            while current is not None:
                if current is _UNREADABLE:
                    return self._unreadable()
                following = self._fetch(stream)
                if following is _UNREADABLE:
                    problem = self._check(current, None, at_end=False)
                    return problem or self._unreadable()
                problem = self._check(current, following, at_end=following is None)
                if problem is not None:
                    return problem
                current = following
        return None

    def more_after_last(self) -> bool:
        rows = AuditEvent.objects.all()
        if self.last_id is not None:
            rows = rows.filter(id__gt=self.last_id)
        return rows.exists()

    def _fetch(self, stream: Any) -> Any:
        try:
            event = next(stream, None)
        except _UNREADABLE_ERRORS:
            return _UNREADABLE
        if event is not None:
            self.fetched_id = event.pk
        return event

    def _unreadable(self) -> ChainReport:
        after = self.fetched_id if self.fetched_id is not None else self.last_id
        rows = AuditEvent.objects.order_by("id")
        if after is not None:
            rows = rows.filter(id__gt=after)
        event_id = rows.values_list("id", flat=True).first()
        return ChainReport(
            False, self.checked, f"event {event_id} was altered after it was written: its stored values "
            "can no longer be read", event_id, kind="altered",
        )

    def _check(self, event: AuditEvent, following: AuditEvent | None, *, at_end: bool) -> ChainReport | None:
        linked = event.previous_hash == self.previous
        try:
            sound = hash_matches(event, self.keys)
        except _UNREADABLE_ERRORS:
            sound = False
        if linked and sound:
            self.prior = self.previous
            self.previous = event.hash
            self.last_id = event.pk
            self.last_at = event.at
            self.checked += 1
            return None
        if not linked and self.prior is not None and event.previous_hash == self.prior:
            # This event links to the one before the last accepted: that one was slipped in.
            return ChainReport(
                False, self.checked - 1, f"event {self.last_id} ({_when(self.last_at)}) was inserted out of "
                f"band: event {event.pk} after it links past it", self.last_id, "inserted", self.last_at,
            )
        if following is not None:
            skipped = following.previous_hash == self.previous
            continues = following.previous_hash == event.hash
        elif at_end:
            head = AuditChainHead.objects.filter(pk=1).first()
            skipped = head is not None and head.last_hash == self.previous
            continues = head is not None and head.last_hash == event.hash
        else:
            skipped = continues = False
        when = _when(event.at)
        if skipped:
            kind, what = "inserted", "was inserted out of band: the chain runs past it"
        elif not sound and (linked or continues):
            kind, what = "altered", "was altered after it was written: its content no longer matches its hash"
        elif sound:
            kind, what = "removed", "does not follow the event before it: events were removed before it"
        else:
            kind, what = "inserted", "was inserted out of band: it fits neither the event before nor after it"
        return ChainReport(False, self.checked, f"event {event.pk} ({when}) {what}", event.pk, kind, event.at)

    def head_mismatch(self, head: AuditChainHead) -> ChainReport:
        """The walk found a sound chain that does not end where the chain head says it should."""
        if head.last_hash == self.previous:
            return ChainReport(
                False, self.checked, f"the chain head was altered: it counts {head.count} events but the "
                f"chain holds {self.checked}", self.last_id, "head", self.last_at,
            )
        if self.checked > head.count:
            row = AuditEvent.objects.order_by("id").values_list("id", "at")[head.count : head.count + 1].first()
            event_id, at = row if row is not None else (None, None)
            return ChainReport(
                False, self.checked, f"event {event_id} ({_when(at)}) was inserted out of band: the chain "
                f"head ends before it, after {head.count} events", event_id, "inserted", at,
            )
        if self.checked < head.count:
            if self.last_id is None:
                text = f"the log was truncated: the chain head counts {head.count} events but none remain"
            else:
                text = (f"the log was truncated after event {self.last_id} ({_when(self.last_at)}): the chain "
                        f"head counts {head.count} events but only {self.checked} remain")
            return ChainReport(False, self.checked, text, self.last_id, "truncated", self.last_at)
        if self.last_id is None:
            return ChainReport(False, 0, "the chain head was altered: the log is empty but the head is not",
                               kind="head")
        return ChainReport(
            False, self.checked, f"event {self.last_id} ({_when(self.last_at)}) was inserted out of band: it "
            "is not the newest event the chain head records", self.last_id, "inserted", self.last_at,
        )


_UNREADABLE = object()


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Walk the whole log in order and report the first event that breaks the chain.

    Reads in chunks, so memory stays flat however long the log is. Events appended while the
    walk runs are checked too, before the chain head is compared, so a busy system verifies.
    """
    walk = _ChainWalk(chunk_size)
    while True:
        problem = walk.advance()
        if problem is not None:
            return problem
        head = AuditChainHead.objects.filter(pk=1).first()
        if head is None:
            if walk.checked == 0:
                return ChainReport(True, 0, last_hash=GENESIS)
            return ChainReport(
                False, walk.checked, "the chain head is missing, so removal of the newest events cannot be "
                "ruled out", walk.last_id, "head", walk.last_at,
            )
        if head.last_hash == walk.previous and head.count == walk.checked:
            return ChainReport(True, walk.checked, event_id=walk.last_id, last_hash=walk.previous)
        if head.count > walk.checked and walk.more_after_last():
            continue  # written while the walk ran: check those too
        return walk.head_mismatch(head)


# --- Checkpoints: the chain head, signed, to keep outside the database ----------------------------


class CheckpointError(Exception):
    """A checkpoint that cannot be made (the chain is broken) or read (not a checkpoint line)."""


_CHECKPOINT_FIELDS = ("count", "event_id", "hash", "at")


def _checkpoint_text(body: Mapping[str, Any]) -> str:
    return json.dumps({k: body[k] for k in _CHECKPOINT_FIELDS}, sort_keys=True, separators=(",", ":"))


def checkpoint() -> dict[str, Any]:
    """Verify the chain and return its head as a signed checkpoint (one JSON object)."""
    report = verify_chain()
    if not report.ok:
        raise CheckpointError(f"no checkpoint written: the audit log is broken: {report.problem}")
    body: dict[str, Any] = {"count": report.checked, "event_id": report.event_id, "hash": report.last_hash,
                            "at": timezone.now().astimezone(UTC).isoformat(timespec="seconds")}
    body["mac"] = _mac(chain_keys()[0], _checkpoint_text(body))
    return body


def checkpoint_problem(line: str, number: int) -> str | None:
    """What is wrong with the log measured against one checkpoint line, or None when it holds:
    the line is signed with a chain key, and the event it names is still there with that hash
    (so nothing up to it was rewritten, even by someone holding the key) and the log is no
    shorter than it was."""
    try:
        body = json.loads(line)
        text = _checkpoint_text(body)
        mac = str(body["mac"])
    except (ValueError, KeyError, TypeError):
        return f"checkpoint line {number} is not a checkpoint"
    if not any(hmac.compare_digest(_mac(key, text), mac) for key in chain_keys()):
        return f"checkpoint line {number} ({body['at']}) is not signed with the audit chain key"
    if body["event_id"] is None:
        return None
    stored = AuditEvent.objects.filter(pk=body["event_id"]).values_list("hash", flat=True).first()
    if stored is None:
        return (f"event {body['event_id']}, the newest at checkpoint line {number} ({body['at']}), is gone: "
                "the log was cut back")
    if stored != body["hash"]:
        return (f"event {body['event_id']} no longer has the hash checkpoint line {number} ({body['at']}) "
                "recorded: the log up to it was rewritten")
    if AuditEvent.objects.filter(pk__lte=body["event_id"]).count() != body["count"]:
        return (f"the log up to event {body['event_id']} no longer holds the {body['count']} events checkpoint "
                f"line {number} ({body['at']}) counted")
    return None
