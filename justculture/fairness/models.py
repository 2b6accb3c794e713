"""Equality data about the people in cases, and the workforce figures the fairness measures divide by.

Equality data is special-category personal data. It lives in its own table, apart from the case
narrative, is shown only to roles allowed to see it, and every view and change of it is audited
without its values.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from justculture.cases.models import Person
from justculture.core.models import Organisation, Team
from justculture.fairness.groups import NOT_KNOWN


class EqualityRecord(models.Model):
    """One person's equality monitoring answers. Staff group and contract type are on Person.

    Each field holds a group code from categories.yaml; "prefer-not-to-say" and "not-known" are
    valid answers and are reported as such.
    """

    # How each field reaches the audit log (core.audit.snapshot; docs/audit.md).
    AUDIT_SENSITIVE = frozenset({"ethnicity", "sex", "disability", "age_band", "qualified"})

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="equality_record")
    ethnicity = models.CharField(max_length=30, default=NOT_KNOWN)
    sex = models.CharField(max_length=30, default=NOT_KNOWN)
    disability = models.CharField(max_length=30, default=NOT_KNOWN)
    age_band = models.CharField(max_length=30, default=NOT_KNOWN)
    qualified = models.CharField("Where first qualified", max_length=30, default=NOT_KNOWN)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        # Never the values: this string can end up in logs.
        return f"Equality record of professional record {self.person_id}"


class WorkforceFigure(models.Model):
    """How many staff of one group an organisation (or one team) had in a period: a denominator."""

    AUDIT_PLAIN = frozenset({"period", "dimension", "group"})

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=40, help_text="For example 2024, as labelled in the imported file")
    # None: the whole organisation.
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    dimension = models.CharField(max_length=30)
    group = models.CharField(max_length=30)
    headcount = models.PositiveIntegerField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "dimension", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period", "team", "dimension", "group"], name="workforce_unique_team",
                condition=Q(team__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["organisation", "period", "dimension", "group"], name="workforce_unique_whole",
                condition=Q(team__isnull=True),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "period", "dimension"], name="workforce_lookup")]

    def __str__(self) -> str:
        return f"{self.period} {self.dimension} {self.group}: {self.headcount}"
