"""`justculture cases list [--organisation SLUG] [--json]`: cases for administrators and scripts."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from justculture.cases.models import Case
from justculture.cases.states import case_states
from justculture.core.models import Organisation


class Command(BaseCommand):
    help = "List cases (reference, status, team, latest outcome)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="List cases.")
        listing.add_argument("--organisation", metavar="SLUG", help="Only this organisation's cases.")
        listing.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = Case.objects.select_related("organisation", "team").order_by("organisation__slug", "id")
        if options.get("organisation"):
            org = Organisation.objects.filter(slug=options["organisation"]).first()
            if org is None:
                known = ", ".join(Organisation.objects.values_list("slug", flat=True)) or "none"
                raise CommandError(f"No organisation with slug '{options['organisation']}'. Known: {known}.",
                                   returncode=2)
            cases = cases.filter(organisation=org)
        rows: list[dict[str, Any]] = [
            {"organisation": c.organisation.slug, "reference": c.reference, "status": c.status,
             "team": c.team.name, "latest_outcome": c.latest_outcome or None}
            for c in cases.iterator()
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("No cases.")
            return
        machine = case_states()
        for r in rows:
            self.stdout.write(f"{r['organisation']:<12} {r['reference']:<8} {machine.title(r['status']):<24} "
                              f"{r['team']:<28} {r['latest_outcome'] or '-'}")
