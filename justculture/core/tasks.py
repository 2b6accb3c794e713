"""The periodic jobs that cron or systemd timers put on the task queue (`justculture enqueue JOB`).

Each job is a task run by the worker (`justculture db_worker`); the scheduler only adds it to the
queue, which is quick and needs no lock: a job queued twice simply runs twice, and every job here
is safe to repeat (reminders are recorded per person and day; expiry and erasure skip what is done).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.module_loading import import_string
from django_tasks.base import Task


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task_path: str
    description: str
    schedule: str  # the suggested timer, for the docs and --list

    def task(self) -> Task[[], object]:
        found = import_string(self.task_path)
        if not isinstance(found, Task):
            raise TypeError(f"{self.task_path} is not a task.")
        return found


JOBS: dict[str, PeriodicJob] = {
    job.name: job
    for job in (
        PeriodicJob("reminders", "justculture.actions.tasks.send_overdue_reminders",
                    "E-mail each owner of overdue actions (at most once a day each).", "daily, 07:30"),
        PeriodicJob("retention", "justculture.retention.tasks.erase_expired",
                    "Erase records whose retention period has ended.", "daily, 02:15"),
        PeriodicJob("packs-expire", "justculture.packs.tasks.expire_packs",
                    "Delete documentation pack files kept longer than JUSTCULTURE_PACK_KEEP_HOURS.", "hourly"),
    )
}
