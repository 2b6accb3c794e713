"""The one error type of the documentation pack."""

from __future__ import annotations

from justculture.core.errors import ServiceError


class PackError(ServiceError):
    """A pack that cannot be produced as asked; the message says why and what to do."""
