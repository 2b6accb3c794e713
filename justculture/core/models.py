"""Organisations (tenants), their teams, users and role assignments, and the audit log."""

from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


def normalise_username(value: str) -> str:
    """The one form a username is kept, looked up and counted for the lock-out in: Unicode
    compatibility form (so 'lock1' written in full-width letters, or with a superscript or
    subscript one, is 'lock1'), case folded, without surrounding spaces. Look-alikes of an
    account are that account."""
    folded = unicodedata.normalize("NFKC", str(value)).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


class Users(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # Signing in (Django's ModelBackend) finds the account whatever form the name was typed in.
        return self.get(username=normalise_username(username or ""))


class Organisation(models.Model):
    """An employer (for example an NHS trust). Every record in the product belongs to exactly one."""

    # How each text field reaches the audit log (core.audit.snapshot; docs/audit.md). Names are
    # labels an administrator sets up, recorded as they are.
    AUDIT_PLAIN = frozenset({"slug", "name", "logo_url", "guide_id", "guide_version"})

    slug = models.SlugField(unique=True, max_length=60)
    name = models.CharField(max_length=200)
    # Shown in the header instead of the NHS logo, which suppliers may not use.
    logo_url = models.URLField(blank=True)
    # Which guide definition new assessments use (the packaged one, or a variant file the
    # organisation has placed in a folder named by JUSTCULTURE_GUIDE_DIRS).
    guide_id = models.CharField(max_length=80, default="nhs-just-culture-guide")
    guide_version = models.CharField(max_length=20, default="2018")
    # Aggregates show no count below this to users who may not see the cases behind it.
    suppression_threshold = models.PositiveSmallIntegerField(default=10)
    # A factor recorded in at least this many cases of one team or site in a period is a hotspot.
    hotspot_threshold = models.PositiveSmallIntegerField(default=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A ward, department or service within an organisation, at a site."""

    AUDIT_PLAIN = frozenset({"name", "site"})

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    site = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.site})" if self.site else self.name


class User(AbstractUser):
    """A person who signs in. Staff who are the subject of a concern are not users (see cases)."""

    AUDIT_PLAIN = frozenset({"username"})
    AUDIT_FREE_TEXT = frozenset({"first_name", "last_name", "email", "job_title"})
    AUDIT_SENSITIVE = frozenset({"password"})

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    job_title = models.CharField(max_length=200, blank=True)

    objects: ClassVar[Users] = Users()

    @classmethod
    def normalize_username(cls, username: str) -> str:
        return normalise_username(username)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class RoleAssignment(models.Model):
    """A role held by a user in their organisation, for all teams or for one team."""

    AUDIT_PLAIN = frozenset({"role"})

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=40)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "team"], name="role_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role}" + (f" for {self.team}" if self.team_id else "")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Audit events are appended by core.audit.record and never changed or removed in bulk."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """One audited action. Deliberately holds no foreign keys: the log outlives what it describes.

    Each row carries a hash over its content and the previous row's hash, so that a row altered,
    removed or inserted outside the application breaks the chain (see core.audit.verify_chain).
    """

    organisation_id = models.BigIntegerField(null=True, db_index=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True)
    actor = models.CharField(max_length=200)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=60)
    # The case a row belongs to, so a case's timeline is one indexed query.
    case_id = models.BigIntegerField(null=True, db_index=True)
    summary = models.CharField(max_length=300)
    # Which fields changed, with old and new values for ordinary fields; sensitive fields are
    # named but their values are never written here.
    changes = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted.")


class AuditChainHead(models.Model):
    """A single row holding the newest audit hash; locking it serialises writers of the chain."""

    AUDIT_PLAIN = frozenset({"last_hash"})

    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain head after {self.count} events"


class Counter(models.Model):
    """Per-organisation sequences for human-readable references (INC-0001, C-0001)."""

    AUDIT_PLAIN = frozenset({"name"})

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    name = models.CharField(max_length=30)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="counter_unique")]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class SignInAttempt(models.Model):
    """One try at signing in (password or two-factor code), kept for the lock-out rules.

    Held in the database rather than a cache so that every server process sees the same count.
    The username is stored only as a keyed hash: people sometimes type their password into the
    username box, and this table must never hold one.
    """

    AUDIT_PLAIN = frozenset({"outcome"})
    AUDIT_SENSITIVE = frozenset({"username_hash"})

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUSED = "refused"  # tried while locked out; the password was not checked

    at = models.DateTimeField(db_index=True)
    username_hash = models.CharField(max_length=64, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    outcome = models.CharField(
        max_length=10, choices=[(SUCCEEDED, "Succeeded"), (FAILED, "Failed"), (REFUSED, "Refused")]
    )

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.outcome} from {self.ip_address or 'unknown address'}"


class TwoFactorDevice(models.Model):
    """A user's authenticator app (TOTP, RFC 6238). The shared secret is stored encrypted."""

    AUDIT_SENSITIVE = frozenset({"encrypted_secret"})

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor_device")
    encrypted_secret = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Empty until the user has proved, with a code, that the app holds the secret.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The newest 30-second time step whose code was accepted; it and older ones are refused.
    last_used_step = models.BigIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "not confirmed"
        return f"authenticator app of {self.user} ({state})"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class DisclosureReason(models.Model):
    """Why someone included patient details in an export (a subject access export or a pack made
    at the command line). The reason is free text that may name a patient, so it is kept here,
    in a record that retention can erase, and the audit event names this record instead."""

    AUDIT_PLAIN = frozenset({"kind", "subject"})
    AUDIT_FREE_TEXT = frozenset({"reason"})

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    # What was exported: "subject-access" or "pack".
    kind = models.CharField(max_length=20)
    # The record it was about: a professional record id or a case reference.
    subject = models.CharField(max_length=60)
    reason = models.TextField()
    given_by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    given_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"


class SubmissionKey(models.Model):
    """A form or API request that creates something, done once: the web's one-time form token, or
    an API client's ``Idempotency-Key`` header (core/once.py). A second submission with the same
    key gets the first one's result instead of a duplicate. Kept for a day, then deleted.

    ``result`` is where the web form went next, or the API's reply (which can name a person), so
    it is never written to the audit log; the fingerprint is a hash of the API request body."""

    AUDIT_PLAIN = frozenset({"scope", "key", "fingerprint"})
    AUDIT_SENSITIVE = frozenset({"result"})

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # "web" for forms; "api POST /api/cases" and so on for the API.
    scope = models.CharField(max_length=200)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, blank=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="submission_key_once")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
