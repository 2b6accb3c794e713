"""Reads for decisions: the guide's recommendation for a case and the regulators it can refer to."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from justculture.assessments.models import Assessment
from justculture.assessments.services import guide_for
from justculture.cases.models import Case
from justculture.core.models import Organisation
from justculture.decisions.models import RegulatorContact
from justculture.decisions.rules import decision_rules
from justculture.guide import Outcome


@dataclass(frozen=True)
class Recommendation:
    """The newest completed outcome of each act, and the strongest indication among them."""

    outcomes: list[tuple[int, Outcome, Assessment]]  # (act number, outcome, assessment)
    indication: str | None
    incomplete_acts: list[int]

    @property
    def codes(self) -> list[str]:
        return [o.code for _, o, _ in self.outcomes]


def recommendation_for(case: Case) -> Recommendation:
    latest: dict[int, Assessment] = {}
    for assessment in case.assessments.select_related("act").filter(status=Assessment.COMPLETE).order_by("version"):
        latest[assessment.act.number] = assessment
    outcomes = []
    for number, assessment in sorted(latest.items()):
        guide = guide_for(assessment.guide_id, assessment.guide_version)
        outcomes.append((number, guide.outcome(assessment.outcome_code), assessment))
    incomplete = sorted(set(case.acts.values_list("number", flat=True)) - set(latest))
    indication = None
    if outcomes:
        rules = decision_rules()
        indication = max(
            (o.individual_action for _, o, _ in outcomes), key=lambda level: rules.consistent_up_to[level]
        )
    return Recommendation(outcomes, indication, incomplete)


@dataclass(frozen=True)
class Regulator:
    code: str
    name: str
    register: str
    website: str
    referral_contact: str
    is_default: bool


@cache
def _packaged_regulators() -> tuple[Regulator, ...]:
    path = Path(__file__).resolve().parent.parent / "cases" / "regulators.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        Regulator(r["code"], r["name"], r.get("register", ""), r.get("website", ""),
                  r.get("referral_contact", ""), bool(r.get("default", False)))
        for r in data["regulators"]
    )


def regulators_for(organisation: Organisation) -> list[Regulator]:
    """The packaged regulators with the organisation's own names and contact details applied."""
    overrides = {c.code: c for c in RegulatorContact.objects.filter(organisation=organisation)}
    result = []
    for reg in _packaged_regulators():
        o = overrides.get(reg.code)
        if o is None:
            result.append(reg)
        else:
            result.append(Regulator(reg.code, o.name or reg.name, o.register or reg.register, reg.website,
                                    o.referral_contact or reg.referral_contact, reg.is_default))
    return result


def regulator_for(organisation: Organisation, code: str) -> Regulator | None:
    return next((r for r in regulators_for(organisation) if r.code == code), None)


@dataclass(frozen=True)
class ReferralQuestion:
    id: str
    text: str
    help: str


@dataclass(frozen=True)
class ReferralSection:
    id: str
    title: str
    questions: tuple[ReferralQuestion, ...]


@cache
def referral_sections() -> tuple[ReferralSection, ...]:
    data = yaml.safe_load(Path(__file__).with_name("referral.yaml").read_text(encoding="utf-8"))
    sections = tuple(
        ReferralSection(s["id"], s["title"], tuple(
            ReferralQuestion(q["id"], " ".join(q["text"].split()), " ".join(q.get("help", "").split()))
            for q in s["questions"]
        ))
        for s in data["sections"]
    )
    ids = [q.id for s in sections for q in s.questions]
    if len(ids) != len(set(ids)):
        raise ValueError("referral.yaml: question ids must be unique")
    return sections


def referral_question_ids() -> list[str]:
    return [q.id for s in referral_sections() for q in s.questions]
