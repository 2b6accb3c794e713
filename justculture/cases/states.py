"""Case states and transitions, read from states.yaml.

The YAML file is the source of the states, their titles and the moves between them.
``CaseState`` names the states for code in other modules, so no state is written as a string
literal outside this module; loading the file checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml

STATES_FILE = Path(__file__).with_name("states.yaml")


class CaseState(StrEnum):
    """The states of states.yaml, for code to name them."""

    OPEN = "open"
    GATHERING = "gathering"
    ASSESSING = "assessing"
    DECIDED = "decided"
    CLOSED = "closed"


@dataclass(frozen=True)
class State:
    code: str
    title: str
    tag: str
    description: str
    read_only: bool = False
    ends_case: bool = False


@dataclass(frozen=True)
class StateMachine:
    initial: str
    states: dict[str, State]
    transitions: dict[str, tuple[str, ...]]

    def allowed(self, current: str) -> tuple[str, ...]:
        return self.transitions.get(current, ())

    def can_move(self, current: str, target: str) -> bool:
        return target in self.allowed(current)

    def title(self, code: str) -> str:
        state = self.states.get(code)
        return state.title if state else code

    def choices(self) -> list[tuple[str, str]]:
        return [(s.code, s.title) for s in self.states.values()]

    def is_read_only(self, code: str) -> bool:
        state = self.states.get(code)
        return bool(state and state.read_only)

    def ending_states(self) -> tuple[str, ...]:
        return tuple(code for code, state in self.states.items() if state.ends_case)


def load_states(path: Path) -> StateMachine:
    """Read and check a states file: every transition names a known state, and the states are
    exactly those ``CaseState`` names."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    states = {
        code: State(code, spec["title"], spec["tag"], spec["description"],
                    bool(spec.get("read_only", False)), bool(spec.get("ends_case", False)))
        for code, spec in data["states"].items()
    }
    transitions = {code: tuple(targets) for code, targets in data["transitions"].items()}
    for source, targets in transitions.items():
        for target in (source, *targets):
            if target not in states:
                raise ValueError(f"{path.name}: transition names unknown state {target!r}")
    if data["initial"] not in states:
        raise ValueError(f"{path.name}: the initial state is not defined")
    named = {s.value for s in CaseState}
    if set(states) != named:
        raise ValueError(
            f"{path.name}: the states {sorted(states)} differ from those the code names {sorted(named)}"
        )
    return StateMachine(data["initial"], states, transitions)


@cache
def case_states() -> StateMachine:
    return load_states(STATES_FILE)
