"""A guide run for one act. Revisiting creates a new version; earlier versions stay as they were."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from justculture.cases.models import Act, Case, EvidenceDocument, FactorRecord
from justculture.core.models import Organisation


class Assessment(models.Model):
    # How each text field reaches the audit log (core.audit.snapshot; docs/audit.md). The outcome
    # and the route to it are sensitive: outcomes B and C say the person's health played a part.
    AUDIT_PLAIN = frozenset({"guide_id", "guide_version", "status"})
    AUDIT_FREE_TEXT = frozenset({"revisit_reason", "act_description"})
    AUDIT_SENSITIVE = frozenset({"outcome_code", "path"})

    IN_PROGRESS = "in-progress"
    COMPLETE = "complete"
    STATUS_CHOICES = [(IN_PROGRESS, "In progress"), (COMPLETE, "Complete")]

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    act = models.ForeignKey(Act, on_delete=models.CASCADE, related_name="assessments")
    version = models.PositiveSmallIntegerField()
    guide_id = models.CharField(max_length=80)
    guide_version = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default=IN_PROGRESS)
    outcome_code = models.CharField(max_length=4, blank=True)
    # The questions walked to reach the outcome, frozen when the assessment is completed.
    path = models.JSONField(default=list, blank=True)
    revisit_reason = models.TextField(blank=True)
    # The wording of the act this version assessed, kept from the moment it is completed, so a
    # later rewording of the act never changes what a completed version says it assessed.
    act_description = models.TextField(blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["act__number", "version"]
        constraints = [
            models.UniqueConstraint(fields=["act", "version"], name="assessment_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.act} version {self.version}"

    @property
    def is_complete(self) -> bool:
        return self.status == self.COMPLETE

    @property
    def assessed_wording(self) -> str:
        """The act as this version assessed it: its kept wording once complete, else the act's own."""
        if self.is_complete and self.act_description:
            return self.act_description
        return self.act.description


class Answer(models.Model):
    """The assessor's answer to one guide question, with the reason and the evidence behind it."""

    # An answer to a question of the guide's health test is health information; the service
    # records the answers to the other questions (assessments.services.assessment_answer).
    AUDIT_PLAIN = frozenset({"question_id"})
    AUDIT_FREE_TEXT = frozenset({"rationale"})
    AUDIT_SENSITIVE = frozenset({"answer"})

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"
    CHOICES = [(YES, "Yes"), (NO, "No"), (UNKNOWN, "Not yet known")]

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question_id = models.CharField(max_length=10)
    answer = models.CharField(max_length=10, choices=CHOICES)
    rationale = models.TextField()
    documents = models.ManyToManyField(EvidenceDocument, related_name="+", blank=True)
    factor_records = models.ManyToManyField(FactorRecord, related_name="+", blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question_id"], name="answer_unique_question")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.answer}"


class PeerView(models.Model):
    """For the substitution test (4a): what a peer with comparable experience would have done."""

    AUDIT_PLAIN = frozenset({"view"})
    AUDIT_FREE_TEXT = frozenset({"peer_name", "peer_role", "experience", "account"})

    WOULD_SAME = "same"
    WOULD_DIFFERENT = "different"
    UNSURE = "unsure"
    CHOICES = [
        (WOULD_SAME, "Would probably have done the same"),
        (WOULD_DIFFERENT, "Would probably have acted differently"),
        (UNSURE, "Not sure"),
    ]

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="peer_views")
    peer_name = models.CharField(max_length=200)
    peer_role = models.CharField(max_length=200)
    experience = models.CharField(max_length=200, help_text="Experience and qualifications")
    view = models.CharField(max_length=20, choices=CHOICES)
    account = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.peer_name} ({self.peer_role})"
