"""Broken definitions are refused with messages that say what and where."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from justculture.guide import GuideDefinitionError, guide_from_data, load_guide, parse_guide

from .conftest import PACKAGED_FILE, outcome_item, question_item

Mutation = Callable[[dict[str, Any]], None]


def problems_for(raw: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(GuideDefinitionError) as caught:
        guide_from_data(raw)
    return caught.value.problems


def test_the_packaged_definition_is_valid(raw: dict[str, Any]) -> None:
    assert guide_from_data(raw).id == "nhs-just-culture-guide"


def test_error_is_a_value_error() -> None:
    assert issubclass(GuideDefinitionError, ValueError)


def _set(path: list[Any], value: Any) -> Mutation:
    def mutate(raw: dict[str, Any]) -> None:
        node: Any = raw
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return mutate


def _question(qid: str, field: str, value: Any) -> Mutation:
    def mutate(raw: dict[str, Any]) -> None:
        question_item(raw, qid)[field] = value

    return mutate


def _outcome(code: str, field: str, value: Any) -> Mutation:
    def mutate(raw: dict[str, Any]) -> None:
        outcome_item(raw, code)[field] = value

    return mutate


def _drop_question_field(qid: str, field: str) -> Mutation:
    def mutate(raw: dict[str, Any]) -> None:
        del question_item(raw, qid)[field]

    return mutate


def _drop_outcome_field(code: str, field: str) -> Mutation:
    def mutate(raw: dict[str, Any]) -> None:
        del outcome_item(raw, code)[field]

    return mutate


def _drop_top(field: str) -> Mutation:
    def mutate(raw: dict[str, Any]) -> None:
        del raw[field]

    return mutate


def _append_copy(list_name: str, index: int) -> Mutation:
    def mutate(raw: dict[str, Any]) -> None:
        raw[list_name].append(dict(raw[list_name][index]))

    return mutate


def _add_outcome_h(raw: dict[str, Any]) -> None:
    raw["outcomes"].append({**outcome_item(raw, "G"), "code": "H"})


def _add_unused_test(raw: dict[str, Any]) -> None:
    raw["tests"].append({"id": "extra", "title": "Extra test", "description": "Not used."})


CASES: list[tuple[str, Mutation, str]] = [
    (
        "unknown question target",
        _question("3b", "yes", {"question": "9z"}),
        'question 3b: "yes" points to unknown question "9z"',
    ),
    (
        "unknown outcome target",
        _question("5a", "yes", {"outcome": "Z"}),
        'question 5a: "yes" points to unknown outcome "Z"',
    ),
    (
        "unreachable question",
        _question("4b", "no", {"question": "5a"}),
        "question 4c is unreachable from start 1a",
    ),
    ("cycle", _question("3b", "yes", {"question": "3a"}), "cycle: 3a -> 3b -> 3a"),
    ("self loop", _question("2b", "no", {"question": "2b"}), "cycle: 2b -> 2b"),
    (
        "blank recommendation",
        _outcome("F", "recommendation", "  "),
        "outcome F has no recommendation text",
    ),
    (
        "blank system learning",
        _outcome("B", "system_learning", ""),
        "outcome B has no system-learning text",
    ),
    ("blank question text", _question("2c", "text", " "), "question 2c has no question text"),
    (
        "missing recommendation",
        _drop_outcome_field("F", "recommendation"),
        'outcome F: missing required field "recommendation"',
    ),
    (
        "missing explanation",
        _drop_question_field("3b", "explanation"),
        'question 3b: missing required field "explanation"',
    ),
    ("missing top-level field", _drop_top("start"), 'top level: missing required field "start"'),
    ("extra top-level field", _set(["author"], "me"), 'top level: unexpected field "author"'),
    ("extra question field", _question("1a", "hint", "x"), 'question 1a: unexpected field "hint"'),
    (
        "extra target field",
        _question("3b", "yes", {"goto": "3c"}),
        'question 3b, field "yes": unexpected field "goto"',
    ),
    (
        "target with two destinations",
        _question("3b", "yes", {"question": "3c", "outcome": "D"}),
        'question 3b, field "yes": must have exactly one of "question" or "outcome", found 2',
    ),
    (
        "version as a number",
        _set(["version"], 2018),
        'field "version": expected a string, got integer 2018 (put the value in quotes)',
    ),
    (
        "context_prompt not boolean",
        _question("3b", "context_prompt", "yes"),
        'question 3b, field "context_prompt": expected true or false, got string "yes"',
    ),
    (
        "target not an object",
        _question("3b", "no", "D"),
        'question 3b, field "no": expected an object (a mapping of fields), got string "D"',
    ),
    (
        "questions not a list",
        _set(["questions"], {"1a": {}}),
        'field "questions": expected a list, got an object',
    ),
    ("no questions", _set(["questions"], []), 'field "questions": needs at least 1 item(s)'),
    (
        "rule of use not a string",
        _set(["rules_of_use", 2], 7),
        'field "rules_of_use[2]": expected a string, got integer 7',
    ),
    (
        "bad individual action",
        _outcome("D", "individual_action", "sometimes"),
        'outcome D, field "individual_action": must be one of "unlikely", "may-not", '
        '"health-pathway", "management", got string "sometimes"',
    ),
    ("bad id", _question("2a", "id", "2 a"), '"2 a" is not a valid id'),
    (
        "duplicate question id",
        _append_copy("questions", 5),
        'duplicate question id "3b" (questions[5] and questions[11])',
    ),
    (
        "duplicate outcome code",
        _append_copy("outcomes", 0),
        'duplicate outcome code "A" (outcomes[0] and outcomes[7])',
    ),
    (
        "duplicate test id",
        _append_copy("tests", 1),
        'duplicate test id "health" (tests[1] and tests[5])',
    ),
    ("unknown test", _question("2a", "test", "helth"), 'question 2a: unknown test "helth"'),
    ("unused test", _add_unused_test, "test extra is not used by any question"),
    ("outcome never reached", _add_outcome_h, "outcome H is never reached from start 1a"),
    ("unknown start", _set(["start"], "0a"), 'start points to unknown question "0a"'),
    ("blank title", _set(["title"], ""), "the guide has no title text"),
    ("blank rule of use", _set(["rules_of_use", 1], " "), "rules_of_use[1] is blank"),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(m, e, id=name) for name, m, e in CASES],
)
def test_broken_definition_is_refused(raw: dict[str, Any], mutate: Mutation, expected: str) -> None:
    mutate(raw)
    problems = problems_for(raw)
    assert any(expected in p for p in problems), problems


def test_single_problem_message_is_exact(raw: dict[str, Any]) -> None:
    _question("4b", "no", {"question": "5a"})(raw)
    with pytest.raises(GuideDefinitionError) as caught:
        guide_from_data(raw, "variant.yaml")
    assert str(caught.value) == "variant.yaml: question 4c is unreachable from start 1a"
    assert caught.value.source == "variant.yaml"


def test_several_problems_are_all_reported(raw: dict[str, Any]) -> None:
    _question("3b", "yes", {"question": "3a"})(raw)
    with pytest.raises(GuideDefinitionError) as caught:
        guide_from_data(raw)
    problems = caught.value.problems
    assert "cycle: 3a -> 3b -> 3a" in problems
    assert "question 3c is unreachable from start 1a" in problems
    assert "outcome E is never reached from start 1a" in problems
    assert str(caught.value).startswith(f"{len(problems)} problems: ")
    assert "\n" not in str(caught.value)


def test_a_dangling_target_is_not_also_reported_as_a_cycle(raw: dict[str, Any]) -> None:
    _question("3b", "yes", {"question": "9z"})(raw)
    assert not any(p.startswith("cycle") for p in problems_for(raw))


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(GuideDefinitionError, match="top level: expected an object"):
        guide_from_data(["not", "a", "mapping"])
    with pytest.raises(GuideDefinitionError, match="the definition is empty"):
        parse_guide("", "empty.yaml")


def write(tmp_path: Path, text: str, name: str = "variant.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = "id: x\nversion: '1'\nquestions:\n  - id: 1a\n   text: [unclosed\n"
    path = write(tmp_path, text)
    with pytest.raises(GuideDefinitionError) as caught:
        load_guide(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: YAML syntax error at line 5")
    assert "column" in message


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    text = PACKAGED_FILE.read_text(encoding="utf-8").replace(
        "    yes: {outcome: A}\n", "    yes: {outcome: A}\n    yes: {question: 2a}\n", 1
    )
    with pytest.raises(GuideDefinitionError, match=r'duplicate key "yes" at line \d+ '):
        load_guide(write(tmp_path, text))


def test_yes_and_no_keys_stay_strings_but_yes_is_not_a_boolean(tmp_path: Path) -> None:
    text = PACKAGED_FILE.read_text(encoding="utf-8").replace(
        "context_prompt: true", "context_prompt: yes", 1
    )
    with pytest.raises(GuideDefinitionError, match='expected true or false, got string "yes"'):
        load_guide(write(tmp_path, text))


def test_a_round_trip_through_yaml_dump_loads(raw: dict[str, Any], tmp_path: Path) -> None:
    # safe_dump quotes the yes/no keys; both spellings must work.
    assert load_guide(write(tmp_path, yaml.safe_dump(raw))).id == "nhs-just-culture-guide"


def test_file_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(GuideDefinitionError, match=f"guide definition file not found: {missing}"):
        load_guide(missing)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(GuideDefinitionError, match="found a directory"):
        load_guide(tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(GuideDefinitionError, match="not valid UTF-8"):
        load_guide(path)
