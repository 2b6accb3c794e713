"""The real console script against a file database of its own, as an operator runs it: exit codes,
standard output and standard error exactly as a person (or a monitoring job) sees them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("justculture")

WRITE_EVENTS = """
from justculture.core import services
org = services.organisation_create(slug="west", name="West Hospitals NHS Trust")
team = services.team_create(organisation=org, name="Ward 9", site="General")
for number in range(5):
    services.user_create(organisation=org, username=f"nurse{number}", password=None)
"""


@pytest.fixture
def database(tmp_path: Path) -> dict[str, str]:
    """Environment for a migrated SQLite file holding events written through the services."""
    env = {
        **os.environ, "DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
        "JUSTCULTURE_DATA_DIR": str(tmp_path / "var"),
    }
    for args in (["migrate", "--noinput"], ["shell", "--no-imports", "-c", WRITE_EVENTS]):
        done = subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120)


def test_verify_as_a_user_runs_it_then_after_a_row_is_edited_in_the_database(database: dict[str, str]) -> None:
    intact = run(database, "audit", "verify")
    assert intact.returncode == 0
    assert intact.stdout == "Audit log intact: 7 events checked, chain head matches.\n"
    assert intact.stderr == ""

    path = database["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        at = db.execute("SELECT at FROM core_auditevent WHERE id = 4").fetchone()[0]
        db.execute("UPDATE core_auditevent SET summary = 'User nurse1 created (approved)' WHERE id = 4")
    db.close()

    broken = run(database, "audit", "verify")
    assert broken.returncode == 1
    assert broken.stdout == ""
    lines = broken.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Audit log broken: event 4 (")
    assert "was altered after it was written" in lines[0]
    assert str(at)[:19].replace("T", " ") in lines[0]
    assert "\x1b[" not in broken.stderr  # plain text when not a terminal

    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM core_auditevent WHERE id >= 4")
    db.close()
    truncated = run(database, "audit", "verify")
    assert truncated.returncode == 1
    assert "truncated after event 3" in truncated.stderr


def test_mistakes_in_the_arguments_exit_2(database: dict[str, str], tmp_path: Path) -> None:
    wrong = run(database, "audit", "export", "--since", "2025-02-30", "--until", "2025-03-01",
                "--format", "csv", "--out", str(tmp_path / "out.csv"))
    assert wrong.returncode == 2 and "--since must be a real date" in wrong.stderr
    assert not (tmp_path / "out.csv").exists()
    missing = run(database, "audit")
    assert missing.returncode != 0 and "verify" in missing.stderr
