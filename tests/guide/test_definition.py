"""The packaged 2018 definition says what the design document says."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import justculture.guide as guide_package
from justculture.guide import INDIVIDUAL_ACTIONS, GuideDefinition, guide_json_schema

from .conftest import PACKAGED_FILE
from .oracle import ORDER, OUTCOME_CODES, TABLE


def test_identity_and_start(guide: GuideDefinition) -> None:
    assert guide.id == "nhs-just-culture-guide"
    assert guide.version == "2018"
    assert guide.key == ("nhs-just-culture-guide", "2018")
    assert guide.start == "1a"
    assert guide.title


def test_questions_are_in_poster_order(guide: GuideDefinition) -> None:
    assert tuple(guide.questions) == ORDER


def test_branching_matches_the_design_table(guide: GuideDefinition) -> None:
    for qid, (test, on_yes, on_no) in TABLE.items():
        question = guide.question(qid)
        assert question.test == test
        for target, expected in ((question.yes, on_yes), (question.no, on_no)):
            kind = "outcome" if expected in OUTCOME_CODES else "question"
            assert (target.kind, target.ref) == (kind, expected), qid


def test_tests(guide: GuideDefinition) -> None:
    assert list(guide.tests) == [
        "deliberate-harm",
        "health",
        "foresight",
        "substitution",
        "mitigation",
    ]
    assert guide.tests["deliberate-harm"].title == "Deliberate harm test"
    assert guide.test_for("3b").title == "Foresight test"
    assert guide.test_for("4c").id == "substitution"
    for test in guide.tests.values():
        assert test.title.strip() and test.description.strip()


def test_context_prompts_only_on_3b_4a_5a(guide: GuideDefinition) -> None:
    assert {q.id for q in guide.questions.values() if q.context_prompt} == {"3b", "4a", "5a"}


def test_every_question_has_text_and_help(guide: GuideDefinition) -> None:
    for question in guide.questions.values():
        assert question.text.endswith("?"), question.id
        assert len(question.explanation) > 40, question.id


def test_outcomes_and_individual_action_scale(guide: GuideDefinition) -> None:
    assert tuple(guide.outcomes) == OUTCOME_CODES
    assert {code: o.individual_action for code, o in guide.outcomes.items()} == {
        "A": "management",
        "B": "health-pathway",
        "C": "health-pathway",
        "D": "unlikely",
        "E": "unlikely",
        "F": "may-not",
        "G": "management",
    }
    assert set(INDIVIDUAL_ACTIONS) == {"management", "health-pathway", "unlikely", "may-not"}


def test_graded_wording_is_kept(guide: GuideDefinition) -> None:
    for code in ("D", "E"):
        assert "individual is unlikely to be appropriate" in guide.outcome(code).recommendation
        assert guide.outcome(code).recommendation.startswith("Action singling out the individual")
    assert "may not be appropriate" in guide.outcome("F").recommendation
    assert "unlikely" not in guide.outcome("F").recommendation


def test_every_outcome_carries_system_learning(guide: GuideDefinition) -> None:
    for outcome in guide.outcomes.values():
        assert outcome.title.strip()
        assert outcome.recommendation.strip()
        assert len(outcome.system_learning) > 40, outcome.code


def test_source_citation(guide: GuideDefinition) -> None:
    for fragment in (
        "NHS Improvement",
        "A just culture guide",
        "March 2018",
        "Open Government Licence v3.0",
        "NHS England",
        "Reason",
        "Incident Decision Tree",
    ):
        assert fragment in guide.source


def test_rules_of_use(guide: GuideDefinition) -> None:
    rules = " ".join(guide.rules_of_use).lower()
    assert len(guide.rules_of_use) >= 6
    for idea in ("investigation", "hr advice", "one person", "revisit", "consistent"):
        assert idea in rules


def test_lookups_fail_clearly(guide: GuideDefinition) -> None:
    with pytest.raises(KeyError, match="9z"):
        guide.question("9z")
    with pytest.raises(KeyError, match="Z"):
        guide.outcome("Z")


def test_definition_is_read_only(guide: GuideDefinition) -> None:
    with pytest.raises(TypeError):
        guide.questions["zz"] = guide.question("1a")  # type: ignore[index]
    with pytest.raises(AttributeError):
        guide.start = "2a"  # type: ignore[misc]
    assert hash(guide) == hash(("nhs-just-culture-guide", "2018"))


def test_longest_walk(guide: GuideDefinition) -> None:
    assert guide.longest_walk() == 11
    assert guide.longest_walk("4a") == 4
    assert guide.longest_walk("5a") == 1


def test_schema_is_valid_json_schema_and_accepts_the_packaged_file(raw: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = guide_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(raw)


def test_packaged_file_is_plain_ascii() -> None:
    # Keeps the poster-side reading simple and the file diff-friendly.
    PACKAGED_FILE.read_text(encoding="utf-8").encode("ascii")


def test_guide_package_never_imports_django() -> None:
    for path in Path(guide_package.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n == "django" or n.startswith("django.") for n in names), path
