"""The real console script in a process of its own, against a database of its own: exit codes and
standard error as an operator sees them, and an import killed part way then simply run again."""

from __future__ import annotations

import csv
import hashlib
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

SCRIPT = Path(sys.executable).with_name("justculture")
SET_UP = """
from justculture.core import services
org = services.organisation_create(slug="west", name="West Hospitals NHS Trust")
for name in ("Ward 7", "Maternity", "Theatres"):
    services.team_create(organisation=org, name=name)
services.user_create(organisation=org, username="importer", password=None, roles_held=[("case-handler", None)])
"""
HEADER = ["reference", "occurred_at", "team", "description", "location", "external_reference", "patient_name",
          "patient_identifier"]
TEAMS = ("Ward 7", "Maternity", "Theatres")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A migrated database with one organisation, its teams and an importing user.

    On PostgreSQL (DATABASE_URL set to one) a database of its own is created beside the given one
    and dropped afterwards; otherwise a SQLite file in a temporary folder.
    """
    folder = tmp_path_factory.mktemp("import-console")
    given = os.environ.get("DATABASE_URL", "")
    admin = None
    if given.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"jc_import_console_{secrets.token_hex(4)}"
        admin = psycopg.connect(given, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit(urlsplit(given)._replace(path=f"/{name}"))
    else:
        name = ""
        url = f"sqlite:///{folder / 'import.sqlite3'}"
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": url, "JUSTCULTURE_DATA_DIR": str(folder / "var")}
    for args in (["migrate", "--noinput"], ["shell", "--no-imports", "-c", SET_UP]):
        done = subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    try:
        yield {"env": env, "url": url, "folder": folder}
    finally:
        if admin is not None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


def query(database: dict[str, Any], sql: str) -> list[tuple[Any, ...]]:
    url: str = database["url"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20) as db:
            result = db.execute(sql).fetchall()
        db.close()
        return result
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        return db.execute(sql).fetchall()  # type: ignore[arg-type]


def count(database: dict[str, Any], sql: str) -> int:
    return int(query(database, sql)[0][0])


def run(database: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "import", *args], env=database["env"], capture_output=True, text=True,
                          timeout=300)


def write_rows(path: Path, total: int, prefix: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(total):
            writer.writerow([f"{prefix}{n:06d}", f"2024-{1 + n % 12:02d}-{1 + n % 28:02d} 10:{n % 60:02d}",
                             TEAMS[n % 3], f"Generated incident number {n}", "Bay 1", "", "", ""])


def test_an_import_killed_part_way_leaves_whole_batches_and_a_rerun_completes_it_without_duplicates(
    database: dict[str, Any],
) -> None:
    path = database["folder"] / "big.csv"
    total, batch = 12_000, 200
    write_rows(path, total, "K")
    mine = "organisation_id = (SELECT id FROM core_organisation WHERE slug = 'west') AND source_reference LIKE 'K%'"
    process = subprocess.Popen(
        [str(SCRIPT), "import", "incidents", str(path), "--organisation", "west", "--as", "importer",
         "--batch-size", str(batch)], env=database["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 240
    created = 0
    while time.monotonic() < deadline and process.poll() is None:
        created = count(database, f"SELECT COUNT(*) FROM cases_incident WHERE {mine}")
        if created >= 3 * batch:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the import finished before it could be killed; use a bigger file"
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL

    after_kill = count(database, f"SELECT COUNT(*) FROM cases_incident WHERE {mine}")
    batches = count(database, "SELECT COUNT(*) FROM core_auditevent WHERE action = 'incident.import' "
                              f"AND CAST(changes AS TEXT) LIKE '%{hashlib.sha256(path.read_bytes()).hexdigest()}%'")
    assert 0 < after_kill < total
    assert after_kill % batch == 0, f"{after_kill} incidents: a batch was left half written"
    assert batches == after_kill // batch  # one audit event for each whole batch, none for the lost one

    rerun = run(database, "incidents", str(path), "--organisation", "west", "--as", "importer", "--batch-size",
                str(batch))
    assert rerun.returncode == 0, rerun.stderr
    assert f"{total - after_kill:,} incidents created, {after_kill:,} already imported" in rerun.stdout
    assert count(database, f"SELECT COUNT(*) FROM cases_incident WHERE {mine}") == total
    assert count(database, f"SELECT COUNT(DISTINCT source_reference) FROM cases_incident WHERE {mine}") == total
    assert count(database, f"SELECT COUNT(DISTINCT reference) FROM cases_incident WHERE {mine}") == total
    verify = subprocess.run([str(SCRIPT), "audit", "verify"], env=database["env"], capture_output=True, text=True,
                            timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_file_that_cannot_be_used_exits_2_with_one_line_naming_it_and_writes_nothing(
    database: dict[str, Any],
) -> None:
    # Each kind of unusable file is covered in process by test_bad_files.py; this is the console view.
    path = database["folder"] / "latin.csv"
    path.write_bytes("reference,occurred_at,team,description\r\nA,2024-01-01,Ward 7,ok\r\nB,2024-01-01,Ward 7,"
                     "caf\xe9\r\n".encode("cp1252"))
    before = count(database, "SELECT COUNT(*) FROM cases_incident")
    events = count(database, "SELECT COUNT(*) FROM core_auditevent")
    done = run(database, "incidents", str(path), "--organisation", "west", "--as", "importer", "--quiet")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"CommandError: {path}, row 3: the text is not utf-8 (byte 0xe9); save the file as CSV UTF-8, or name its "
        "encoding with --encoding (for example cp1252 for older Windows exports)."
    ]
    assert count(database, "SELECT COUNT(*) FROM cases_incident") == before
    assert count(database, "SELECT COUNT(*) FROM core_auditevent") == events


def test_progress_goes_to_standard_error_as_plain_lines_when_not_a_terminal(database: dict[str, Any]) -> None:
    path = database["folder"] / "small.csv"
    write_rows(path, 5, "P")
    done = run(database, "incidents", str(path), "--organisation", "west", "--as", "importer")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"Checking {path}: 5 rows, done, " + done.stderr.splitlines()[0].rsplit(", ", 1)[1],
        f"Importing {path}: 5 rows, done, " + done.stderr.splitlines()[1].rsplit(", ", 1)[1],
    ]
    assert done.stdout.startswith(f"Imported {path}: 5 incidents created, 0 already imported")
