"""Text sizes are limited alike on the web, in the API and in the service: an act is one specific
action or omission, and a case has a bounded number of them (a 1 MB request of acts made a
445-page pack that held the pack worker for minutes)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from justculture.cases import services as case_services
from justculture.cases.models import Act, Case
from justculture.core.errors import ServiceError
from justculture.core.models import User
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_the_api_refuses_an_act_longer_than_the_limit_naming_it(
        case: Case, handler: User, api_for: Callable[[User | None], ApiClient]) -> None:
    status, body = api_for(handler).put(f"/cases/{case.reference}/acts/1", {"description": "x" * (Act.MAX_LENGTH + 1)})
    assert status == 422
    assert body["field"] == "description"
    assert api_for(handler).put(f"/cases/{case.reference}/acts/1", {"description": "x" * Act.MAX_LENGTH})[0] == 200


def test_the_api_refuses_too_many_acts(case: Case, handler: User, api_for: Callable[[User | None], ApiClient]) -> None:
    api = api_for(handler)
    status, person = api.post("/people", {"name": "Ali Khan", "role_title": "Nurse", "staff_group": "nursing-midwifery",
                                          "employment_type": "substantive", "registration_number": "1"})
    assert status == 201
    status, body = api.post("/cases", {"incident": case.incident.reference, "person_id": person["id"],
                                       "concern": "A dose.", "acts": ["Gave a dose late"] * (Act.MAX_PER_CASE + 1)})
    assert status == 422 and body["field"] == "acts"
    assert not Case.objects.filter(person_id=person["id"]).exists()


def test_the_service_refuses_an_act_past_the_limits(case: Case, handler: User) -> None:
    with pytest.raises(ServiceError) as long_act:
        case_services.act_add(case=case, description="x" * (Act.MAX_LENGTH + 1), by=handler)
    assert long_act.value.field == "description"
    for _ in range(Act.MAX_PER_CASE - case.acts.count()):
        case_services.act_add(case=case, description="Gave a dose late", by=handler)
    with pytest.raises(ServiceError):
        case_services.act_add(case=case, description="One more", by=handler)
    assert case.acts.count() == Act.MAX_PER_CASE


def test_the_web_form_keeps_the_text_and_says_what_is_too_long(case: Case, handler_client) -> None:
    long_text = "y" * (Act.MAX_LENGTH + 1)
    response = handler_client.post(f"/cases/{case.reference}/acts/new/", {"description": long_text})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Describe the act in {Act.MAX_LENGTH:,} characters or fewer" in html
    assert long_text in html
    assert case.acts.count() == 1
