"""`justculture retention list|erase` and `justculture sar`: output, --yes, and one-line errors."""

from __future__ import annotations

import json
import stat
import zipfile
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from justculture.cases.models import Case, Person
from justculture.core.models import AuditEvent, Organisation
from justculture.fairness.models import WorkforceFigure
from tests.retention.conftest import Built, years_on


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fail(*args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2
    assert "\n" not in str(caught.value)
    return caught.value


@pytest.fixture
def old_figure(org: Organisation, admin: Any) -> WorkforceFigure:
    """A workforce figure imported eight years ago (past its seven-year period)."""
    figure = WorkforceFigure.objects.create(organisation=org, period="2018", dimension="sex", group="female",
                                            headcount=400, imported_by=admin)
    WorkforceFigure.objects.filter(pk=figure.pk).update(imported_at=timezone.now() - timedelta(days=8 * 366))
    return figure


def test_list_prints_a_table_and_json(full: Built, old_figure: WorkforceFigure) -> None:
    out, _ = run("retention", "list")
    assert out.splitlines()[0] == "Expired:"
    assert "workforce-figures  workforce-figure  2018 sex female" in out
    assert full.case.reference not in out
    out, _ = run("retention", "list", "--organisation", "north", "--as-of", years_on(6).isoformat(), "--json")
    rows = json.loads(out)
    assert [(r["record_type"], r["organisation"]) for r in rows] == [
        ("case", "north"), ("person", "north"), ("workforce-figure", "north")]
    assert rows[0]["reference"] == full.case.reference and rows[0]["expiry_date"] == years_on(6).isoformat()
    assert Case.objects.count() == 1 and WorkforceFigure.objects.count() == 1


def test_erase_without_yes_only_lists_and_exits_1(old_figure: WorkforceFigure) -> None:
    with pytest.raises(SystemExit) as caught:
        run("retention", "erase")
    assert caught.value.code == 1
    assert WorkforceFigure.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="retention.").exists()


def test_erase_with_yes_erases_and_reports(old_figure: WorkforceFigure, full: Built, make_case: Any,
                                           handler: Any, django_capture_on_commit_callbacks: Any) -> None:
    long_ago = timezone.now() - timedelta(days=7 * 366)
    # A case closed long ago with no status change in the audit log (loaded from elsewhere): its
    # last update stands in for the closing date.
    legacy = make_case(handler, name="Lee Legacy")
    Case.objects.filter(pk=legacy.pk).update(status="closed", updated_at=long_ago)
    # The other case's closing is in the audit log, which wins over a stale update time.
    Case.objects.filter(pk=full.case.pk).update(updated_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        out, err = run("retention", "erase", "--organisation", "north", "--yes")
    assert out.splitlines()[0] == "Erased:"
    assert f"closed-case        case              {legacy.reference}" in out
    assert "workforce-figure" in out and WorkforceFigure.objects.count() == 0
    assert "2 expired entries erased (3 records, 0 evidence files removed)." in out and err == ""
    assert not Case.objects.filter(pk=legacy.pk).exists() and Case.objects.filter(pk=full.case.pk).exists()
    # The professional's record was created today, so it stays until a year after that.
    assert Person.objects.filter(name="Lee Legacy").exists()
    assert sorted(AuditEvent.objects.filter(action="retention.erase").values_list("object_type", flat=True)) == [
        "act", "case", "workforcefigure"]


def test_retention_argument_mistakes_exit_2(db: Any) -> None:
    assert str(fail("retention", "list", "--organisation", "nowhere")).startswith("No organisation with slug 'nowhere'")
    assert "--as-of must be a date" in str(fail("retention", "list", "--as-of", "tomorrow"))


def test_sar_writes_a_private_zip(full: Built, tmp_path: Path) -> None:
    target = tmp_path / "sar.zip"
    out, _ = run("sar", str(full.person.pk), "--out", str(target))
    assert f"professional record {full.person.pk} (north)" in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    names = zipfile.ZipFile(target).namelist()
    assert {"subject-access.json", "summary.txt", "MANIFEST.sha256"} <= set(names)
    assert any(n.startswith(f"files/{full.case.reference}/") for n in names)
    event = AuditEvent.objects.get(action="special-category.view", object_type="subject-access")
    assert event.actor == "system" and event.object_id == str(full.person.pk)


def test_sar_mistakes_exit_2_with_one_line(full: Built, tmp_path: Path, other_org: Organisation) -> None:
    out = str(tmp_path / "x.zip")
    assert str(fail("sar", "999999", "--out", out, "--organisation", "north")) == (
        "No professional with record id 999999 in organisation 'north'.")
    assert str(fail("sar", "abc", "--out", out)) == "PERSON must be a professional's record id (a whole number), not 'abc'."
    # Two organisations: the person's must be named, and a person of another one is not found.
    assert "choose one with --organisation" in str(fail("sar", str(full.person.pk), "--out", out))
    assert "No professional with record id" in str(fail("sar", str(full.person.pk), "--out", out,
                                                         "--organisation", "south"))
    assert "does not exist" in str(fail("sar", str(full.person.pk), "--out", str(tmp_path / "no" / "x.zip")))
    assert str(fail("sar", str(full.person.pk), "--out", out, "--organisation", "north",
                    "--include-patient-details")) == "Give the reason for including patient details."
    assert not Path(out).exists()
    assert Person.objects.count() == 1
