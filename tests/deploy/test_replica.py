"""The read replica: with one configured, the insights and fairness figures are read from it and
every write still goes to the primary. The replica here is a second connection to the test
database (what Django calls a test mirror), so the queries each connection runs can be captured."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext

from justculture.cases.models import Case
from justculture.core import services as core_services
from justculture.core.models import AuditEvent, Organisation, User
from justculture.core.routers import REPLICA, ReplicaRouter, reading_from_replica
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def replica(django_db_setup: None) -> Iterator[str]:
    """Set up before each test's database access (it is wider in scope), after the test database."""
    settings_dict = dict(connections["default"].settings_dict)
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": "default"}
    connections.settings[REPLICA] = settings_dict
    try:
        yield REPLICA
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


class Captured:
    def __init__(self) -> None:
        self.primary = CaptureQueriesContext(connections["default"])
        self.replica = CaptureQueriesContext(connections[REPLICA])

    def __enter__(self) -> Captured:
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    @staticmethod
    def sql(ctx: CaptureQueriesContext) -> list[str]:
        return [q["sql"] for q in ctx.captured_queries]

    def on_replica(self, table: str) -> list[str]:
        return [s for s in self.sql(self.replica) if table in s]

    def on_primary(self, table: str) -> list[str]:
        return [s for s in self.sql(self.primary) if table in s]

    def replica_writes(self) -> list[str]:
        return [s for s in self.sql(self.replica) if WRITE.match(s)]


@pytest.fixture
def analyst(org: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(org, "equality-analyst")


def test_the_insights_page_reads_its_figures_from_the_replica(replica: str, case: Case, analyst: User) -> None:
    client = client_for(analyst)
    with Captured() as captured:
        response = client.get("/insights/")
    assert response.status_code == 200
    # The aggregates over cases and factors ran on the replica...
    assert captured.on_replica("cases_case")
    assert not captured.on_primary("cases_case")
    # ...while the session (a write on every request) stayed on the primary.
    assert captured.on_primary("django_session")
    assert captured.replica_writes() == []


def test_a_download_is_audited_on_the_primary(replica: str, case: Case, analyst: User) -> None:
    client = client_for(analyst)
    with Captured() as captured:
        response = client.get("/insights/export.csv")
    assert response.status_code == 200
    assert captured.on_replica("cases_case")
    assert [s for s in captured.on_primary("core_auditevent") if WRITE.match(s)]
    assert captured.replica_writes() == []
    assert AuditEvent.objects.filter(action="insights.download").count() == 1


def test_the_fairness_page_reads_its_figures_from_the_replica(replica: str, case: Case, analyst: User) -> None:
    client = client_for(analyst)
    with Captured() as captured:
        response = client.get("/fairness/")
    assert response.status_code == 200
    assert captured.on_replica("decisions_decision")
    assert not captured.on_primary("decisions_decision")
    assert captured.replica_writes() == []
    # Viewing the figures is audited, on the primary.
    assert [s for s in captured.on_primary("core_auditevent") if WRITE.match(s)]


def test_the_insights_command_reads_from_the_replica(replica: str, case: Case, org: Organisation) -> None:
    out = io.StringIO()
    with Captured() as captured:
        call_command("insights", "factors", "--json", "--organisation", org.slug, stdout=out)
    assert json.loads(out.getvalue())["organisation"] == org.slug
    assert captured.on_replica("factors_")
    assert captured.replica_writes() == []


def test_writes_inside_the_replica_block_still_go_to_the_primary(replica: str, org: Organisation) -> None:
    with Captured() as captured, reading_from_replica():
        team = core_services.team_create(organisation=org, name="Theatres", site="City Hospital")
    assert captured.on_primary("core_team") and captured.replica_writes() == []
    assert team.pk is not None


def test_other_pages_read_from_the_primary(replica: str, case: Case, handler: User) -> None:
    with Captured() as captured:
        assert client_for(handler).get(f"/cases/{case.reference}/").status_code == 200
    assert captured.sql(captured.replica) == []


def test_the_router_choices(replica: str) -> None:
    router = ReplicaRouter()
    with reading_from_replica():
        assert router.db_for_read(Case) == REPLICA  # configured in this module
    assert router.db_for_read(Case) == "default"
    assert router.db_for_write(Case) == "default"
    assert router.allow_migrate(REPLICA, "cases") is False
    assert router.allow_migrate("default", "cases") is True
