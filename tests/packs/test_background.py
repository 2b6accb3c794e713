"""Packs made in the background: only the requester sees and downloads them, the file is kept
outside the web root for a limited time, and a pack that can no longer be made says why."""

from __future__ import annotations

import stat
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from justculture.cases.models import Case
from justculture.core.models import AuditEvent, Organisation, RoleAssignment, User
from justculture.packs import services
from justculture.packs.models import PackRequest
from tests.conftest import client_for
from tests.deploy.worker import run_queued_tasks


def _ask(client: Client, case: Case, **data: str) -> str:
    response = client.post(reverse("packs:pack", args=[case.reference]), {"format": "json", **data})
    assert response.status_code == 302
    return response["Location"]


def test_asking_queues_the_work_and_the_request_is_audited(case: Case, handler_client: Client) -> None:
    status_url = _ask(handler_client, case)
    request = PackRequest.objects.get()
    assert status_url == f"/cases/{case.reference}/pack/{request.pk}/"
    assert request.status == "queued" and request.task_id
    assert AuditEvent.objects.filter(action="pack.request", case_id=case.pk).count() == 1
    # Nothing is made until the worker runs.
    assert not AuditEvent.objects.filter(action="pack.generate").exists()
    page = handler_client.get(status_url)
    assert page["Cache-Control"].startswith("max-age=0")
    assert f'href="{status_url}" id="refresh"' in page.content.decode()
    assert "http-equiv" not in page.content.decode()  # no meta refresh; the user refreshes


def test_the_file_is_kept_outside_the_web_root_readable_by_the_service_only(case: Case, handler_client: Client) -> None:
    _ask(handler_client, case)
    run_queued_tasks()
    request = PackRequest.objects.get()
    path = services.pack_dir() / request.stored_path
    assert path.is_file() and path.is_relative_to(settings.MEDIA_ROOT)
    assert not path.is_relative_to(settings.STATIC_ROOT)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert request.sha256 == AuditEvent.objects.get(action="pack.generate").changes["sha256"]


def test_someone_else_cannot_see_or_download_your_pack(
    case: Case, handler_client: Client, org: Organisation, make_user: Callable[..., User], outsider_client: Client
) -> None:
    status_url = _ask(handler_client, case)
    run_queued_tasks()
    colleague = client_for(make_user(org, "case-handler"))  # same rights on the case, not the requester
    for client in (colleague, outsider_client):
        assert client.get(status_url).status_code == 404
        assert client.get(status_url + "download/").status_code == 404
    assert not AuditEvent.objects.filter(action="pack.download").exists()
    # Nor is it listed on their pack page.
    assert str(PackRequest.objects.get().pk) not in colleague.get(f"/cases/{case.reference}/pack/").content.decode()


def test_losing_the_permission_before_the_worker_runs_fails_the_pack(
    case: Case, org: Organisation, make_user: Callable[..., User]
) -> None:
    user = make_user(org, "case-handler")
    client = client_for(user)
    _ask(client, case)
    # The role is taken away (there is no service for that yet: the test arranges it directly).
    RoleAssignment.objects.filter(user=user).delete()
    run_queued_tasks()
    request = PackRequest.objects.get()
    assert request.status == "failed" and "permission" in request.error
    assert not request.stored_path
    assert AuditEvent.objects.filter(action="pack.failed").count() == 1
    assert not AuditEvent.objects.filter(action="pack.generate").exists()


def test_a_pack_is_made_once_even_if_its_task_runs_twice(case: Case, handler_client: Client) -> None:
    _ask(handler_client, case)
    run_queued_tasks()
    request = PackRequest.objects.get()
    assert services.pack_job_run(request_id=request.pk) == "ready"
    assert AuditEvent.objects.filter(action="pack.generate").count() == 1


def test_files_expire_and_the_page_says_so(case: Case, handler_client: Client, settings: Any) -> None:
    status_url = _ask(handler_client, case)
    run_queued_tasks()
    request = PackRequest.objects.get()
    path = services.pack_dir() / request.stored_path
    assert services.packs_expire() == 0  # still within its time
    later = timezone.now() + timedelta(hours=settings.JUSTCULTURE["PACK_KEEP_HOURS"], minutes=1)
    assert services.packs_expire(now=later) == 1
    assert not path.exists()
    request.refresh_from_db()
    assert request.status == "expired"
    response = handler_client.get(status_url + "download/")
    assert response.status_code == 302 and response["Location"] == status_url
    page = handler_client.get(status_url).content.decode()
    assert "Expired" in page and "Create the pack again" in page
    assert AuditEvent.objects.filter(action="pack.expired").count() == 1
    assert not AuditEvent.objects.filter(action="pack.download").exists()


def test_a_download_before_the_pack_is_ready_goes_back_to_the_status_page(case: Case, handler_client: Client) -> None:
    status_url = _ask(handler_client, case)
    response = handler_client.get(status_url + "download/")
    assert response.status_code == 302 and response["Location"] == status_url
    assert not AuditEvent.objects.filter(action="pack.download").exists()


def test_a_pack_left_unfinished_by_a_stopped_worker_is_marked_failed(case: Case, handler_client: Client) -> None:
    status_url = _ask(handler_client, case)
    request = PackRequest.objects.get()
    # As if a worker had picked it up and then been killed.
    PackRequest.objects.filter(pk=request.pk).update(status="running", started_at=timezone.now())
    assert services.packs_expire() == 0
    request.refresh_from_db()
    assert request.status == "running"
    services.packs_expire(now=timezone.now() + services.INTERRUPTED_AFTER + timedelta(minutes=1))
    request.refresh_from_db()
    assert request.status == "failed"
    page = handler_client.get(status_url).content.decode()
    assert "could not be made" in page and "interrupted" in page


def test_one_person_cannot_queue_more_than_their_share_of_the_worker(case: Case, handler_client: Client) -> None:
    limit = settings.JUSTCULTURE["PACK_MAX_WAITING_PER_USER"]
    for _ in range(limit):
        _ask(handler_client, case)
    refused = handler_client.post(reverse("packs:pack", args=[case.reference]), {"format": "json"})
    assert refused.status_code == 200
    assert "packs waiting or being made" in refused.content.decode()
    assert PackRequest.objects.count() == limit
    # Once the worker has made them, more may be asked for.
    run_queued_tasks()
    _ask(handler_client, case)
    assert PackRequest.objects.count() == limit + 1


def test_packs_per_hour_are_limited(case: Case, handler_client: Client, settings: Any) -> None:
    settings.JUSTCULTURE = {**settings.JUSTCULTURE, "PACK_MAX_PER_USER_PER_HOUR": 2}
    _ask(handler_client, case)
    _ask(handler_client, case)
    run_queued_tasks()
    refused = handler_client.post(reverse("packs:pack", args=[case.reference]), {"format": "json"})
    assert "in the last hour" in refused.content.decode()
    PackRequest.objects.update(requested_at=timezone.now() - timedelta(hours=2))
    _ask(handler_client, case)
