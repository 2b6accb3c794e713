"""API tokens: one user's key to the REST API. Only a hash of the secret is ever stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A bearer token for one user. The plain token is shown once, when it is created.

    A token reads ``jc_<prefix>_<secret>``: the prefix is public and finds the row; the whole token
    is checked against ``token_hash`` (SHA-256). The secret has 256 bits of entropy, so a fast hash
    is enough: there is nothing to guess that a slow hash would protect.
    """

    # How each text field reaches the audit log (core.audit.snapshot; docs/audit.md).
    AUDIT_PLAIN = frozenset({"prefix"})
    AUDIT_FREE_TEXT = frozenset({"name"})
    AUDIT_SENSITIVE = frozenset({"token_hash"})

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Null when an operator created the token at the command line.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"token {self.prefix} of {self.user}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"
