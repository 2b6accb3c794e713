"""`justculture insights factors [--json] [--since YYYY-MM-DD] [--team NAME] [--organisation SLUG]`.

Prints how many cases had each contextual factor found, so the figures can feed other systems.
The counts come from the same grouped query as the insights page. Counts below the
organisation's suppression threshold are hidden (null, with "suppressed": true) unless --exact
is given, because the output usually goes to people who may not see the cases themselves.
Mistakes in the arguments exit with status 2 and one line on stderr.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from justculture.core.models import Organisation, Team
from justculture.core.routers import reading_from_replica
from justculture.insights import selectors
from justculture.insights.report import protect

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = "Figures across cases for other systems."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
        factors = sub.add_parser("factors", help="How many cases had each contextual factor found.")
        factors.add_argument("--json", action="store_true", help="Print one JSON object.")
        factors.add_argument("--since", metavar="YYYY-MM-DD", help="Only incidents on or after this date.")
        factors.add_argument("--team", metavar="NAME", help="Only this team's cases.")
        factors.add_argument("--organisation", metavar="SLUG",
                             help="The organisation (needed when there is more than one).")
        factors.add_argument("--exact", action="store_true",
                             help="Print counts below the organisation's suppression threshold too. Only for "
                                  "output that stays with people allowed to see the cases.")

    def handle(self, *args: Any, **options: Any) -> None:
        since = self._since(options.get("since"))
        organisation = self._organisation(options.get("organisation"))
        team = self._team(organisation, options.get("team"))
        payload = factor_figures(organisation, since=since, team=team, exact=options["exact"])
        if options["json"]:
            self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False))
        else:
            self._print_table(organisation, payload)

    @staticmethod
    def _since(raw: str | None) -> date | None:
        if raw is None:
            return None
        try:
            if not _ISO_DATE.match(raw):
                raise ValueError
            return date.fromisoformat(raw)
        except ValueError:
            raise _fail(f"--since must be a real date written YYYY-MM-DD, like 2025-01-31 (not '{raw}').") from None

    @staticmethod
    def _organisation(slug: str | None) -> Organisation:
        known = list(Organisation.objects.order_by("slug").values_list("slug", flat=True))
        if slug is not None:
            organisation = Organisation.objects.filter(slug=slug).first()
            if organisation is None:
                raise _fail(f"No organisation with slug '{slug}'. Known: {', '.join(known) or 'none'}.")
            return organisation
        if not known:
            raise _fail("There are no organisations yet.")
        if len(known) > 1:
            raise _fail(f"There are {len(known)} organisations; name one with --organisation SLUG. "
                        f"Known: {', '.join(known)}.")
        return Organisation.objects.get(slug=known[0])

    @staticmethod
    def _team(organisation: Organisation, name: str | None) -> Team | None:
        if name is None:
            return None
        teams = Team.objects.filter(organisation=organisation)
        team = teams.filter(name=name).first() or teams.filter(name__iexact=name.strip()).first()
        if team is None:
            names = ", ".join(teams.order_by("name").values_list("name", flat=True)) or "none"
            raise _fail(f"No team called '{name}' in {organisation.slug}. Teams: {names}.")
        return team

    def _print_table(self, organisation: Organisation, payload: dict[str, Any]) -> None:
        threshold = payload["suppression_threshold"]
        self.stdout.write(f"Cases with each contextual factor found: {organisation.name} ({organisation.slug})")
        scope = [f"since {payload['since']}" if payload["since"] else "all dates",
                 f"team {payload['team']}" if payload["team"] else "every team"]
        if payload["exact"]:
            scope.append("exact counts")
        else:
            scope.append(f"counts below {threshold} hidden (--exact shows them)")
        self.stdout.write("; ".join(scope).capitalize() + ".")
        self.stdout.write("")
        rows = sorted(payload["factors"], key=lambda f: -(f["cases"] if f["cases"] is not None else -1))
        self.stdout.write(f"{'Cases':>14}  Factor")
        for row in rows:
            figure = f"fewer than {threshold}" if row["suppressed"] else str(row["cases"])
            self.stdout.write(f"{figure:>14}  {row['title']} ({row['factor']})")


def factor_figures(organisation: Organisation, *, since: date | None = None, team: Team | None = None,
                   exact: bool = False) -> dict[str, Any]:
    """The command's JSON object: every factor of the organisation, in taxonomy order, with its count."""
    scope = selectors.Scope(organisation=organisation, team_ids=None, exact=exact)
    with reading_from_replica():
        counts = selectors.factor_counts(scope, selectors.Filters(date_from=since, team=team.pk if team else None))
        catalogue = selectors.factor_catalogue(organisation)
    ids = list(catalogue) + sorted(set(counts) - set(catalogue))
    values = [counts.get(factor_id, 0) for factor_id in ids]
    hidden = protect(values, threshold=organisation.suppression_threshold, exact=exact)
    return {
        "organisation": organisation.slug,
        "since": since.isoformat() if since else None,
        "team": team.name if team else None,
        "exact": exact,
        "suppression_threshold": organisation.suppression_threshold,
        "factors": [
            {"factor": factor_id, "title": catalogue[factor_id].title if factor_id in catalogue else factor_id,
             "cases": None if reason else value, "suppressed": bool(reason)}
            for factor_id, value, reason in zip(ids, values, hidden, strict=True)
        ],
    }
