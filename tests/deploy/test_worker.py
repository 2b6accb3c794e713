"""The task worker as operators run it: `justculture enqueue JOB` from a timer, then
`justculture db_worker` picks the tasks up (here with --batch, so it stops when the queue is empty)."""

from __future__ import annotations

import io
import signal
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from justculture.actions import services as action_services
from justculture.cases.models import Case
from justculture.core.models import User
from justculture.packs import services as pack_services
from justculture.packs import tasks as pack_tasks
from justculture.packs.models import PackRequest


@pytest.fixture
def keep_signal_handlers() -> Iterator[None]:
    """The worker installs its own SIGINT/SIGTERM handlers; put pytest's back afterwards."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0",
                 "--worker-id", "test-worker", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_queued_packs_and_periodic_jobs(
    keep_signal_handlers: None, case: Case, handler: User, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    User.objects.filter(pk=handler.pk).update(email="handler@example.nhs.uk")
    action_services.action_create(case=case, kind="support", category="training", title="Training",
                                  owner=handler, due_date=timezone.localdate() - timedelta(days=1), by=handler)
    request = pack_tasks.pack_request(case=case, fmt="json", by=handler)
    out = io.StringIO()
    call_command("enqueue", "reminders", "packs-expire", stdout=out)
    assert out.getvalue().count("Queued") == 2
    assert DBTaskResult.objects.ready().count() == 3

    run_worker()

    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"] * 3
    request.refresh_from_db()
    assert request.status == PackRequest.Status.READY and request.size and request.size > 0
    assert (pack_services.pack_dir() / request.stored_path).is_file()
    assert len(mail.outbox) == 1 and "1 overdue action" in mail.outbox[0].subject
    assert all(r.worker_ids == ["test-worker"] for r in DBTaskResult.objects.all())
    # A second pass finds nothing to do, and the reminder is not sent again.
    call_command("enqueue", "reminders", stdout=io.StringIO())
    run_worker()
    assert len(mail.outbox) == 1
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 4


def test_enqueue_names_the_jobs_it_knows(db: Any) -> None:
    with pytest.raises(CommandError, match="Unknown job nightly: choose from reminders, retention, packs-expire"):
        call_command("enqueue", "nightly")
    with pytest.raises(CommandError, match="Name the job to queue"):
        call_command("enqueue")
    out = io.StringIO()
    call_command("enqueue", "--list", stdout=out)
    assert "retention" in out.getvalue() and "daily" in out.getvalue()
    assert not DBTaskResult.objects.exists()


def test_the_retention_job_can_be_queued(db: Any) -> None:
    call_command("enqueue", "retention", stdout=io.StringIO())
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "justculture.retention.tasks.erase_expired"
