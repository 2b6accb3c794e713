"""`justculture insights factors`: JSON and table output, filters, suppression, and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from justculture.core import services as core_services
from tests.insights.conftest import local

pytestmark = pytest.mark.django_db

SCRIPT = Path(sys.executable).with_name("justculture")


def run_json(*args: str) -> dict:
    out = StringIO()
    call_command("insights", "factors", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def data(build, team, other_team):
    build.many(11, team, local(2025, 1, 10), factors=["staffing"])
    build.many(2, team, local(2025, 3, 10), factors=["staffing", "distractions"])
    build.many(3, other_team, local(2025, 3, 10), factors=["staffing"], absent=["distractions"])


def cases(payload: dict) -> dict[str, int | None]:
    return {f["factor"]: f["cases"] for f in payload["factors"]}


def test_json_lists_every_factor_with_suppression_by_default(data, org):
    payload = run_json()
    assert payload["organisation"] == "north" and payload["since"] is None and payload["team"] is None
    assert payload["suppression_threshold"] == 10 and payload["exact"] is False
    first = payload["factors"][0]
    assert first == {"factor": "staffing", "title": "Staffing, skill mix and workload", "cases": 16,
                     "suppressed": False}
    distractions = next(f for f in payload["factors"] if f["factor"] == "distractions")
    assert distractions["cases"] is None and distractions["suppressed"] is True
    assert len(payload["factors"]) == 10


def test_exact_json_matches_the_hand_built_data(data):
    payload = run_json("--exact")
    assert payload["exact"] is True
    counts = cases(payload)
    assert counts["staffing"] == 16 and counts["distractions"] == 2 and counts["management"] == 0


def test_since_and_team_filter_the_counts(data, team):
    payload = run_json("--exact", "--since", "2025-03-01", "--team", "Ward 7", "--organisation", "north")
    assert payload["since"] == "2025-03-01" and payload["team"] == "Ward 7"
    assert cases(payload)["staffing"] == 2 and cases(payload)["distractions"] == 2
    # Team names match whatever their case.
    assert run_json("--exact", "--team", "maternity")["team"] == "Maternity"


def test_readable_table(data):
    out = StringIO()
    call_command("insights", "factors", stdout=out)
    text = out.getvalue()
    assert "North Hospitals NHS Trust (north)" in text
    assert "16  Staffing, skill mix and workload (staffing)" in text
    assert "fewer than 10  Distractions and interruptions (distractions)" in text
    assert "counts below 10 hidden" in text.lower()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2025-02-30"], "--since must be a real date written YYYY-MM-DD"),
        (["--since", "yesterday"], "not 'yesterday'"),
        (["--since", "20250101"], "YYYY-MM-DD"),
        (["--team", "Ward 99"], "No team called 'Ward 99' in north. Teams: Maternity, Ward 7."),
        (["--organisation", "west"], "No organisation with slug 'west'. Known: north."),
    ],
)
def test_mistakes_exit_2_with_a_clear_message(data, args, message):
    with pytest.raises(CommandError) as error:
        call_command("insights", "factors", "--json", *args, stdout=StringIO())
    assert error.value.returncode == 2
    assert message in str(error.value)


def test_several_organisations_need_one_named(data, other_org):
    with pytest.raises(CommandError) as error:
        call_command("insights", "factors", "--json", stdout=StringIO())
    assert error.value.returncode == 2
    assert "name one with --organisation" in str(error.value) and "north, south" in str(error.value)


def test_another_organisations_cases_are_not_counted(data, other_org, build):
    elsewhere = core_services.team_create(organisation=other_org, name="Ward 7")
    build.many(4, elsewhere, local(2025, 3, 10), factors=["management"])
    assert cases(run_json("--exact", "--organisation", "north"))["management"] == 0
    south = run_json("--exact", "--organisation", "south")
    assert cases(south)["management"] == 4 and cases(south)["staffing"] == 0


def test_no_organisations_at_all(db):
    with pytest.raises(CommandError, match="no organisations yet"):
        call_command("insights", "factors", stdout=StringIO())


def test_the_console_script_exits_2_on_a_bad_date():
    env = {**os.environ, "DEBUG": "true", "JUSTCULTURE_DATA_DIR": os.environ.get("TMPDIR", "/tmp") + "/jc-cli"}
    result = subprocess.run([str(SCRIPT), "insights", "factors", "--json", "--since", "31/01/2025"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "YYYY-MM-DD" in result.stderr
