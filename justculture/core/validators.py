"""The one rule for names: no hidden characters that change the direction of text.

Unicode's bidirectional controls are invisible, yet they reorder what is shown around them: a file
named 'report', U+202E (right-to-left override), 'fdp.exe' is shown as 'reportexe.pdf', and a name
or title can be made to read as something else in lists, e-mails and documentation packs. No real
name needs them, so names holding one are refused. The rule is here once; web forms use ``NoDirectionControls``,
the API schemas ``no_direction_controls`` and services ``refuse_direction_controls``, and each
names the field at fault.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from justculture.core.errors import ServiceError

#: The bidirectional embedding, override and isolate controls and the directional marks.
DIRECTION_CONTROLS = frozenset(
    "\u061c"  # Arabic letter mark
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides
    "\u2066\u2067\u2068\u2069"  # isolates and pop
)

#: What is wrong, after the field's label (or its name in the API).
DIRECTION_PROBLEM = "must not contain hidden text-direction characters"


def has_direction_controls(value: str) -> bool:
    """Whether the text holds any of the hidden text-direction characters."""
    return not DIRECTION_CONTROLS.isdisjoint(value)


def direction_message(label: str) -> str:
    """The message for a field, for example 'Full name must not contain hidden text-direction characters'."""
    return f"{label} {DIRECTION_PROBLEM}"


def refuse_direction_controls(value: str, *, field: str, label: str) -> None:
    """For services: raise a ServiceError naming ``field`` when the text holds a direction control."""
    if has_direction_controls(value):
        raise ServiceError(direction_message(label), field=field)


def no_direction_controls(value: str) -> str:
    """For pydantic (``AfterValidator``): the API's 422 puts the field's name before the message."""
    if has_direction_controls(value):
        raise ValueError(DIRECTION_PROBLEM)
    return value


@deconstructible
class NoDirectionControls:
    """A form field validator: ``validators=[NoDirectionControls("Full name")]``."""

    code = "direction_controls"

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, value: object) -> None:
        if isinstance(value, str) and has_direction_controls(value):
            raise ValidationError(direction_message(self.label), code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoDirectionControls) and other.label == self.label

    def __hash__(self) -> int:
        return hash((type(self), self.label))
