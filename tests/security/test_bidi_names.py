"""Names with hidden text-direction characters are refused: 'report' + U+202E + 'fdp.exe' shows
as 'reportexe.pdf', and a person's name or an action's title can be made to read as something else.
The rule is core/validators.py; web forms, the API and the services each name the field.

An evidence file's name is checked by the upload service. Through the web form Django's multipart
parser already drops unprintable characters (these among them) from the name before we see it."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from justculture.actions import services as action_services
from justculture.actions.models import Action
from justculture.api.services import token_create
from justculture.cases import services as case_services
from justculture.cases.models import Case, EvidenceDocument, Person
from justculture.core import services as core_services
from justculture.core.errors import ServiceError
from justculture.core.models import Organisation, Team, User
from justculture.core.validators import DIRECTION_CONTROLS, has_direction_controls
from tests.api.conftest import ApiClient

RLO = "\u202e"
MESSAGE = "must not contain hidden text-direction characters"
CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
            "\u200e", "\u200f", "\u061c"]


def page_of(response: Any) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def handler_api(handler: User) -> ApiClient:
    _token, plain = token_create(user=handler, by=None, name="tests")
    return ApiClient(plain)


# --- the rule ------------------------------------------------------------------------------------


def test_every_direction_control_is_caught_and_real_names_in_any_script_are_not() -> None:
    assert set(CONTROLS) == DIRECTION_CONTROLS
    for control in CONTROLS:
        assert has_direction_controls(f"Sam{control} Taylor")
    for name in ("Siobhán Ní Bhriain", "محمد عبد الله", "אורי כהן", "Zoë O'Neill-Smith", "李小龍"):
        assert not has_direction_controls(name)


# --- web forms -----------------------------------------------------------------------------------


def test_person_name_is_refused_in_the_new_case_form_with_the_input_kept(
    handler_client: Client, case: Case
) -> None:
    before = Person.objects.count()
    response = handler_client.post(f"/cases/incidents/{case.incident.reference}/new-case/", {
        "name": f"Alex{RLO} Morgan", "role_title": "Staff nurse", "staff_group": "nursing-midwifery",
        "registration_body": "nmc", "registration_number": "99Z9999Z", "employment_type": "bank",
        "concern": "Gave insulin twice.",
    })
    assert response.status_code == 200
    page = page_of(response)
    assert "There is a problem" in page and 'href="#name"' in page
    assert f"Full name {MESSAGE}" in page
    assert 'value="Staff nurse"' in page and "Gave insulin twice." in page
    assert Person.objects.count() == before and Case.objects.count() == 1


def test_action_title_is_refused_in_the_action_form_with_the_input_kept(handler_client: Client, case: Case) -> None:
    response = handler_client.post(reverse("case_actions:new", args=[case.reference]), {
        "kind": "system", "category": "staffing", "title": f"Add a second nurse{RLO} at night",
        "description": "Agree funding with the matron.", "owner": "", "due_date": "",
    })
    assert response.status_code == 200
    page = page_of(response)
    assert "There is a problem" in page and 'href="#title"' in page
    assert f"Title {MESSAGE}" in page and "Agree funding with the matron." in page
    assert not Action.objects.exists()


# --- API -----------------------------------------------------------------------------------------


def test_api_refuses_a_person_name_with_a_422_naming_the_field(handler_api: ApiClient) -> None:
    person = {"role_title": "Staff nurse", "staff_group": "other", "employment_type": "bank",
              "registration_body": "none"}
    status, body = handler_api.post("/people", {**person, "name": f"Robin{RLO} Lee"})
    assert status == 422 and body == {"message": f"name: {MESSAGE}", "field": "name"}
    assert not Person.objects.exists()
    assert handler_api.post("/people", {**person, "name": "محمد عبد الله"})[0] == 201


def test_api_refuses_an_action_title_new_or_changed(handler_api: ApiClient, case: Case) -> None:
    url = f"/cases/{case.reference}/actions"
    status, body = handler_api.post(url, {"kind": "support", "category": "training", "title": f"Refresher{RLO}"})
    assert status == 422 and body["field"] == "title" and MESSAGE in body["message"]
    status, action = handler_api.post(url, {"kind": "support", "category": "training", "title": "Refresher"})
    assert status == 201
    status, body = handler_api.put(f"{url}/{action['id']}", {"category": "training", "title": "\u2067Refresher"})
    assert status == 422 and body["field"] == "title"
    assert Action.objects.get().title == "Refresher"


# --- services (the only way organisations, teams and users are made) -----------------------------


@pytest.mark.parametrize("control", CONTROLS)
def test_services_refuse_names_naming_the_field(
    control: str, org: Organisation, team: Team, handler: User, case: Case,
    make_user: Callable[..., User],
) -> None:
    bad = f"North{control}"
    calls: list[tuple[str, Callable[[], object]]] = [
        ("name", lambda: core_services.organisation_create(slug="east", name=bad)),
        ("name", lambda: core_services.team_create(organisation=org, name=bad)),
        ("username", lambda: core_services.user_create(organisation=org, username=bad, password=None)),
        ("first_name", lambda: core_services.user_create(organisation=org, username="kim", password=None,
                                                         first_name=bad)),
        ("last_name", lambda: core_services.user_create(organisation=org, username="kim", password=None,
                                                        last_name=bad)),
        ("name", lambda: case_services.person_create(organisation=org, name=bad, role_title="Nurse",
                                                     staff_group="other", employment_type="bank", by=handler)),
        ("title", lambda: action_services.action_create(case=case, kind="support", category="training",
                                                        title=bad, by=handler)),
        ("upload", lambda: case_services.evidence_upload(case=case, upload=SimpleUploadedFile(
            f"{bad}.txt", b"Statement\n"), description="Statement", by=handler)),
    ]
    counts = (Organisation.objects.count(), Team.objects.count(), User.objects.count(), Person.objects.count(),
              Action.objects.count(), EvidenceDocument.objects.count())
    for field, call in calls:
        with pytest.raises(ServiceError) as refused:
            call()
        assert refused.value.field == field and MESSAGE in refused.value.message
    assert counts == (Organisation.objects.count(), Team.objects.count(), User.objects.count(),
                      Person.objects.count(), Action.objects.count(), EvidenceDocument.objects.count())
