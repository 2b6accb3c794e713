"""Decision rules: measures, severities and what counts as a departure from the guide (rules.yaml)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from justculture.guide import INDIVIDUAL_ACTIONS

RULES_FILE = Path(__file__).with_name("rules.yaml")


@dataclass(frozen=True)
class Measure:
    code: str
    title: str
    severity: int
    description: str


@dataclass(frozen=True)
class DecisionRules:
    measures: dict[str, Measure]
    local_action_types: dict[str, str]
    formal_types: dict[str, str]
    support_offered: dict[str, str]
    consistent_up_to: dict[str, int]
    without_assessment_up_to: int

    def severity(self, measures: Iterable[str]) -> int:
        return max((self.measures[m].severity for m in measures), default=0)

    def departure(self, measures: Iterable[str], indication: str | None) -> bool:
        """True when the measures are more severe than the guide's recommendation allows."""
        limit = self.without_assessment_up_to if indication is None else self.consistent_up_to[indication]
        return self.severity(measures) > limit


@cache
def decision_rules() -> DecisionRules:
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    measures = {
        code: Measure(code, spec["title"], int(spec["severity"]), spec["description"])
        for code, spec in data["measures"].items()
    }
    consistent = {k: int(v) for k, v in data["consistent_up_to"].items()}
    missing = set(INDIVIDUAL_ACTIONS) - set(consistent)
    if missing:
        raise ValueError(f"rules.yaml: consistent_up_to lacks {', '.join(sorted(missing))}")
    return DecisionRules(
        measures=measures,
        local_action_types=dict(data["local_action_types"]),
        formal_types=dict(data["formal_types"]),
        support_offered=dict(data["support_offered"]),
        consistent_up_to=consistent,
        without_assessment_up_to=int(data["without_assessment_up_to"]),
    )
