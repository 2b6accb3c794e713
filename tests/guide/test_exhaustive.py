"""Every combination of answers to the 11 questions, checked against the oracle."""

from __future__ import annotations

import itertools

import pytest

from justculture.guide import GuideDefinition, evaluate

from .oracle import ORDER, oracle


@pytest.mark.parametrize("absent", ["unknown", "missing"])
def test_all_answer_combinations_match_the_oracle(guide: GuideDefinition, absent: str) -> None:
    """3^11 combinations; "missing" omits the key instead of sending "unknown"."""
    values = ("yes", "no", absent)
    checked = 0
    outcomes_seen: set[str | None] = set()
    for combo in itertools.product(values, repeat=len(ORDER)):
        answers = {
            qid: value for qid, value in zip(ORDER, combo, strict=True) if value != "missing"
        }
        result = evaluate(guide, answers)
        expected = oracle(answers)
        got = {
            "status": result.status,
            "outcome": result.outcome.code if result.outcome else None,
            "path": list(result.path),
            "next_question": result.next_question,
            "unused": list(result.unused),
        }
        assert got == expected, answers
        outcomes_seen.add(expected["outcome"])
        checked += 1
    assert checked == 3**11
    assert outcomes_seen == {None, "A", "B", "C", "D", "E", "F", "G"}


def test_to_dict_matches_the_oracle_for_a_sample(guide: GuideDefinition) -> None:
    for combo in itertools.islice(
        itertools.product(("yes", "no", "unknown"), repeat=11), 0, None, 97
    ):
        answers = dict(zip(ORDER, combo, strict=True))
        data = evaluate(guide, answers).to_dict()
        expected = oracle(answers)
        assert list(data) == [
            "guide",
            "version",
            "status",
            "outcome",
            "path",
            "next_question",
            "unused",
        ]
        assert data["guide"] == "nhs-just-culture-guide"
        assert data["version"] == "2018"
        assert data["status"] == expected["status"]
        assert data["path"] == expected["path"]
        assert data["next_question"] == expected["next_question"]
        assert data["unused"] == expected["unused"]
        if expected["outcome"] is None:
            assert data["outcome"] is None
        else:
            assert list(data["outcome"]) == ["code", "title", "recommendation"]
            assert data["outcome"]["code"] == expected["outcome"]
