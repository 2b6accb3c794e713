"""Every endpoint, for a role that may use it, a role that may not, another organisation and no
token. Reads of a case the caller may not see are 404 (its existence is not revealed); writes on a
case they can see but may not change are 403."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from justculture.actions import services as action_services
from justculture.assessments import services as assessment_services
from justculture.cases import services as case_services
from justculture.cases.models import Case
from justculture.core.models import Organisation, Team, User
from tests.api.conftest import ApiClient

NOW = timezone.now().replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    allowed: str  # role of the caller who may use it
    forbidden: str  # role of the caller who may not
    forbidden_status: int
    body: dict[str, Any] | None = None
    ok: int = 200


ACT = "/cases/{ref}/acts/1/assessment"

ENDPOINTS = [
    Endpoint("GET", "/cases", "case-handler", "equality-analyst", 403),
    Endpoint("GET", "/cases/{ref}", "case-handler", "equality-analyst", 404),
    Endpoint("POST", "/cases", "case-handler", "investigator", 403,
             {"incident": "{incident}", "person_id": "{person}", "concern": "Another concern", "acts": ["An act"]},
             201),
    Endpoint("GET", "/people", "case-handler", "equality-analyst", 403),
    Endpoint("GET", "/people/{person}", "case-handler", "equality-analyst", 403),
    Endpoint("POST", "/people", "case-handler", "investigator", 403,
             {"name": "Alex Doe", "role_title": "Midwife", "staff_group": "nursing-midwifery",
              "employment_type": "bank", "registration_number": "99X", "years_in_role": 2.5}, 201),
    Endpoint("GET", "/incidents", "case-handler", "equality-analyst", 403),
    Endpoint("GET", "/incidents/{incident}", "case-handler", "equality-analyst", 403),
    Endpoint("POST", "/incidents", "case-handler", "investigator", 403,
             {"occurred_at": NOW, "team_id": "{team}", "description": "A fall on the ward"}, 201),
    Endpoint("GET", "/factors", "case-handler", "auditor", 200),
    Endpoint("GET", "/cases/{ref}/factors", "investigator", "equality-analyst", 404),
    Endpoint("PUT", "/cases/{ref}/factors/staffing", "investigator", "decision-maker", 403,
             {"present": "yes", "contribution": "major", "account": "Two nurses short"}),
    Endpoint("GET", ACT, "investigator", "equality-analyst", 404),
    Endpoint("POST", ACT, "investigator", "decision-maker", 403, None, 201),
    Endpoint("POST", ACT + "/answers", "investigator", "decision-maker", 403,
             {"question_id": "1a", "answer": "no", "rationale": "No intent to harm"}),
    Endpoint("POST", ACT + "/complete", "investigator", "decision-maker", 403, None, 400),
    Endpoint("POST", ACT + "/revisit", "investigator", "decision-maker", 403, {"reason": "New facts"}, 400),
    Endpoint("GET", ACT + "/outcome", "decision-maker", "equality-analyst", 404),
    Endpoint("GET", "/cases/{ref}/decision", "decision-maker", "equality-analyst", 404),
    Endpoint("POST", "/cases/{ref}/decision", "decision-maker", "investigator", 403,
             {"measures": ["support"], "rationale": "Support fits", "decided_by_name": "Jo Smith",
              "decided_on": "2026-01-05", "support_detail": "Mentor"}, 201),
    Endpoint("GET", "/cases/{ref}/actions", "case-handler", "equality-analyst", 404),
    Endpoint("POST", "/cases/{ref}/actions", "case-handler", "investigator", 403,
             {"kind": "support", "category": "training", "title": "Drug calculation refresher"}, 201),
    Endpoint("PUT", "/cases/{ref}/actions/{action}", "case-handler", "investigator", 403,
             {"category": "supervision", "title": "Supervised practice"}),
    Endpoint("PUT", "/cases/{ref}/actions/{action}/status", "case-handler", "investigator", 403,
             {"status": "in-progress"}),
    Endpoint("GET", "/insights", "patient-safety-lead", "case-handler", 403),
    Endpoint("GET", "/fairness", "equality-analyst", "case-handler", 403),
]


@dataclass
class World:
    org: Organisation
    team: Team
    case: Case
    values: dict[str, Any]
    make_user: Callable[..., User]
    api_for: Callable[[User | None], ApiClient]
    outsider: User

    def fill(self, value: Any) -> Any:
        if isinstance(value, str):
            for key, replacement in self.values.items():
                if value == "{" + key + "}":
                    return replacement
                value = value.replace("{" + key + "}", str(replacement))
            return value
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        return value

    def call(self, user: User | None, endpoint: Endpoint) -> tuple[int, Any]:
        client = self.api_for(user)
        return client.call(endpoint.method, self.fill(endpoint.path), self.fill(endpoint.body))


@pytest.fixture
def world(org: Organisation, team: Team, handler: User, outsider: User, make_case: Callable[..., Case],
          make_user: Callable[..., User], api_for: Callable[[User | None], ApiClient]) -> World:
    case = make_case(handler)
    action = action_services.action_create(case=case, kind="support", category="training", title="Refresher",
                                           by=handler)
    return World(org, team, case, {
        "ref": case.reference, "incident": case.incident.reference, "person": case.person_id, "team": team.pk,
        "action": action.pk,
    }, make_user, api_for, outsider)


def _prepare(world: World, endpoint: Endpoint, by: User) -> None:
    """State an endpoint needs: an assessment in progress for answering, a completed one to revisit."""
    if (endpoint.path.startswith(ACT) and endpoint.path != ACT and endpoint.method == "POST") or (
            endpoint.method == "GET" and endpoint.path.startswith(ACT)):
        assessment_services.assessment_start(act=world.case.acts.get(number=1), by=by)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_allowed_role(world: World, endpoint: Endpoint) -> None:
    user = world.make_user(world.org, endpoint.allowed)
    _prepare(world, endpoint, world.make_user(world.org, "investigator"))
    status, body = world.call(user, endpoint)
    assert status == endpoint.ok, body
    if status >= 400:
        # Allowed, but the state does not permit it yet: a rule error, never a permission one.
        assert set(body) == {"message", "field"}


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.forbidden_status != 200],
                         ids=lambda e: f"{e.method} {e.path}")
def test_forbidden_role(world: World, endpoint: Endpoint) -> None:
    _prepare(world, endpoint, world.make_user(world.org, "investigator"))
    status, body = world.call(world.make_user(world.org, endpoint.forbidden), endpoint)
    assert status == endpoint.forbidden_status, body
    assert set(body) == {"message", "field"}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_no_token(world: World, endpoint: Endpoint) -> None:
    status, body = world.call(None, endpoint)
    assert status == 401
    assert body["field"] is None


OTHER_ORG_404 = [e for e in ENDPOINTS
                 if "{" in e.path or any("{" in str(v) for v in (e.body or {}).values())]


@pytest.mark.parametrize("endpoint", OTHER_ORG_404, ids=lambda e: f"{e.method} {e.path}")
def test_other_organisation_is_404(world: World, endpoint: Endpoint) -> None:
    status, body = world.call(world.outsider, endpoint)
    assert status == 404, body
    assert set(body) == {"message", "field"}


def test_other_organisation_lists_are_empty(world: World) -> None:
    client = world.api_for(world.outsider)
    for path in ("/cases", "/people", "/incidents"):
        status, body = client.get(path)
        assert status == 200 and body["count"] == 0, path


def test_team_scoped_handler_sees_only_their_team(world: World, other_team: Team) -> None:
    scoped = world.make_user(world.org, ("case-handler", other_team))
    client = world.api_for(scoped)
    assert client.get("/cases")[1]["count"] == 0
    assert client.get(f"/cases/{world.case.reference}")[0] == 404
    status, _ = client.put(f"/cases/{world.case.reference}/factors/staffing", {"present": "yes"})
    assert status == 404
    case_services.case_open(incident=world.case.incident, person=world.case.person, concern="x",
                            team=other_team, by=scoped)
    assert client.get("/cases")[1]["count"] == 1
