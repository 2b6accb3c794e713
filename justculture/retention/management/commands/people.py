"""`justculture people duplicates` and `justculture people merge`: one professional, several records.

The web opens a new professional's record with each case, so one professional can have several.
duplicates lists the records of an organisation that share a registration body and number
(compared without spaces and case). merge moves the cases of the merged records onto the kept
one, keeps one equality record, deletes the merged records and records it in the audit log as
"system", all in one transaction. When the records' equality data differ, merge refuses until
--equality-from names the record whose answers to keep.

Exit status: 0 done; 2 a mistake in the arguments or a merge the rules refuse (one line on stderr).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from justculture.cases.models import Case
from justculture.cases.selectors import duplicate_people
from justculture.casework.people import MergeError, people_merge
from justculture.core.models import Organisation
from justculture.fairness.models import EqualityRecord


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        known = ", ".join(Organisation.objects.order_by("slug").values_list("slug", flat=True)) or "none"
        raise _fail(f"No organisation with slug '{slug}'. Known: {known}.")
    return organisation


class Command(BaseCommand):
    help = "List or merge the duplicate records of one professional."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="task", required=True)
        show = sub.add_parser("duplicates", help="List records that share a registration number.")
        show.add_argument("--organisation", metavar="SLUG", required=True)
        show.add_argument("--json", action="store_true", help="Print JSON instead of text.")
        merge = sub.add_parser("merge", help="Merge records into one (cases, equality data), audited.")
        merge.add_argument("--organisation", metavar="SLUG", required=True)
        merge.add_argument("--keep", metavar="ID", type=int, required=True, help="The record to keep.")
        merge.add_argument("--merge", metavar="ID", type=int, action="append", required=True,
                           help="A record to merge into the kept one and delete (repeat for several).")
        merge.add_argument("--equality-from", metavar="ID", type=int,
                           help="When the records' equality data differ: the record whose answers to keep.")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = _organisation(options["organisation"])
        if options["task"] == "duplicates":
            self._duplicates(organisation, options["json"])
            return
        try:
            kept = people_merge(organisation=organisation, keep=options["keep"], merge=options["merge"],
                                equality_from=options.get("equality_from"), by=None)
        except MergeError as exc:
            raise _fail(exc.message) from exc
        cases = Case.objects.filter(person=kept).count()
        merged = ", ".join(str(pk) for pk in dict.fromkeys(options["merge"]))
        self.stdout.write(f"Merged professional record {merged} into {kept.pk} ({organisation.slug}): "
                          f"it now has {cases} case{'s' if cases != 1 else ''}.")

    def _duplicates(self, organisation: Organisation, as_json: bool) -> None:
        groups = duplicate_people(organisation)
        people = [p.pk for g in groups for p in g.people]
        cases: dict[int, list[str]] = {}
        for person_id, reference in Case.objects.filter(person_id__in=people).order_by("reference").values_list(
                "person_id", "reference"):
            cases.setdefault(person_id, []).append(reference)
        equality = set(EqualityRecord.objects.filter(person_id__in=people).values_list("person_id", flat=True))
        rows: list[dict[str, Any]] = [{
            "registration_body": g.registration_body, "registration_number": g.registration_number,
            "records": [{"id": p.pk, "name": p.name, "created_at": p.created_at.date().isoformat(),
                         "cases": cases.get(p.pk, []), "equality_data": p.pk in equality} for p in g.people],
        } for g in groups]
        if as_json:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write(f"No duplicate records in {organisation.slug}.")
            return
        for row in rows:
            self.stdout.write(f"{row['registration_body'].upper()} {row['registration_number']}:")
            for record in row["records"]:
                self.stdout.write(f"  record {record['id']}  {record['name']}  created {record['created_at']}  "
                                  f"cases: {', '.join(record['cases']) or 'none'}"
                                  + ("  (equality data)" if record["equality_data"] else ""))
