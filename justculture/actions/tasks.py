"""Background tasks for actions, run by the task worker (`justculture db_worker`)."""

from __future__ import annotations

from django_tasks import task

from justculture.actions.reminders import reminders_send


@task()
def send_overdue_reminders() -> dict[str, int]:
    """E-mail each owner of overdue actions (at most once a day each); counts of what was done."""
    return reminders_send().as_dict()
