"""`justculture audit export`: the events of a date range (days in the service's time zone, both
ends included) as CSV or JSON, narrowed by organisation and action, and itself audited."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from justculture.auditlog.export import COLUMNS
from justculture.core import audit
from justculture.core import services as core_services
from justculture.core.models import AuditEvent, Organisation

pytestmark = pytest.mark.django_db


def at(moment: str) -> Any:
    return lambda: datetime.fromisoformat(moment).replace(tzinfo=UTC)


@pytest.fixture
def dated(org: Organisation, other_org: Organisation, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Teams created at known moments (UTC) in two organisations."""
    for moment, organisation, name in [
        ("2025-06-10T12:00:00", org, "Early ward"),
        ("2025-06-15T09:00:00", org, "=HYPERLINK(\"http://example.invalid\")"),
        ("2025-06-20T12:00:00", other_org, "South ward"),
        ("2025-06-30T22:30:00", org, "Late ward"),       # 23:30 on 30 June in London (BST)
        ("2025-06-30T23:30:00", org, "Next day ward"),   # 00:30 on 1 July in London
    ]:
        monkeypatch.setattr(timezone, "now", at(moment))
        core_services.team_create(organisation=organisation, name=name)
    monkeypatch.undo()
    yield


def export(tmp_path: Path, *args: str, file_format: str = "csv") -> tuple[str, str]:
    target = tmp_path / f"audit.{file_format}"
    out = StringIO()
    call_command("audit", "export", *args, "--format", file_format, "--out", str(target), stdout=out)
    return target.read_text(encoding="utf-8"), out.getvalue()


def test_csv_holds_the_days_asked_for_in_the_services_time_zone(tmp_path: Path, dated: None) -> None:
    text, said = export(tmp_path, "--since", "2025-06-15", "--until", "2025-06-30")
    rows = list(csv.DictReader(StringIO(text)))
    assert tuple(rows[0].keys()) == COLUMNS
    summaries = [row["summary"] for row in rows]
    assert summaries == [
        'Team =HYPERLINK("http://example.invalid") created',
        "Team South ward created", "Team Late ward created",
    ]
    assert said == f"Exported 3 audit events to {tmp_path / 'audit.csv'}.\n"
    assert [row["organisation"] for row in rows] == ["north", "south", "north"]
    assert rows[0]["time_utc"] == "2025-06-15T09:00:00+00:00"
    assert all(len(row["hash"]) == 64 for row in rows)


def test_organisation_and_action_narrow_the_export(tmp_path: Path, dated: None, org: Organisation) -> None:
    text, _ = export(tmp_path, "--since", "2025-06-01", "--until", "2025-07-31", "--organisation", "south")
    rows = list(csv.DictReader(StringIO(text)))
    assert [row["summary"] for row in rows] == ["Team South ward created"]
    text, _ = export(tmp_path, "--since", "2025-06-01", "--until", "2025-07-31", "--action", "organisation.create")
    assert list(csv.DictReader(StringIO(text))) == []


def test_json_holds_every_value_as_stored_and_says_what_was_exported(tmp_path: Path, dated: None) -> None:
    text, _ = export(tmp_path, "--since", "2025-06-01", "--until", "2025-06-30", "--organisation", "north",
                     file_format="json")
    data = json.loads(text)
    assert data["since"] == "2025-06-01" and data["until"] == "2025-06-30"
    assert data["organisation"] == "north" and data["action"] is None
    assert data["count"] == 3 == len(data["events"])
    first = data["events"][1]
    assert first["summary"] == 'Team =HYPERLINK("http://example.invalid") created'
    stored = AuditEvent.objects.get(pk=first["id"])
    assert first["hash"] == stored.hash and first["previous_hash"] == stored.previous_hash
    assert first["changes"] == stored.changes and first["case_reference"] == ""


def test_formula_text_is_made_harmless_in_csv(tmp_path: Path, org: Organisation) -> None:
    for summary in ["=1+2", "+SUM(A1)", "-3+4", "@cmd", "plain text"]:
        audit.record(by=None, action="retention.run", organisation_id=org.pk, summary=summary)
    today = timezone.localdate().isoformat()
    text, _ = export(tmp_path, "--since", today, "--until", today, "--action", "retention.run")
    assert [row["summary"] for row in csv.DictReader(StringIO(text))] == [
        "'=1+2", "'+SUM(A1)", "'-3+4", "'@cmd", "plain text",
    ]


def test_the_export_is_itself_audited_and_not_part_of_its_own_file(tmp_path: Path, dated: None) -> None:
    text, _ = export(tmp_path, "--since", "2025-01-01", "--until", "2030-12-31")
    event = AuditEvent.objects.get(action="audit.export")
    assert event.actor == "system" and event.organisation_id is None
    assert event.changes["via"] == "command line" and event.changes["format"] == "csv"
    assert event.changes["matching"] == AuditEvent.objects.count() - 1
    assert event.changes["filters"] == {"date_from": "2025-01-01", "date_to": "2030-12-31"}
    assert "audit.export" not in text
    assert audit.verify_chain().ok


def test_standard_output_can_take_the_export(dated: None, capsys: pytest.CaptureFixture[str]) -> None:
    out = StringIO()
    call_command("audit", "export", "--since", "2025-06-10", "--until", "2025-06-10", "--format", "json",
                 "--out", "-", stdout=out)
    assert [e["summary"] for e in json.loads(out.getvalue())["events"]] == ["Team Early ward created"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "10/06/2025", "--until", "2025-06-30"], "--since must be a real date written YYYY-MM-DD"),
        (["--since", "2025-06-30", "--until", "2025-06-01"], "--until must be the same day as --since or later"),
        (["--since", "2025-06-01", "--until", "2025-06-30", "--organisation", "east"], "No organisation with slug 'east'"),
    ],
)
def test_mistakes_are_refused_with_status_2(tmp_path: Path, dated: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message) as raised:
        call_command("audit", "export", *args, "--format", "csv", "--out", str(tmp_path / "x.csv"))
    assert raised.value.returncode == 2
    assert not (tmp_path / "x.csv").exists()
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_a_missing_folder_is_refused_before_anything_is_recorded(tmp_path: Path, dated: None) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("audit", "export", "--since", "2025-06-01", "--until", "2025-06-30", "--format", "csv",
                     "--out", str(tmp_path / "nowhere" / "x.csv"))
    assert not AuditEvent.objects.filter(action="audit.export").exists()
