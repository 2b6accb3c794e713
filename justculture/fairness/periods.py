"""Reporting periods: a calendar year, or a two-year window ending on a chosen date (as NHS WRES
indicator 3 is reported). Pure Python.

A period spelled as text is either a year ("2024") or the last day of a two-year window
("2025-03-31", covering 1 April 2023 to 31 March 2025 inclusive).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from justculture.core.errors import ServiceError

YEAR = "year"
WINDOW = "window"


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        """A stable machine label: "2024", or "2023-04-01 to 2025-03-31"."""
        if self.kind == YEAR:
            return str(self.start.year)
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    @property
    def words(self) -> str:
        """The period in plain words: "2024", or "the two years to 31 March 2025"."""
        if self.kind == YEAR:
            return f"the calendar year {self.start.year}"
        return f"the two years to {self.end.day} {self.end:%B %Y}"

    @property
    def spec(self) -> str:
        """The text that parse_period turns back into this period."""
        return str(self.start.year) if self.kind == YEAR else self.end.isoformat()

    def workforce_candidates(self) -> list[str]:
        """Workforce period labels that match this period, best first."""
        year = self.start.year if self.kind == YEAR else self.end.year
        return [str(year)]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def calendar_year(year: int) -> Period:
    return Period(YEAR, date(year, 1, 1), date(year, 12, 31))


def two_year_window(end: date) -> Period:
    """The two years ending on ``end``: from the day after the same date two years earlier."""
    try:
        before = end.replace(year=end.year - 2)
    except ValueError:  # 29 February
        before = end.replace(year=end.year - 2, day=28)
    return Period(WINDOW, before + timedelta(days=1), end)


class PeriodError(ServiceError):
    pass


def parse_period(text: str) -> Period:
    """ "2024" -> the calendar year; "2025-03-31" -> the two years ending that day."""
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}", value):
            return calendar_year(int(value))
        return two_year_window(date.fromisoformat(value))
    except ValueError:
        raise PeriodError(
            f"'{text}' is not a period: give a year (2024) or the last day of a two-year window (2025-03-31).",
            field="period",
        ) from None
