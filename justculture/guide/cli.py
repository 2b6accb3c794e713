"""Command logic for the ``guide`` management command, free of Django.

Each function takes its input and output explicitly (streams or strings) so
that the Django wrapper stays thin and the behaviour can be tested with
``io.StringIO``. Output is plain text: no colour, no box drawing, one idea per
line, so that it reads well with a screen reader.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterable
from typing import Protocol

from .engine import Answer, Evaluation, evaluate, parse_answers_json
from .loader import available_guides, load_guide
from .model import GuideDefinition, Target

ANSWER_PROMPT = "Answer (y = yes, n = no, u = not yet known): "
RATIONALE_PROMPT = "Rationale (a short reason, required): "
INVALID_ANSWER = "Please type y for yes, n for no, or u if the answer is not yet known."
MISSING_RATIONALE = "A rationale is required. Please type a short reason for your answer."


class TextInput(Protocol):
    """What :func:`walk` reads from: anything with ``readline`` (e.g. ``sys.stdin``)."""

    def readline(self) -> str: ...


class TextOutput(Protocol):
    """What :func:`walk` writes to (e.g. ``sys.stdout`` or Django's ``OutputWrapper``)."""

    def write(self, s: str, /) -> object: ...

    def flush(self) -> None: ...


_ANSWER_WORDS = {
    "y": Answer.YES,
    "yes": Answer.YES,
    "n": Answer.NO,
    "no": Answer.NO,
    "u": Answer.UNKNOWN,
    "unknown": Answer.UNKNOWN,
    "not known": Answer.UNKNOWN,
    "not yet known": Answer.UNKNOWN,
}


def _say(stdout: TextOutput, text: str = "") -> None:
    stdout.write(text + "\n")


def _read(stdin: TextInput, stdout: TextOutput, prompt: str) -> str | None:
    """Prompt and read one line; ``None`` at end of input."""
    stdout.write(prompt)
    stdout.flush()
    line = stdin.readline()
    if not _isatty(stdin):
        # When input is piped the typed text is not echoed; end the prompt line ourselves.
        stdout.write("\n")
    if line == "":
        return None
    return line.strip()


def _isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # closed stream
        return False


def _ask_answer(stdin: TextInput, stdout: TextOutput) -> Answer | None:
    while True:
        line = _read(stdin, stdout, ANSWER_PROMPT)
        if line is None:
            return None
        answer = _ANSWER_WORDS.get(" ".join(line.lower().split()))
        if answer is not None:
            return answer
        _say(stdout, INVALID_ANSWER)


def _ask_rationale(stdin: TextInput, stdout: TextOutput) -> str | None:
    while True:
        line = _read(stdin, stdout, RATIONALE_PROMPT)
        if line is None:
            return None
        if line:
            return line
        _say(stdout, MISSING_RATIONALE)


def _describe_target(guide: GuideDefinition, target: Target) -> str:
    if target.kind == "outcome":
        return f"outcome {target.ref} ({guide.outcome(target.ref).title})"
    return f"question {target.ref}"


def walk(guide: GuideDefinition, stdin: TextInput, stdout: TextOutput) -> Evaluation:
    """Ask the guide's questions one at a time and report the outcome.

    Each yes/no answer needs a short rationale. Answering "not yet known", or
    reaching the end of input, stops the walk with an incomplete result that
    names the question still waiting.
    """
    _say(stdout, f"{guide.title} (version {guide.version})")
    _say(stdout, "Answer about one action, or one failure to act, by one person.")
    _say(stdout, "This does not replace an investigation or HR advice.")

    answers: dict[str, Answer] = {}
    rationales: dict[str, str] = {}
    current = guide.start
    step = 0
    ended_early = False
    while True:
        step += 1
        question = guide.question(current)
        _say(stdout)
        _say(stdout, f"Question {step} of up to {step - 1 + guide.longest_walk(current)}")
        _say(stdout, f"Test: {guide.test_for(current).title}")
        _say(stdout, f"Question {question.id}: {question.text}")
        _say(stdout, f"Help: {question.explanation}")
        if question.context_prompt:
            _say(stdout, "Before answering, review the contextual factors recorded for this case.")
        answer = _ask_answer(stdin, stdout)
        if answer is Answer.UNKNOWN:
            answers[current] = answer
            break
        rationale = _ask_rationale(stdin, stdout) if answer is not None else None
        if answer is None or rationale is None:
            ended_early = True
            break
        answers[current] = answer
        rationales[current] = rationale
        target = question.target(answer.value)
        _say(stdout, f"Recorded {answer.value}. Next: {_describe_target(guide, target)}.")
        if target.kind == "outcome":
            break
        current = target.ref

    result = evaluate(guide, answers)
    _say(stdout)
    _say(stdout, "Result")
    if result.outcome is not None:
        _say(stdout, "The assessment is complete.")
        _say(stdout, f"Outcome {result.outcome.code}: {result.outcome.title}")
        _say(stdout, f"Recommendation: {result.outcome.recommendation}")
        _say(stdout, f"System learning: {result.outcome.system_learning}")
    else:
        if ended_early:
            _say(stdout, f"Input ended before question {result.next_question} was answered.")
        _say(
            stdout,
            f"The assessment is incomplete: question {result.next_question} is not yet known. "
            "No outcome is recommended until it is answered.",
        )
    _say(stdout)
    if result.path:
        _say(stdout, f"Answers on the path ({len(result.path)}):")
        for number, qid in enumerate(result.path, start=1):
            _say(
                stdout,
                f"{number}. Question {qid} ({guide.test_for(qid).title}): {answers[qid].value}. "
                f"Rationale: {rationales[qid]}",
            )
    else:
        _say(stdout, "No questions were answered.")
    return result


def evaluate_json(guide: GuideDefinition, text: str) -> str:
    """Evaluate answers given as a JSON object; return the result as one JSON line."""
    result = evaluate(guide, parse_answers_json(text, guide))
    return json.dumps(result.to_dict(), ensure_ascii=False)


def _wrap(text: str, indent: str, hanging: str = "") -> list[str]:
    lines = textwrap.wrap(text, width=88, initial_indent=indent, subsequent_indent=indent + hanging)
    return lines or [indent]


def show(guide: GuideDefinition) -> str:
    """A readable outline of the whole guide."""
    lines: list[str] = [f"{guide.title}", f"Id: {guide.id}", f"Version: {guide.version}"]
    lines += ["", "Source:", *_wrap(guide.source, "  ")]
    lines += ["", "Rules of use:"]
    for number, rule in enumerate(guide.rules_of_use, start=1):
        lines += _wrap(f"{number}. {rule}", "  ", hanging=" " * (len(str(number)) + 2))
    lines += ["", "Tests:"]
    for test in guide.tests.values():
        lines += [f"  {test.title} (id {test.id})", *_wrap(test.description, "    ")]
    lines += ["", f"Questions (start at {guide.start}):"]
    for question in guide.questions.values():
        lines.append(f"  Question {question.id} ({guide.tests[question.test].title})")
        lines += _wrap(question.text, "    ")
        lines += _wrap(f"Help: {question.explanation}", "    ")
        if question.context_prompt:
            lines.append("    Shown beside the case's recorded contextual factors.")
        lines.append(f"    If yes: {_describe_target(guide, question.yes)}")
        lines.append(f"    If no: {_describe_target(guide, question.no)}")
    lines += ["", "Outcomes:"]
    for outcome in guide.outcomes.values():
        lines.append(f"  Outcome {outcome.code}: {outcome.title}")
        lines.append(f"    Individual action: {outcome.individual_action}")
        lines += _wrap(f"Recommendation: {outcome.recommendation}", "    ")
        lines += _wrap(f"System learning: {outcome.system_learning}", "    ")
    return "\n".join(lines) + "\n"


def validate(path: str | os.PathLike[str]) -> str:
    """Check a guide definition file; return a short summary.

    Raises :class:`~justculture.guide.GuideDefinitionError` if it is broken.
    """
    guide = load_guide(path)
    lines = [
        f"OK: {os.fspath(path)} is a valid guide definition.",
        f"Guide: {guide.title} (id {guide.id}, version {guide.version})",
        f"{len(guide.tests)} tests, {len(guide.questions)} questions, "
        f"{len(guide.outcomes)} outcomes; "
        f"starts at question {guide.start}; a walk asks at most {guide.longest_walk()} questions.",
        "Every question and outcome can be reached, and there are no loops.",
    ]
    packaged = available_guides()
    same_file = guide.key in packaged and os.path.realpath(
        packaged[guide.key].origin
    ) == os.path.realpath(path)
    if guide.key in packaged and not same_file:
        lines.append(
            f"Note: a packaged guide already uses id {guide.id} version {guide.version}; "
            "give this variant its own id or version before loading it alongside."
        )
    return "\n".join(lines) + "\n"


def list_guides(extra_dirs: Iterable[str | os.PathLike[str]] = ()) -> str:
    """One line per available guide: id, version, title and where it came from."""
    lines = [
        f"{guide.id} {guide.version}: {guide.title} ({guide.origin})"
        for guide in available_guides(extra_dirs).values()
    ]
    return "\n".join(lines) + "\n"
