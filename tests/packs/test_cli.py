"""`justculture pack`: each format, standard output for JSON, and clear errors with exit code 2."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from justculture.cases.models import Case
from justculture.core import audit
from justculture.core.models import AuditEvent

SCRIPT = Path(sys.executable).with_name("justculture")


def pack(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("pack", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("fmt", ["pdf", "json", "zip"])
def test_each_format_is_written_to_a_private_file(decided_case: Case, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"pack.{fmt}"
    out, _ = pack("C-0001", "--format", fmt, "--out", str(target))
    data = target.read_bytes()
    assert out.startswith(f"Wrote the {'zip with evidence' if fmt == 'zip' else fmt.upper()} pack for case C-0001 (demo)")
    assert str(target.resolve()) in out and f"{len(data)} bytes" in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    if fmt == "pdf":
        assert data.startswith(b"%PDF-")
    elif fmt == "json":
        assert json.loads(data)["cover"]["case_reference"] == "C-0001"
    else:
        assert "pack.pdf" in zipfile.ZipFile(target).namelist()
    [event] = AuditEvent.objects.filter(case_id=decided_case.pk, action="pack.generate")
    assert event.actor == "system" and event.changes["format"] == fmt
    assert list(tmp_path.glob(".*part")) == []


def test_json_can_go_to_standard_output(decided_case: Case) -> None:
    out, _ = pack("C-0001", "--format", "json", "--out", "-")
    assert json.loads(out)["cover"]["professional"]["name"] == "Adaeze Nwosu"


def test_patient_details_with_a_reason(patient_case: Case, tmp_path: Path) -> None:
    target = tmp_path / "full.json"
    out, _ = pack("C-0001", "--format", "json", "--out", str(target), "--include-patient-details",
                  "--reason", "Regulator's request")
    assert "with patient details" in out and "Jane Mary Doe" in target.read_text()
    # The reason is free text, never recorded in the audit log.
    assert AuditEvent.objects.get(action="pack.patient-details-included").changes["reason"] == audit.FREE_TEXT
    pack("C-0001", "--format", "json", "--out", str(tmp_path / "redacted.json"))
    assert "Jane" not in (tmp_path / "redacted.json").read_text()


def _error(*args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        pack(*args)
    assert caught.value.returncode == 2
    assert "\n" not in str(caught.value)
    return caught.value


def test_errors(decided_case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = str(folder / "x.pdf")
    assert "No case with reference 'C-9999'" in str(_error("C-9999", "--out", out))
    assert "No organisation with slug 'nowhere'. Known: demo." in str(
        _error("C-0001", "--organisation", "nowhere", "--out", out))
    assert "needs --reason" in str(_error("C-0001", "--out", out, "--include-patient-details"))
    assert "only used with --include-patient-details" in str(_error("C-0001", "--out", out, "--reason", "x"))
    assert "cannot be written to standard output" in str(_error("C-0001", "--format", "pdf", "--out", "-"))
    assert "does not exist" in str(_error("C-0001", "--out", str(folder / "missing" / "x.pdf")))
    assert "is a folder" in str(_error("C-0001", "--out", str(folder)))
    assert not AuditEvent.objects.filter(action__startswith="pack.").exists()
    assert list(folder.iterdir()) == []


def test_a_reference_in_several_organisations_needs_the_organisation(
    decided_case: Case, case: Case, tmp_path: Path
) -> None:
    # The fixture case is C-0001 of "north"; the demo's decided case is C-0001 of "demo".
    assert case.reference == decided_case.reference == "C-0001"
    message = str(_error("C-0001", "--out", str(tmp_path / "x.json")))
    assert "several organisations (demo, north)" in message and "--organisation" in message
    out, _ = pack("C-0001", "--organisation", "north", "--format", "json", "--out", str(tmp_path / "n.json"))
    assert "(north)" in out
    assert json.loads((tmp_path / "n.json").read_text())["cover"]["organisation"]["slug"] == "north"


def test_the_console_script_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
           "JUSTCULTURE_DATA_DIR": str(tmp_path)}
    subprocess.run([str(SCRIPT), "migrate", "--verbosity", "0"], env=env, check=True, timeout=180,
                   capture_output=True)
    result = subprocess.run([str(SCRIPT), "pack", "C-0404", "--format", "json", "--out", str(tmp_path / "x.json")],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == ["CommandError: No case with reference 'C-0404'."]
