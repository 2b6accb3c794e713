"""`justculture fairness`: the fairness figures as text or JSON.

From the database:
    justculture fairness --json [--period P] [--event E] [--group DIMENSION] [--organisation SLUG] [--team NAME]
From two CSV files, with no database at all (so an analyst can check figures from another system):
    justculture fairness --cases FILE --workforce FILE --json [--reference GROUP] [--event E] [--min-count N]

One event and period give one JSON object; several give a JSON array of such objects.
Bad files or arguments exit with status 2 and a message naming the file, row and column.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from justculture.fairness import csvfiles


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _num(value: float | None, places: int = 2) -> str:
    return "-" if value is None else f"{value:.{places}f}"


class Command(BaseCommand):
    help = "Relative likelihood of each event by group, from the database or from two CSV files."
    # File mode must work with no database at all, so no system checks (they may touch it).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument("--event", help="One event (e.g. formal-action); default: every event.")
        parser.add_argument("--period", help="A year (2024) or the last day of a two-year window (2025-03-31); "
                                             "in file mode, a period label from the files.")
        parser.add_argument("--min-count", type=int, dest="min_count",
                            help="Suppress counts below this (default: the organisation's threshold; 10 in file mode).")
        parser.add_argument("--reference", help="The comparison group (default: White in file mode, the "
                                                "dimension's usual one otherwise).")
        parser.add_argument("--team", help="Only this team's figures.")
        db = parser.add_argument_group("database mode")
        db.add_argument("--group", metavar="DIMENSION", help="The dimension to compare by (default ethnicity-collapsed).")
        db.add_argument("--organisation", metavar="SLUG", help="The organisation (needed when there are several).")
        db.add_argument("--workforce-period", dest="workforce_period", metavar="LABEL",
                        help="Which imported workforce figures to divide by (default: chosen from the period).")
        files = parser.add_argument_group("file mode (no database)")
        files.add_argument("--cases", metavar="FILE", help="CSV: period,group,event[,team], one row per person.")
        files.add_argument("--workforce", metavar="FILE", help="CSV: period,group,headcount[,team].")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["min_count"] is not None and options["min_count"] < 0:
            raise _fail("--min-count must be 0 or more.")
        if options.get("cases") or options.get("workforce"):
            objects = self._from_files(options)
        else:
            objects = self._from_database(options)
        if options["json"]:
            self.stdout.write(json.dumps(objects[0] if len(objects) == 1 else objects, indent=2))
        else:
            self._print(objects)

    # --- file mode: nothing here may touch the ORM --------------------------------------------

    def _read(self, path: str, label: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise _fail(f"{label} {path}: cannot be read ({exc.strerror or exc}).") from None

    def _from_files(self, options: dict[str, Any]) -> list[dict[str, Any]]:
        if not (options.get("cases") and options.get("workforce")):
            raise _fail("File mode needs both --cases FILE and --workforce FILE.")
        for option in ("group", "organisation", "workforce_period"):
            if options.get(option):
                raise _fail(f"--{option.replace('_', '-')} applies to the database, not to files.")
        cases_path, workforce_path = options["cases"], options["workforce"]
        try:
            cases = csvfiles.read_cases(self._read(cases_path, "cases file"), name=cases_path)
            workforce = csvfiles.read_workforce(self._read(workforce_path, "workforce file"), name=workforce_path)
        except csvfiles.CsvFileError as exc:
            raise _fail(str(exc)) from None
        reference = options.get("reference") or "White"
        groups = csvfiles.groups_in(cases, workforce)
        if groups and csvfiles.key(reference) not in {csvfiles.key(g) for g in groups}:
            raise _fail(f"The reference group '{reference}' is in neither file. Groups found: {', '.join(groups)}. "
                        "Name one with --reference.")
        event = options.get("event")
        if event and csvfiles.key(event) not in {csvfiles.key(c.event) for c in cases}:
            found = sorted({c.event for c in cases})
            raise _fail(f"No row of {cases_path} has the event '{event}'. Events found: {', '.join(found) or 'none'}.")
        period = options.get("period")
        periods = {csvfiles.key(c.period) for c in cases} | {csvfiles.key(w.period) for w in workforce}
        if period and csvfiles.key(period) not in periods:
            raise _fail(f"Neither file has the period '{period}'.")
        objects = csvfiles.file_figures(
            cases, workforce, reference=reference, event=event, period=period, team=options.get("team"),
            min_count=10 if options["min_count"] is None else options["min_count"],
        )
        if not objects:
            raise _fail(f"{cases_path}: no events found to compare.")
        return objects

    # --- database mode ---------------------------------------------------------------------

    def _from_database(self, options: dict[str, Any]) -> list[dict[str, Any]]:
        from django.utils import timezone

        from justculture.core.models import Organisation
        from justculture.core.routers import reading_from_replica
        from justculture.fairness import selectors
        from justculture.fairness.groups import DEFAULT_DIMENSION, definitions
        from justculture.fairness.periods import PeriodError, parse_period, two_year_window

        defs = definitions()
        dimension = options.get("group") or DEFAULT_DIMENSION
        if dimension not in defs.dimensions:
            raise _fail(f"'{dimension}' is not a dimension. Use one of: {', '.join(defs.dimensions)}.")
        event = options.get("event")
        if event and event not in defs.events:
            raise _fail(f"'{event}' is not an event. Use one of: {', '.join(defs.events)}.")
        try:
            period = parse_period(options["period"]) if options.get("period") else two_year_window(timezone.localdate())
        except PeriodError as exc:
            raise _fail(str(exc)) from None
        slug = options.get("organisation")
        if slug:
            organisation = Organisation.objects.filter(slug=slug).first()
        else:
            organisations = list(Organisation.objects.all()[:2])
            organisation = organisations[0] if len(organisations) == 1 else None
        if organisation is None:
            known = ", ".join(Organisation.objects.values_list("slug", flat=True)) or "none"
            reason = f"No organisation with slug '{slug}'." if slug else "Name the organisation with --organisation."
            raise _fail(f"{reason} Known: {known}.")
        team = None
        if options.get("team"):
            team = organisation.teams.filter(name__iexact=options["team"]).first()
            if team is None:
                raise _fail(f"{organisation.slug} has no team called '{options['team']}'.")
        reference = options.get("reference")
        if reference:
            code = defs.dimension(dimension).match(reference)
            if code is None or not defs.dimension(dimension).is_stated(code):
                raise _fail(f"'{reference}' is not a group of {dimension}.")
        objects = []
        for code in [event] if event else list(defs.events):
            with reading_from_replica():
                figs = selectors.figures(
                    organisation, event=code, dimension=dimension, period=period, team=team,
                    workforce_period=options.get("workforce_period"), reference=reference,
                    min_count=options["min_count"],
                )
            objects.append({
                "event": code, "reference": figs.reference_title, "period": period.label,
                "team": team.name if team else None,
                "results": csvfiles.result_objects(figs.comparison, figs.titles),
                "not_stated": {"events": figs.not_stated_events, "headcount": figs.not_stated_headcount,
                               "suppressed": figs.comparison.not_stated_suppressed},
                "min_count": figs.min_count, "organisation": organisation.slug, "dimension": dimension,
                "workforce_period": figs.workforce_period,
            })
        return objects

    def _print(self, objects: list[dict[str, Any]]) -> None:
        for index, obj in enumerate(objects):
            if index:
                self.stdout.write("")
            where = f", team {obj['team']}" if obj.get("team") else ""
            self.stdout.write(f"{obj['event']}, period {obj['period']}{where}; compared with {obj['reference']}")
            self.stdout.write(f"{'group':<32} {'events':>8} {'headcount':>10} {'rate':>8} {'RL':>6} {'95% CI':>14}")
            for r in obj["results"]:
                events = f"<{obj['min_count']}" if r["suppressed"] else str(r["events"])
                rate = "-" if r["rate"] is None else f"{r['rate'] * 100:.2f}%"
                ci = "-" if r["ci_low"] is None else f"{_num(r['ci_low'])}-{_num(r['ci_high'])}"
                flag = "  outside 0.80-1.25" if (r["ci_low"] is not None and (r["ci_low"] > 1.25 or r["ci_high"] < 0.80)) else ""
                self.stdout.write(f"{r['group'][:32]:<32} {events:>8} {r['headcount'] if r['headcount'] is not None else '-':>10} "
                                  f"{rate:>8} {_num(r['relative_likelihood']):>6} {ci:>14}{flag}")
            ns = obj["not_stated"]
            shown = f"<{obj['min_count']}" if ns["suppressed"] else str(ns["events"])
            self.stdout.write(f"not stated: {shown} people, headcount {ns['headcount']}")
