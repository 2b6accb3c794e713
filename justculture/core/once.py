"""Creating things once: a double-clicked button or a client's retry must not make two incidents,
cases, people or decisions (penetration test finding 8).

- Web forms that create carry a one-time token (``core.forms.OnceField``, a hidden field filled
  when the form is first shown and kept when it is shown again with errors). The view runs its
  write through ``web``: the first submission with a token does the work and remembers where it
  went next; a second one goes to the same place without doing it again.
- The API honours an ``Idempotency-Key`` header on requests that create (``api``): a retry with
  the same key and the same body gets the first reply again (with ``Idempotent-Replayed: true``);
  the same key with a different body is refused (409: it conflicts with what the key was used for).

The key is claimed inside the transaction that writes, by inserting a row under a unique
constraint: a second request at the same moment waits for the first to commit and then finds
its result; if the write fails, the claim is rolled back with it and the same key may be retried.
Keys are kept for ``KEEP`` and then deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from justculture.core.errors import ServiceError
from justculture.core.models import SubmissionKey, User

KEEP = timedelta(hours=24)
KEY_MAX = 200


def _purge() -> None:
    SubmissionKey.objects.filter(at__lt=timezone.now() - KEEP).delete()


def _claim(user: User, scope: str, key: str, fingerprint: str = "") -> SubmissionKey | None:
    """Insert the claim (inside the caller's transaction); None when the key was used already."""
    try:
        with transaction.atomic():
            return SubmissionKey.objects.create(user=user, scope=scope, key=key, fingerprint=fingerprint)
    except IntegrityError:
        return None


def _earlier(user: User, scope: str, key: str) -> SubmissionKey:
    return SubmissionKey.objects.get(user=user, scope=scope, key=key)


def web(user: User, key: str, write: Callable[[], str]) -> tuple[str, bool]:
    """Run ``write`` (which creates something and returns the address to go to next) once for
    this form token; (that address, True) the first time, (the first time's address, False) after.
    Without a token (a form opened before tokens existed) the write simply runs."""
    key = key.strip()[:KEY_MAX]
    if not key:
        return write(), True
    _purge()
    with transaction.atomic():
        claim = _claim(user, "web", key)
        if claim is None:
            earlier = _earlier(user, "web", key)
            return str((earlier.result or {}).get("url", "/")), False
        url = write()
        claim.result = {"url": url}
        claim.save(update_fields=["result"])
    return url, True


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    replayed: bool


def _fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, cls=DjangoJSONEncoder).encode()).hexdigest()


def api(user: User, scope: str, key: str | None, body: Any, write: Callable[[], tuple[int, Any]]) -> Reply:
    """Run ``write`` (which returns the reply's status and body) once for this Idempotency-Key."""
    if key is None or not key.strip():
        status, reply = write()
        return Reply(status, reply, False)
    key = key.strip()
    if len(key) > KEY_MAX:
        raise ServiceError(f"The Idempotency-Key header must be {KEY_MAX} characters or fewer.",
                           field="Idempotency-Key", status=422)
    fingerprint = _fingerprint(body)
    _purge()
    with transaction.atomic():
        claim = _claim(user, scope, key, fingerprint)
        if claim is None:
            earlier = _earlier(user, scope, key)
            if earlier.fingerprint != fingerprint:
                raise ServiceError("This Idempotency-Key was used for a different request in the last 24 hours. "
                                   "Use a new key for each new request.", field="Idempotency-Key", status=409)
            return Reply(earlier.status or 200, earlier.result, True)
        status, reply = write()
        claim.status = status
        claim.result = json.loads(json.dumps(reply, cls=DjangoJSONEncoder))
        claim.save(update_fields=["status", "result"])
    return Reply(status, reply, False)
