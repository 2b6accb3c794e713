"""Overdue-action reminders: queued like cron would, run by the worker code, e-mailed through
Django's mail backend (locmem in tests), at most once a day per person, with no case details."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from justculture.actions import services as action_services
from justculture.actions.models import ReminderSent
from justculture.actions.reminders import reminders_send
from justculture.cases.models import Case
from justculture.core.models import AuditEvent, Organisation, User
from tests.deploy.worker import run_queued_tasks


@pytest.fixture(autouse=True)
def _mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.JUSTCULTURE = {**settings.JUSTCULTURE, "SITE_URL": "https://jc.example.nhs.uk"}


@pytest.fixture
def owner(org: Organisation, make_user: Callable[..., User]) -> User:
    user = make_user(org, "case-handler")
    User.objects.filter(pk=user.pk).update(email="owner@example.nhs.uk")
    user.refresh_from_db()
    return user


def _action(case: Case, by: User, owner: User | None, days_overdue: int, title: str = "Book refresher training") -> Any:
    due = timezone.localdate() - timedelta(days=days_overdue)
    return action_services.action_create(case=case, kind="support", category="training", title=title,
                                         owner=owner, due_date=due, by=by)


def _queue_and_run() -> dict[str, int]:
    call_command("enqueue", "reminders")
    results = run_queued_tasks()
    assert [r.status for r in results] == ["SUCCESSFUL"]
    return results[0].return_value


def test_an_owner_of_overdue_actions_gets_one_email_with_a_count_and_a_link(
    case: Case, handler: User, owner: User
) -> None:
    _action(case, handler, owner, 3, title="Refresher on Sam Taylor's medicines management")
    _action(case, handler, owner, 1)
    _action(case, handler, owner, -5)  # not due yet
    done = _action(case, handler, owner, 10)
    action_services.action_set_status(action=done, status="done", by=handler)

    assert _queue_and_run() == {"sent": 1, "already_sent_today": 0, "no_email_address": 0, "failed": 0}

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.nhs.uk"]
    assert "2 overdue actions" in message.subject
    assert "https://jc.example.nhs.uk/actions/mine/" in message.body
    # Nothing about the case, the person or the action travels by e-mail.
    for detail in ["Sam Taylor", "Refresher", case.reference, "antibiotic", "Ward 7"]:
        assert detail not in message.subject + message.body
    event = AuditEvent.objects.get(action="actions.reminder")
    assert event.changes == {"overdue": 2, "day": timezone.localdate().isoformat()}
    assert event.actor == "system"


def test_the_same_reminder_is_not_sent_twice_a_day_but_is_the_next_day(
    case: Case, handler: User, owner: User
) -> None:
    _action(case, handler, owner, 2)
    _queue_and_run()
    assert _queue_and_run() == {"sent": 0, "already_sent_today": 1, "no_email_address": 0, "failed": 0}
    assert len(mail.outbox) == 1
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert reminders_send(today=tomorrow).sent == 1
    assert len(mail.outbox) == 2
    assert list(ReminderSent.objects.order_by("sent_on").values_list("sent_on", flat=True)) == [
        timezone.localdate(), tomorrow]


def test_owners_without_an_address_or_overdue_actions_get_nothing(
    case: Case, handler: User, owner: User, org: Organisation, make_user: Callable[..., User]
) -> None:
    no_address = make_user(org, "case-handler")
    _action(case, handler, no_address, 4)
    _action(case, handler, owner, -1)
    _action(case, handler, None, 4)
    assert _queue_and_run() == {"sent": 0, "already_sent_today": 0, "no_email_address": 1, "failed": 0}
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_a_mail_server_that_refuses_leaves_nothing_recorded(
    case: Case, handler: User, owner: User, settings: Any, free_port: int
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
        "127.0.0.1", free_port, False, 2)
    _action(case, handler, owner, 2)
    assert _queue_and_run() == {"sent": 0, "already_sent_today": 0, "no_email_address": 0, "failed": 1}
    assert not ReminderSent.objects.exists()
    assert not AuditEvent.objects.filter(action="actions.reminder").exists()
    # Once the mail server is back, the next run sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders_send().sent == 1
