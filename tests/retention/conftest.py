"""Fixtures for retention and subject access: a closed case holding one of every kind of record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from justculture.actions import services as action_services
from justculture.assessments import services as assessment_services
from justculture.assessments.models import Assessment
from justculture.cases import services as case_services
from justculture.cases.models import Case, Person
from justculture.casework import assessments as casework_assessments
from justculture.casework import decisions as casework_decisions
from justculture.casework.status import case_status_change
from justculture.core.models import Organisation, Team, User
from justculture.decisions import services as decision_services
from justculture.fairness import services as fairness_services
from tests.conftest import text_upload

PATIENT_NAME = "Jane Mary Doe"
PATIENT_IDENTIFIER = "943 476 5919"
PATIENT_TRACES = ["Jane", "Mary", "Doe", "943 476 5919", "9434765919"]
TO_D = [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no"), ("3a", "no")]
EQUALITY = {"ethnicity": "N", "sex": "male", "disability": "yes", "age_band": "25-34", "qualified": "rest-of-world"}


@pytest.fixture
def hr(org: Organisation, make_user: Callable[..., User]) -> User:
    """An HR adviser for the whole organisation: decides, edits equality data, exports SARs."""
    return make_user(org, "hr-adviser")


@dataclass
class Built:
    case: Case
    person: Person
    assessment_versions: list[Assessment]


def build_full_case(org: Organisation, team: Team, handler: User, hr: User, *, name: str = "Sam Taylor",
                    close: bool = True, registration_number: str = "12A3456B", equality: bool = True) -> Built:
    """A case with every kind of record, about a patient named in the free text, then closed."""
    incident = case_services.incident_create(
        organisation=org, occurred_at=timezone.now().replace(microsecond=0), team=team, location="Bay 2",
        description="Jane Mary Doe (NHS number 943 476 5919) was given a double dose of insulin.",
        patient_name=PATIENT_NAME, patient_identifier=PATIENT_IDENTIFIER, by=handler,
    )
    person = case_services.person_create(
        organisation=org, name=name, role_title="Staff nurse", staff_group="nursing-midwifery",
        employment_type="substantive", registration_number=registration_number, band_or_grade="Band 5",
        by=handler,
    )
    case = case_services.case_open(
        incident=incident, person=person, by=handler, concern="Gave Mrs Doe a second dose of insulin.",
        acts=["Gave Jane Doe a second dose without checking the chart."],
    )
    document = case_services.evidence_upload(
        case=case, upload=text_upload("statement.txt", "My statement about the night shift.\n"),
        description="Statement from the nurse", factor_ids=["distractions"], by=handler,
    )
    case_services.factor_record_save(
        case=case, factor_id="distractions", present="yes", contribution="moderate",
        account="Called to another bay while preparing the dose.", documents=[document], by=handler,
    )
    act = case.acts.get(number=1)
    first = assessment_services.assessment_start(act=act, by=handler)
    for question_id, value in TO_D:
        assessment_services.assessment_answer(assessment=first, question_id=question_id, answer=value,
                                              rationale=f"Rationale for {question_id}", by=handler)
    assessment_services.peer_view_add(assessment=first, peer_name="Alex Peer", peer_role="Staff nurse",
                                      experience="Five years", view="same", account="I would have too.", by=handler)
    casework_assessments.assessment_complete(assessment=first, by=handler)
    first.refresh_from_db()
    second = assessment_services.assessment_revisit(assessment=first, reason="New rota evidence", by=handler)
    assessment_services.assessment_answer(assessment=second, question_id="1a", answer="no",
                                          rationale="Second look at 1a", by=handler)
    casework_decisions.decision_record(
        case=case, measures=["support"], support_detail="Reflective practice sessions.",
        rationale="The guide reached outcome D.", decided_by_name="Jo Smith",
        decided_on=timezone.localdate(), by=hr,
    )
    decision_services.referral_considerations_save(
        case=case, regulator="nmc", summary="No referral.",
        answers={"insight-shown": {"answer": "yes", "notes": "Wrote a reflective account."}}, by=hr,
    )
    decision_services.advice_record(case=case, advised_on=timezone.localdate(), adviser="Employer advice line",
                                    advice="Local action is proportionate.", by=hr)
    action_services.action_create(case=case, kind="support", category="training", title="Insulin refresher",
                                  by=handler)
    if equality:
        fairness_services.equality_record_save(case=case, by=hr, **EQUALITY)
    if close:
        case_status_change(case=case, to="closed", reason="Moved in a test.", by=handler)
    case.refresh_from_db()
    return Built(case, person, [first, second])


@pytest.fixture
def full(org: Organisation, team: Team, handler: User, hr: User) -> Built:
    return build_full_case(org, team, handler, hr)


def years_on(years: int, start: date | None = None) -> date:
    """The date a whole number of years after start (today by default)."""
    start = start or timezone.localdate()
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, month=3, day=1)


def day_before(day: date) -> date:
    return day - timedelta(days=1)


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    """Users are made in most tests here; slow password hashing adds nothing to what is tested."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
