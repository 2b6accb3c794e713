"""`justculture sar PERSON --out FILE`: everything held about one professional, for a subject
access request, as a zip (JSON, a readable summary, the evidence files and SHA-256 checksums).

PERSON is the professional's record id (shown in the address of the export page). When the
database holds more than one organisation, --organisation SLUG is required and the person must
belong to it. Patient details are redacted unless --include-patient-details is given with
--reason. The export is recorded in the audit log as a special-category read by "system".
Mistakes exit with status 2 and one line on stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from justculture.cases.models import Person
from justculture.core.formatting import filesize
from justculture.core.models import Organisation
from justculture.packs.management.commands.pack import _write_private
from justculture.retention.subject_access import SubjectAccessError, subject_access_export


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = "Export everything held about one professional (subject access request) as a zip."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("person", metavar="PERSON", help="The professional's record id, for example 12.")
        parser.add_argument("--out", required=True, metavar="FILE", help="Where to write the zip.")
        parser.add_argument("--organisation", metavar="SLUG",
                            help="The organisation the person belongs to (required when there are several).")
        parser.add_argument("--include-patient-details", action="store_true",
                            help="Keep patients' names and identifiers (needs --reason; audited).")
        parser.add_argument("--reason", default="", help="Why patient details are included.")

    def handle(self, *args: Any, **options: Any) -> None:
        raw: str = options["person"]
        if not raw.isdigit():
            raise _fail(f"PERSON must be a professional's record id (a whole number), not '{raw}'.")
        target = Path(options["out"]).expanduser()
        if not target.parent.is_dir():
            raise _fail(f"The folder {target.parent} does not exist.")
        if target.is_dir():
            raise _fail(f"{target} is a folder: give a file name.")
        slug = options.get("organisation")
        people = Person.objects.select_related("organisation")
        if slug:
            organisation = Organisation.objects.filter(slug=slug).first()
            if organisation is None:
                raise _fail(f"No organisation with slug '{slug}'.")
            people = people.filter(organisation=organisation)
        elif Organisation.objects.count() > 1:
            raise _fail("There are several organisations: choose one with --organisation SLUG.")
        person = people.filter(pk=int(raw)).first()
        if person is None:
            where = f" in organisation '{slug}'" if slug else ""
            raise _fail(f"No professional with record id {raw}{where}.")
        try:
            content, _name = subject_access_export(
                person=person, include_patient_details=options["include_patient_details"],
                reason=options["reason"], by=None,
            )
        except SubjectAccessError as exc:
            raise _fail(str(exc)) from exc
        _write_private(target, content)
        self.stdout.write(f"Wrote the subject access export for professional record {person.pk} "
                          f"({person.organisation.slug}) to {target.resolve()} ({filesize(len(content))}).")
