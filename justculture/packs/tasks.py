"""Background tasks for documentation packs, run by the task worker (`justculture db_worker`)."""

from __future__ import annotations

from django_tasks import task

from justculture.packs import services


@task()
def generate_pack(request_id: str) -> str:
    """Make the pack for one web request; returns the request's final status."""
    return services.pack_job_run(request_id=request_id)


@task()
def expire_packs() -> int:
    """Delete pack files kept longer than PACK_KEEP_HOURS; returns how many."""
    return services.packs_expire()
