"""Reads of the factor taxonomy as one organisation sees it."""

from __future__ import annotations

from collections.abc import Iterable

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


def factor_references(organisation_id: int, factor_ids: Iterable[str]) -> list[str]:
    """How the audit log names contextual factors: a default factor by its id, an organisation's
    own by "organisation-factor-<id>" (its factor id is made from its title, which is free text)."""
    wanted = list(factor_ids)
    keys = [f[len(CUSTOM_PREFIX):] for f in wanted if f.startswith(CUSTOM_PREFIX)]
    pks = dict(OrganisationFactor.objects.filter(organisation_id=organisation_id, key__in=keys)
               .values_list("key", "pk")) if keys else {}
    references = []
    for factor_id in wanted:
        if not factor_id.startswith(CUSTOM_PREFIX):
            references.append(factor_id)
        else:
            pk = pks.get(factor_id[len(CUSTOM_PREFIX):])
            references.append(f"organisation-factor-{pk}" if pk is not None else "organisation-factor-unknown")
    return references


def factor_reference(organisation_id: int, factor_id: str) -> str:
    return factor_references(organisation_id, [factor_id])[0]
