"""Retention rules, read from periods.yaml, and the date arithmetic behind expiry. No Django here.

A record expires on its expiry date: the trigger date plus the period. It is erased by any run on
or after that date. Adding months or years to the 29th, 30th or 31st of a month that the target
month lacks moves to the first day of the next month, so a record is never erased a day early.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from justculture.core.errors import ServiceError

RULES_FILE = Path(__file__).with_name("periods.yaml")
UNITS = ("days", "months", "years")
_REFERENCE = date(2001, 1, 1)
_PERIOD = re.compile(r"^\s*(\d{1,5})\s+(day|days|month|months|year|years)\s*$")

# The triggers the code knows how to find; a rule naming any other is refused when loaded.
TRIGGERS = frozenset({
    "case-closed", "incident-occurred", "person-created", "person-last-case-closed",
    "figure-imported", "attempt-made", "task-finished",
})


class RulesError(ServiceError):
    """The retention rules file is not valid; the message names the rule and the field."""


@dataclass(frozen=True)
class Period:
    """A whole number of days, months or years."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {self.unit!r}")
        if self.amount < 0:
            raise ValueError("the amount cannot be negative")

    @classmethod
    def parse(cls, text: str) -> Period:
        """"6 years" -> Period(6, "years"); singular units are accepted."""
        match = _PERIOD.match(str(text))
        if match is None:
            raise ValueError(f"{text!r} is not a period: write it like '6 years', '3 months' or '90 days'")
        unit = match.group(2)
        return cls(int(match.group(1)), unit if unit.endswith("s") else unit + "s")

    def __str__(self) -> str:
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {unit}"

    def after(self, start: date) -> date:
        """The date this period after ``start``."""
        if self.unit == "days":
            return start + timedelta(days=self.amount)
        months = self.amount * (12 if self.unit == "years" else 1)
        return add_months(start, months)

    def length(self) -> int:
        """Days from a fixed ordinary-year start, for comparing periods of different units."""
        return (self.after(_REFERENCE) - _REFERENCE).days


def add_months(start: date, months: int) -> date:
    """``start`` moved on by whole months; a day the target month lacks rolls to the 1st after."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    try:
        return date(year, month, start.day)
    except ValueError:
        # 31 January + 1 month, 29 February + 1 year: the first day of the following month.
        return date(year + (month == 12), month % 12 + 1, 1)


def expiry_date(trigger: date, period: Period) -> date:
    return period.after(trigger)


def is_expired(trigger: date, period: Period, today: date) -> bool:
    """True from the expiry date onwards (a record expiring today is erased today)."""
    return expiry_date(trigger, period) <= today


@dataclass(frozen=True)
class Rule:
    """One kind of record: what it covers, when its clock starts and how long it is kept."""

    code: str
    title: str
    records: str
    trigger: str
    trigger_text: str
    period: Period
    minimum: Period
    maximum: Period
    per_organisation: bool
    reasoning: str

    def allows(self, period: Period) -> str | None:
        """Why a chosen period is outside this rule's range, or None when it is inside."""
        try:
            length = period.length()
        except (ValueError, OverflowError):
            return f"The period for {self.title.lower()} must be no more than {self.maximum}."
        if length < self.minimum.length():
            return f"The period for {self.title.lower()} must be at least {self.minimum}."
        if length > self.maximum.length():
            return f"The period for {self.title.lower()} must be no more than {self.maximum}."
        return None


def _text(code: str, spec: dict[str, Any], key: str) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"periods.yaml: rule {code}: '{key}' is missing or empty")
    return value.strip()


def _period(code: str, spec: dict[str, Any], key: str) -> Period:
    try:
        return Period.parse(_text(code, spec, key))
    except ValueError as exc:
        raise RulesError(f"periods.yaml: rule {code}: '{key}': {exc}") from exc


def load_rules(text: str) -> dict[str, Rule]:
    """Parse and check a rules document; RulesError names the first problem found."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("rules"), dict):
        raise RulesError("periods.yaml: expected a 'rules' mapping at the top")
    result: dict[str, Rule] = {}
    for code, spec in data["rules"].items():
        if not isinstance(spec, dict):
            raise RulesError(f"periods.yaml: rule {code}: expected a mapping of fields")
        trigger = _text(code, spec, "trigger")
        if trigger not in TRIGGERS:
            raise RulesError(f"periods.yaml: rule {code}: unknown trigger {trigger!r}")
        per_org = spec.get("per_organisation", False)
        if not isinstance(per_org, bool):
            raise RulesError(f"periods.yaml: rule {code}: per_organisation must be true or false")
        rule = Rule(
            code=str(code), title=_text(code, spec, "title"), records=_text(code, spec, "records"),
            trigger=trigger, trigger_text=_text(code, spec, "trigger_text"),
            period=_period(code, spec, "period"), minimum=_period(code, spec, "minimum"),
            maximum=_period(code, spec, "maximum"), per_organisation=per_org,
            reasoning=_text(code, spec, "reasoning"),
        )
        problem = rule.allows(rule.period)
        if problem:
            raise RulesError(f"periods.yaml: rule {code}: the default period is out of range. {problem}")
        result[rule.code] = rule
    return result


@cache
def default_rules() -> dict[str, Rule]:
    """The packaged rules, loaded once."""
    return load_rules(RULES_FILE.read_text(encoding="utf-8"))
