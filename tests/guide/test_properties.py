"""Property-based tests of the engine (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from justculture.guide import (
    Answer,
    AnswerError,
    GuideDefinition,
    GuideDefinitionError,
    default_guide,
    evaluate,
    guide_from_data,
)

from .oracle import ORDER

GUIDE = default_guide()
VALUES = ("yes", "no", "unknown")

answer_sets = st.dictionaries(st.sampled_from(ORDER), st.sampled_from(VALUES))


def _follows(guide: GuideDefinition, qid: str, answer: str) -> tuple[str, str]:
    target = guide.question(qid).target(answer)
    return target.kind, target.ref


def assert_consistent_walk(guide: GuideDefinition, answers: dict[str, str]) -> None:
    result = evaluate(guide, answers)
    # complete iff an outcome iff nothing is waiting
    assert (result.status == "complete") == (result.outcome is not None)
    assert (result.outcome is None) == (result.next_question is not None)
    # the path starts at the start and each step follows the answer given
    stops = [*result.path, result.next_question] if result.next_question else list(result.path)
    assert stops[0] == guide.start
    for here, there in zip(result.path, stops[1:], strict=False):
        assert _follows(guide, here, answers[here]) == ("question", there)
    for qid in result.path:
        assert answers[qid] in ("yes", "no")
    assert len(set(result.path)) == len(result.path)
    if result.outcome is not None:
        last = result.path[-1]
        assert _follows(guide, last, answers[last]) == ("outcome", result.outcome.code)
    else:
        assert answers.get(result.next_question or "", "unknown") == "unknown"
    # unused: answered, off the walk, in guide order
    on_walk = set(stops)
    assert set(result.unused) == set(answers) - on_walk
    order = list(guide.questions)
    assert list(result.unused) == sorted(result.unused, key=order.index)


@given(answer_sets)
def test_walk_is_consistent(answers: dict[str, str]) -> None:
    assert_consistent_walk(GUIDE, answers)


@given(answer_sets, st.data())
def test_answers_off_the_walk_never_change_the_result(answers: dict[str, str], data: Any) -> None:
    before = evaluate(GUIDE, answers)
    on_walk = set(before.path) | {before.next_question}
    off_walk = [q for q in ORDER if q not in on_walk]
    extra = data.draw(st.dictionaries(st.sampled_from(off_walk), st.sampled_from(VALUES)))
    after = evaluate(GUIDE, {**answers, **extra})
    assert after.outcome == before.outcome
    assert after.path == before.path
    assert after.next_question == before.next_question
    assert set(after.unused) == set(before.unused) | set(extra)


@given(answer_sets, st.sampled_from(("yes", "no")))
def test_answering_the_waiting_question_extends_the_path_by_one(
    answers: dict[str, str], reply: str
) -> None:
    before = evaluate(GUIDE, answers)
    if before.next_question is None:
        return
    waiting = before.next_question
    # With the unused answers present the walk may run on further than one step.
    after = evaluate(GUIDE, {**answers, waiting: reply})
    assert after.path[: len(before.path) + 1] == (*before.path, waiting)
    # Without them it moves exactly one step.
    on_walk_only = {q: answers[q] for q in before.path}
    after = evaluate(GUIDE, {**on_walk_only, waiting: reply})
    assert after.path == (*before.path, waiting)
    assert after.unused == ()


@given(answer_sets)
def test_enum_and_string_answers_are_equivalent(answers: dict[str, str]) -> None:
    as_enum = {k: Answer(v) for k, v in answers.items()}
    assert evaluate(GUIDE, as_enum) == evaluate(GUIDE, answers)


@given(answer_sets)
def test_to_dict_is_json_and_mirrors_the_result(answers: dict[str, str]) -> None:
    result = evaluate(GUIDE, answers)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["path"] == list(result.path)
    assert data["unused"] == list(result.unused)
    assert data["next_question"] == result.next_question
    assert (data["outcome"] is None) == (result.outcome is None)


@given(
    answer_sets,
    st.sampled_from(ORDER),
    st.one_of(st.text().filter(lambda s: s not in VALUES), st.none(), st.integers(), st.booleans()),
)
def test_bad_values_are_rejected_naming_the_key(
    answers: dict[str, str], key: str, bad: object
) -> None:
    with pytest.raises(AnswerError, match=key):
        evaluate(GUIDE, {**answers, key: bad})  # type: ignore[dict-item]


@given(st.text(min_size=1).filter(lambda s: s not in ORDER))
def test_unknown_ids_are_rejected_naming_the_id(key: str) -> None:
    with pytest.raises(AnswerError, match="unknown question id"):
        evaluate(GUIDE, {key: "yes"})


# Random guides: n questions in order, each answer going to a later question or
# to an outcome, so there are never cycles; some may be unreachable.
@st.composite
def random_guides(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(min_value=1, max_value=7))
    codes = [f"O{i}" for i in range(draw(st.integers(min_value=1, max_value=4)))]
    questions = []
    for i in range(n):
        targets = [{"question": f"q{j}"} for j in range(i + 1, n)] + [{"outcome": c} for c in codes]
        questions.append(
            {
                "id": f"q{i}",
                "test": "t",
                "text": f"Question {i}?",
                "explanation": "Help.",
                "yes": draw(st.sampled_from(targets)),
                "no": draw(st.sampled_from(targets)),
            }
        )
    return {
        "id": "random",
        "version": "1",
        "title": "Random",
        "source": "Generated",
        "start": "q0",
        "rules_of_use": [],
        "tests": [{"id": "t", "title": "T", "description": "D"}],
        "questions": questions,
        "outcomes": [
            {
                "code": c,
                "title": c,
                "recommendation": "R",
                "system_learning": "S",
                "individual_action": "unlikely",
            }
            for c in codes
        ],
    }


@settings(max_examples=200)
@given(random_guides(), st.data())
def test_random_acyclic_guides_load_or_fail_only_on_reachability(
    data_: dict[str, Any], data: Any
) -> None:
    try:
        guide = guide_from_data(data_)
    except GuideDefinitionError as exc:
        for problem in exc.problems:
            assert "unreachable" in problem or "never reached" in problem, problem
        return
    ids = list(guide.questions)
    answers = data.draw(st.dictionaries(st.sampled_from(ids), st.sampled_from(VALUES)))
    assert_consistent_walk(guide, answers)
