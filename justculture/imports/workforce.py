"""Importing workforce headcounts from an export, through the fairness import service.

The export is read row by row and each row is rewritten, through the column mapping, into the
fairness workforce layout (period, group, headcount, team, dimension), which the fairness service
checks and imports. Workforce files hold figures, not people (at most 100,000 rows), and a file
replaces the figures it covers, so it is imported whole in one transaction: all or nothing.
Importing the same file again replaces the figures with the same figures.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from justculture.core.models import User
from justculture.fairness import csvfiles
from justculture.fairness.services import ImportSummary, workforce_import
from justculture.imports.mappings import WORKFORCE_FIELDS, Mapping
from justculture.imports.progress import ImportProgress
from justculture.imports.rows import Columns, Problem
from justculture.imports.source import CsvSource, FileProblem


class _DryRun(Exception):
    def __init__(self, summary: ImportSummary) -> None:
        self.summary = summary


@dataclass
class WorkforceOutcome:
    summary: ImportSummary | None
    problems: list[Problem]
    dry_run: bool


def _lines(source: CsvSource, columns: Columns, mapping: Mapping, progress: ImportProgress) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    names = [n for n in WORKFORCE_FIELDS if n in mapping.fields]
    writer.writerow(names)
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    last = 1
    count = 0
    for number, values in source.rows():
        # One line out for each row in, blank ones included, so row numbers stay the file's own.
        for _ in range(number - last - 1):
            yield "\r\n"
        last = number
        problem = columns.width_problem(number, values)
        if problem is not None:
            raise FileProblem(source.label, number, None, problem.message)
        writer.writerow([columns.raw(mapping.fields[n], values) for n in names])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        count += 1
        if count % 2000 == 0:
            progress.update(count)
    progress.finish(count)


def import_workforce(*, path: Path, label: str, mapping: Mapping, by: User, encoding: str | None = None,
                     dry_run: bool = False, progress: ImportProgress) -> WorkforceOutcome:
    """Import the file, or (dry run) check it and roll back. FileProblem for an unreadable file."""
    progress.start(f"{'Checking' if dry_run else 'Importing'} {label}")
    with CsvSource(path, label=label, encoding=encoding or mapping.encoding, on_bytes=progress.add_bytes) as source:
        columns = Columns(mapping, source.header, label)
        try:
            with transaction.atomic():
                summary = workforce_import(data=_lines(source, columns, mapping, progress), by=by, filename=label)
                if dry_run:
                    raise _DryRun(summary)
        except _DryRun as stop:
            return WorkforceOutcome(stop.summary, [], True)
        except csvfiles.CsvFileError as exc:
            problems = []
            for p in exc.problems:
                spec = mapping.fields.get(p.column or "")
                column = columns.first_column(spec) if spec is not None else (p.column or "")
                if p.row is None:
                    raise FileProblem(label, None, None, p.message) from None
                problems.append(Problem(p.row, column, p.message))
            return WorkforceOutcome(None, problems, dry_run)
    return WorkforceOutcome(summary, [], False)
