"""Fixtures for the insights tests: readers with and without sight of the cases, and a quick
builder of hand-made cases (created with the ORM, so hundreds of rows cost little)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone

from justculture.actions.models import Action
from justculture.assessments.models import Answer, Assessment
from justculture.cases.models import Act, Case, FactorRecord, Incident, Person
from justculture.core.models import Organisation, Team, User

_numbers = itertools.count(1)


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """An aware datetime in the project's time zone (Europe/London)."""
    return timezone.make_aware(datetime(year, month, day, hour, minute))


class CaseBuilder:
    """Makes cases with exactly the facts a test needs, straight into the database."""

    def __init__(self, by: User) -> None:
        self.by = by

    def case(
        self,
        team: Team,
        when: datetime,
        *,
        factors: Sequence[str] = (),
        absent: Sequence[str] = (),
        unknown: Sequence[str] = (),
        outcome: str = "",
        assessments: Sequence[tuple[str, Sequence[str], str | None]] = (),
        actions: Sequence[tuple[str, str, date | None]] = (),
    ) -> Case:
        """One case on ``team`` whose incident happened ``when``.

        ``assessments``: completed versions of act 1, oldest first, as (outcome, path, answer to 4a
        or None). ``actions``: (kind, status, due date).
        """
        org = team.organisation
        n = next(_numbers)
        incident = Incident.objects.create(
            organisation=org, reference=f"INC-T{n}", occurred_at=when, team=team, description="Test incident",
            created_by=self.by,
        )
        person = Person.objects.create(organisation=org, name=f"Person {n}", role_title="Staff nurse",
                                       staff_group="nursing-midwifery", employment_type="substantive")
        case = Case.objects.create(organisation=org, reference=f"C-T{n}", incident=incident, person=person, team=team,
                                   concern="Test concern", created_by=self.by, latest_outcome=outcome)
        for ids, present in ((factors, "yes"), (absent, "no"), (unknown, "unknown")):
            for factor_id in ids:
                FactorRecord.objects.create(case=case, factor_id=factor_id, present=present, recorded_by=self.by)
        if assessments:
            act = Act.objects.create(case=case, number=1, description="An act", created_by=self.by)
            for version, (code, path, answer) in enumerate(assessments, start=1):
                assessment = Assessment.objects.create(
                    organisation=org, case=case, act=act, version=version, guide_id="nhs-just-culture-guide",
                    guide_version="2018", status=Assessment.COMPLETE, outcome_code=code, path=list(path),
                    started_by=self.by, completed_by=self.by, completed_at=timezone.now(),
                )
                if answer is not None:
                    Answer.objects.create(assessment=assessment, question_id="4a", answer=answer, rationale="Test",
                                          answered_by=self.by)
        for kind, status, due in actions:
            Action.objects.create(organisation=org, case=case, team=team, kind=kind, category="staffing",
                                  title="An action", status=status, due_date=due, created_by=self.by)
        return case

    def many(self, count: int, team: Team, when: datetime, **kwargs: Any) -> list[Case]:
        return [self.case(team, when, **kwargs) for _ in range(count)]


@pytest.fixture
def lead(org: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(org, "patient-safety-lead")


@pytest.fixture
def analyst(org: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(org, "equality-analyst")


@pytest.fixture
def build(handler: User) -> CaseBuilder:
    return CaseBuilder(handler)


@pytest.fixture
def third_team(org: Organisation) -> Team:
    """A second team on the first team's site (City Hospital)."""
    from justculture.core import services as core_services

    return core_services.team_create(organisation=org, name="Ward 9", site="City Hospital")
