"""Fixtures for the audit log: auditors signed in (past any second-factor step), and raw SQL helpers
that play someone with direct database access changing the log behind the application's back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from justculture.core.models import AuditChainHead, AuditEvent, Organisation, User

TABLE = connection.ops.quote_name(AuditEvent._meta.db_table)
HEAD_TABLE = connection.ops.quote_name(AuditChainHead._meta.db_table)


def signed_in(user: User) -> Client:
    """A client signed in as the user, with the second factor (when the role asks for one) passed."""
    client = Client()
    client.force_login(user)
    try:
        from justculture.core import twofactor
    except ImportError:  # pragma: no cover - before two-factor sign-in exists
        return client
    session = client.session
    twofactor.mark_verified(session)
    session.save()
    return client


@pytest.fixture
def auditor(org: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(org, "auditor")


@pytest.fixture
def org_admin(org: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(org, "org-admin")


@pytest.fixture
def other_auditor(other_org: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(other_org, "auditor")


@pytest.fixture
def auditor_client(auditor: User) -> Client:
    return signed_in(auditor)


def raw(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
    """Run SQL directly, as a database administrator (or an intruder) could, bypassing the models."""
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=TABLE, head=HEAD_TABLE), params)


def event_ids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {TABLE} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]
