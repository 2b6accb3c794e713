"""Case states and transitions, read from states.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

STATES_FILE = Path(__file__).with_name("states.yaml")


@dataclass(frozen=True)
class State:
    code: str
    title: str
    tag: str
    description: str


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


@cache
def case_states() -> StateMachine:
    data = yaml.safe_load(STATES_FILE.read_text(encoding="utf-8"))
    states = {
        code: State(code, spec["title"], spec["tag"], spec["description"])
        for code, spec in data["states"].items()
    }
    transitions = {code: tuple(targets) for code, targets in data["transitions"].items()}
    for source, targets in transitions.items():
        for target in (source, *targets):
            if target not in states:
                raise ValueError(f"states.yaml: transition names unknown state {target!r}")
    if data["initial"] not in states:
        raise ValueError("states.yaml: the initial state is not defined")
    return StateMachine(data["initial"], states, transitions)
