from django.apps import AppConfig


class AuditLogConfig(AppConfig):
    """Reading the audit log: the auditor's search and download, and `justculture audit`."""

    name = "justculture.auditlog"
    label = "auditlog"
