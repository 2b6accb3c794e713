"""The one error type of the documentation pack."""

from __future__ import annotations


class PackError(ValueError):
    """A pack that cannot be produced as asked; the message says why and what to do."""
