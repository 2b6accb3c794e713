"""An organisation's own retention periods, overriding the packaged defaults in periods.yaml."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from justculture.core.models import Organisation


class RetentionOverride(models.Model):
    """The period one organisation keeps one kind of record for, instead of the default.

    Only rules marked per_organisation in periods.yaml can be overridden; the amount must lie
    within the rule's minimum and maximum (checked by the service that saves it).
    """

    # How each text field reaches the audit log (core.audit.snapshot; docs/audit.md).
    AUDIT_PLAIN = frozenset({"rule", "unit"})
    AUDIT_FREE_TEXT = frozenset({"reason"})

    UNIT_CHOICES = [("days", "Days"), ("months", "Months"), ("years", "Years")]

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="retention_overrides")
    rule = models.CharField(max_length=40)
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=10, choices=UNIT_CHOICES)
    # Why the organisation chose a different period (for example a policy reference).
    reason = models.TextField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rule"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "rule"], name="retention_override_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.amount} {self.unit}"
