"""Files and mappings that cannot be used: exit status 2, one message naming the file, row and
column, and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from justculture.cases.models import Incident
from justculture.core.models import AuditEvent, Team, User
from tests.imports.conftest import Run

GOOD = "reference,occurred_at,team,description\r\n"
CASES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "the file is empty: its first row must name the columns."),
    ("blank-header", b"\r\n,,\r\n", "the file is empty: its first row must name the columns."),
    ("header-only", GOOD.encode(), "the file has a header but no rows of incidents under it."),
    ("missing-column", b"reference,occurred_at,description\r\nA,2024-01-01,x\r\n",
     "row 1, column 'team': the header has no column 'team', which the mapping (preset 'justculture') reads."),
    ("repeated-column", b"reference,occurred_at,team,team,description\r\nA,2024-01-01,Ward 7,Ward 7,x\r\n",
     "row 1, column 'team': the column 'team' appears 2 times in the header"),
    ("wrong-encoding", (GOOD + "A,2024-01-01,Ward 7,ok\r\nB,2024-01-01,Ward 7,caf\xe9\r\n").encode("cp1252"),
     "row 3: the text is not utf-8 (byte 0xe9)"),
    ("bad-quotes", (GOOD + 'A,2024-01-01,Ward 7,ok\r\nB,2024-01-01,Ward 7,"x"y\r\n').encode(),
     "row 3: the CSV cannot be read here ("),
    ("unclosed-quote", (GOOD + 'A,2024-01-01,Ward 7,"never closed\r\n').encode(),
     "row 2: the CSV cannot be read here ("),
    ("utf-16", (GOOD + "A,2024-01-01,Ward 7,ok\r\n").encode("utf-16"), "the file holds NUL bytes"),
]


@pytest.mark.parametrize(("name", "content", "expected"), CASES, ids=[c[0] for c in CASES])
def test_an_unusable_file_exits_2_naming_where_and_writes_nothing(
    tmp_path: Path, run_import: Callable[..., Run], handler: User, team: Team, name: str, content: bytes,
    expected: str,
) -> None:
    path = tmp_path / f"{name}.csv"
    path.write_bytes(content)
    events = AuditEvent.objects.count()
    report = tmp_path / "report.csv"
    done = run_import("incidents", str(path), "--organisation", "north", "--as", handler.username,
                      "--report", str(report))
    assert done.code == 2
    assert done.stderr.startswith(f"{path}") and expected in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert Incident.objects.count() == 0 and AuditEvent.objects.count() == events
    assert expected.split(" (")[0].split(": ")[-1][:20] in report.read_text(encoding="utf-8")


def test_a_file_that_is_not_there_or_a_row_too_wide_is_named(
    tmp_path: Path, run_import: Callable[..., Run], handler: User, team: Team,
) -> None:
    missing = run_import("incidents", str(tmp_path / "nope.csv"), "--organisation", "north", "--as", handler.username)
    assert missing.code == 2 and missing.stderr == f"{tmp_path / 'nope.csv'}: there is no such file."
    wide = tmp_path / "wide.csv"
    wide.write_text(GOOD + "A,2024-01-01,Ward 7,x,extra\r\nB,2024-01-01,Ward 7,x,,\r\n", encoding="utf-8")
    done = run_import("incidents", str(wide), "--organisation", "north", "--as", handler.username)
    # A stray value is a problem with that row; trailing empty cells (as spreadsheets write) are not.
    assert done.code == 1
    assert f"{wide}, row 2: this row has 5 values but the header names 4 columns" in done.stderr
    assert "row 3" not in done.stderr.split("nothing was imported")[0]


MAPPINGS: list[tuple[str, str]] = [
    ("not: [valid", "is not valid YAML at line 1"),
    ("- a list", "the mapping must be a YAML mapping"),
    ("kind: workforce\nfields: {period: p, group: g, headcount: h}", "kind: this mapping is for workforce files"),
    ("kind: incidents\nsource_system: Datix System\nfields: {}", "source_system: must name the system"),
    ("kind: incidents\nsource_system: x\nfields: {source_reference: a, occurred_at: b, team: c}",
     "fields: no column is given for description"),
    ("kind: incidents\nsource_system: x\nfields: {source_reference: a, occurred_at: b, team: c, description: d, "
     "colour: e}", "fields.colour: 'colour' is not a field of incidents"),
    ("kind: incidents\nsource_system: x\nfields: {source_reference: a, occurred_at: {column: b, formats: ['%H:%M']}, "
     "team: c, description: d}", "fields.occurred_at: '%H:%M' in 'formats' has no day"),
    ("kind: incidents\nsource_system: x\ntimezone: Mars/Olympus\nfields: {}", "timezone: 'Mars/Olympus' is not"),
    ("kind: incidents\nsource_system: x\nfields: {source_reference: a, occurred_at: b, team: {column: c, "
     "values: [1, 2]}, description: d}", "fields.team: 'values' must map values"),
]


@pytest.mark.parametrize(("text", "expected"), MAPPINGS)
def test_a_wrong_mapping_file_exits_2_naming_the_key(
    tmp_path: Path, run_import: Callable[..., Run], handler: User, team: Team, text: str, expected: str,
) -> None:
    data = tmp_path / "in.csv"
    data.write_text(GOOD + "A,2024-01-01,Ward 7,x\r\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(text, encoding="utf-8")
    done = run_import("incidents", str(data), "--organisation", "north", "--as", handler.username,
                      "--mapping", str(mapping))
    assert done.code == 2
    assert done.stderr.startswith(f"mapping {mapping}: ") and expected in done.stderr
    assert Incident.objects.count() == 0


def test_an_unknown_preset_lists_the_presets(tmp_path: Path, run_import: Callable[..., Run], handler: User) -> None:
    done = run_import("incidents", str(tmp_path / "x.csv"), "--organisation", "north", "--as", handler.username,
                      "--mapping", "lotus")
    assert done.code == 2
    assert "there is no mapping preset called 'lotus'. Presets for incidents: datix, inphase, justculture, ulysses" \
        in done.stderr


def test_arguments_that_cannot_be_used_are_named(tmp_path: Path, run_import: Callable[..., Run], handler: User,
                                                team: Team) -> None:
    data = tmp_path / "in.csv"
    data.write_text(GOOD + "A,2024-01-01,Ward 7,x\r\n", encoding="utf-8")
    base = ("incidents", str(data), "--organisation", "north", "--as", handler.username)
    assert run_import(*base, "--batch-size", "0").stderr == "--batch-size must be between 1 and 50000."
    assert run_import(*base, "--encoding", "ebcdic").stderr.startswith("--encoding: unknown encoding 'ebcdic'")
    assert run_import(*base, "--report", str(data)).stderr == (
        "--report must name another file than the one being imported.")
    assert "No organisation with slug 'nowhere'" in run_import(
        "incidents", str(data), "--organisation", "nowhere", "--as", handler.username).stderr
    assert Incident.objects.count() == 0
