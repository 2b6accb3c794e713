"""Incidents, the professionals concerned, cases, acts, contextual-factor records and evidence."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from justculture.cases.choices import Contribution, EmploymentType, Presence, StaffGroup
from justculture.cases.states import CaseState
from justculture.core.models import Organisation, Team


class Incident(models.Model):
    """Something that happened (or a concern raised) that may involve several people."""

    # How each text field reaches the audit log (core.audit.snapshot; docs/audit.md).
    AUDIT_PLAIN = frozenset({"reference", "source_system"})
    AUDIT_FREE_TEXT = frozenset({
        "location", "description", "external_reference", "patient_name", "patient_identifier", "source_reference",
    })

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="incidents")
    reference = models.CharField(max_length=30)
    occurred_at = models.DateTimeField()
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="incidents")
    location = models.CharField(max_length=200, blank=True)
    description = models.TextField()
    # A national or local incident-system number, if there is one.
    external_reference = models.CharField(max_length=100, blank=True)
    # Patient details are optional and kept out of documentation packs unless someone chooses,
    # with an audit record, to include them.
    patient_name = models.CharField(max_length=200, blank=True)
    patient_identifier = models.CharField(max_length=60, blank=True, help_text="NHS or hospital number")
    # Set only for incidents brought in by `justculture import incidents`: the system the row came
    # from (as named by the column mapping) and the row's own reference there. Together they are
    # the key that makes importing the same file again create nothing new.
    source_system = models.CharField(max_length=40, blank=True)
    source_reference = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "reference"], name="incident_unique_ref"),
            models.UniqueConstraint(
                fields=["organisation", "source_system", "source_reference"], name="incident_unique_source",
                condition=~models.Q(source_reference=""),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Person(models.Model):
    """A professional who is the subject of one or more cases. Not a user of the system."""

    AUDIT_PLAIN = frozenset({"staff_group", "registration_body", "employment_type"})
    AUDIT_FREE_TEXT = frozenset({"name", "role_title", "registration_number", "band_or_grade"})

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="people")
    name = models.CharField(max_length=200)
    role_title = models.CharField("Role", max_length=200)
    staff_group = models.CharField(max_length=30, choices=StaffGroup.choices)
    registration_body = models.CharField(max_length=10, default="nmc")
    registration_number = models.CharField(max_length=40, blank=True)
    band_or_grade = models.CharField(max_length=60, blank=True)
    years_in_role = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    employment_type = models.CharField(max_length=20, choices=EmploymentType.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who recorded the person: until a case is opened about them, only they may see the record
    # or name it in a case (cases/visibility.py). Empty for records made before this was kept.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """A concern about one professional's practice, linked to an incident."""

    AUDIT_PLAIN = frozenset({"reference", "status"})
    AUDIT_FREE_TEXT = frozenset({"concern"})
    # A guide outcome code: outcomes B and C say the person's health played a part.
    AUDIT_SENSITIVE = frozenset({"latest_outcome"})

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(max_length=30)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="cases")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    # Written only by justculture.cases.lifecycle, which also records each move (CaseStatusChange).
    status = models.CharField(max_length=20, default=CaseState.OPEN, db_index=True)
    concern = models.TextField(help_text="What the concern about the person's practice is.")
    assigned_to = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="assigned_cases", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The outcome code of the newest completed assessment, kept here for lists and filters.
    latest_outcome = models.CharField(max_length=4, blank=True, db_index=True)
    # When the case last moved into a state that ends it (closed); cleared when it is reopened.
    # Retention periods for closed cases count from here.
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "reference"], name="case_unique_ref")
        ]

    def __str__(self) -> str:
        return self.reference


class CaseStatusChange(models.Model):
    """One move of a case from one state to another, with who moved it, when and why."""

    AUDIT_PLAIN = frozenset({"from_status", "to_status", "outstanding"})
    AUDIT_FREE_TEXT = frozenset({"reason"})

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    # Why the case moved: typed by a person, or given by the service that moved it.
    reason = models.TextField(blank=True)
    # What was still outstanding when the case was closed (counts by kind), kept with the move.
    outstanding = models.JSONField(default=dict, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.from_status} -> {self.to_status}"


class Act(models.Model):
    """One specific action, or failure to act, by the case's professional, assessed on its own."""

    AUDIT_FREE_TEXT = frozenset({"description"})
    # Limits (web form, API and service alike): an act is one specific thing done or not done, a
    # sentence or two, and a case is about one person's practice in one incident. Without them one
    # request of 1 MB of acts made a 445-page pack that held the pack worker for minutes.
    MAX_LENGTH = 2000
    MAX_PER_CASE = 50

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="acts")
    number = models.PositiveSmallIntegerField()
    description = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="act_unique_number")]

    def __str__(self) -> str:
        return f"Act {self.number}"


def evidence_path(instance: EvidenceDocument, filename: str) -> str:
    # Stored under an opaque name: the original file name is kept in the database only.
    return f"evidence/{instance.organisation_id}/{instance.sha256[:2]}/{instance.sha256}-{instance.token}"


class EvidenceDocument(models.Model):
    """A document supporting a case (rota, statement, equipment report...), stored with its hash."""

    AUDIT_PLAIN = frozenset({"content_type", "kind", "sha256"})
    AUDIT_FREE_TEXT = frozenset({"original_name", "description"})
    # Part of the stored file's name: knowing it must not help anyone find the file.
    AUDIT_SENSITIVE = frozenset({"token"})

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    token = models.CharField(max_length=32, unique=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    kind = models.CharField(max_length=20)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=300)
    document_date = models.DateField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


class FactorRecord(models.Model):
    """What the case found about one contextual factor, with the evidence behind it."""

    AUDIT_PLAIN = frozenset({"present", "contribution"})
    # An organisation's own factor id is made from the factor's title ("org-" and its key), so
    # the log names a factor by factors.selectors.factor_reference instead.
    AUDIT_FREE_TEXT = frozenset({"factor_id", "account"})

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="factor_records")
    factor_id = models.CharField(max_length=80)
    present = models.CharField(max_length=10, choices=Presence.choices)
    contribution = models.CharField(
        max_length=20, choices=Contribution.choices, default=Contribution.NOT_ASSESSED
    )
    account = models.TextField(blank=True)
    documents = models.ManyToManyField(EvidenceDocument, related_name="factor_records", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "factor_id"], name="factor_record_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.factor_id}"
