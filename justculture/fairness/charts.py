"""The relative-likelihood chart as plain geometry, drawn as inline SVG by fairness/_chart.jinja.

Each group has a row: its name and figures as text, then a dot at its ratio and a line across
its 95% confidence interval, on a log scale (so 0.5 and 2 sit equally far from 1). The band
0.80-1.25 is shaded and edged with dashed lines. No meaning rests on colour alone: a ratio
outside the band says so in its text, and the table after the chart holds every figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from justculture.core.disclosure import SECONDARY
from justculture.fairness.stats import NO_ADVERSE_IMPACT

WIDTH = 640
LEFT = 24
RIGHT = WIDTH - 24
ROW = 58
TOP = 8
AXIS_ROOM = 44
# The scale runs from 1/limit to limit, the smallest of these that holds every ratio and interval.
LIMITS = (4.0, 8.0, 16.0)


def _limit(points: list[Point]) -> float:
    values = [v for p in points if not p.suppressed for v in (p.ratio, p.low, p.high) if v is not None and v > 0]
    widest = max([1.0, *values, *[1 / v for v in values]])
    return next((limit for limit in LIMITS if widest <= limit), LIMITS[-1])


def _ticks(limit: float) -> tuple[float, ...]:
    powers = [2.0 ** n for n in range(-int(math.log2(limit)), int(math.log2(limit)) + 1)]
    return tuple(sorted({*powers, 0.8, 1.25}))


def x_of(value: float, limit: float = LIMITS[0]) -> float:
    low, high = 1 / limit, limit
    clamped = min(max(value, low), high)
    share = (math.log(clamped) - math.log(low)) / (math.log(high) - math.log(low))
    return round(LEFT + share * (RIGHT - LEFT), 1)


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class ChartRow:
    label: str
    label_y: int
    mark_y: int
    kind: str  # "ratio", "reference" or "none"
    point_x: float | None = None
    low_x: float | None = None
    high_x: float | None = None
    low_clipped: bool = False
    high_clipped: bool = False
    alert: bool = False


@dataclass(frozen=True)
class Tick:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    title: str
    summary: str
    rows: tuple[ChartRow, ...]
    width: int
    height: int
    band_x: float
    band_width: float
    one_x: float
    axis_y: int
    ticks: tuple[Tick, ...]


@dataclass(frozen=True)
class Point:
    """What the chart needs of one group."""

    title: str
    is_reference: bool
    suppressed: bool
    ratio: float | None
    low: float | None
    high: float | None
    alert: bool
    # Why the group's figures are withheld ("small" or "secondary", as justculture.core.disclosure).
    hidden: str = ""


def ratio_chart(title: str, points: list[Point], *, reference_title: str, min_count: int) -> Chart:
    limit = _limit(points)

    def x(value: float) -> float:
        return x_of(value, limit)

    rows = []
    spoken = []
    for index, p in enumerate(points):
        top = TOP + index * ROW
        label_y, mark_y = top + 16, top + 38
        if p.suppressed:
            why = "so that a small number cannot be worked out" if p.hidden == SECONDARY else \
                f"fewer than {min_count} people"
            text = f"{p.title}: not shown ({why})"
            rows.append(ChartRow(text, label_y, mark_y, "none"))
        elif p.is_reference:
            text = f"{p.title}: the comparison group (1.00)"
            rows.append(ChartRow(text, label_y, mark_y, "reference", point_x=x(1.0)))
        elif p.ratio is None or p.ratio <= 0:
            text = f"{p.title}: " + ("0.00, no interval" if p.ratio == 0 else "no ratio")
            rows.append(ChartRow(text, label_y, mark_y, "none"))
        else:
            interval = f" (95% CI {fmt(p.low)} to {fmt(p.high)})" if p.low is not None else ""
            text = f"{p.title}: {fmt(p.ratio)}{interval}" + (", outside the band" if p.alert else "")
            low = p.low if p.low is not None else p.ratio
            high = p.high if p.high is not None else p.ratio
            rows.append(ChartRow(
                text, label_y, mark_y, "ratio", point_x=x(p.ratio), low_x=x(low), high_x=x(high),
                low_clipped=low < 1 / limit, high_clipped=high > limit, alert=p.alert,
            ))
        spoken.append(text)
    axis_y = TOP + len(points) * ROW + 6
    band_low, band_high = NO_ADVERSE_IMPACT
    summary = (
        f"Chart: {title}, each group against {reference_title}, on a scale from {1 / limit:g} to {limit:g} "
        f"with the band {band_low:.2f} to {band_high:.2f} shaded. " + ". ".join(spoken)
        + ". The table after the chart gives every figure."
    )
    return Chart(
        title=title, summary=summary, rows=tuple(rows), width=WIDTH, height=axis_y + AXIS_ROOM,
        band_x=x(band_low), band_width=round(x(band_high) - x(band_low), 1), one_x=x(1.0), axis_y=axis_y,
        ticks=tuple(Tick(x(t), f"{t:g}") for t in _ticks(limit)),
    )
