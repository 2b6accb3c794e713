"""`justculture pack CASE_REFERENCE --format pdf|json|zip --out PATH`: the documentation pack.

For the system operator (someone with shell access to the server), so no user's permissions
apply; the audit log records the pack as made by "system". Patient details are redacted unless
--include-patient-details is given with --reason.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from justculture.cases.models import Case
from justculture.core.formatting import filesize
from justculture.core.models import Organisation
from justculture.packs.services import FORMATS, PackError, pack_generate


class Command(BaseCommand):
    help = "Write the documentation pack for a case as PDF, JSON or a zip with the evidence documents."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference", metavar="CASE_REFERENCE", help="The case reference, for example C-0001.")
        parser.add_argument("--format", dest="fmt", choices=list(FORMATS), default="pdf",
                            help="pdf (default), json, or zip (PDF, JSON and the evidence files).")
        parser.add_argument("--out", required=True, metavar="PATH",
                            help="Where to write the file; '-' writes JSON to standard output.")
        parser.add_argument("--organisation", metavar="SLUG",
                            help="The organisation, when the reference exists in more than one.")
        parser.add_argument("--include-patient-details", action="store_true",
                            help="Keep the patient's name and identifier (needs --reason; audited).")
        parser.add_argument("--reason", default="", help="Why patient details are included.")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt: str = options["fmt"]
        out: str = options["out"]
        include: bool = options["include_patient_details"]
        reason: str = options["reason"]
        if out == "-" and fmt != "json":
            raise CommandError(f"A {fmt} pack cannot be written to standard output: give a file path with --out.",
                               returncode=2)
        if include and not reason.strip():
            raise CommandError("--include-patient-details needs --reason saying why they are needed.", returncode=2)
        if reason.strip() and not include:
            raise CommandError("--reason is only used with --include-patient-details.", returncode=2)
        target = None if out == "-" else Path(out).expanduser()
        if target is not None and not target.parent.is_dir():
            raise CommandError(f"The folder {target.parent} does not exist.", returncode=2)
        if target is not None and target.is_dir():
            raise CommandError(f"{target} is a folder: give a file name.", returncode=2)

        case = self._case(options["reference"], options.get("organisation"))
        try:
            content, _name, _type = pack_generate(
                case=case, fmt=fmt,  # type: ignore[arg-type]  # argparse has checked the choices
                include_patient_details=include, reason=reason, by=None,
            )
        except PackError as exc:
            raise CommandError(str(exc), returncode=2) from exc

        described = (f"{FORMATS[fmt][0]} pack for case {case.reference} ({case.organisation.slug}), "
                     + ("with patient details" if include else "patient details redacted"))
        if target is None:
            self.stdout.write(content.decode("utf-8"), ending="")
            self.stdout.flush()
            sys.stderr.write(f"Wrote the {described} to standard output ({filesize(len(content))}).\n")
            return
        _write_private(target, content)
        self.stdout.write(f"Wrote the {described} to {target.resolve()} "
                          f"({filesize(len(content))}, {len(content)} bytes).")

    def _case(self, reference: str, slug: str | None) -> Case:
        cases = Case.objects.select_related("organisation", "incident", "team").filter(reference=reference)
        if slug:
            organisation = Organisation.objects.filter(slug=slug).first()
            if organisation is None:
                known = ", ".join(Organisation.objects.order_by("slug").values_list("slug", flat=True)) or "none"
                raise CommandError(f"No organisation with slug '{slug}'. Known: {known}.", returncode=2)
            cases = cases.filter(organisation=organisation)
        found = list(cases.order_by("organisation__slug"))
        if not found:
            where = f" in organisation '{slug}'" if slug else ""
            raise CommandError(f"No case with reference '{reference}'{where}.", returncode=2)
        if len(found) > 1:
            slugs = ", ".join(c.organisation.slug for c in found)
            raise CommandError(f"Case {reference} exists in several organisations ({slugs}): "
                               "choose one with --organisation SLUG.", returncode=2)
        return found[0]


def _write_private(target: Path, content: bytes) -> None:
    """Write the file readable by its owner only, replacing any earlier file in one step."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
