"""Settings come from the environment; production refuses to start with settings missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("justculture")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}}
    return subprocess.run([str(SCRIPT), *args], env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_production_without_secret_key_or_hosts_stops_with_a_clear_message(tmp_path):
    result = run({"DEBUG": "false", "JUSTCULTURE_DATA_DIR": str(tmp_path)}, "check")
    assert result.returncode == 2
    assert result.stderr.startswith("justculture: configuration error: Production settings are incomplete")
    assert "Traceback" not in result.stderr
    assert "SECRET_KEY" in result.stderr and "ALLOWED_HOSTS" in result.stderr


def test_production_with_its_settings_starts(tmp_path):
    env = {"DEBUG": "false", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "jc.example.org",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "JUSTCULTURE_DATA_DIR": str(tmp_path)}
    result = run(env, "check")
    assert result.returncode == 0, result.stderr


def test_a_malformed_boolean_is_named(tmp_path):
    result = run({"DEBUG": "maybe", "JUSTCULTURE_DATA_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0 and "DEBUG must be true or false" in result.stderr


def test_local_use_needs_only_debug_turned_on(tmp_path):
    result = run({"DEBUG": "true", "JUSTCULTURE_DATA_DIR": str(tmp_path)}, "check")
    assert result.returncode == 0, result.stderr
