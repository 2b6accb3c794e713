"""Actions arising from a case: support for the person and system learning for the organisation."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from justculture.assessments.models import Assessment
from justculture.cases.models import Case
from justculture.core.models import Organisation, Team


class Action(models.Model):
    """One tracked action with an owner, a due date and a status.

    Actions are never deleted: one that is no longer needed is cancelled with a reason.
    """

    # How each text field reaches the audit log (core.audit.snapshot; docs/audit.md). Factor ids
    # can be made from an organisation factor's title; the log names factors by reference.
    AUDIT_PLAIN = frozenset({"kind", "category", "status"})
    AUDIT_FREE_TEXT = frozenset({"title", "description", "status_note", "factor_ids"})
    # The outcome code of the assessment that prompted it (B and C reveal health information).
    AUDIT_SENSITIVE = frozenset({"outcome_code"})

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="actions")
    # Copied from the case so the organisation-wide tracker filters by team without a join.
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, db_index=True)
    category = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="actions_owned", null=True, blank=True
    )
    due_date = models.DateField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=20, default="open", db_index=True)
    status_note = models.TextField(blank=True)
    # What prompted the action: contextual factor ids and/or the assessment whose outcome did.
    factor_ids = models.JSONField(default=list, blank=True)
    source_assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    outcome_code = models.CharField(max_length=4, blank=True)
    auto_created = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["organisation", "status", "due_date"], name="action_tracker_idx")]

    def __str__(self) -> str:
        return self.title


class ReminderSent(models.Model):
    """One overdue-actions reminder e-mailed to one person on one day, so none is sent twice a day."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()
    overdue_count = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "sent_on"], name="reminder_once_a_day")]

    def __str__(self) -> str:
        return f"Reminder to {self.user_id} on {self.sent_on}"
