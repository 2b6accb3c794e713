"""Helpers for the import tests: write CSV files and run the import command in process."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def write_csv(path: Path, rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture
def run_import() -> Callable[..., Run]:
    def run(*args: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import", *args, "--quiet", stdout=out, stderr=err)
        except CommandError as exc:
            return Run(exc.returncode, out.getvalue(), err.getvalue() + str(exc))
        return Run(0, out.getvalue(), err.getvalue())

    return run


HEADER = ["reference", "occurred_at", "team", "description", "location", "external_reference", "patient_name",
          "patient_identifier"]
