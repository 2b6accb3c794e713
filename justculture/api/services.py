"""Writes for API tokens. Keyword-only, atomic, and audited like every service.

Who may create a token (docs/adr/0006-rest-api.md):

- an operator at the command line (``by=None``), for anyone;
- the user for themselves, or an organisation administrator of the user's organisation, but only
  for a user whose roles do not require a second factor. An API token is a single factor, so for
  those users issuing one is an out-of-band decision taken by someone with access to the server.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from justculture.api.models import ApiToken
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.errors import ServiceError
from justculture.core.models import User
from justculture.core.permissions import Permission, has_permission, requires_two_factor

TOKEN_PREFIX = "jc"  # noqa: S105  (the public start of every token, not a secret)
NAME_MAX = ApiToken._meta.get_field("name").max_length or 100
# last_used_at is bookkeeping, written at most this often per token so each request stays a read.
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ServiceError):
    """A token request the rules do not allow; the message says why."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _days_allowed(days: int | None) -> int:
    limit = int(settings.JUSTCULTURE["API_TOKEN_MAX_DAYS"])
    if days is None:
        return int(settings.JUSTCULTURE["API_TOKEN_DAYS"])
    if days < 1 or days > limit:
        raise TokenError(f"A token must last between 1 and {limit} days (not {days}).", field="days")
    return days


def _check_issuer(user: User, by: User | None) -> None:
    if by is None:
        return  # an operator at the command line
    if requires_two_factor(user):
        raise PermissionDenied(
            "Tokens for users whose role needs two-factor sign-in are created only by an operator "
            "at the command line (justculture token create)."
        )
    if by.pk == user.pk:
        return
    if by.organisation_id == user.organisation_id and has_permission(by, Permission.ADMINISTER):
        return
    raise PermissionDenied("You can create tokens only for yourself, or as an administrator of their organisation.")


def token_create(*, user: User, by: User | None, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for the user; returns the row and the plain token, which is never stored."""
    if not user.is_active:
        raise TokenError(f"{user.username} is not an active user.")
    if user.organisation_id is None:
        raise TokenError(f"{user.username} does not belong to an organisation.")
    name = name.strip()
    if len(name) > NAME_MAX:
        raise TokenError(f"The token name must be {NAME_MAX} characters or fewer.", field="name")
    lifetime = _days_allowed(days)
    _check_issuer(user, by)
    with transaction.atomic():
        while True:
            prefix = secrets.token_hex(6)
            if not ApiToken.objects.filter(prefix=prefix).exists():
                break
        plain = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=user, prefix=prefix, token_hash=_digest(plain), name=name, created_by=by,
            expires_at=timezone.now() + timedelta(days=lifetime),
        )
        audit.record(
            by=by, action=AuditAction.API_TOKEN_CREATE, obj=token, object_type="apitoken",
            organisation_id=user.organisation_id,
            summary=f"API token {prefix} created for {user.username}",
            changes={"user": user.username, "prefix": prefix, **audit.snapshot(token, ["name"]),
                     "expires_at": token.expires_at.isoformat()},
        )
    return token, plain


def token_revoke(*, token: ApiToken, by: User | None) -> ApiToken:
    """Revoke a token at once. Revoking one already revoked changes nothing."""
    if by is not None and by.pk != token.user_id and not (
        by.organisation_id == token.user.organisation_id and has_permission(by, Permission.ADMINISTER)
    ):
        raise PermissionDenied("You can revoke only your own tokens, or as an administrator of their organisation.")
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit.record(
            by=by, action=AuditAction.API_TOKEN_REVOKE, obj=locked, object_type="apitoken",
            organisation_id=locked.user.organisation_id,
            summary=f"API token {locked.prefix} of {locked.user.username} revoked",
            changes={"user": locked.user.username, "prefix": locked.prefix},
        )
    return locked


def token_authenticate(plain: str) -> User | None:
    """The active user a presented token belongs to, or None (unknown, wrong, expired or revoked).

    Not audited: it is a read. It notes when the token was last used (at most once a minute).
    """
    parts = plain.split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or len(parts[1]) > 16:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.token_hash, _digest(plain)):
        return None
    now = timezone.now()
    if token.revoked_at is not None or token.expires_at <= now:
        return None
    user = token.user
    if not user.is_active or user.organisation_id is None:
        return None
    if token.created_by_id is not None and requires_two_factor(user):
        # Given a two-factor role after this token was made: only an operator's token counts now.
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user
