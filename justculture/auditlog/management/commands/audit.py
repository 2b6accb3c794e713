"""`justculture audit verify`, `justculture audit checkpoint` and `justculture audit export`.

verify walks the whole hash chain (a chunk at a time, so memory stays flat on any size of log).
Intact: one line on stdout, exit status 0. Broken: one line on stderr naming the first event that
does not fit and what is wrong with it, exit status 1. With ``--checkpoints FILE`` it also checks
the log against every signed checkpoint in the file.

checkpoint verifies the chain and appends its head, signed with the chain key, as one JSON line
to a file (AUDIT_CHECKPOINT_FILE or ``--out``; ``-`` for standard output, to send to the log
system); it is also logged (logger ``justculture.audit``).

export writes the events recorded between two dates (both included, in the service's time zone)
as CSV or JSON, for auditors and scripts; the export is itself recorded as ``audit.export``.

Mistakes in the arguments exit with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from justculture.auditlog import export, selectors, services
from justculture.auditlog.selectors import AuditFilters
from justculture.core.audit import CheckpointError, checkpoint, checkpoint_problem, verify_chain
from justculture.core.models import AuditEvent, Organisation

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = "Check that the audit log is intact, or export part of it."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="task", required=True)
        check = sub.add_parser(
            "verify", help="Walk the whole hash chain; exit 1 naming the first event that was altered, "
                           "removed or inserted out of band.",
        )
        # Also accepted after the task name; 2 prints the chain head's hash as well.
        check.add_argument("-v", "--verbosity", type=int, choices=[0, 1, 2, 3], default=argparse.SUPPRESS,
                           help="2 also prints the chain head's hash, to keep somewhere else.")
        check.add_argument("--checkpoints", metavar="PATH",
                           help="Also check the log against every checkpoint in this file (audit checkpoint).")
        mark = sub.add_parser("checkpoint", help="Verify the chain and append its head, signed, to a file kept "
                                                 "outside the database.")
        mark.add_argument("--out", metavar="PATH", help="File to append to (default AUDIT_CHECKPOINT_FILE); - for "
                                                       "standard output.")
        out = sub.add_parser("export", help="Write the events recorded between two dates to a CSV or JSON file.")
        out.add_argument("--since", metavar="YYYY-MM-DD", required=True, help="First day to include.")
        out.add_argument("--until", metavar="YYYY-MM-DD", required=True, help="Last day to include.")
        out.add_argument("--organisation", metavar="SLUG", help="Only this organisation's events.")
        out.add_argument("--action", metavar="ACTION", help="Only events with this action, like case.open.")
        out.add_argument("--format", dest="file_format", choices=["csv", "json"], required=True,
                         help="csv (formula-safe text for spreadsheets) or json (values exactly as stored).")
        out.add_argument("--out", metavar="PATH", required=True, help="File to write; - for standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["task"] == "verify":
            self._verify(int(options.get("verbosity", 1)), options.get("checkpoints"))
        elif options["task"] == "checkpoint":
            self._checkpoint(options.get("out") or settings.AUDIT_CHECKPOINT_FILE)
        else:
            self._export(options)

    def _verify(self, verbosity: int, checkpoints: str | None) -> None:
        lines = _checkpoint_lines(checkpoints) if checkpoints else []
        report = verify_chain()
        if not report.ok:
            self.stderr.write(f"Audit log broken: {report.problem}.")
            raise SystemExit(1)
        for number, line in lines:
            problem = checkpoint_problem(line, number)
            if problem is not None:
                self.stderr.write(f"Audit log broken: {problem}.")
                raise SystemExit(1)
        against = f", and {len(lines)} checkpoint{'' if len(lines) == 1 else 's'} hold" if checkpoints else ""
        self.stdout.write(f"Audit log intact: {report.checked} events checked, chain head matches{against}.")
        if verbosity >= 2:
            self.stdout.write(f"Chain head hash: {report.last_hash}")

    def _checkpoint(self, target: str) -> None:
        if not target:
            raise _fail("Give --out PATH (or - for standard output), or set AUDIT_CHECKPOINT_FILE.")
        if target != "-":
            _check_target(Path(target))
        try:
            body = checkpoint()
        except CheckpointError as exc:
            self.stderr.write(f"Audit log broken: {exc}.")
            raise SystemExit(1) from None
        line = json.dumps(body, sort_keys=True)
        logging.getLogger("justculture.audit").info("audit chain checkpoint %s", line)
        if target == "-":
            self.stdout.write(line)
            return
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(line + "\n")
        self.stdout.write(f"Checkpoint of {body['count']} events appended to {target}.")

    def _export(self, options: dict[str, Any]) -> None:
        since, until = _day("--since", options["since"]), _day("--until", options["until"])
        if since > until:
            raise _fail("--until must be the same day as --since or later.")
        organisation = _organisation(options.get("organisation"))
        target = options["out"]
        if target != "-":
            _check_target(Path(target))
        filters = AuditFilters(date_from=since, date_to=until, action=options.get("action") or "")
        rows: QuerySet[AuditEvent] = AuditEvent.objects.all()
        if organisation is not None:
            rows = rows.filter(organisation_id=organisation.pk)
        rows = selectors.filtered(rows, filters)
        matching = rows.count()
        event = services.record_export(
            by=None, organisation_id=organisation.pk if organisation else None, filters=filters,
            matching=matching, file_format=options["file_format"], via="command line",
        )
        # The events counted, in chain order: not the record of this export, nor anything later.
        stream = rows.filter(id__lt=event.pk).order_by("id").iterator(chunk_size=export.BATCH)
        slugs = selectors.organisation_slugs()
        if options["file_format"] == "csv":
            chunks = export.csv_chunks(stream, slugs)
        else:
            about = {
                "exported_at": event.at.isoformat(), "since": since.isoformat(), "until": until.isoformat(),
                "organisation": organisation.slug if organisation else None, "action": filters.action or None,
            }
            chunks = export.json_chunks(stream, slugs, about)
        if target == "-":
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        _write(Path(target), chunks)
        self.stdout.write(f"Exported {matching} audit event{'' if matching == 1 else 's'} to {target}.")


def _day(option: str, raw: str) -> date:
    try:
        if not _ISO_DATE.match(raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise _fail(f"{option} must be a real date written YYYY-MM-DD, like 2025-01-31 (not '{raw}').") from None


def _organisation(slug: str | None) -> Organisation | None:
    if slug is None:
        return None
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        known = ", ".join(Organisation.objects.order_by("slug").values_list("slug", flat=True)) or "none"
        raise _fail(f"No organisation with slug '{slug}'. Known: {known}.")
    return organisation


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise _fail(f"--out {path} is a folder; give a file name.")
    if not path.parent.is_dir():
        raise _fail(f"--out {path}: the folder {path.parent} does not exist.")


def _write(path: Path, chunks: Iterable[str]) -> None:
    """Write beside the target, then move into place, so a failed export leaves no half file."""
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise _fail(f"Cannot write {path}: {exc.strerror or exc}.") from None


def _checkpoint_lines(path: str) -> list[tuple[int, str]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(f"Cannot read the checkpoints file {path}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise _fail(f"The checkpoints file {path} is not text.") from None
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
