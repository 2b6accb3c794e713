"""Database routing: the primary for everything, a read replica for the heavy read-only figures.

Only code that asks for it reads from the replica, by running inside ``reading_from_replica()``:
the insights and fairness views and commands wrap the selectors that build their figures. A
replica lags the primary by a moment, which does not matter for aggregate figures but would for
a page that shows what the user has just saved, so nothing else is routed there. Writes always go
to the primary, as do reads made while the flag is off. With no "replica" database configured
(DATABASE_REPLICA_URL unset) the flag changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connections

REPLICA = "replica"
PRIMARY = "default"

_use_replica: ContextVar[bool] = ContextVar("justculture_use_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Send the reads made inside the block to the replica, when there is one.

    Wrap only read-only work: a write inside still goes to the primary, but a read that must see
    that write would not (the replica may not have it yet).
    """
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


class ReplicaRouter:
    """Reads go to the replica only inside ``reading_from_replica()``; all else to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if _use_replica.get() and replica_configured():
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The replica is a copy of the primary: objects from either may be related.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        # The replica receives its schema by replication from the primary.
        return db != REPLICA
