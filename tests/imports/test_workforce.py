"""`justculture import workforce`: headcounts read through a column mapping into the fairness figures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from justculture.core.models import AuditEvent, Organisation, Team, User
from justculture.fairness.models import WorkforceFigure
from tests.imports.conftest import Run, write_csv

MAPPING = """
kind: workforce
fields:
  period: {value: "2024"}
  group:
    column: Ethnicity
    values: {"BME staff": "Ethnic minority"}
  headcount: Staff in post
  team: {column: Ward, optional: true}
"""


def figures() -> list[tuple[str, str | None, str, str, int]]:
    return sorted(WorkforceFigure.objects.values_list("period", "team__name", "dimension", "group", "headcount"),
                  key=str)


def test_headcounts_are_imported_through_the_mapping_and_a_second_import_replaces_them(
    tmp_path: Path, run_import: Callable[..., Run], make_user: Callable[..., User], org: Organisation, team: Team,
) -> None:
    hr = make_user(org, "hr-adviser")
    mapping = tmp_path / "esr.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    path = write_csv(tmp_path / "staff.csv", [
        ["Ward", "Ethnicity", "Staff in post", "Notes"],
        ["", "White", "1,200", "x"],
        ["", "BME staff", "300", ""],
        ["ward 7", "White", "40", ""],
    ])
    args = ("workforce", str(path), "--organisation", "north", "--as", hr.username, "--mapping", str(mapping))
    done = run_import(*args)
    assert done.code == 0, done.stderr
    assert done.stdout.startswith(f"Imported {path}: 3 headcounts imported for 2024")
    expected = [("2024", None, "ethnicity-collapsed", "ethnic-minority", 300),
                ("2024", None, "ethnicity-collapsed", "white", 1200),
                ("2024", "Ward 7", "ethnicity-collapsed", "white", 40)]
    assert figures() == sorted(expected, key=str)
    assert AuditEvent.objects.filter(action="workforce.import").count() == 1

    again = run_import(*args)
    assert again.code == 0 and "replacing 3 earlier figures" in again.stdout
    assert figures() == sorted(expected, key=str)


def test_a_bad_row_names_the_files_own_column_and_nothing_is_imported(
    tmp_path: Path, run_import: Callable[..., Run], make_user: Callable[..., User], org: Organisation,
) -> None:
    hr = make_user(org, "hr-adviser")
    mapping = tmp_path / "esr.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    path = write_csv(tmp_path / "staff.csv", [
        ["Ward", "Ethnicity", "Staff in post"], ["", "White", "1200"], [], ["", "Purple", "-3"],
    ])
    report = tmp_path / "problems.csv"
    done = run_import("workforce", str(path), "--organisation", "north", "--as", hr.username, "--mapping",
                      str(mapping), "--report", str(report))
    assert done.code == 1
    assert f"{path}, row 4, column 'Ethnicity': 'Purple' is not a group" in done.stderr
    assert f"{path}, row 4, column 'Staff in post': the headcount '-3' is negative" in done.stderr
    assert "staff.csv,4,Ethnicity,'Purple' is not a group" in report.read_text(encoding="utf-8")
    assert WorkforceFigure.objects.count() == 0


def test_workforce_dry_run_checks_and_writes_nothing_and_needs_the_permission(
    tmp_path: Path, run_import: Callable[..., Run], make_user: Callable[..., User], org: Organisation,
    handler: User,
) -> None:
    hr = make_user(org, "hr-adviser")
    path = write_csv(tmp_path / "w.csv", [["period", "group", "headcount"], ["2024", "White", "10"]])
    events = AuditEvent.objects.count()
    done = run_import("workforce", str(path), "--organisation", "north", "--as", hr.username, "--dry-run")
    assert done.code == 0 and done.stdout.startswith("Dry run: 1 headcount imported for 2024")
    assert WorkforceFigure.objects.count() == 0 and AuditEvent.objects.count() == events
    refused = run_import("workforce", str(path), "--organisation", "north", "--as", handler.username)
    assert refused.code == 2 and "edit_equality_data" in refused.stderr
    assert WorkforceFigure.objects.count() == 0
