"""The one error type that services raise when a request breaks a rule.

A service error carries the field it is about (the form field or API body field name, or None
for a problem with the request as a whole) and the kind of refusal. Web forms put the message
next to ``field``; the API answers ``{"message": ..., "field": ...}`` with ``status``. Nothing
ever works out the field from the wording of the message, so a message can be reworded freely.
"""

from __future__ import annotations


class ServiceError(ValueError):
    """A request that the rules do not allow; the message says why and what to do."""

    #: The HTTP status the API answers with: 400 a broken rule, 409 a conflict with the record's
    #: state (a closed case, a stale version), 403 a refusal for this person.
    status: int = 400

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class ConflictError(ServiceError):
    """The record is not in a state that allows the change (closed, changed by someone else)."""

    status = 409


CASE_CLOSED_MESSAGE = "This case is closed. Reopen it to make changes."


class CaseClosedError(ConflictError):
    """A change to a case, or to anything in it, while the case is closed."""

    def __init__(self, message: str = CASE_CLOSED_MESSAGE, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
