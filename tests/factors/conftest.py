"""Fixtures for the factor and evidence pages: a private MEDIA_ROOT and users of other roles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from justculture.cases.models import Case
from justculture.core.models import Organisation, Team, User
from tests.conftest import client_for


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Evidence goes to a temporary folder, never the real data folder."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def reader(org: Organisation, make_user: Callable[..., User]) -> User:
    """A decision maker: sees cases and evidence, but records no factors and uploads nothing."""
    return make_user(org, "decision-maker")


@pytest.fixture
def reader_client(reader: User) -> Client:
    return client_for(reader)


@pytest.fixture
def elsewhere(org: Organisation, other_team: Team, make_user: Callable[..., User], case: Case) -> User:
    """A case handler for another team, assigned to the case: may see it, may change nothing."""
    user = make_user(org, ("case-handler", other_team))
    case.assigned_to.add(user)
    return user


@pytest.fixture
def elsewhere_client(elsewhere: User) -> Client:
    return client_for(elsewhere)


@pytest.fixture
def anon_client() -> Client:
    return Client()


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]
