"""E-mail reminders about overdue actions, sent by the task worker (see actions/tasks.py).

Each person who owns open actions past their due date gets at most one e-mail a day, with the
number of overdue actions and a link to "My actions": no case, person or action details, since
e-mail leaves our control. A ReminderSent row per person and day, written in the same transaction
as the audit event and before the message is handed to the mail server, stops a second one; if
sending fails the transaction is undone, so the next run tries again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from justculture.actions.models import Action, ReminderSent
from justculture.actions.selectors import OPEN_STATUSES, my_actions, overdue_q
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.models import User


@dataclass
class ReminderRun:
    """What one run did (counts only: it is kept as the task's result)."""

    sent: int = 0
    already_sent_today: int = 0
    no_email_address: int = 0
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "already_sent_today": self.already_sent_today,
                "no_email_address": self.no_email_address, "failed": len(self.failed)}


def owners_with_overdue_actions(today: date) -> QuerySet[User]:
    """Active users who own at least one open action past its due date."""
    owner_ids = (Action.objects.filter(overdue_q(today), status__in=OPEN_STATUSES, owner__isnull=False)
                 .values("owner_id"))
    return User.objects.filter(pk__in=owner_ids, is_active=True, organisation__isnull=False).order_by("pk")


def reminder_message(count: int) -> tuple[str, str]:
    """Subject and body: a count and a link, nothing about any case or person."""
    service = settings.JUSTCULTURE["SERVICE_NAME"]
    plural = "action is" if count == 1 else "actions are"
    subject = f"{service}: {count} overdue {'action' if count == 1 else 'actions'}"
    site = settings.JUSTCULTURE.get("SITE_URL", "")
    where = (f"See them at {site}{reverse('actions:mine')}" if site
             else f'Sign in to {service} and open "My actions" to see them.')
    body = (
        f"{count} {plural} assigned to you and past the due date.\n\n"
        f"{where}\n\n"
        "This e-mail holds no case details on purpose. You get at most one reminder a day while "
        "you have overdue actions.\n"
    )
    return subject, body


def reminders_send(*, today: date | None = None) -> ReminderRun:
    """E-mail each owner of overdue actions once for the day (run by the worker as the system)."""
    today = today or timezone.localdate()
    run = ReminderRun()
    for user in owners_with_overdue_actions(today):
        if not user.email:
            run.no_email_address += 1
            continue
        if ReminderSent.objects.filter(user=user, sent_on=today).exists():
            run.already_sent_today += 1
            continue
        # Counted as the user would see them: actions on cases they may still see.
        count = my_actions(user).filter(overdue_q(today)).count()
        if count == 0:
            continue
        try:
            _send_one(user=user, count=count, today=today)
        except IntegrityError:
            # Another worker sent it a moment ago.
            run.already_sent_today += 1
        except OSError:
            # The mail server is unreachable or refused it: nothing was recorded; the next run retries.
            run.failed.append(user.pk)
        else:
            run.sent += 1
    return run


def _send_one(*, user: User, count: int, today: date) -> None:
    subject, body = reminder_message(count)
    assert user.organisation_id is not None  # owners_with_overdue_actions leaves out users without one
    with transaction.atomic():
        ReminderSent.objects.create(organisation_id=user.organisation_id, user=user, sent_on=today,
                                    overdue_count=count)
        audit.record(by=None, action=AuditAction.ACTIONS_REMINDER, object_type="user", object_id=user.pk,
                     organisation_id=user.organisation_id,
                     summary=f"Overdue actions reminder e-mailed to {user.username}",
                     changes={"overdue": count, "day": today.isoformat()})
        send_mail(subject, body, None, [user.email], fail_silently=False)
