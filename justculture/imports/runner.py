"""Running an incident import: a checking pass over the whole file, then the import in batches.

Pass 1 reads every row and checks it without writing anything; each problem goes to the report
as soon as it is found. Unless ``skip_invalid`` is set, any problem stops the import there and
nothing is written. Pass 2 reads the file again and hands valid rows to the batch service, one
transaction per batch. Both passes hold one batch of rows at most, so memory does not grow with
the size of the file. The command, the tests and the benchmark all run this same code.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.db import DatabaseError, connection
from django.utils import timezone

from justculture.cases.models import Incident
from justculture.core.models import Organisation, User
from justculture.imports import selectors, services
from justculture.imports.mappings import Mapping
from justculture.imports.progress import ImportProgress
from justculture.imports.rows import Columns, IncidentConverter, IncidentRow, Problem
from justculture.imports.source import CsvSource, FileProblem

SHOWN_PROBLEMS = 20
PROGRESS_EVERY_ROWS = 2000


class BatchFailed(Exception):
    """The database refused a batch (which rolled back); the message says which rows and what next."""


class ProblemLog:
    """Every problem found: counted, the first few kept to print, all written to the report file."""

    def __init__(self, label: str, report: Path | None) -> None:
        self.label = label
        self.count = 0
        self.shown: list[str] = []
        self._file: TextIO | None = None
        self._writer: csv.DictWriter[str] | None = None
        if report is not None:
            self._file = report.open("w", encoding="utf-8", newline="")
            self._writer = csv.DictWriter(self._file, fieldnames=["file", "row", "column", "problem"])
            self._writer.writeheader()

    def add(self, problem: Problem) -> None:
        self.count += 1
        if len(self.shown) < SHOWN_PROBLEMS:
            self.shown.append(problem.text(self.label))
        if self._writer is not None:
            self._writer.writerow({"file": self.label, "row": problem.row, "column": problem.column,
                                   "problem": problem.message})

    def add_file_problem(self, problem: FileProblem) -> None:
        if self._writer is not None:
            self._writer.writerow({"file": problem.file, "row": problem.row or "", "column": problem.column or "",
                                   "problem": problem.message})

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass
class Outcome:
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    created: int = 0
    already_imported: int = 0
    batches: int = 0
    stopped: bool = False  # problems were found and nothing was imported
    dry_run: bool = False
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    sha256: str = ""


def import_incidents(
    *,
    path: Path,
    label: str,
    organisation: Organisation,
    mapping: Mapping,
    by: User,
    encoding: str | None = None,
    batch_size: int = 1000,
    dry_run: bool = False,
    skip_invalid: bool = False,
    report: Path | None = None,
    progress: ImportProgress | None = None,
) -> Outcome:
    """Check and import one incident file. Raises FileProblem for a file that cannot be read at all."""
    started = time.perf_counter()
    outcome = Outcome(dry_run=dry_run)
    log = ProblemLog(label, report)
    size = path.stat().st_size if path.is_file() else 0
    bar = progress or ImportProgress(io.StringIO(), size, enabled=False)
    teams, team_names = selectors.team_lookup(organisation)
    allowed = selectors.teams_user_may_record(by)
    use_encoding = encoding or mapping.encoding
    try:
        # Pass 1: check every row, write nothing.
        bar.start(f"Checking {label}")
        with CsvSource(path, label=label, encoding=use_encoding, on_bytes=bar.add_bytes) as source:
            converter = IncidentConverter(
                mapping, Columns(mapping, source.header, label), teams=teams, team_names=team_names,
                allowed_teams=allowed, username=by.username, now=timezone.now(),
            )
            for number, values in source.rows():
                outcome.rows += 1
                row, problems = converter.convert(number, values)
                if row is None:
                    outcome.invalid += 1
                    for problem in problems:
                        log.add(problem)
                else:
                    outcome.valid += 1
                if outcome.rows % PROGRESS_EVERY_ROWS == 0:
                    bar.update(outcome.rows)
            sha256 = source.sha256
        bar.finish(outcome.rows)
        outcome.sha256 = sha256
        if outcome.rows == 0:
            raise FileProblem(label, None, None, "the file has a header but no rows of incidents under it.")
        outcome.problem_count = log.count
        outcome.problems = list(log.shown)
        if log.count and not skip_invalid:
            outcome.stopped = True
            return outcome

        # Pass 2: import the valid rows, one transaction per batch.
        statistics = _PlannerStatistics()
        bar.start(f"{'Comparing' if dry_run else 'Importing'} {label}")
        done = 0
        batch: list[IncidentRow] = []

        def flush() -> None:
            if not batch:
                return
            if dry_run:
                held = selectors.existing_source_references(
                    organisation, mapping.source_system, [r.source_reference for r in batch])
                fresh = {r.source_reference for r in batch} - held
                outcome.created += len(fresh)
                outcome.already_imported += len(batch) - len(fresh)
            else:
                try:
                    result = services.incidents_import_batch(
                        organisation=organisation, rows=batch, source_system=mapping.source_system,
                        file_label=label, file_sha256=sha256, by=by,
                    )
                except DatabaseError as exc:
                    # The batch's transaction rolled back; the batches before it stay complete.
                    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                    raise BatchFailed(
                        f"{label}, rows {batch[0].row}-{batch[-1].row}: the database refused this batch "
                        f"({first_line[:200]}); nothing of it was written. {outcome.created:,} incidents from "
                        "earlier batches are saved: correct the problem and run the same import again.",
                    ) from exc
                outcome.created += result.created
                outcome.already_imported += result.already_imported
                if outcome.created >= statistics.next_at:
                    statistics.refresh(outcome.created)
            outcome.batches += 1
            batch.clear()

        with CsvSource(path, label=label, encoding=use_encoding, on_bytes=bar.add_bytes) as source:
            converter = IncidentConverter(
                mapping, Columns(mapping, source.header, label), teams=teams, team_names=team_names,
                allowed_teams=allowed, username=by.username, now=timezone.now(),
            )
            for number, values in source.rows():
                done += 1
                row, _problems = converter.convert(number, values)
                if row is not None:
                    batch.append(row)
                    if len(batch) >= batch_size:
                        flush()
                if done % PROGRESS_EVERY_ROWS == 0:
                    bar.update(done)
            flush()
            if source.sha256 != sha256:
                raise FileProblem(label, None, None, "the file changed while it was being imported. The batches "
                                  "already written are complete; run the import again to finish it.")
        bar.finish(done)
        return outcome
    finally:
        outcome.seconds = time.perf_counter() - started
        log.close()



class _PlannerStatistics:
    """Keeps PostgreSQL's statistics on the incident table fresh while a large import fills it.

    Each batch looks its keys up through the source-key index. Statistics taken when the table
    was small (or empty) make the planner scan the whole organisation's incidents instead, so each
    look-up would cost more as the import goes on. Autovacuum refreshes them eventually, but it
    may be slow or switched off, so the import runs ANALYZE itself after 2,000 created rows and
    then each time the count has grown fourfold: a handful of times in a million rows, each a
    sample of the table taking a fraction of a second. Nothing here changes any data.
    """

    def __init__(self) -> None:
        self.enabled = connection.vendor == "postgresql"
        self.next_at = 2000 if self.enabled else 1 << 62

    def refresh(self, created: int) -> None:
        self.next_at = created * 4
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(Incident._meta.db_table)}")
        except DatabaseError:
            # Without the right to ANALYZE (not the table's owner) the import still works, slower.
            self.enabled = False
            self.next_at = 1 << 62
