"""`justculture demo`: load demo data (refused when DEBUG is off)."""

from __future__ import annotations

import json
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from justculture.demo.data import load_demo


class Command(BaseCommand):
    help = "Load a demo organisation with teams, users in each role and cases in different states."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="Give every demo user this password (default: random ones).")
        parser.add_argument("--json", action="store_true", help="Print the demo users as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data is for local use only: DEBUG is off, so nothing was loaded.", returncode=2)
        org, users, created = load_demo(password=options["password"])
        if options["json"]:
            self.stdout.write(json.dumps({
                "organisation": org.name, "created": created,
                "users": [{"username": u.username, "name": u.name, "role": u.role, "team": u.team,
                           "password": u.password} for u in users],
            }, indent=2))
            return
        if created:
            self.stdout.write(f"Demo data loaded for {org.name}.")
        else:
            self.stdout.write(f"Demo data was already loaded for {org.name}; nothing was duplicated. "
                              "The demo users have new passwords:")
        self.stdout.write("")
        width = max(len(u.username) for u in users)
        for u in users:
            self.stdout.write(f"  {u.username.ljust(width)}  password: {u.password}  role: {u.role} ({u.team})")
        self.stdout.write("")
        self.stdout.write(f"Sign in at http://127.0.0.1:{os.environ.get('PORT', '8000')}/sign-in/")
