"""`justculture audit verify`: events are written through the services, then the log is changed
directly in the database with raw SQL, and the command must name the first event that breaks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from justculture.cases import services as case_services
from justculture.cases.models import Case
from justculture.casework.status import case_status_change
from justculture.core import audit
from justculture.core import services as core_services
from justculture.core.models import AuditChainHead, AuditEvent, Organisation, User
from tests.auditlog.conftest import TABLE, event_ids, raw

pytestmark = pytest.mark.django_db


def verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def when(event_id: int) -> str:
    return AuditEvent.objects.get(pk=event_id).at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def assert_broken_at(event_id: int, what: str) -> str:
    code, out, err = verify()
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("Audit log broken: ")
    assert f"event {event_id} " in line and what in line, line
    return line


@pytest.fixture
def history(org: Organisation, handler: User, make_case: Callable[..., Case]) -> list[int]:
    """A realistic run of events written by the services; returns their ids in order."""
    first = make_case(handler)
    case_status_change(case=first, to="gathering", reason="Moved in a test.", by=handler)
    case_services.act_add(case=first, description="Did not escalate the early warning score", by=handler)
    make_case(handler, name="Alex Morgan")
    core_services.team_create(organisation=org, name="Theatres", site="City Hospital")
    return event_ids()


def test_an_intact_log_exits_0_and_says_so(history: list[int]) -> None:
    code, out, err = verify()
    assert code == 0 and err == ""
    assert out == f"Audit log intact: {len(history)} events checked, chain head matches.\n"


def test_an_empty_log_is_intact(db: Any) -> None:
    assert verify() == (0, "Audit log intact: 0 events checked, chain head matches.\n", "")


def test_many_writes_in_small_chunks_stay_intact(org: Organisation) -> None:
    for number in range(300):
        core_services.team_create(organisation=org, name=f"Ward {number}")
    total = AuditEvent.objects.count()
    assert total == 301
    report = audit.verify_chain(chunk_size=7)
    assert report.ok and report.checked == total
    assert report.last_hash == AuditChainHead.objects.get().last_hash
    code, out, _ = verify()
    assert code == 0 and f"{total} events checked" in out


def test_verbose_verify_prints_the_head_hash_to_keep_elsewhere(history: list[int]) -> None:
    out = StringIO()
    call_command("audit", "verify", "-v", "2", stdout=out)
    assert out.getvalue().splitlines()[1] == f"Chain head hash: {AuditChainHead.objects.get().last_hash}"


@pytest.mark.parametrize(
    ("column_sql", "params"),
    [
        ("summary = %s", ["Case opened (nothing to see here)"]),
        ("actor = %s", ["someone-else"]),
        ("action = %s", ["case.view"]),
        ("case_id = NULL", []),
        ("at = (SELECT at FROM {table} WHERE id = %s)", ["FIRST"]),
    ],
    ids=["summary", "actor", "action", "case", "time"],
)
def test_a_row_altered_with_raw_sql_is_named(history: list[int], column_sql: str, params: list[Any]) -> None:
    target = history[len(history) // 2]
    values = [history[0] if value == "FIRST" else value for value in params]
    raw(f"UPDATE {{table}} SET {column_sql} WHERE id = %s", [*values, target])
    line = assert_broken_at(target, "was altered after it was written")
    assert when(target) in line


def test_changes_altered_with_raw_sql_are_found(history: list[int]) -> None:
    target = AuditEvent.objects.filter(action="case.status").values_list("id", flat=True).first() or history[-3]
    raw("UPDATE {table} SET changes = (SELECT changes FROM {table} WHERE id = %s) WHERE id = %s", [history[0], target])
    assert_broken_at(target, "altered")


def test_an_altered_row_whose_hash_was_also_replaced_is_still_named(history: list[int]) -> None:
    target = history[2]
    raw("UPDATE {table} SET summary = %s, hash = %s WHERE id = %s", ["Nothing happened", "f" * 64, target])
    assert_broken_at(target, "altered")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite lets a time column hold any text")
def test_a_value_that_cannot_be_read_is_reported_not_a_crash(history: list[int]) -> None:
    target = history[3]
    raw("UPDATE {table} SET at = %s WHERE id = %s", ["the day before yesterday", target])
    code, _, err = verify()
    assert code == 1 and f"event {target} " in err and "was altered" in err


def test_a_middle_row_deleted_with_raw_sql_names_the_next_row(history: list[int]) -> None:
    removed, following = history[4], history[5]
    raw("DELETE FROM {table} WHERE id = %s", [removed])
    line = assert_broken_at(following, "events were removed before it")
    assert when(following) in line


def test_the_first_row_deleted_is_found(history: list[int]) -> None:
    raw("DELETE FROM {table} WHERE id = %s", [history[0]])
    assert_broken_at(history[1], "removed before it")


def _forged_values(source_id: int, previous_hash: str, summary: str) -> tuple[str, list[Any]]:
    """SQL and parameters inserting a copy of a real row with a new summary, linked to
    previous_hash and carrying a correctly computed hash: the best forgery possible without
    also rewriting the chain head."""
    source = AuditEvent.objects.get(pk=source_id)
    forged = AuditEvent(
        organisation_id=source.organisation_id, at=source.at, actor_id=source.actor_id, actor=source.actor,
        action=source.action, object_type=source.object_type, object_id=source.object_id,
        case_id=source.case_id, summary=summary, changes=source.changes, previous_hash=previous_hash,
    )
    forged.hash = audit.compute_hash(forged)
    columns = "organisation_id, at, actor_id, actor, action, object_type, object_id, case_id, changes"
    sql = (f"INSERT INTO {{table}} (id, {columns}, summary, previous_hash, hash) "
           f"SELECT %s, {columns}, %s, %s, %s FROM {{table}} WHERE id = %s")
    return sql, [summary, previous_hash, forged.hash, source_id]


def test_a_well_forged_row_appended_with_raw_sql_is_found_through_the_chain_head(history: list[int]) -> None:
    newest = AuditEvent.objects.get(pk=history[-1])
    sql, params = _forged_values(newest.pk, newest.hash, "Decision recorded: no further action")
    forged_id = history[-1] + 1
    raw(sql, [forged_id, *params])
    assert verify()[0] == 1
    assert_broken_at(forged_id, "was inserted out of band")


def test_a_crude_row_appended_with_raw_sql_is_found(history: list[int]) -> None:
    raw(
        "INSERT INTO {table} (organisation_id, at, actor_id, actor, action, object_type, object_id, case_id, "
        "summary, changes, previous_hash, hash) SELECT organisation_id, at, actor_id, actor, action, object_type, "
        "object_id, case_id, %s, changes, %s, %s FROM {table} WHERE id = %s",
        ["Forged", "0" * 64, "e" * 64, history[1]],
    )
    forged_id = event_ids()[-1]
    assert forged_id not in history
    assert_broken_at(forged_id, "inserted out of band")


def test_a_row_slipped_in_before_the_first_is_found(history: list[int]) -> None:
    sql, params = _forged_values(history[0], audit.GENESIS, "Organisation created")
    params[2] = "d" * 64  # a hash that does not fit its content
    raw(sql, [0, *params])
    assert_broken_at(0, "inserted out of band")


def _skip_ids(count: int) -> None:
    """Leave a gap in the id sequence, as rolled-back transactions do on PostgreSQL."""
    if connection.vendor == "postgresql":
        raw(f"SELECT setval(pg_get_serial_sequence('{AuditEvent._meta.db_table}', 'id'), "
            "(SELECT MAX(id) FROM {table}) + %s)", [count])
    else:
        raw("UPDATE sqlite_sequence SET seq = seq + %s WHERE name = %s", [count, AuditEvent._meta.db_table])


def test_a_well_forged_row_slipped_into_a_gap_is_named(org: Organisation, history: list[int]) -> None:
    _skip_ids(5)
    core_services.team_create(organisation=org, name="Outpatients")
    after_gap = event_ids()[-1]
    assert after_gap == history[-1] + 6
    before_gap = AuditEvent.objects.get(pk=history[-1])
    sql, params = _forged_values(before_gap.pk, before_gap.hash, "Team Ghost Ward created")
    raw(sql, [history[-1] + 2, *params])
    assert_broken_at(history[-1] + 2, "was inserted out of band")


def test_the_newest_row_deleted_is_truncation_found_through_the_chain_head(history: list[int]) -> None:
    raw("DELETE FROM {table} WHERE id = %s", [history[-1]])
    line = assert_broken_at(history[-2], "the log was truncated after")
    assert f"counts {len(history)} events but only {len(history) - 1} remain" in line
    assert when(history[-2]) in line


def test_every_row_deleted_is_truncation(history: list[int]) -> None:
    raw("DELETE FROM {table}")
    code, _, err = verify()
    assert code == 1 and "truncated" in err and f"counts {len(history)} events but none remain" in err


def test_a_missing_chain_head_is_reported(history: list[int]) -> None:
    raw("DELETE FROM {head}")
    code, _, err = verify()
    assert code == 1 and "chain head is missing" in err


def test_a_chain_head_count_altered_is_reported(history: list[int]) -> None:
    raw("UPDATE {head} SET count = count + 3")
    code, _, err = verify()
    assert code == 1 and "chain head was altered" in err


def test_the_first_problem_is_the_one_named(history: list[int]) -> None:
    raw("UPDATE {table} SET summary = %s WHERE id = %s", ["Later change", history[-2]])
    raw("UPDATE {table} SET summary = %s WHERE id = %s", ["Earlier change", history[1]])
    assert_broken_at(history[1], "altered")


def test_events_written_while_the_walk_runs_are_checked_not_mistaken_for_tampering(
    org: Organisation, history: list[int], monkeypatch: pytest.MonkeyPatch,
) -> None:
    advance = audit._ChainWalk.advance
    calls = {"n": 0}

    def advance_then_someone_writes(walk: Any) -> Any:
        result = advance(walk)
        calls["n"] += 1
        if calls["n"] == 1:
            core_services.team_create(organisation=org, name="Written during the walk")
        return result

    monkeypatch.setattr(audit._ChainWalk, "advance", advance_then_someone_writes)
    report = audit.verify_chain()
    assert report.ok and report.checked == len(history) + 1 and calls["n"] == 2


def test_the_table_name_used_by_the_raw_sql_is_the_models(db: Any) -> None:
    assert AuditEvent._meta.db_table in TABLE
