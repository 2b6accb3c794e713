"""Background work for retention, run by the database task queue (`justculture db_worker`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from justculture.retention.services import retention_erase


@task()
def erase_expired() -> dict[str, Any]:
    """Erase everything that has expired, in every organisation and the system tables.

    Queued on a schedule by `justculture enqueue retention` (see docs/deployment.md); the same as
    running `justculture retention erase --yes`.
    Returns a summary (counts only, no references) that the queue keeps as the task's result.
    """
    report = retention_erase()
    return {"erased": len(report.erased), "records": report.records, "failed": len(report.failed),
            "kept": len(report.kept), "files_removed": report.files_removed,
            "files_not_removed": len(report.files_not_removed)}
