"""``guide``: look at, check and walk the just culture guide from the command line.

A thin wrapper: all behaviour lives in :mod:`justculture.guide.cli`, which has
no Django dependency. Input problems exit with status 2.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from justculture.guide import (
    AnswerError,
    GuideDefinition,
    GuideDefinitionError,
    default_guide,
    load_guide,
)
from justculture.guide import cli as guide_cli


class Command(BaseCommand):
    help = "Show, validate, evaluate or walk through the just culture guide."
    requires_system_checks: list[str] = []
    # Lets tests pass stdin=StringIO(...) through call_command, as createsuperuser does.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        walk = sub.add_parser("walk", help="Answer the questions one at a time.")
        self._add_guide_option(walk)

        evaluate = sub.add_parser("evaluate", help="Evaluate answers given as a JSON object.")
        evaluate.add_argument(
            "--answers",
            metavar="FILE",
            default="-",
            help='A JSON file mapping question id to "yes", "no" or "unknown"; "-" (the default) reads stdin.',
        )
        self._add_guide_option(evaluate)

        show = sub.add_parser("show", help="Print an outline of the guide.")
        self._add_guide_option(show)

        validate = sub.add_parser("validate", help="Check a guide definition file.")
        validate.add_argument("path", help="The YAML file to check.")

        listing = sub.add_parser("list", help="List the packaged guides and any in --dir.")
        listing.add_argument(
            "--dir", action="append", default=[], help="A folder of guide definition files."
        )

    @staticmethod
    def _add_guide_option(parser: ArgumentParser) -> None:
        parser.add_argument(
            "--guide",
            metavar="FILE",
            help="A guide definition file to use instead of the packaged 2018 guide.",
        )

    def _guide(self, options: dict[str, Any]) -> GuideDefinition:
        path = options.get("guide")
        return load_guide(path) if path else default_guide()

    @staticmethod
    def _read_answers(source: str, stdin: Any) -> str:
        if source == "-":
            return str(stdin.read())
        try:
            with open(source, encoding="utf-8") as handle:
                return handle.read()
        except OSError as exc:
            raise AnswerError(f"cannot read the answers file {source}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise AnswerError(f"the answers file {source} is not UTF-8 text (byte {exc.start})") from exc

    def handle(self, *args: Any, **options: Any) -> None:
        stdin = options.get("stdin") or sys.stdin
        try:
            action = options["action"]
            if action == "walk":
                # walk writes its own line endings and prompts without one.
                self.stdout.ending = ""
                guide_cli.walk(self._guide(options), stdin, self.stdout)
            elif action == "evaluate":
                text = self._read_answers(options["answers"], stdin)
                self.stdout.write(guide_cli.evaluate_json(self._guide(options), text))
            elif action == "show":
                self.stdout.write(guide_cli.show(self._guide(options)), ending="")
            elif action == "validate":
                self.stdout.write(guide_cli.validate(options["path"]), ending="")
            elif action == "list":
                self.stdout.write(guide_cli.list_guides(options["dir"]), ending="")
        except (GuideDefinitionError, AnswerError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
