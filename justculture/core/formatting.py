"""How the product writes sizes and dates for people (pages, PDFs, the command line)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from django.utils import timezone


def filesize(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1048576:.1f} MB"


def localtime_date(value: datetime | date | None, tz: tzinfo | None = None) -> str:
    """The day, month and year of a date, or of a time in the current time zone (``tz`` when the
    caller has it already, for a long list)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value, tz).date()
    return f"{value.day} {value:%B %Y}"
