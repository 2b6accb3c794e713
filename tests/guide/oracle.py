"""An independent model of the guide, transcribed by hand from the design
document's branching table (docs: shared/design/just-culture-guide.md).

It deliberately shares no code or data with justculture.guide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ORDER = ("1a", "2a", "2b", "2c", "3a", "3b", "3c", "4a", "4b", "4c", "5a")
OUTCOME_CODES = ("A", "B", "C", "D", "E", "F", "G")

# id: (test, where "yes" goes, where "no" goes)
TABLE: dict[str, tuple[str, str, str]] = {
    "1a": ("deliberate-harm", "A", "2a"),
    "2a": ("health", "B", "2b"),
    "2b": ("health", "C", "2c"),
    "2c": ("health", "C", "3a"),
    "3a": ("foresight", "3b", "D"),
    "3b": ("foresight", "3c", "D"),
    "3c": ("foresight", "4a", "D"),
    "4a": ("substitution", "E", "4b"),
    "4b": ("substitution", "E", "4c"),
    "4c": ("substitution", "E", "5a"),
    "5a": ("mitigation", "F", "G"),
}


def oracle(answers: Mapping[str, str]) -> dict[str, Any]:
    """What the engine should report for ``answers`` (values yes/no/unknown)."""
    path: list[str] = []
    here = "1a"
    outcome = None
    waiting = None
    while True:
        given = answers.get(here)
        if given not in ("yes", "no"):
            waiting = here
            break
        path.append(here)
        _, on_yes, on_no = TABLE[here]
        nxt = on_yes if given == "yes" else on_no
        if nxt in OUTCOME_CODES:
            outcome = nxt
            break
        here = nxt
    unused = [q for q in ORDER if q in answers and q not in path and q != waiting]
    return {
        "status": "complete" if outcome else "incomplete",
        "outcome": outcome,
        "path": path,
        "next_question": waiting,
        "unused": unused,
    }
