"""`justculture fairness`: file mode with no database at all, and database mode."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.fairness.conftest import BLACK_AFRICAN, WHITE

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("justculture")
# A database that does not exist: any query in file mode would fail.
NO_DATABASE = "postgres://postgres@127.0.0.1:5432/jc_fairness_no_such_database"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": NO_DATABASE, "DEBUG": "true"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([str(SCRIPT), "fairness", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120, check=False)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    cases = tmp_path / "cases.csv"
    rows = (["2024,White,formal-action"] * 40 + ["2024,Ethnic minority,formal-action"] * 20
            + ["2024,Not stated,formal-action"] * 3 + ["2024,White,referral"] * 2)
    cases.write_text("period,group,event,notes\n" + "\n".join(r + ",x" for r in rows) + "\n")
    workforce = tmp_path / "workforce.csv"
    workforce.write_text("period,group,headcount\n2024,White,4000\n2024,Ethnic minority,1000\n2024,Not stated,200\n")
    return cases, workforce


def test_file_mode_needs_no_database(files):
    cases, workforce = files
    result = run("--cases", str(cases), "--workforce", str(workforce), "--json", "--event", "formal-action")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["event"] == "formal-action" and output["reference"] == "White" and output["period"] == "2024"
    white, minority = output["results"]
    assert white == {"group": "White", "events": 40, "headcount": 4000, "rate": 0.01, "relative_likelihood": 1.0,
                     "ci_low": None, "ci_high": None, "suppressed": False}
    assert minority["group"] == "Ethnic minority" and minority["relative_likelihood"] == pytest.approx(2.0)
    assert minority["ci_low"] == pytest.approx(1.1746, abs=1e-3) and minority["ci_high"] == pytest.approx(3.4055, abs=1e-3)
    assert minority["suppressed"] is False
    # The 3 not stated are withheld (fewer than 10).
    assert output["not_stated"] == {"events": None, "headcount": 200, "suppressed": True}


def test_file_mode_min_count_reference_and_several_events(files):
    cases, workforce = files
    result = run("--cases", str(cases), "--workforce", str(workforce), "--json", "--min-count", "0",
                 "--reference", "ethnic minority")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert [o["event"] for o in output] == ["formal-action", "referral"]
    formal = output[0]
    assert formal["results"][0]["group"] == "Ethnic minority" and formal["results"][1]["relative_likelihood"] == 0.5
    assert formal["not_stated"]["events"] == 3
    referral = {r["group"]: r for r in output[1]["results"]}
    assert referral["Ethnic minority"]["events"] == 0 and referral["White"]["relative_likelihood"] is None


def test_file_mode_suppressed_numbers_are_null(files, tmp_path):
    cases = tmp_path / "few.csv"
    cases.write_text("period,group,event\n" + "2024,White,formal-action\n" * 30 + "2024,Ethnic minority,formal-action\n" * 4)
    result = run("--cases", str(cases), "--workforce", str(files[1]), "--json")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    minority = output["results"][1]
    assert minority["suppressed"] is True
    assert [minority[k] for k in ("events", "rate", "relative_likelihood", "ci_low", "ci_high")] == [None] * 5


def test_file_mode_text_output(files):
    result = run("--cases", str(files[0]), "--workforce", str(files[1]), "--event", "formal-action")
    assert result.returncode == 0, result.stderr
    assert "Ethnic minority" in result.stdout and "2.00" in result.stdout and "1.17-3.41" in result.stdout


def test_a_bad_file_exits_2_naming_file_row_and_column(files, tmp_path):
    bad = tmp_path / "bad-workforce.csv"
    bad.write_text("period,group,headcount\n2024,White,4000\n2024,Ethnic minority,lots\n")
    result = run("--cases", str(files[0]), "--workforce", str(bad), "--json")
    assert result.returncode == 2
    assert f"{bad}, row 3, column 'headcount'" in result.stderr and "not a whole number" in result.stderr
    missing = tmp_path / "no-event.csv"
    missing.write_text("period,group\n2024,White\n")
    result = run("--cases", str(missing), "--workforce", str(files[1]), "--json")
    assert result.returncode == 2 and f"{missing}, row 1, column 'event'" in result.stderr


def test_file_mode_argument_mistakes_exit_2(files, tmp_path):
    cases, workforce = files
    assert run("--cases", str(cases), "--json").returncode == 2
    result = run("--cases", str(tmp_path / "absent.csv"), "--workforce", str(workforce))
    assert result.returncode == 2 and "cannot be read" in result.stderr
    result = run("--cases", str(cases), "--workforce", str(workforce), "--reference", "Purple")
    assert result.returncode == 2 and "Groups found: White, Ethnic minority" in result.stderr
    result = run("--cases", str(cases), "--workforce", str(workforce), "--event", "dismissal")
    assert result.returncode == 2 and "Events found: formal-action, referral" in result.stderr
    assert run("--cases", str(cases), "--workforce", str(workforce), "--group", "sex").returncode == 2


@pytest.fixture
def populated(org, handler, hr, make_case, record_equality, import_workforce):
    year = timezone.localdate().year
    import_workforce(f"period,group,headcount\n{year},White,1200\n{year},Ethnic minority,300\n")
    for i in range(12):
        record_equality(make_case(handler, name=f"W{i}"), ethnicity=WHITE)
    for i in range(11):
        record_equality(make_case(handler, name=f"M{i}"), ethnicity=BLACK_AFRICAN)
    return org


def db_json(*args: str) -> object:
    out = io.StringIO()
    call_command("fairness", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_database_mode_one_event(populated):
    output = db_json("--event", "concern-raised", "--organisation", "north")
    assert isinstance(output, dict)
    assert output["event"] == "concern-raised" and output["reference"] == "White"
    assert output["organisation"] == "north" and output["dimension"] == "ethnicity-collapsed"
    white, minority = output["results"]
    assert (white["group"], white["events"], white["headcount"]) == ("White", 12, 1200)
    assert (minority["group"], minority["events"], minority["headcount"]) == ("Ethnic minority", 11, 300)
    assert minority["relative_likelihood"] == pytest.approx((11 / 300) / (12 / 1200))


def test_database_mode_every_event_period_and_dimension(populated):
    output = db_json("--period", str(timezone.localdate().year), "--group", "sex")
    assert isinstance(output, list) and [o["event"] for o in output] == [
        "concern-raised", "assessment-started", "formal-action", "suspension", "referral"]
    assert output[0]["period"] == str(timezone.localdate().year) and output[0]["dimension"] == "sex"
    # Everyone was recorded as female; no sex headcounts were imported.
    assert output[0]["results"][0]["group"] == "Female" and output[0]["results"][0]["events"] == 23


def test_database_mode_mistakes_exit_2(populated, other_org):
    for args in (["--organisation", "nowhere"], [], ["--group", "religion"], ["--event", "dismissal"],
                 ["--period", "last year", "--organisation", "north"], ["--team", "Ward 99", "--organisation", "north"]):
        with pytest.raises(CommandError) as excinfo:
            call_command("fairness", "--json", *args, stdout=io.StringIO())
        assert excinfo.value.returncode == 2, args
