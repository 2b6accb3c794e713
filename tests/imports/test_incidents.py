"""`justculture import incidents`: what gets created, what is refused, and what a re-import does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from justculture.cases.models import Incident
from justculture.core import audit
from justculture.core.models import AuditEvent, Counter, Organisation, Team, User
from tests.imports.conftest import HEADER, Run, write_csv

RunImport = Callable[..., Run]


def rows(count: int, start: int = 1, team: str = "Ward 7") -> list[list[str]]:
    return [[f"R{n}", f"2024-03-{1 + n % 28:02d} 14:30", team, f"Event {n}", "Bay 2", f"W{n}", "", ""]
            for n in range(start, start + count)]


def test_imports_each_row_as_an_incident_with_its_source_key_and_an_audited_batch(
    tmp_path: Path, run_import: RunImport, handler: User, team: Team, other_team: Team, org: Organisation,
) -> None:
    path = write_csv(tmp_path / "in.csv", [
        HEADER,
        ["D-1", "2024-03-05 14:30", "Ward 7", "A fall in the bay", "Bay 2", "LFPSE-9", "Alex Patient", "943 476 5919"],
        ["D-2", "2024-07-01T09:00:00+00:00", "  maternity ", "Late dose", "", "", "", ""],
    ])
    done = run_import("incidents", str(path), "--organisation", "north", "--as", handler.username)
    assert done.code == 0, done.stderr
    assert "2 incidents created, 0 already imported" in done.stdout

    first, second = Incident.objects.order_by("id")
    assert (first.reference, first.source_system, first.source_reference) == ("INC-0001", "file", "D-1")
    # Naive times are UK local time: 14:30 BST on 5 March is GMT, so 14:30 UTC; July is BST.
    assert first.occurred_at == datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
    assert second.occurred_at == datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
    assert first.team == team and second.team == other_team
    assert (first.patient_name, first.patient_identifier, first.external_reference) == (
        "Alex Patient", "943 476 5919", "LFPSE-9")
    assert first.created_by == handler and first.organisation == org

    event = AuditEvent.objects.get(action="incident.import")
    assert event.actor == handler.username
    assert event.changes["references"] == ["INC-0001", "INC-0002"]
    assert event.changes["rows"] == "2-3" and event.changes["created"] == 2
    assert event.changes["patient_details"] == audit.FREE_TEXT
    assert event.changes["file"] == audit.FREE_TEXT and "in.csv" not in event.summary
    assert "Alex" not in str(event.changes) and "A fall" not in str(event.changes) and "943" not in str(event.changes)
    assert audit.verify_chain().ok


def test_importing_the_same_file_again_creates_nothing_and_leaves_incidents_unchanged(
    tmp_path: Path, run_import: RunImport, handler: User, team: Team,
) -> None:
    path = write_csv(tmp_path / "in.csv", [HEADER, *rows(7)])
    args = ("incidents", str(path), "--organisation", "north", "--as", handler.username, "--batch-size", "3")
    assert run_import(*args).code == 0
    assert AuditEvent.objects.filter(action="incident.import").count() == 3  # batches of 3, 3 and 1
    Incident.objects.filter(source_reference="R1").update(description="Edited in the service")

    again = run_import(*args)
    assert again.code == 0
    assert "0 incidents created, 7 already imported" in again.stdout
    assert Incident.objects.count() == 7
    assert Incident.objects.get(source_reference="R1").description == "Edited in the service"
    assert AuditEvent.objects.filter(action="incident.import").count() == 3  # nothing written, nothing audited

    # A longer export later: only the new rows are added, numbered on from the last.
    write_csv(path, [HEADER, *rows(10)])
    more = run_import(*args)
    assert "3 incidents created, 7 already imported" in more.stdout
    assert sorted(Incident.objects.values_list("reference", flat=True)) == [f"INC-{n:04d}" for n in range(1, 11)]


def test_a_row_repeated_in_the_file_is_imported_once(tmp_path: Path, run_import: RunImport, handler: User,
                                                    team: Team) -> None:
    path = write_csv(tmp_path / "in.csv", [HEADER, *rows(2), rows(1)[0]])
    done = run_import("incidents", str(path), "--organisation", "north", "--as", handler.username)
    assert "2 incidents created, 1 already imported" in done.stdout
    assert Incident.objects.count() == 2


def test_any_invalid_row_stops_the_import_and_the_report_names_row_column_and_problem(
    tmp_path: Path, run_import: RunImport, handler: User, team: Team,
) -> None:
    path = write_csv(tmp_path / "in.csv", [
        HEADER, *rows(2),
        ["R9", "31/02/2024", "Ward 7", "x", "", "", "", ""],
        ["R10", "2024-01-01", "Ward 99", "x", "", "", "", ""],
        ["", "2024-01-01", "Ward 7", "", "", "", "", "1" * 61],
        ["R12", "2099-01-01", "Ward 7", "x", "", "", "", ""],
    ])
    report = tmp_path / "report.csv"
    done = run_import("incidents", str(path), "--organisation", "north", "--as", handler.username,
                      "--report", str(report))
    assert done.code == 1
    assert "4 of 6 rows have problems; nothing was imported" in done.stderr
    assert f"{path}, row 4, column 'occurred_at': '31/02/2024' is not a date" in done.stderr
    assert f"{path}, row 5, column 'team': there is no team called 'Ward 99'" in done.stderr
    assert f"{path}, row 7, column 'occurred_at': the date 01/01/2099 is in the future." in done.stderr
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "file,row,column,problem"
    assert [line.split(",")[1:3] for line in lines[1:]] == [
        ["4", "occurred_at"], ["5", "team"], ["6", "reference"], ["6", "description"],
        ["6", "patient_identifier"], ["7", "occurred_at"],
    ]
    # The patient identifier's value is never repeated in a problem.
    assert "1" * 61 not in report.read_text(encoding="utf-8") and "1" * 61 not in done.stderr
    assert Incident.objects.count() == 0
    assert not AuditEvent.objects.filter(action="incident.import").exists()


def test_skip_invalid_imports_the_good_rows_and_reports_the_rest(
    tmp_path: Path, run_import: RunImport, handler: User, team: Team,
) -> None:
    path = write_csv(tmp_path / "in.csv", [HEADER, *rows(2), ["R9", "yesterday", "Ward 7", "x", "", "", "", ""]])
    done = run_import("incidents", str(path), "--organisation", "north", "--as", handler.username, "--skip-invalid")
    assert done.code == 0
    assert "2 incidents created" in done.stdout and "1 rows with problems left out" in done.stdout
    assert "row 4, column 'occurred_at'" in done.stderr
    assert sorted(Incident.objects.values_list("source_reference", flat=True)) == ["R1", "R2"]


def test_dry_run_says_what_would_happen_and_writes_nothing(
    tmp_path: Path, run_import: RunImport, handler: User, team: Team,
) -> None:
    path = write_csv(tmp_path / "in.csv", [HEADER, *rows(3)])
    events = AuditEvent.objects.count()
    done = run_import("incidents", str(path), "--organisation", "north", "--as", handler.username, "--dry-run")
    assert done.code == 0
    assert "3 incidents would be created, 0 are already imported" in done.stdout
    assert Incident.objects.count() == 0 and AuditEvent.objects.count() == events
    assert not Counter.objects.filter(name="incident").exclude(value=0).exists()


def test_a_user_limited_to_one_team_cannot_import_another_teams_incidents(
    tmp_path: Path, run_import: RunImport, make_user: Callable[..., User], org: Organisation, team: Team,
    other_team: Team,
) -> None:
    ward_only = make_user(org, ("case-handler", team))
    path = write_csv(tmp_path / "in.csv", [HEADER, *rows(1), *rows(1, start=2, team="Maternity")])
    done = run_import("incidents", str(path), "--organisation", "north", "--as", ward_only.username)
    assert done.code == 1
    assert f"row 3, column 'team': {ward_only.username} may not record incidents for the team 'Maternity'" in done.stderr
    assert Incident.objects.count() == 0


def test_the_acting_user_must_belong_to_the_organisation_and_hold_the_permission(
    tmp_path: Path, run_import: RunImport, handler: User, outsider: User, admin: User, team: Team,
) -> None:
    path = write_csv(tmp_path / "in.csv", [HEADER, *rows(1)])
    other = run_import("incidents", str(path), "--organisation", "north", "--as", outsider.username)
    assert other.code == 2 and f"{outsider.username} is not a member of north" in other.stderr
    no_role = run_import("incidents", str(path), "--organisation", "north", "--as", admin.username)
    assert no_role.code == 1 and "may not record incidents for the team 'Ward 7'" in no_role.stderr
    nobody = run_import("incidents", str(path), "--organisation", "north", "--as", "ghost")
    assert nobody.code == 2 and "No active user called 'ghost'" in nobody.stderr
    assert Incident.objects.count() == 0


def test_the_datix_preset_reads_uk_dates_separate_times_joined_columns_and_mapped_teams(
    tmp_path: Path, run_import: RunImport, handler: User, team: Team,
) -> None:
    mapping = tmp_path / "ours.yaml"
    preset = (Path(__file__).parents[2] / "justculture/imports/presets/datix.yaml").read_text(encoding="utf-8")
    mapping.write_text(preset.replace("    # values:", "    values: {\"WARD 7 - ACUTE MEDICINE\": \"Ward 7\"}\n    #"),
                       encoding="utf-8")
    path = write_csv(tmp_path / "datix.csv", [
        ["ID", "Incident date", "Time", "Location (exact)", "Site", "Description", "Action taken", "Other"],
        ["12345", "05/11/2024", "0830", "WARD 7 - ACUTE MEDICINE", "City", "Patient fell in the café.", "Obs checked.", "x"],
        ["12346", "06/11/2024", "", "ward 7", "City", "Late dose.", "", "x"],
    ], encoding="cp1252")
    done = run_import("incidents", str(path), "--organisation", "north", "--as", handler.username,
                      "--mapping", str(mapping), "--encoding", "cp1252")
    assert done.code == 0, done.stderr
    first, second = Incident.objects.order_by("source_reference")
    assert first.source_system == "datix" and first.source_reference == "12345"
    assert first.occurred_at == datetime(2024, 11, 5, 8, 30, tzinfo=UTC)
    assert second.occurred_at == datetime(2024, 11, 6, 0, 0, tzinfo=UTC)  # no time: the start of the day
    assert first.description == "Patient fell in the café.\n\nObs checked."
    assert first.location == "City" and first.team == team


def test_the_ulysses_preset_reads_its_date_style_and_joins_the_patients_names(
    tmp_path: Path, run_import: RunImport, handler: User, team: Team,
) -> None:
    path = write_csv(tmp_path / "ulysses.csv", [
        ["Incident Number", "Incident Date", "Incident Time", "Ward/Area", "Details of Incident",
         "Patient Forename", "Patient Surname", "Hospital Number"],
        ["U-77", "03-Jun-2024", "17.45", "Ward 7", "Pump alarm silenced", "Alex", "Patient", "H123"],
    ])
    done = run_import("incidents", str(path), "--organisation", "north", "--as", handler.username,
                      "--mapping", "ulysses")
    assert done.code == 0, done.stderr
    incident = Incident.objects.get()
    assert incident.occurred_at == datetime(2024, 6, 3, 16, 45, tzinfo=UTC)  # 17:45 BST
    assert incident.patient_name == "Alex Patient" and incident.patient_identifier == "H123"
    assert incident.location == ""  # the optional column is not in this export


def test_the_same_source_reference_from_another_system_is_another_incident(
    tmp_path: Path, run_import: RunImport, handler: User, team: Team,
) -> None:
    ours = write_csv(tmp_path / "ours.csv", [HEADER, *rows(1)])
    inphase = write_csv(tmp_path / "inphase.csv", [
        ["Incident Reference", "Date/Time of Incident", "Department", "Brief Description", "What Happened"],
        ["R1", "05/03/2024 10:15", "Ward 7", "Fall", "Found on floor"],
    ])
    assert run_import("incidents", str(ours), "--organisation", "north", "--as", handler.username).code == 0
    done = run_import("incidents", str(inphase), "--organisation", "north", "--as", handler.username,
                      "--mapping", "inphase")
    assert done.code == 0, done.stderr
    assert sorted(Incident.objects.values_list("source_system", "source_reference")) == [
        ("file", "R1"), ("inphase", "R1")]
