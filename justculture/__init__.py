"""justculture: fair, consistent handling of concerns about a healthcare professional's practice."""

__version__ = "0.1.0"
