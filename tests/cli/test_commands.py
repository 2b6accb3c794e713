"""The `justculture` console script: guide commands as a user runs them, demo data, case listing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from justculture.cases.models import Case
from justculture.core.models import AuditEvent, Organisation, User

SCRIPT = Path(sys.executable).with_name("justculture")


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBUG": "true", "JUSTCULTURE_DATA_DIR": os.environ.get("TMPDIR", "/tmp") + "/jc-cli"}
    return subprocess.run([str(SCRIPT), *args], input=stdin, capture_output=True, text=True, env=env, timeout=60)


def test_evaluate_reads_a_file_and_prints_one_json_object(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"1a": "no", "2a": "no", "2b": "no", "2c": "no", "3a": "yes", "3b": "no", "5a": "no"}))
    result = run("guide", "evaluate", "--answers", str(answers))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["guide"] == "nhs-just-culture-guide" and data["version"] == "2018"
    assert data["status"] == "complete"
    assert data["outcome"]["code"] == "D" and "unlikely to be appropriate" in data["outcome"]["recommendation"]
    assert data["path"] == ["1a", "2a", "2b", "2c", "3a", "3b"]
    assert data["next_question"] is None and data["unused"] == ["5a"]


def test_evaluate_from_stdin_reports_the_next_question():
    result = run("guide", "evaluate", "--answers", "-", stdin='{"1a": "no", "2a": "unknown"}')
    data = json.loads(result.stdout)
    assert result.returncode == 0
    assert data["status"] == "incomplete" and data["outcome"] is None
    assert data["next_question"] == "2a" and data["path"] == ["1a"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"1a": "no",', "line 1, column"),
        ('{"9z": "yes"}', "9z"),
        ('{"1a": "maybe"}', "maybe"),
        ('["1a"]', "object"),
    ],
)
def test_bad_answers_exit_2_with_one_line_on_stderr_and_nothing_on_stdout(text, expected):
    result = run("guide", "evaluate", "--answers", "-", stdin=text)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]


def test_missing_answers_file_is_a_clear_error(tmp_path):
    result = run("guide", "evaluate", "--answers", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "nope.json" in result.stderr and result.stdout == ""


def test_walk_in_a_terminal_session_reaches_an_outcome():
    keys = "n\nNo intent\n" "n\nNone\n" "n\nNone\n" "n\nNone\n" "y\nPolicy exists\n" "y\nWorkable\n" \
           "y\nChose to skip\n" "y\nPeers said the same\n"
    result = run("guide", "walk", stdin=keys)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Substitution test" in out and "Question 4a" in out
    assert "Outcome E" in out
    assert "Peers said the same" in out
    assert "\x1b[" not in out  # no colour codes: plain text for screen readers


def test_show_prints_an_outline_and_another_guide_can_be_used(tmp_path):
    result = run("guide", "show")
    assert result.returncode == 0
    for token in ["1a", "5a", "Outcome A", "Outcome G"]:
        assert token in result.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(Path("justculture/guide/definitions/nhs-just-culture-guide-2018.yaml").read_text()
                      .replace("no: {question: 2a}", "no: {question: 9z}"))
    result = run("guide", "show", "--guide", str(broken))
    assert result.returncode == 2 and "9z" in result.stderr


def test_demo_is_refused_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo")
    assert not Organisation.objects.exists()


def test_demo_loads_once_through_the_services_and_prints_users(db, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("demo", "--password", "a-long-demo-password", stdout=out)
    text = out.getvalue()
    assert "matron" in text and "Case handler" in text and "a-long-demo-password" in text
    org = Organisation.objects.get(slug="demo")
    assert org.teams.count() >= 3
    statuses = set(Case.objects.filter(organisation=org).values_list("status", flat=True))
    assert {"open", "gathering", "assessing", "decided", "closed"} <= statuses
    assert Case.objects.exclude(latest_outcome="").count() >= 3
    assert AuditEvent.objects.filter(action="case.open").count() == Case.objects.count()
    counts = (Case.objects.count(), User.objects.count(), AuditEvent.objects.filter(action="case.open").count())

    out = StringIO()
    call_command("demo", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["created"] is False
    assert {u["role"] for u in data["users"]} >= {"Case handler", "Decision maker", "Auditor"}
    assert all(len(u["password"]) >= 12 for u in data["users"])
    assert (Case.objects.count(), User.objects.count(), AuditEvent.objects.filter(action="case.open").count()) == counts
    matron = User.objects.get(username="matron")
    assert matron.check_password(next(u["password"] for u in data["users"] if u["username"] == "matron"))


def test_cases_list_text_and_json(db, settings):
    settings.DEBUG = True
    call_command("demo", "--password", "a-long-demo-password", stdout=StringIO())
    out = StringIO()
    call_command("cases", "list", "--organisation", "demo", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert len(rows) == Case.objects.count()
    assert set(rows[0]) == {"organisation", "reference", "status", "team", "latest_outcome"}
    assert any(r["latest_outcome"] == "D" for r in rows)
    out = StringIO()
    call_command("cases", "list", stdout=out)
    assert "C-0001" in out.getvalue()
    with pytest.raises(CommandError, match="No organisation with slug 'nope'"):
        call_command("cases", "list", "--organisation", "nope")
