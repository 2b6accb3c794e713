"""Reads of API tokens (the hash is never part of any output)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from justculture.api.models import ApiToken
from justculture.core.models import User


def tokens_of(user: User | None = None) -> QuerySet[ApiToken]:
    """Every token, newest first, or one user's."""
    tokens = ApiToken.objects.select_related("user", "created_by")
    return tokens.filter(user=user) if user is not None else tokens


def token_by_id(token_id: int) -> ApiToken:
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise Http404(f"No API token with id {token_id}")
    return token
