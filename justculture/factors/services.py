"""Writes for the factor taxonomy: an organisation's own contextual factors.

Like every service: keyword-only, checks the actor's permission, one transaction, and the audit
event written inside that same transaction.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.errors import ServiceError
from justculture.core.models import Organisation, User
from justculture.core.permissions import Permission, require
from justculture.factors.models import OrganisationFactor

KEY_MAX_LENGTH = OrganisationFactor._meta.get_field("key").max_length or 60


class FactorRuleError(ServiceError):
    """A change to the taxonomy that its rules do not allow; the message says why."""


def factor_key(title: str) -> str:
    """The stable key derived from a factor's title (letters, digits and hyphens)."""
    return slugify(title)[:KEY_MAX_LENGTH].strip("-")


def organisation_factor_create(
    *, organisation: Organisation, title: str, description: str, by: User
) -> OrganisationFactor:
    """Add a contextual factor of the organisation's own, recorded beside the default ten."""
    require(by, Permission.ADMINISTER)
    if by.organisation_id != organisation.pk:
        raise PermissionDenied("You can only change your own organisation's factors.")
    title = title.strip()
    key = factor_key(title)
    if not key:
        raise FactorRuleError("Enter a title that contains letters or numbers.", field="title")
    clash = OrganisationFactor.objects.filter(organisation=organisation, key=key).first()
    if clash is not None:
        raise FactorRuleError(_clash_message(clash), field="title")
    with transaction.atomic():
        try:
            # A savepoint, so a concurrent insert of the same key ends only this attempt.
            with transaction.atomic():
                factor = OrganisationFactor.objects.create(
                    organisation=organisation, key=key, title=title, description=description.strip()
                )
        except IntegrityError as exc:
            raise FactorRuleError(
                "Your organisation already has a factor with a title like this. Choose another title.",
                field="title",
            ) from exc
        audit.record(
            by=by, action=AuditAction.ORGANISATION_FACTOR_CREATE, obj=factor,
            summary=f"Contextual factor {factor.pk} added for the organisation",
            changes=audit.snapshot(factor, ["key", "title", "description"]),
        )
    return factor


def _clash_message(existing: OrganisationFactor) -> str:
    status = "" if existing.active else " (no longer in use)"
    return (
        f"Your organisation already has a factor called '{existing.title}'{status}. "
        "Titles must be different enough to give each factor its own key. Choose another title."
    )
