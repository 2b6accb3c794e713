"""Factors an organisation adds to the default taxonomy."""

from django.db import models

from justculture.core.models import Organisation


class OrganisationFactor(models.Model):
    """A contextual factor defined by one organisation, recorded beside the ten default ones."""

    # How each text field reaches the audit log (core.audit.snapshot; docs/audit.md). The key is
    # made from the title, so it is free text too: the log names the factor by its id.
    AUDIT_FREE_TEXT = frozenset({"key", "title", "description"})

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="custom_factors"
    )
    key = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="org_factor_unique_key")
        ]

    def __str__(self) -> str:
        return self.title
