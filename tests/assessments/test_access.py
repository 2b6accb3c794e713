"""Every assessment URL for the allowed user, another organisation, an anonymous visitor and a
role that may read cases but not run the guide."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from justculture.assessments import services
from justculture.assessments.models import Assessment, PeerView
from justculture.cases.models import Case
from justculture.core.models import AuditEvent, User
from tests.assessments.conftest import answer_all, completed


@dataclass(frozen=True)
class Setup:
    case: Case
    in_progress: Assessment
    done: Assessment
    peer: PeerView


@pytest.fixture
def setup(handler: User, make_case: Callable[..., Case]) -> Setup:
    case = make_case(handler, acts=("Gave the dose late", "Did not record the dose"))
    act1, act2 = case.acts.order_by("number")
    assessment = services.assessment_start(act=act1, by=handler)
    answer_all(assessment, [("1a", "no")], handler)
    peer = services.peer_view_add(
        assessment=assessment, peer_name="Alex Morgan", peer_role="Staff nurse",
        experience="Four years", view="same", account="I would have done the same.", by=handler,
    )
    return Setup(case=case, in_progress=assessment, done=completed(act2, handler), peer=peer)


def _urls(s: Setup) -> dict[str, str]:
    ref = s.case.reference
    return {
        "act": reverse("assessments:act", args=[ref, 1]),
        "start": reverse("assessments:start", args=[ref, 1]),
        "question": reverse("assessments:question", args=[ref, 1, 1, "2a"]),
        "peer-new": reverse("assessments:peer-new", args=[ref, 1, 1]),
        "peer-remove": reverse("assessments:peer-remove", args=[ref, 1, 1, s.peer.pk]),
        "check": reverse("assessments:check", args=[ref, 1, 1]),
        "outcome": reverse("assessments:outcome", args=[ref, 2, 1]),
        "revisit": reverse("assessments:revisit", args=[ref, 2, 1]),
    }


GET_PAGES = ["act", "question", "peer-new", "check", "outcome", "revisit"]
READ_PAGES = ["act", "check", "outcome"]
FORM_PAGES = ["question", "peer-new", "revisit"]
POSTS: dict[str, dict[str, str]] = {
    "start": {},
    "question": {"answer": "no", "rationale": "No signs of substance misuse."},
    "peer-new": {"peer_name": "Jo", "peer_role": "Nurse", "experience": "Two years",
                 "view": "different", "account": "I would have asked for help."},
    "peer-remove": {},
    "check": {},
    "revisit": {"reason": "New statement."},
}


def _state(s: Setup) -> tuple[object, ...]:
    return (
        Assessment.objects.count(),
        sorted(s.in_progress.answers.values_list("question_id", "answer")),
        PeerView.objects.count(),
        Assessment.objects.get(pk=s.done.pk).status,
        AuditEvent.objects.filter(action__startswith="assessment.").count(),
    )


@pytest.mark.parametrize("name", GET_PAGES)
def test_allowed_user_can_open_every_page(handler_client: Client, setup: Setup, name: str) -> None:
    response = handler_client.get(_urls(setup)[name])
    assert response.status_code == 200, response.content[:500]
    html = response.content.decode()
    assert html.count("<h1") == 1


@pytest.mark.parametrize("name", list(POSTS))
def test_allowed_user_can_post_every_form(handler_client: Client, setup: Setup, name: str) -> None:
    response = handler_client.post(_urls(setup)[name], POSTS[name])
    # The check page refuses to complete an unfinished walk with a message, not an error page.
    assert response.status_code == (200 if name == "check" else 302)


@pytest.mark.parametrize("name", GET_PAGES)
def test_other_organisation_gets_404_on_every_page(
    outsider_client: Client, setup: Setup, name: str
) -> None:
    assert outsider_client.get(_urls(setup)[name]).status_code == 404


@pytest.mark.parametrize("name", list(POSTS))
def test_other_organisation_gets_404_on_every_post(
    outsider_client: Client, setup: Setup, name: str
) -> None:
    before = _state(setup)
    assert outsider_client.post(_urls(setup)[name], POSTS[name]).status_code == 404
    assert _state(setup) == before


@pytest.mark.parametrize("name", [*GET_PAGES, "start", "peer-remove"])
def test_anonymous_visitor_is_sent_to_sign_in(client: Client, setup: Setup, name: str) -> None:
    url = _urls(setup)[name]
    response = client.post(url) if name in ("start", "peer-remove") else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert quote(url, safe="/") in response["Location"]


@pytest.mark.parametrize("name", READ_PAGES)
def test_role_without_assess_can_read(decider_client: Client, setup: Setup, name: str) -> None:
    response = decider_client.get(_urls(setup)[name])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Change<span" not in html
    assert "Confirm and see the outcome" not in html
    assert "Revisit this assessment" not in html
    assert "Start the assessment" not in html


@pytest.mark.parametrize("name", FORM_PAGES)
def test_role_without_assess_gets_403_on_form_pages(
    decider_client: Client, setup: Setup, name: str
) -> None:
    assert decider_client.get(_urls(setup)[name]).status_code == 403


@pytest.mark.parametrize("name", list(POSTS))
def test_role_without_assess_gets_403_on_every_post(
    decider_client: Client, setup: Setup, name: str
) -> None:
    before = _state(setup)
    assert decider_client.post(_urls(setup)[name], POSTS[name]).status_code == 403
    assert _state(setup) == before


def test_role_without_assess_gets_403_completing_a_finished_walk(
    decider_client: Client, setup: Setup, handler: User
) -> None:
    answer_all(setup.in_progress, [("2a", "yes")], handler)
    assert decider_client.post(_urls(setup)["check"]).status_code == 403
    setup.in_progress.refresh_from_db()
    assert not setup.in_progress.is_complete


def test_start_only_accepts_post(handler_client: Client, setup: Setup) -> None:
    assert handler_client.get(_urls(setup)["start"]).status_code == 405
    assert handler_client.get(_urls(setup)["peer-remove"]).status_code == 405


def test_team_scoped_assessor_cannot_assess_another_teams_case(
    setup: Setup, make_user: Callable[..., User], other_team: object
) -> None:
    from tests.conftest import client_for

    # An investigator for another team, assigned to read the case, may see it but not assess it.
    reader = make_user(setup.case.organisation, ("investigator", other_team))
    setup.case.assigned_to.add(reader)
    client = client_for(reader)
    assert client.get(_urls(setup)["act"]).status_code == 200
    assert client.post(_urls(setup)["start"]).status_code == 403


def test_missing_act_version_question_and_peer_are_404(handler_client: Client, setup: Setup) -> None:
    ref = setup.case.reference
    assert handler_client.get(reverse("assessments:act", args=[ref, 9])).status_code == 404
    assert handler_client.get(reverse("assessments:check", args=[ref, 1, 9])).status_code == 404
    assert handler_client.get(
        reverse("assessments:question", args=[ref, 1, 1, "9z"])
    ).status_code == 404
    assert handler_client.post(
        reverse("assessments:peer-remove", args=[ref, 1, 1, 999999])
    ).status_code == 404
    # A peer view belongs to its own version: it cannot be removed through another act's URL.
    assert handler_client.post(
        reverse("assessments:peer-remove", args=[ref, 2, 1, setup.peer.pk])
    ).status_code == 404
