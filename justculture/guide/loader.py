"""Loading and validating guide definitions.

A definition is checked in two passes: first its shape against the JSON
Schema in :mod:`justculture.guide.schema`, then, if the shape is right, the
rules a schema cannot express: ids are unique, every answer points somewhere
that exists, there are no loops, and every question and outcome can be
reached from the start. Every problem found is reported, each naming where.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Hashable, Iterable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode

from .errors import GuideDefinitionError
from .model import GuideDefinition, Outcome, Question, Target, TargetKind, Test
from .schema import check_structure

DEFAULT_GUIDE_FILE = "nhs-just-culture-guide-2018.yaml"
DEFINITION_SUFFIXES = (".yaml", ".yml")

_BOOL_TAG = "tag:yaml.org,2002:bool"


class _DuplicateKey(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _GuideYamlLoader(yaml.SafeLoader):
    """A safe YAML loader with two changes that matter for guide files.

    * Only ``true``/``false`` are booleans (as in YAML 1.2). Plain YAML 1.1
      would turn the keys ``yes:`` and ``no:`` into booleans, which is exactly
      what guide files are full of.
    * A key repeated within one mapping is an error instead of silently
      keeping the last value.
    """

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode):
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    raise _DuplicateKey(
                        f'duplicate key "{key_node.value}" at line {line} '
                        f"(already given at line {seen[key_node.value]})"
                    )
                seen[key_node.value] = line
        return super().construct_mapping(node, deep=deep)


_GuideYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_GuideYamlLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _parse_yaml(text: str, source: str) -> object:
    try:
        return yaml.load(text, Loader=_GuideYamlLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        raise GuideDefinitionError(f"YAML error: {exc.message}", source) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = exc.problem or exc.context or "could not be read"
        raise GuideDefinitionError(f"YAML syntax error{where}: {what}", source) from None
    except yaml.YAMLError as exc:
        raise GuideDefinitionError(f"YAML error: {exc}", source) from None


def _target(raw: Mapping[str, str]) -> Target:
    ((kind, ref),) = raw.items()
    resolved_kind: TargetKind = "question" if kind == "question" else "outcome"
    return Target(resolved_kind, ref)


def _blank(value: str) -> bool:
    return not value.strip()


# How text fields are named in "... has no <name> text" messages.
_TEXT_NAMES = {"text": "question", "system_learning": "system-learning"}


def _no_text(label: str, field: str) -> str:
    return f"{label} has no {_TEXT_NAMES.get(field, field)} text"


def _index_unique(
    items: list[dict[str, Any]], id_field: str, noun: str, list_name: str, problems: list[str]
) -> dict[str, dict[str, Any]]:
    by_id: dict[str, dict[str, Any]] = {}
    first_index: dict[str, int] = {}
    for index, item in enumerate(items):
        key = item[id_field]
        if key in by_id:
            problems.append(
                f'duplicate {noun} {id_field} "{key}" '
                f"({list_name}[{first_index[key]}] and {list_name}[{index}])"
            )
            continue
        by_id[key] = item
        first_index[key] = index
    return by_id


def _find_cycles(edges: Mapping[str, list[str]], order: list[str]) -> list[list[str]]:
    """Every distinct cycle met by a depth-first search, as closed walks."""
    position = {qid: i for i, qid in enumerate(order)}
    done: set[str] = set()
    found: dict[frozenset[str], list[str]] = {}

    def visit(node: str, stack: list[str], on_stack: set[str]) -> None:
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt in on_stack:
                loop = stack[stack.index(nxt) :]
                # Start the reported loop at the question that comes first in the guide.
                pivot = min(range(len(loop)), key=lambda i: position[loop[i]])
                loop = loop[pivot:] + loop[:pivot]
                found.setdefault(frozenset(loop), [*loop, loop[0]])
            elif nxt not in done:
                visit(nxt, stack, on_stack)
        stack.pop()
        on_stack.discard(node)
        done.add(node)

    for qid in order:
        if qid not in done:
            visit(qid, [], set())
    return list(found.values())


def _reachable(start: str, edges: Mapping[str, list[str]]) -> set[str]:
    seen = {start}
    pending = [start]
    while pending:
        for nxt in edges.get(pending.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                pending.append(nxt)
    return seen


def guide_from_data(data: object, source: str = "") -> GuideDefinition:
    """Validate an already-parsed definition (e.g. from YAML) and build it.

    Raises :class:`GuideDefinitionError` listing every problem found.
    """
    if data is None:
        raise GuideDefinitionError("the definition is empty", source)
    structural = check_structure(data)
    if structural:
        raise GuideDefinitionError(structural, source)
    assert isinstance(data, Mapping)  # guaranteed by the schema check

    problems: list[str] = []
    for field in ("title", "source"):
        if _blank(data[field]):
            problems.append(_no_text("the guide", field))
    for index, rule in enumerate(data["rules_of_use"]):
        if _blank(rule):
            problems.append(f"rules_of_use[{index}] is blank")

    tests = _index_unique(data["tests"], "id", "test", "tests", problems)
    questions = _index_unique(data["questions"], "id", "question", "questions", problems)
    outcomes = _index_unique(data["outcomes"], "code", "outcome", "outcomes", problems)

    for tid, test in tests.items():
        for field in ("title", "description"):
            if _blank(test[field]):
                problems.append(_no_text(f"test {tid}", field))
    for code, outcome in outcomes.items():
        for field in ("title", "recommendation", "system_learning"):
            if _blank(outcome[field]):
                problems.append(_no_text(f"outcome {code}", field))

    start = data["start"]
    if start not in questions:
        problems.append(f'start points to unknown question "{start}"')

    # Only edges that point at something real take part in the graph checks.
    edges: dict[str, list[str]] = {}
    reached_outcomes: dict[str, list[str]] = {}
    used_tests: set[str] = set()
    for qid, q in questions.items():
        for field in ("text", "explanation"):
            if _blank(q[field]):
                problems.append(_no_text(f"question {qid}", field))
        if q["test"] in tests:
            used_tests.add(q["test"])
        else:
            problems.append(f'question {qid}: unknown test "{q["test"]}"')
        edges[qid] = []
        reached_outcomes[qid] = []
        for answer in ("yes", "no"):
            target = _target(q[answer])
            if target.kind == "question":
                if target.ref in questions:
                    edges[qid].append(target.ref)
                else:
                    problems.append(
                        f'question {qid}: "{answer}" points to unknown question "{target.ref}"'
                    )
            elif target.ref in outcomes:
                reached_outcomes[qid].append(target.ref)
            else:
                problems.append(
                    f'question {qid}: "{answer}" points to unknown outcome "{target.ref}"'
                )

    for tid in tests:
        if tid not in used_tests:
            problems.append(f"test {tid} is not used by any question")

    order = list(questions)
    for loop in _find_cycles(edges, order):
        problems.append("cycle: " + " -> ".join(loop))

    if start in questions:
        reachable = _reachable(start, edges)
        for qid in order:
            if qid not in reachable:
                problems.append(f"question {qid} is unreachable from start {start}")
        reachable_outcomes = {code for qid in reachable for code in reached_outcomes[qid]}
        for code in outcomes:
            if code not in reachable_outcomes:
                problems.append(f"outcome {code} is never reached from start {start}")

    if problems:
        raise GuideDefinitionError(problems, source)

    return GuideDefinition(
        id=data["id"],
        version=data["version"],
        title=data["title"].strip(),
        source=data["source"].strip(),
        start=start,
        rules_of_use=tuple(rule.strip() for rule in data["rules_of_use"]),
        tests=MappingProxyType(
            {
                tid: Test(id=tid, title=t["title"].strip(), description=t["description"].strip())
                for tid, t in tests.items()
            }
        ),
        questions=MappingProxyType(
            {
                qid: Question(
                    id=qid,
                    test=q["test"],
                    text=q["text"].strip(),
                    explanation=q["explanation"].strip(),
                    yes=_target(q["yes"]),
                    no=_target(q["no"]),
                    context_prompt=bool(q.get("context_prompt", False)),
                )
                for qid, q in questions.items()
            }
        ),
        outcomes=MappingProxyType(
            {
                code: Outcome(
                    code=code,
                    title=o["title"].strip(),
                    recommendation=o["recommendation"].strip(),
                    system_learning=o["system_learning"].strip(),
                    individual_action=o["individual_action"],
                )
                for code, o in outcomes.items()
            }
        ),
        origin=source,
    )


def parse_guide(text: str, source: str = "") -> GuideDefinition:
    """Parse and validate a definition from YAML text."""
    return guide_from_data(_parse_yaml(text, source), source)


def load_guide(path: str | os.PathLike[str]) -> GuideDefinition:
    """Load and validate a guide definition from a YAML file."""
    source = os.fspath(path)
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GuideDefinitionError(f"guide definition file not found: {source}") from None
    except IsADirectoryError:
        raise GuideDefinitionError(
            f"expected a guide definition file but found a directory: {source}"
        ) from None
    except UnicodeDecodeError as exc:
        raise GuideDefinitionError(
            f"the file is not valid UTF-8 text (byte {exc.start})", source
        ) from None
    except OSError as exc:
        raise GuideDefinitionError(
            f"cannot read guide definition file {source}: {exc.strerror}"
        ) from None
    return parse_guide(text, source)


def _packaged_definitions() -> list[Traversable]:
    folder = resources.files(__package__ or "justculture.guide").joinpath("definitions")
    return sorted(
        (
            item
            for item in folder.iterdir()
            if item.is_file() and item.name.endswith(DEFINITION_SUFFIXES)
        ),
        key=lambda item: item.name,
    )


def _load_traversable(item: Traversable) -> GuideDefinition:
    return parse_guide(item.read_text(encoding="utf-8"), str(item))


@functools.cache
def default_guide() -> GuideDefinition:
    """The packaged NHS just culture guide (2018); loaded once and cached."""
    item = (
        resources.files(__package__ or "justculture.guide")
        .joinpath("definitions")
        .joinpath(DEFAULT_GUIDE_FILE)
    )
    return _load_traversable(item)


def available_guides(
    extra_dirs: Iterable[str | os.PathLike[str]] = (),
) -> dict[tuple[str, str], GuideDefinition]:
    """All packaged definitions, then those in ``extra_dirs``, keyed by (id, version).

    Every ``*.yaml``/``*.yml`` file in each extra directory must be a valid
    definition. Two files with the same id and version are an error: an
    organisation's variant needs its own id or version.
    """
    found: dict[tuple[str, str], GuideDefinition] = {}

    def add(guide: GuideDefinition) -> None:
        if guide.key in found:
            raise GuideDefinitionError(
                f"guide {guide.id} version {guide.version} is defined twice: "
                f"in {found[guide.key].origin} and in {guide.origin}; "
                "give the variant its own id or version"
            )
        found[guide.key] = guide

    for item in _packaged_definitions():
        add(default_guide() if item.name == DEFAULT_GUIDE_FILE else _load_traversable(item))
    for directory in extra_dirs:
        folder = Path(directory)
        if not folder.is_dir():
            raise GuideDefinitionError(
                f"guide definitions directory not found: {os.fspath(directory)}"
            )
        for file in sorted(folder.iterdir()):
            if file.is_file() and file.suffix in DEFINITION_SUFFIXES:
                add(load_guide(file))
    return found
