"""The audit chain is keyed (an HMAC under a key kept outside the database) and its head can be
checkpointed outside the database (penetration test finding 10). Someone with database access
plays the attacker with raw SQL: recomputing every hash no longer passes `audit verify`."""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import override_settings

from justculture.cases.models import Case
from justculture.core import audit
from justculture.core import services as core_services
from justculture.core.models import AuditEvent, Organisation, User
from tests.auditlog.conftest import event_ids, raw

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def history(handler: User, make_case: Callable[..., Case]) -> list[int]:
    make_case(handler)
    make_case(handler, name="Alex Morgan")
    return event_ids()


def rewrite_chain(change_summary_of: int, summary: str, hash_of: Callable[[AuditEvent], str]) -> None:
    """Change one event's summary, then recompute every hash after it and the chain head, with the
    hash function given: what an intruder with write access to the database would do."""
    raw("UPDATE {table} SET summary = %s WHERE id = %s", [summary, change_summary_of])
    previous = audit.GENESIS
    for event in AuditEvent.objects.order_by("id"):
        event.previous_hash = previous
        new = hash_of(event)
        raw("UPDATE {table} SET previous_hash = %s, hash = %s WHERE id = %s", [previous, new, event.pk])
        previous = new
    raw("UPDATE {head} SET last_hash = %s", [previous])


def plain_sha256(event: AuditEvent) -> str:
    return hashlib.sha256(audit._canonical(event).encode()).hexdigest()


def test_a_chain_recomputed_without_the_key_fails(history: list[int]) -> None:
    assert run("verify")[0] == 0
    rewrite_chain(history[1], "Nothing happened here", plain_sha256)
    code, _out, err = run("verify")
    assert code == 1 and f"event {history[0]} " in err


def test_a_chain_recomputed_with_another_key_fails(history: list[int]) -> None:
    rewrite_chain(history[1], "Nothing happened here", lambda e: audit.compute_hash(e, b"a guessed key"))
    assert run("verify")[0] == 1


def test_rotating_the_key_keeps_earlier_events_verifiable_through_the_fallbacks(org: Organisation) -> None:
    from django.conf import settings

    derived = audit._derived(settings.SECRET_KEY)  # what wrote the organisation's event above
    with override_settings(AUDIT_CHAIN_KEY="first-key"):
        core_services.team_create(organisation=org, name="Theatres")
    with override_settings(AUDIT_CHAIN_KEY="second-key", AUDIT_CHAIN_KEY_FALLBACKS=["first-key", derived]):
        core_services.team_create(organisation=org, name="Outpatients")
        code, _out, err = run("verify")
        assert code == 0, err
    # Without the old keys the events they signed no longer verify.
    with override_settings(AUDIT_CHAIN_KEY="second-key", AUDIT_CHAIN_KEY_FALLBACKS=[]):
        assert run("verify")[0] == 1


def test_a_checkpoint_catches_a_rewrite_even_by_someone_holding_the_key(history: list[int], tmp_path: Path) -> None:
    file = tmp_path / "checkpoints.jsonl"
    code, out, _err = run("checkpoint", "--out", str(file))
    assert code == 0 and "appended" in out
    line = json.loads(file.read_text().strip())
    assert line["count"] == len(history) and line["event_id"] == history[-1]
    assert run("verify", "--checkpoints", str(file))[0] == 0
    # Someone with the database *and* the key rewrites the log: the chain itself verifies...
    rewrite_chain(history[1], "Nothing happened here", audit.compute_hash)
    assert run("verify")[0] == 0
    # ...but not against the checkpoint kept elsewhere.
    code, _out, err = run("verify", "--checkpoints", str(file))
    assert code == 1
    assert f"event {history[-1]} no longer has the hash" in err


def test_a_log_cut_back_before_a_checkpoint_is_caught(history: list[int], tmp_path: Path) -> None:
    file = tmp_path / "checkpoints.jsonl"
    run("checkpoint", "--out", str(file))
    newest = AuditEvent.objects.get(pk=history[-1])
    raw("DELETE FROM {table} WHERE id = %s", [history[-1]])
    raw("UPDATE {head} SET last_hash = %s, count = count - 1", [newest.previous_hash])
    assert run("verify")[0] == 0
    code, _out, err = run("verify", "--checkpoints", str(file))
    assert code == 1 and "is gone" in err


def test_a_forged_checkpoint_line_is_refused(history: list[int], tmp_path: Path) -> None:
    file = tmp_path / "checkpoints.jsonl"
    run("checkpoint", "--out", str(file))
    body = json.loads(file.read_text())
    body["count"] = 1
    file.write_text(json.dumps(body) + "\n" + "not json\n")
    code, _out, err = run("verify", "--checkpoints", str(file))
    assert code == 1 and "not signed with the audit chain key" in err


def test_no_checkpoint_is_written_for_a_broken_chain(history: list[int], tmp_path: Path) -> None:
    raw("UPDATE {table} SET summary = %s WHERE id = %s", ["Changed", history[0]])
    file = tmp_path / "checkpoints.jsonl"
    code, _out, err = run("checkpoint", "--out", str(file))
    assert code == 1 and "broken" in err
    assert not file.exists()


def test_checkpoint_to_standard_output_for_the_log_system(history: list[int]) -> None:
    code, out, _err = run("checkpoint", "--out", "-")
    assert code == 0 and json.loads(out)["event_id"] == history[-1]


def test_the_upgrade_re_keys_an_intact_unkeyed_chain(history: list[int]) -> None:
    # The log as the previous release wrote it: plain SHA-256.
    original_summary = AuditEvent.objects.get(pk=history[0]).summary
    rewrite_chain(history[0], original_summary, plain_sha256)
    assert run("verify")[0] == 1
    migration = importlib.import_module("justculture.core.migrations.0008_key_the_audit_chain")
    # As the migration runs: with the historical models (which have no guards against changes).
    historical = MigrationLoader(connection).project_state(("core", "0008_key_the_audit_chain")).apps
    migration.forwards(historical, None)
    assert run("verify")[0] == 0
    first = AuditEvent.objects.order_by("id").first()
    assert first is not None and first.summary == original_summary  # the content is untouched
