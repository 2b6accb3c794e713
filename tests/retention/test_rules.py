"""The retention rules file and the date arithmetic behind expiry (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from justculture.retention.rules import (
    Period,
    RulesError,
    add_months,
    default_rules,
    expiry_date,
    is_expired,
    load_rules,
)

GOOD_RULE = """
rules:
  closed-case:
    title: Closed cases
    records: Cases
    trigger: case-closed
    trigger_text: the date the case closed
    period: {period}
    minimum: 1 year
    maximum: 10 years
    per_organisation: true
    reasoning: Because.
"""


def test_the_packaged_rules_load_with_a_reason_for_each() -> None:
    rules = default_rules()
    assert set(rules) == {"closed-case", "incident", "person", "equality-data", "workforce-figures",
                          "sign-in-attempts", "task-results"}
    assert rules["closed-case"].period == Period(6, "years")
    assert all(len(r.reasoning) > 40 for r in rules.values())
    assert not rules["sign-in-attempts"].per_organisation and rules["closed-case"].per_organisation


@pytest.mark.parametrize(("text", "period"), [("6 years", Period(6, "years")), ("1 year", Period(1, "years")),
                                              (" 90  days ", Period(90, "days")), ("3 month", Period(3, "months"))])
def test_periods_are_parsed(text: str, period: Period) -> None:
    assert Period.parse(text) == period


@pytest.mark.parametrize("text", ["six years", "6", "6 weeks", "-1 days", "1.5 years", ""])
def test_a_bad_period_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="write it like '6 years'"):
        Period.parse(text)


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2024, 1, 15), 1, date(2024, 2, 15)),
    (date(2024, 1, 31), 1, date(2024, 3, 1)),     # no 31 February: the day after the month ends
    (date(2024, 2, 29), 12, date(2025, 3, 1)),    # leap day, one year on
    (date(2024, 2, 29), 48, date(2028, 2, 29)),   # leap day, four years on
    (date(2023, 12, 31), 2, date(2024, 3, 1)),
    (date(2024, 11, 30), 1, date(2024, 12, 30)),
    (date(2024, 12, 31), 1, date(2025, 1, 31)),
])
def test_adding_months_never_lands_early(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_a_record_expires_on_its_expiry_date_not_the_day_before() -> None:
    six = Period(6, "years")
    closed = date(2020, 5, 17)
    assert expiry_date(closed, six) == date(2026, 5, 17)
    assert not is_expired(closed, six, date(2026, 5, 16))
    assert is_expired(closed, six, date(2026, 5, 17))
    assert is_expired(closed, six, date(2026, 5, 18))
    ninety = Period(90, "days")
    assert expiry_date(date(2026, 1, 1), ninety) == date(2026, 4, 1)
    assert not is_expired(date(2026, 1, 1), ninety, date(2026, 3, 31))


def test_minimum_and_maximum_compare_across_units() -> None:
    rule = default_rules()["closed-case"]  # 1 year to 25 years
    assert rule.allows(Period(365, "days")) is None
    assert rule.allows(Period(12, "months")) is None
    assert rule.allows(Period(364, "days")) == "The period for closed cases and everything in them must be at least 1 year."
    assert rule.allows(Period(26, "years")) == ("The period for closed cases and everything in them must be no more "
                                                "than 25 years.")
    assert rule.allows(Period(99999, "years")) is not None  # beyond the calendar: refused, not a crash


@pytest.mark.parametrize(("text", "message"), [
    (GOOD_RULE.format(period="6 yrs"), "rule closed-case: 'period'"),
    (GOOD_RULE.format(period="20 years"), "rule closed-case: the default period is out of range"),
    (GOOD_RULE.format(period="6 years").replace("case-closed", "case-archived"), "unknown trigger 'case-archived'"),
    (GOOD_RULE.format(period="6 years").replace("    reasoning: Because.\n", ""), "'reasoning' is missing"),
    (GOOD_RULE.format(period="6 years").replace("true", "sometimes"), "per_organisation must be true or false"),
    ("retention: {}", "expected a 'rules' mapping"),
])
def test_a_bad_rules_file_names_the_rule_and_the_field(text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message.replace("(", r"\(")):
        load_rules(text)
    assert load_rules(GOOD_RULE.format(period="6 years"))["closed-case"].period == Period(6, "years")
