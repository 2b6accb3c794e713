"""`justculture import incidents FILE` and `justculture import workforce FILE`.

    justculture import incidents FILE --organisation SLUG --as USERNAME [--mapping NAME|PATH]
        [--batch-size N] [--dry-run] [--skip-invalid] [--report FILE] [--encoding E] [--quiet]
    justculture import workforce FILE --organisation SLUG --as USERNAME [--mapping NAME|PATH]
        [--dry-run] [--report FILE] [--encoding E] [--quiet]

Exit status: 0 imported (or, with --dry-run, checked); 1 rows with problems (nothing imported,
unless --skip-invalid); 2 a file, mapping or argument that cannot be used (one line on stderr,
nothing imported). Progress and problems go to standard error, the summary to standard output.
See docs/import.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from justculture.core.models import Organisation, User, normalise_username
from justculture.imports import mappings
from justculture.imports.progress import ImportProgress
from justculture.imports.runner import SHOWN_PROBLEMS, BatchFailed, ProblemLog, import_incidents
from justculture.imports.services import ImportRuleError
from justculture.imports.source import FileProblem, check_encoding
from justculture.imports.workforce import import_workforce


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = "Import incidents or workforce headcounts from a CSV export."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, metavar="incidents|workforce")
        for name, text in (("incidents", "Incidents from an incident-management system's CSV export."),
                           ("workforce", "Workforce headcounts (the fairness denominators) from a CSV file.")):
            p = sub.add_parser(name, help=text)
            p.add_argument("file", metavar="FILE", help="The CSV file.")
            p.add_argument("--organisation", metavar="SLUG", required=True, help="The organisation to import into.")
            p.add_argument("--as", dest="as_user", metavar="USERNAME", required=True,
                           help="The user the import is done as: recorded as creator and in the audit log, "
                                "and whose permissions apply.")
            p.add_argument("--mapping", metavar="NAME|PATH",
                           help=f"A packaged mapping ({', '.join(mappings.preset_names(name))}) or a mapping "
                                f"file; default {mappings.default_mapping_name(name)}.")
            p.add_argument("--encoding", metavar="E", help="The file's text encoding if not the mapping's "
                           "(utf-8, cp1252 or latin-1).")
            p.add_argument("--dry-run", action="store_true", help="Check the file and say what would happen; "
                           "write nothing.")
            p.add_argument("--report", metavar="FILE", help="Also write every problem to this CSV file "
                           "(file, row, column, problem).")
            p.add_argument("--quiet", action="store_true", help="No progress on standard error.")
            if name == "incidents":
                p.add_argument("--batch-size", type=int, default=1000, metavar="N",
                               help="Rows per transaction (default 1000).")
                p.add_argument("--skip-invalid", action="store_true",
                               help="Import the valid rows even if some rows have problems (those are reported "
                                    "and left out).")

    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        path = Path(options["file"])
        label = options["file"]
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise _fail(f"No organisation with slug '{options['organisation']}'.")
        user = User.objects.filter(username=normalise_username(options["as_user"]), is_active=True).first()
        if user is None:
            raise _fail(f"No active user called '{options['as_user']}'.")
        if user.organisation_id != organisation.pk:
            raise _fail(f"{user.username} is not a member of {organisation.slug}.")
        batch_size = options.get("batch_size")
        batch_size = 1000 if batch_size is None else batch_size
        if batch_size < 1 or batch_size > 50_000:
            raise _fail("--batch-size must be between 1 and 50000.")
        encoding = options.get("encoding")
        if encoding:
            try:
                check_encoding(encoding)
            except ValueError as exc:
                raise _fail(f"--encoding: {exc}") from None
        try:
            mapping = mappings.load(options.get("mapping"), what)
        except mappings.MappingError as exc:
            raise _fail(f"mapping {exc}") from None
        report = Path(options["report"]) if options.get("report") else None
        if report is not None and report.resolve() == path.resolve():
            raise _fail("--report must name another file than the one being imported.")
        if report is not None and not report.parent.is_dir():
            raise _fail(f"--report: there is no folder {report.parent} to write {report.name} in.")
        size = path.stat().st_size if path.is_file() else 0
        progress = ImportProgress(sys.stderr, size, enabled=not options["quiet"])
        try:
            if what == "incidents":
                self._incidents(path, label, organisation, mapping, user, encoding, batch_size, options, report,
                                progress)
            else:
                self._workforce(path, label, mapping, user, encoding, options, report, progress)
        except FileProblem as exc:
            if report is not None:
                log = ProblemLog(label, report)
                log.add_file_problem(exc)
                log.close()
            raise _fail(str(exc)) from None
        except (PermissionDenied, ImportRuleError) as exc:
            raise _fail(str(exc)) from None
        except BatchFailed as exc:
            raise CommandError(str(exc), returncode=1) from None

    def _incidents(self, path: Path, label: str, organisation: Organisation, mapping: mappings.Mapping,
                   user: User, encoding: str | None, batch_size: int, options: dict[str, Any],
                   report: Path | None, progress: ImportProgress) -> None:
        outcome = import_incidents(
            path=path, label=label, organisation=organisation, mapping=mapping, by=user, encoding=encoding,
            batch_size=batch_size, dry_run=options["dry_run"], skip_invalid=options["skip_invalid"],
            report=report, progress=progress,
        )
        self._problems(outcome.problems, outcome.problem_count, report)
        if outcome.stopped:
            raise CommandError(
                f"{label}: {outcome.invalid:,} of {outcome.rows:,} rows have problems; nothing was imported. "
                "Correct them (or use --skip-invalid to import the other rows) and run the import again.",
                returncode=1,
            )
        skipped = f", {outcome.invalid:,} rows with problems left out" if outcome.invalid else ""
        if outcome.dry_run:
            self.stdout.write(
                f"Dry run: {outcome.rows:,} rows checked; {outcome.created:,} incidents would be created, "
                f"{outcome.already_imported:,} are already imported{skipped}. Nothing was written."
            )
        else:
            self.stdout.write(
                f"Imported {label}: {outcome.created:,} incidents created, {outcome.already_imported:,} already "
                f"imported (left unchanged){skipped}; {outcome.batches:,} batches in {outcome.seconds:.1f} s."
            )

    def _workforce(self, path: Path, label: str, mapping: mappings.Mapping, user: User, encoding: str | None,
                   options: dict[str, Any], report: Path | None, progress: ImportProgress) -> None:
        outcome = import_workforce(path=path, label=label, mapping=mapping, by=user, encoding=encoding,
                                   dry_run=options["dry_run"], progress=progress)
        if outcome.problems:
            log = ProblemLog(label, report)
            for problem in outcome.problems:
                log.add(problem)
            log.close()
            self._problems(log.shown, log.count, report)
            raise CommandError(f"{label}: {len({p.row for p in outcome.problems}):,} rows have problems; nothing "
                               "was imported. Correct them and run the import again.", returncode=1)
        assert outcome.summary is not None
        if outcome.dry_run:
            self.stdout.write(f"Dry run: {outcome.summary.words} Nothing was written.")
        else:
            self.stdout.write(f"Imported {label}: {outcome.summary.words}")

    def _problems(self, shown: list[str], count: int, report: Path | None) -> None:
        for line in shown:
            self.stderr.write(line)
        if count > SHOWN_PROBLEMS:
            where = f" (all of them are in {report})" if report else " (use --report FILE to list them all)"
            self.stderr.write(f"... and {count - SHOWN_PROBLEMS:,} more problems{where}.")
