"""Exceptions raised by the guide engine.

Both are ``ValueError`` subclasses so callers that only care about "bad input"
can catch one type; the messages are written to be shown to a person as-is.
"""

from __future__ import annotations


class GuideDefinitionError(ValueError):
    """A guide definition file or mapping is broken.

    ``problems`` lists every problem found (each names what is wrong and
    where); ``source`` is the file or label the definition came from, if any.
    The string form is one line so it can go straight into a command error.
    """

    def __init__(self, problems: str | list[str] | tuple[str, ...], source: str = "") -> None:
        if isinstance(problems, str):
            problems = (problems,)
        self.problems: tuple[str, ...] = tuple(problems)
        self.source = source
        if len(self.problems) == 1:
            body = self.problems[0]
        else:
            body = f"{len(self.problems)} problems: " + "; ".join(self.problems)
        super().__init__(f"{source}: {body}" if source else body)


class AnswerError(ValueError):
    """A set of answers refers to an unknown question or holds a bad value."""
