"""Immutable data types describing a guide definition.

These are plain frozen dataclasses with no behaviour beyond look-ups; the
loader (:mod:`justculture.guide.loader`) builds and validates them and the
engine (:mod:`justculture.guide.engine`) walks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

TargetKind = Literal["question", "outcome"]

#: The values an outcome's ``individual_action`` may take, ordered from the
#: weakest to the strongest indication that action aimed at the individual is
#: appropriate. Decisions are compared against this scale later on.
INDIVIDUAL_ACTIONS: tuple[str, ...] = ("unlikely", "may-not", "health-pathway", "management")


@dataclass(frozen=True)
class Target:
    """Where an answer leads: another question, or an outcome."""

    kind: TargetKind
    ref: str

    @property
    def is_outcome(self) -> bool:
        return self.kind == "outcome"

    def __str__(self) -> str:
        return f"{self.kind} {self.ref}"


@dataclass(frozen=True)
class Test:
    """A group of questions (e.g. the foresight test)."""

    # Stops pytest from trying to collect this class when a test module imports it.
    __test__ = False

    id: str
    title: str
    description: str


@dataclass(frozen=True)
class Question:
    """One yes/no question of the guide."""

    id: str
    test: str
    text: str
    explanation: str
    yes: Target
    no: Target
    context_prompt: bool = False

    def target(self, answer: str) -> Target:
        """The target for ``"yes"`` or ``"no"``."""
        if answer == "yes":
            return self.yes
        if answer == "no":
            return self.no
        raise ValueError(f'only "yes" and "no" lead anywhere, not {answer!r}')


@dataclass(frozen=True)
class Outcome:
    """A recommended outcome (A..G in the NHS guide)."""

    code: str
    title: str
    recommendation: str
    system_learning: str
    individual_action: str


@dataclass(frozen=True)
class GuideDefinition:
    """A whole guide: tests, questions in order, and outcomes.

    Build it with :func:`justculture.guide.load_guide` (or ``guide_from_data``)
    so that it is validated; the mappings are read-only views.
    """

    id: str
    version: str
    title: str
    source: str
    start: str
    rules_of_use: tuple[str, ...]
    tests: Mapping[str, Test]
    questions: Mapping[str, Question]
    outcomes: Mapping[str, Outcome]
    #: Where the definition was loaded from (a path or a label); not part of equality.
    origin: str = field(default="", compare=False)

    def __hash__(self) -> int:
        # The mappings are not hashable; id and version identify a definition.
        return hash((self.id, self.version))

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.version)

    def question(self, question_id: str) -> Question:
        try:
            return self.questions[question_id]
        except KeyError:
            raise KeyError(
                f"guide {self.id} {self.version} has no question {question_id!r}"
            ) from None

    def outcome(self, code: str) -> Outcome:
        try:
            return self.outcomes[code]
        except KeyError:
            raise KeyError(f"guide {self.id} {self.version} has no outcome {code!r}") from None

    def test_for(self, question_id: str) -> Test:
        return self.tests[self.question(question_id).test]

    def longest_walk(self, from_question: str | None = None) -> int:
        """The most questions a walk starting at ``from_question`` can visit.

        Counts ``from_question`` itself. Used for "question 2 of up to 11".
        """
        memo: dict[str, int] = {}

        def depth(qid: str, seen: frozenset[str]) -> int:
            if qid in memo:
                return memo[qid]
            if qid in seen:
                raise ValueError(f"guide {self.id} has a cycle through question {qid}")
            q = self.questions[qid]
            best = 1 + max(
                (depth(t.ref, seen | {qid}) for t in (q.yes, q.no) if t.kind == "question"),
                default=0,
            )
            memo[qid] = best
            return best

        return depth(from_question if from_question is not None else self.start, frozenset())
