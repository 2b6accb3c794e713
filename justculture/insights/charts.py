"""Horizontal bar charts as plain geometry, drawn as inline SVG by insights/_chart.jinja.

No script and no colour-coded meaning: every bar carries its category as text above it and its
figure as text beside it, and the page follows each chart with a table of the same figures. A
figure hidden from the reader has no bar at all (a bar's length would give the number away).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
ROW = 54
LABEL_SIZE = 18
BAR_HEIGHT = 20
# Room kept right of the longest bar for its figure ("fewer than 10", "123").
VALUE_ROOM = 150
MAX_LABEL = 60


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    label_y: int
    bar_y: int
    width: float

    @property
    def value_x(self) -> float:
        return round(self.width + 8, 1)

    @property
    def value_y(self) -> int:
        return self.bar_y + BAR_HEIGHT - 4


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    summary: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    bar_height: int = BAR_HEIGHT
    font_size: int = LABEL_SIZE


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def bar_chart(
    chart_id: str, title: str, items: Sequence[tuple[str, int | None, str]], *, more: int = 0
) -> Chart | None:
    """A chart of (label, count or None when hidden, figure as text) items, in the given order.

    ``more`` is how many further rows the table has beyond those charted. Returns None when no
    figure can be drawn.
    """
    if not any(count is not None for _, count, _ in items):
        # Nothing to draw: every figure is hidden from this reader (the table still lists them).
        return None
    largest = max((count for _, count, _ in items if count is not None), default=0)
    scale = (WIDTH - VALUE_ROOM) / largest if largest else 0.0
    bars = []
    for index, (label, count, text) in enumerate(items):
        top = index * ROW
        width = round(count * scale, 1) if count else 0.0
        bars.append(Bar(label=_short(label), value=text, label_y=top + LABEL_SIZE, bar_y=top + LABEL_SIZE + 7,
                        width=width))
    shown = [(label, count, text) for label, count, text in items if count is not None]
    top_label, _, top_text = max(shown, key=lambda item: item[1] or 0)
    lead = f"Largest: {top_label}, {top_text}."
    extra = f" The table after the chart has {more} more rows." if more else ""
    summary = (f"Bar chart: {title}. {len(items)} bar{'s' if len(items) != 1 else ''}. {lead}"
               f" The table after the chart gives each figure.{extra}")
    return Chart(id=chart_id, title=title, summary=summary, bars=tuple(bars), width=WIDTH,
                 height=len(items) * ROW + 4)
