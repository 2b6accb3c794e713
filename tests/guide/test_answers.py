"""Answer parsing and answer errors."""

from __future__ import annotations

import pytest

from justculture.guide import Answer, AnswerError, GuideDefinition, evaluate, parse_answers_json


def test_parse_valid(guide: GuideDefinition) -> None:
    parsed = parse_answers_json('{"1a": "no", "2a": "unknown"}', guide)
    assert parsed == {"1a": Answer.NO, "2a": Answer.UNKNOWN}
    assert all(isinstance(v, Answer) for v in parsed.values())
    assert parse_answers_json("{}") == {}


def test_answer_enum_values() -> None:
    assert [a.value for a in Answer] == ["yes", "no", "unknown"]
    assert Answer("yes") is Answer.YES
    assert str(Answer.NO) == "no"
    assert isinstance(Answer.UNKNOWN, str)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{\n  "1a": "yes",\n}', "answers are not valid JSON: .* at line 3, column 1"),
        ("", "answers are not valid JSON: .* at line 1, column 1"),
        ('{"1a": yes}', "not valid JSON: .* line 1, column 8"),
        ('["1a"]', "answers must be a JSON object .* got a list"),
        ('"yes"', "must be a JSON object .* got a string"),
        ("null", "must be a JSON object .* got null"),
        ("3", "must be a JSON object .* got a number"),
        ('{"9z": "yes"}', 'unknown question id "9z"'),
        ('{"1a": "maybe"}', 'answer for question 1a must be "yes", "no" or "unknown", not "maybe"'),
        ('{"1a": true}', "answer for question 1a must be .*, not true"),
        ('{"2b": null}', "answer for question 2b must be .*, not null"),
        ('{"2b": ["yes"]}', 'answer for question 2b must be .*, not \\["yes"\\]'),
        ('{"1a": "yes", "1a": "no"}', '"1a" appears more than once'),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(AnswerError, match=message) as caught:
        parse_answers_json(text)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_evaluate_rejects_unknown_id(guide: GuideDefinition) -> None:
    with pytest.raises(AnswerError, match='unknown question id "6a"'):
        evaluate(guide, {"1a": "no", "6a": "yes"})


def test_evaluate_rejects_bad_value(guide: GuideDefinition) -> None:
    with pytest.raises(AnswerError, match=r'question 3c must be .*not "Yes"'):
        evaluate(guide, {"3c": "Yes"})


def test_evaluate_empty_answers(guide: GuideDefinition) -> None:
    result = evaluate(guide, {})
    assert result.status == "incomplete"
    assert result.path == ()
    assert result.next_question == "1a"
    assert result.unused == ()
    assert result.outcome is None
    assert not result.is_complete


def test_evaluate_examples(guide: GuideDefinition) -> None:
    result = evaluate(guide, {"1a": "yes", "4a": "no", "5a": "unknown"})
    assert result.is_complete
    assert result.outcome is not None and result.outcome.code == "A"
    assert result.path == ("1a",)
    assert result.unused == ("4a", "5a")
    assert result.to_dict()["outcome"] == {
        "code": "A",
        "title": guide.outcome("A").title,
        "recommendation": guide.outcome("A").recommendation,
    }
