"""`justculture retention list` and `justculture retention erase --yes`.

list prints what has expired under the retention rules (rule, record type, reference, trigger date,
expiry date), or JSON with --json. erase erases exactly what list shows, each case with everything in
it in one transaction, and records every erased record in the audit log. Without --yes, erase only
lists and exits with status 1, so nothing is erased by accident.

Exit status: 0 done; 1 erase without --yes, or some entries could not be erased (named on stderr);
2 a mistake in the arguments.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from justculture.core.models import Organisation
from justculture.retention import selectors, services
from justculture.retention.selectors import Expired


def _organisation(slug: str | None) -> Organisation | None:
    if not slug:
        return None
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        known = ", ".join(Organisation.objects.order_by("slug").values_list("slug", flat=True)) or "none"
        raise CommandError(f"No organisation with slug '{slug}'. Known: {known}.", returncode=2)
    return organisation


def _as_of(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of must be a date written YYYY-MM-DD, not '{text}'.", returncode=2) from None


class Command(BaseCommand):
    help = "List or erase the records whose retention period has passed."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="task", required=True)
        show = sub.add_parser("list", help="Print what has expired.")
        show.add_argument("--organisation", metavar="SLUG",
                          help="Only this organisation (sign-in attempts and task results are left out).")
        show.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        show.add_argument("--as-of", metavar="YYYY-MM-DD",
                          help="Preview what will have expired by this date (erase always uses today).")
        erase = sub.add_parser("erase", help="Erase what has expired (needs --yes).")
        erase.add_argument("--organisation", metavar="SLUG",
                           help="Only this organisation (sign-in attempts and task results are left out).")
        erase.add_argument("--yes", action="store_true", help="Really erase; without it erase only lists.")
        erase.add_argument("--json", action="store_true", help="Print what was done as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = _organisation(options.get("organisation"))
        if options["task"] == "list" or not options["yes"]:
            entries = selectors.expired(organisation, _as_of(options.get("as_of")))
            self._print(entries, options["json"])
            if options["task"] == "erase":
                self.stderr.write("Nothing was erased: run again with --yes to erase "
                                  + ("these records." if entries else "expired records."))
                raise SystemExit(1)
            return
        report = services.retention_erase(organisation=organisation)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self._print(report.erased, False, heading="Erased")
            self.stdout.write(f"{len(report.erased)} expired entries erased ({report.records} records, "
                              f"{report.files_removed} evidence files removed).")
            for entry, why in report.kept:
                self.stdout.write(f"Left {entry.record_type} {entry.reference}: {why}.")
        for entry, error in report.failed:
            self.stderr.write(f"Could not erase {entry.record_type} {entry.reference}: {error}")
        for name in report.files_not_removed:
            self.stderr.write(f"Could not remove the evidence file {name}: its records are erased; remove it by hand.")
        if not report.ok:
            raise SystemExit(1)

    def _print(self, entries: list[Expired], as_json: bool, heading: str = "Expired") -> None:
        if as_json:
            self.stdout.write(json.dumps([e.as_dict() for e in entries], indent=2))
            return
        if not entries:
            self.stdout.write("Nothing has expired." if heading == "Expired" else "Nothing was erased.")
            return
        rows = [("organisation", "rule", "record type", "reference", "trigger date", "expiry date")]
        rows += [(e.organisation or "-", e.rule, e.record_type, e.reference, e.trigger_date.isoformat(),
                  e.expiry_date.isoformat()) for e in entries]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        self.stdout.write(f"{heading}:")
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
