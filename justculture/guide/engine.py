"""Walking a guide with a set of answers.

The engine is a pure function of a definition and a mapping of answers: it
follows the branches from the start question, stops at the first question
that has no usable answer, and reports the outcome (if one was reached), the
path taken, the question waiting, and any answers the walk did not use.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .errors import AnswerError, GuideDefinitionError
from .model import GuideDefinition, Outcome

Status = Literal["complete", "incomplete"]


class Answer(enum.StrEnum):
    """An answer to one question. ``UNKNOWN`` means "not yet known"."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


_ANSWER_VALUES = '"yes", "no" or "unknown"'


@dataclass(frozen=True)
class Evaluation:
    """The result of walking a guide with a set of answers.

    ``path`` holds the questions answered yes or no on the walk, in order.
    ``next_question`` is the first question on the walk with no answer or an
    "unknown" answer (it is not in ``path``); it is ``None`` exactly when the
    walk reached an outcome. ``unused`` lists, in guide order, questions that
    were given any answer but are neither on the path nor the one waiting.
    """

    guide_id: str
    guide_version: str
    status: Status
    outcome: Outcome | None
    path: tuple[str, ...]
    next_question: str | None
    unused: tuple[str, ...]

    @property
    def is_complete(self) -> bool:
        return self.status == "complete"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary, with a stable set of keys."""
        return {
            "guide": self.guide_id,
            "version": self.guide_version,
            "status": self.status,
            "outcome": (
                None
                if self.outcome is None
                else {
                    "code": self.outcome.code,
                    "title": self.outcome.title,
                    "recommendation": self.outcome.recommendation,
                }
            ),
            "path": list(self.path),
            "next_question": self.next_question,
            "unused": list(self.unused),
        }


def _known_ids(guide: GuideDefinition) -> str:
    return ", ".join(guide.questions)


def coerce_answer(key: str, value: object) -> Answer:
    """Turn ``value`` into an :class:`Answer` or raise :class:`AnswerError`."""
    if isinstance(value, Answer):
        return value
    if isinstance(value, str):
        try:
            return Answer(value)
        except ValueError:
            pass
    if isinstance(value, str):
        shown = f'"{value}"'
    else:
        shown = json.dumps(value) if _jsonable(value) else repr(value)
    raise AnswerError(f"answer for question {key} must be {_ANSWER_VALUES}, not {shown}")


def _jsonable(value: object) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def check_answers(guide: GuideDefinition, answers: Mapping[str, object]) -> dict[str, Answer]:
    """Validate keys and values of ``answers`` against ``guide``; return them typed."""
    typed: dict[str, Answer] = {}
    for key, value in answers.items():
        if not isinstance(key, str) or key not in guide.questions:
            raise AnswerError(
                f'unknown question id "{key}" '
                f"(guide {guide.id} {guide.version} has {_known_ids(guide)})"
            )
        typed[key] = coerce_answer(key, value)
    return typed


def evaluate(guide: GuideDefinition, answers: Mapping[str, str | Answer]) -> Evaluation:
    """Walk ``guide`` from its start question using ``answers``.

    Raises :class:`AnswerError` for an unknown question id or a value that is
    not yes/no/unknown.
    """
    typed = check_answers(guide, answers)
    path: list[str] = []
    current = guide.start
    outcome: Outcome | None = None
    next_question: str | None = None
    while True:
        answer = typed.get(current)
        if answer is None or answer is Answer.UNKNOWN:
            next_question = current
            break
        if current in path:
            # Validated definitions have no cycles; this guards hand-built ones.
            raise GuideDefinitionError(f"cycle through question {current} in guide {guide.id}")
        path.append(current)
        target = guide.question(current).target(answer.value)
        if target.kind == "outcome":
            outcome = guide.outcome(target.ref)
            break
        current = target.ref
    on_walk = set(path)
    if next_question is not None:
        on_walk.add(next_question)
    return Evaluation(
        guide_id=guide.id,
        guide_version=guide.version,
        status="complete" if outcome is not None else "incomplete",
        outcome=outcome,
        path=tuple(path),
        next_question=next_question,
        unused=tuple(qid for qid in guide.questions if qid in typed and qid not in on_walk),
    )


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise AnswerError(f'"{key}" appears more than once in the answers')
        result[key] = value
    return result


def parse_answers_json(text: str, guide: GuideDefinition | None = None) -> dict[str, Answer]:
    """Parse a JSON object such as ``{"1a": "no", "2a": "unknown"}``.

    Question ids are checked against ``guide`` (the default 2018 guide if not
    given). Every problem raises :class:`AnswerError` with a one-line message.
    """
    if guide is None:
        from .loader import default_guide

        guide = default_guide()
    try:
        data = json.loads(text, object_pairs_hook=_reject_duplicates)
    except json.JSONDecodeError as exc:
        raise AnswerError(
            f"answers are not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
            type(data), "a number"
        )
        raise AnswerError(
            "answers must be a JSON object mapping question ids to "
            f'{_ANSWER_VALUES} (e.g. {{"1a": "no"}}), got {kind}'
        )
    return check_answers(guide, data)
