"""The decision on a case, referral considerations, advice taken and regulator contact details."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from justculture.cases.models import Case
from justculture.core.models import Organisation


class Decision(models.Model):
    """What the organisation decided to do about one case, beside the guide's recommendation.

    A case can be decided again as facts change; the newest decision is the current one and
    earlier ones stay as they were.
    """

    # How each text field reaches the audit log (core.audit.snapshot; docs/audit.md). The guide's
    # recommendation (outcomes, indication) and the support offered (occupational health) can
    # reveal health information.
    AUDIT_PLAIN = frozenset({"measures", "local_action_types", "formal_type"})
    AUDIT_FREE_TEXT = frozenset({
        "support_detail", "rationale", "departure_justification", "who_hurt", "their_needs", "obligations",
        "support_notes", "decided_by_name",
    })
    AUDIT_SENSITIVE = frozenset({"guide_outcomes", "guide_indication", "support_offered"})

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    # Measure codes from rules.yaml, e.g. ["support", "local-action"].
    measures = models.JSONField(default=list)
    severity = models.PositiveSmallIntegerField(default=0)
    support_detail = models.TextField(blank=True)
    local_action_types = models.JSONField(default=list, blank=True)
    formal_type = models.CharField(max_length=20, blank=True)
    rationale = models.TextField()
    # The guide's recommendation when the decision was made.
    guide_outcomes = models.JSONField(default=list, blank=True)
    guide_indication = models.CharField(max_length=20, blank=True)
    departs_from_guide = models.BooleanField(default=False, db_index=True)
    departure_justification = models.TextField(blank=True)
    # Restorative questions: who has been hurt, what they need, whose obligation it is.
    who_hurt = models.TextField(blank=True)
    their_needs = models.TextField(blank=True)
    obligations = models.TextField(blank=True)
    support_offered = models.JSONField(default=list, blank=True)
    support_notes = models.TextField(blank=True)
    decided_by_name = models.CharField(max_length=200)
    decided_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"Decision on {self.case} ({', '.join(self.measures)})"


class ReferralConsideration(models.Model):
    """The employer's answers to the questions worth thinking through before referring."""

    AUDIT_PLAIN = frozenset({"regulator"})
    # The answers hold the notes written beside them.
    AUDIT_FREE_TEXT = frozenset({"answers", "summary"})

    UNSURE = "unsure"
    CHOICES = [("yes", "Yes"), ("no", "No"), (UNSURE, "Not sure yet")]

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="referral_consideration")
    regulator = models.CharField(max_length=10, default="nmc")
    # {question id: {"answer": "yes" | "no" | "unsure", "notes": "..."}}
    answers = models.JSONField(default=dict)
    summary = models.TextField(blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Referral considerations for {self.case}"


class AdviceRecord(models.Model):
    """Advice taken about a case, such as a call to a regulator's employer advice line."""

    AUDIT_FREE_TEXT = frozenset({"adviser", "advice"})

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="advice")
    advised_on = models.DateField()
    adviser = models.CharField(max_length=200, help_text="Who gave the advice, and for which organisation")
    advice = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["advised_on", "id"]

    def __str__(self) -> str:
        return f"Advice from {self.adviser} on {self.advised_on}"


class RegulatorContact(models.Model):
    """An organisation's own details for referring to one regulator (overrides regulators.yaml)."""

    AUDIT_PLAIN = frozenset({"code"})
    AUDIT_FREE_TEXT = frozenset({"name", "register", "referral_contact"})

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="regulator_contacts")
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=200)
    register = models.CharField(max_length=200, blank=True)
    referral_contact = models.TextField(blank=True, help_text="How to refer: address, telephone, email or web form")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="regulator_contact_unique")
        ]

    def __str__(self) -> str:
        return self.name
