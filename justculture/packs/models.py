"""A documentation pack asked for on the web and made in the background by the task worker."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from justculture.cases.models import Case
from justculture.core.models import Organisation


class PackRequest(models.Model):
    """One request for a pack: who asked, for what, and where the finished file is.

    The file itself is kept outside the web root (JUSTCULTURE["PACK_DIR"]) and handed only to the
    person who asked for it, through a permission check; it is deleted after PACK_KEEP_HOURS.
    """

    # How each text field reaches the audit log (core.audit.snapshot; docs/audit.md). The error
    # is the service's own message; the file name is made from the case reference.
    AUDIT_PLAIN = frozenset({"format", "status", "task_id", "error", "file_name", "content_type", "stored_path",
                             "sha256"})
    AUDIT_FREE_TEXT = frozenset({"reason"})

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    # A random id, so that the address of one request says nothing about any other.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="pack_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=8)
    include_patient_details = models.BooleanField(default=False)
    # Patient names and numbers are taken out before it is stored (as in the audit log).
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    task_id = models.CharField(max_length=64, blank=True)
    # A message for the person who asked (never a traceback).
    error = models.TextField(blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=80, blank=True)
    # Relative to PACK_DIR.
    stored_path = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "finished_at"], name="packrequest_expiry_idx")]

    def __str__(self) -> str:
        return f"Pack {self.format} for {self.case_id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED, self.Status.EXPIRED)
