"""The command logic: interactive walk, JSON evaluation, outline, validation."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from justculture.guide import AnswerError, GuideDefinition, GuideDefinitionError, evaluate
from justculture.guide.cli import (
    ANSWER_PROMPT,
    INVALID_ANSWER,
    MISSING_RATIONALE,
    RATIONALE_PROMPT,
    evaluate_json,
    list_guides,
    show,
    validate,
    walk,
)

from .conftest import PACKAGED_FILE
from .oracle import ORDER, OUTCOME_CODES


def run_walk(guide: GuideDefinition, typed: str) -> tuple[Any, str]:
    out = io.StringIO()
    result = walk(guide, io.StringIO(typed), out)
    return result, out.getvalue()


def lines(*entries: str) -> str:
    return "".join(f"{e}\n" for e in entries)


def assert_plain(text: str) -> None:
    assert "\x1b" not in text
    assert not re.search("[\u2500-\u259f]", text)  # box drawing and block elements


def test_complete_walk_to_g(guide: GuideDefinition) -> None:
    typed = lines(
        "n", "No sign of intent",
        "n", "None reported",
        "n", "Fit and well",
        "n", "No concerns",
        "y", "Protocol exists",
        "y", "Followed on the ward",
        "y", "Chose to skip the check",
        "n", "Peers check every time",
        "n", "Attended training",
        "n", "Supervised as normal",
        "n", "Nothing significant",
    )  # fmt: skip
    result, output = run_walk(guide, typed)
    assert result == evaluate(guide, dict.fromkeys(ORDER[:4], "no") | {
        "3a": "yes", "3b": "yes", "3c": "yes", "4a": "no", "4b": "no", "4c": "no", "5a": "no",
    })  # fmt: skip
    assert result.outcome.code == "G"
    for step, qid in enumerate(ORDER, start=1):
        assert f"Question {step} of up to 11\n" in output
        assert f"Question {qid}: {guide.question(qid).text}\n" in output
        assert f"Test: {guide.test_for(qid).title}\n" in output
        assert f"Help: {guide.question(qid).explanation}\n" in output
    assert output.count(ANSWER_PROMPT) == 11
    assert output.count(RATIONALE_PROMPT) == 11
    assert "Outcome G: No significant mitigating circumstances\n" in output
    assert f"Recommendation: {guide.outcome('G').recommendation}\n" in output
    assert f"System learning: {guide.outcome('G').system_learning}\n" in output
    assert "1. Question 1a (Deliberate harm test): no. Rationale: No sign of intent\n" in output
    assert "7. Question 3c (Foresight test): yes. Rationale: Chose to skip the check\n" in output
    assert output.count("review the contextual factors recorded for this case") == 3
    assert_plain(output)


def test_short_walk_to_a(guide: GuideDefinition) -> None:
    result, output = run_walk(guide, lines("Y", "Stated intent in writing"))
    assert result.outcome.code == "A"
    assert result.path == ("1a",)
    assert "The assessment is complete." in output
    assert "Outcome A:" in output


def test_not_yet_known_stops_incomplete(guide: GuideDefinition) -> None:
    result, output = run_walk(guide, lines("n", "No intent", "not yet known", "n", "ignored"))
    assert result.status == "incomplete"
    assert result.next_question == "2a"
    assert result.path == ("1a",)
    assert "question 2a is not yet known" in output
    assert "No outcome is recommended" in output
    assert output.count(ANSWER_PROMPT) == 2
    assert output.count(RATIONALE_PROMPT) == 1


def test_invalid_input_re_prompts(guide: GuideDefinition) -> None:
    result, output = run_walk(guide, lines("maybe", "", " yes ", "", "   ", "Intended it"))
    assert result.outcome.code == "A"
    assert output.count(INVALID_ANSWER) == 2
    assert output.count(MISSING_RATIONALE) == 2
    assert output.count(ANSWER_PROMPT) == 3
    assert output.count(RATIONALE_PROMPT) == 3


def test_eof_before_any_answer(guide: GuideDefinition) -> None:
    result, output = run_walk(guide, "")
    assert result.status == "incomplete"
    assert result.next_question == "1a"
    assert "Input ended before question 1a was answered." in output
    assert "No questions were answered." in output


def test_eof_while_waiting_for_a_rationale(guide: GuideDefinition) -> None:
    result, output = run_walk(guide, lines("n", "r", "y"))
    assert result.path == ("1a",)
    assert result.next_question == "2a"
    assert "Input ended before question 2a was answered." in output


def test_evaluate_json_is_one_line(guide: GuideDefinition) -> None:
    text = evaluate_json(guide, '{"1a": "no", "2a": "no", "2b": "yes", "5a": "no"}')
    assert "\n" not in text
    data = json.loads(text)
    assert data == {
        "guide": "nhs-just-culture-guide",
        "version": "2018",
        "status": "complete",
        "outcome": {
            "code": "C",
            "title": guide.outcome("C").title,
            "recommendation": guide.outcome("C").recommendation,
        },
        "path": ["1a", "2a", "2b"],
        "next_question": None,
        "unused": ["5a"],
    }


def test_evaluate_json_errors(guide: GuideDefinition) -> None:
    with pytest.raises(AnswerError, match="not valid JSON"):
        evaluate_json(guide, "{")


def test_show_outlines_everything(guide: GuideDefinition) -> None:
    text = show(guide)
    flat = " ".join(text.split())
    for qid in ORDER:
        assert f"Question {qid} (" in text
    for code in OUTCOME_CODES:
        assert f"Outcome {code}: {guide.outcome(code).title}" in text
    assert "If yes: outcome A (" in text
    assert "If no: question 2a" in text
    assert "Rules of use:" in text
    assert "Open Government Licence v3.0" in flat
    assert " ".join(guide.outcome("F").recommendation.split()) in flat
    assert "System learning:" in text
    for test in guide.tests.values():
        assert test.title in text
    assert_plain(text)


def test_validate_packaged_file() -> None:
    summary = validate(PACKAGED_FILE)
    assert summary.startswith(f"OK: {PACKAGED_FILE} is a valid guide definition.")
    assert "5 tests, 11 questions, 7 outcomes" in summary
    assert "Note:" not in summary


def test_validate_warns_about_a_copy_reusing_the_packaged_id(tmp_path: Path) -> None:
    path = tmp_path / "copy.yaml"
    path.write_text(PACKAGED_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    assert "give this variant its own id or version" in validate(path)


def test_validate_broken_file(raw: dict[str, Any], tmp_path: Path) -> None:
    raw["start"] = "0a"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(GuideDefinitionError, match='start points to unknown question "0a"'):
        validate(path)


def test_list_guides(raw: dict[str, Any], tmp_path: Path) -> None:
    raw["id"] = "our-variant"
    (tmp_path / "ours.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    text = list_guides([tmp_path])
    assert text.splitlines()[0].startswith("nhs-just-culture-guide 2018: A just culture guide (")
    assert f"our-variant 2018: A just culture guide ({tmp_path / 'ours.yaml'})" in text
