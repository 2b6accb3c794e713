"""Shared fixtures: real organisations, teams and users created through the services."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from justculture.cases import services as case_services
from justculture.cases.models import Case
from justculture.core import services as core_services
from justculture.core.models import Organisation, Team, User
from tests.browser_support import browser, page  # noqa: F401  (shared browser fixtures)

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def org(db: Any) -> Organisation:
    return core_services.organisation_create(slug="north", name="North Hospitals NHS Trust")


@pytest.fixture
def other_org(db: Any) -> Organisation:
    return core_services.organisation_create(slug="south", name="South Care NHS Trust")


@pytest.fixture
def team(org: Organisation) -> Team:
    return core_services.team_create(organisation=org, name="Ward 7", site="City Hospital")


@pytest.fixture
def other_team(org: Organisation) -> Team:
    return core_services.team_create(organisation=org, name="Maternity", site="County Hospital")


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    counter = {"n": 0}

    def make(organisation: Organisation, *roles: str | tuple[str, Team | None]) -> User:
        counter["n"] += 1
        held = [(r, None) if isinstance(r, str) else r for r in roles]
        return core_services.user_create(
            organisation=organisation, username=f"user{counter['n']}", password=PASSWORD,
            first_name="Test", last_name=f"User {counter['n']}", roles_held=held,
        )

    return make


@pytest.fixture
def handler(org: Organisation, make_user: Callable[..., User]) -> User:
    """A case handler covering the whole organisation."""
    return make_user(org, "case-handler")


@pytest.fixture
def outsider(other_org: Organisation, make_user: Callable[..., User]) -> User:
    """A case handler in another organisation: must never see the first organisation's data."""
    return make_user(other_org, "case-handler", "patient-safety-lead")


def client_for(user: User) -> Client:
    """A client signed in as the user and past the second factor (as if they had entered a code)."""
    from justculture.core import twofactor

    client = Client()
    client.force_login(user)
    session = client.session
    twofactor.mark_verified(session)
    session.save()
    return client


@pytest.fixture
def admin(org: Organisation, make_user: Callable[..., User]) -> User:
    """An organisation administrator (no case permissions)."""
    return make_user(org, "org-admin")


@pytest.fixture
def admin_client(admin: User) -> Client:
    return client_for(admin)


@pytest.fixture
def handler_client(handler: User) -> Client:
    return client_for(handler)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    return client_for(outsider)


@pytest.fixture
def make_case(team: Team) -> Callable[..., Case]:
    def make(by: User, *, acts: tuple[str, ...] = ("Gave the 10:00 dose of IV antibiotic late",),
             name: str = "Sam Taylor", occurred_at: datetime | None = None, on_team: Team | None = None) -> Case:
        use_team = on_team or team
        incident = case_services.incident_create(
            organisation=use_team.organisation,
            occurred_at=occurred_at or timezone.now().replace(microsecond=0),
            team=use_team, location="Bay 2", description="A patient's antibiotic dose was missed.",
            external_reference="W123456", by=by,
        )
        person = case_services.person_create(
            organisation=use_team.organisation, name=name, role_title="Staff nurse",
            staff_group="nursing-midwifery", employment_type="substantive",
            registration_body="nmc", registration_number="12A3456B", band_or_grade="Band 5", by=by,
        )
        return case_services.case_open(
            incident=incident, person=person, concern="Missed dose of IV antibiotics.", acts=acts, by=by,
        )

    return make


@pytest.fixture
def case(handler: User, make_case: Callable[..., Case]) -> Case:
    return make_case(handler)


def pdf_upload(name: str = "rota.pdf", body: bytes = b"") -> SimpleUploadedFile:
    content = b"%PDF-1.4\n" + (body or b"1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def text_upload(name: str = "statement.txt", text: str = "My statement.\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def read_bytes(stream: Any) -> bytes:
    return b"".join(stream) if not isinstance(stream, io.IOBase) else stream.read()


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    """Uploaded files go to a throwaway folder, never the developer's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with nothing remembered in the cache (core/paging.py remembers counts)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that drive the browser are marked, so they can be selected (-m browser), never skipped."""
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
