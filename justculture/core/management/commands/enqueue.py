"""`justculture enqueue JOB...`: put periodic jobs on the task queue (for cron or systemd timers)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from justculture.core.tasks import JOBS


class Command(BaseCommand):
    help = "Add periodic jobs to the task queue; the worker (justculture db_worker) runs them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("jobs", nargs="*", metavar="JOB", help=f"One or more of: {', '.join(JOBS)}.")
        parser.add_argument("--list", action="store_true", help="List the jobs and their suggested schedule.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in JOBS.values():
                self.stdout.write(f"{job.name:<14} {job.schedule:<14} {job.description}")
            return
        names: list[str] = options["jobs"]
        if not names:
            raise CommandError(f"Name the job to queue: {', '.join(JOBS)} (or --list).")
        unknown = [n for n in names if n not in JOBS]
        if unknown:
            raise CommandError(f"Unknown job {', '.join(unknown)}: choose from {', '.join(JOBS)}.")
        for name in names:
            try:
                result = JOBS[name].task().enqueue()
            except (ImportError, TypeError) as exc:
                raise CommandError(f"The {name} job cannot be queued: {exc}") from exc
            self.stdout.write(f"Queued {name} (task {result.id}).")
