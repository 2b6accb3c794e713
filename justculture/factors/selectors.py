"""Reads of the factor taxonomy as one organisation sees it."""

from __future__ import annotations

from justculture.core.models import Organisation
from justculture.factors.models import OrganisationFactor
from justculture.factors.taxonomy import Factor, default_taxonomy

CUSTOM_PREFIX = "org-"


def factors_for(organisation: Organisation) -> list[Factor]:
    """The ten default factors followed by the organisation's own active ones."""
    rows = OrganisationFactor.objects.filter(organisation=organisation, active=True).values_list(
        "key", "title", "description")
    custom = [
        Factor(id=CUSTOM_PREFIX + key, title=title, description=description, builtin=False)
        for key, title, description in rows
    ]
    return [*default_taxonomy().factors, *custom]


def factor_for(organisation: Organisation, factor_id: str) -> Factor | None:
    return next((f for f in factors_for(organisation) if f.id == factor_id), None)
