"""Relative likelihood with a 95% confidence interval, and small-count suppression.

The measure follows NHS Workforce Race Equality Standard indicator 3:

    rate(group) = events(group) / headcount(group)
    RL          = rate(group) / rate(reference)

with the log method for the interval of a ratio of two proportions:

    exp(ln RL +/- 1.96 * sqrt(1/a - 1/n1 + 1/c - 1/n2))

where a, c are the events and n1, n2 the headcounts of the group and the reference group.
A ratio whose whole interval lies outside 0.80-1.25 is flagged for attention.

Small counts are hidden by the product's one disclosure rule, justculture.core.disclosure: a
group with fewer than ``min_count`` events is withheld, and more counts are withheld until what is
withheld adds up to 0 or to at least ``min_count``, since anyone who knows the total (for example
the number of cases opened in a year) could otherwise subtract. The count withheld to protect
others is, in order, the "not stated" count, the smallest other group, and only then the reference
group (which takes every ratio with it, since a ratio and a rate would give the reference count
away). The "not stated" count is withheld below the threshold like any other, but nothing more is
withheld for it alone: working out how many people had no group stated tells nobody anything
about anyone's protected characteristics.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from justculture.core.disclosure import hidden_keys, suppress

Z_95 = 1.959963984540054
NO_ADVERSE_IMPACT = (0.80, 1.25)
DEFAULT_MIN_COUNT = 10
# The key under which the "not stated" count takes part in secondary suppression.
_NOT_STATED = object()


@dataclass(frozen=True)
class GroupCounts:
    group: str
    events: int
    headcount: int


@dataclass(frozen=True)
class GroupResult:
    group: str
    events: int | None
    headcount: int | None
    rate: float | None
    relative_likelihood: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool
    # Why the count is withheld (justculture.core.disclosure: "small" or "secondary"); "" if shown.
    hidden: str = ""

    @property
    def alert(self) -> bool:
        """True when the whole 95% interval lies outside 0.80-1.25."""
        if self.ci_low is None or self.ci_high is None:
            return False
        low, high = NO_ADVERSE_IMPACT
        return self.ci_low > high or self.ci_high < low

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Comparison:
    """Every group's result, and the count of people whose group is not stated (None if withheld)."""

    reference: str
    results: list[GroupResult]
    not_stated_events: int | None = None
    not_stated_suppressed: bool = False
    # Why the not-stated count is withheld ("small" or "secondary"); "" if shown.
    not_stated_hidden: str = ""
    min_count: int = DEFAULT_MIN_COUNT
    # Whether the reference group's count was withheld, so that no ratio could be shown.
    reference_withheld: bool = field(default=False)

    @property
    def alerts(self) -> list[GroupResult]:
        return [r for r in self.results if r.alert]


def rate(events: int, headcount: int) -> float | None:
    return events / headcount if headcount > 0 else None


def ratio_with_interval(a: int, n1: int, c: int, n2: int) -> tuple[float | None, float | None, float | None]:
    """(RL, low, high) for a events in n1 against c events in n2; None where undefined.

    With no events in the group the ratio is 0 and has no log interval. When events outnumber
    the headcount the figures are not proportions (usually the wrong workforce figures): the
    ratio is given but no interval, rather than a spuriously narrow one.
    """
    if n1 <= 0 or n2 <= 0 or c <= 0:
        return None, None, None
    rl = (a / n1) / (c / n2)
    if a <= 0:
        return 0.0, None, None
    if a > n1 or c > n2:
        return rl, None, None
    variance = max(1 / a - 1 / n1 + 1 / c - 1 / n2, 0.0)
    spread = Z_95 * math.sqrt(variance)
    log_rl = math.log(rl)
    return rl, math.exp(log_rl - spread), math.exp(log_rl + spread)


def comparison(
    counts: Iterable[GroupCounts],
    reference: str,
    min_count: int = DEFAULT_MIN_COUNT,
    *,
    not_stated_events: int | None = None,
) -> Comparison:
    """Each group's rate and relative likelihood against the reference group, with suppression.

    ``not_stated_events`` is the number of people whose group is not stated: they are on neither
    side of any ratio, but their count is reported, and it takes part in suppression.
    """
    rows = list(counts)
    cells: dict[Any, int] = {r.group: r.events for r in rows}
    if not_stated_events is not None:
        cells[_NOT_STATED] = not_stated_events
    reasons = suppress(cells, threshold=min_count, prefer=[_NOT_STATED], avoid={reference}, derivable={_NOT_STATED})
    hidden = hidden_keys(reasons)
    ref = next((r for r in rows if r.group == reference), None)
    ref_hidden = ref is None or reference in hidden
    results = []
    for row in rows:
        if row.group in hidden:
            results.append(GroupResult(row.group, None, row.headcount, None, None, None, None, True,
                                       reasons[row.group]))
            continue
        rl = low = high = None
        if row.group == reference:
            rl = 1.0 if row.headcount > 0 and row.events > 0 else None
        elif not ref_hidden and ref is not None:
            rl, low, high = ratio_with_interval(row.events, row.headcount, ref.events, ref.headcount)
        results.append(
            GroupResult(row.group, row.events, row.headcount, rate(row.events, row.headcount), rl, low, high, False)
        )
    ns_hidden = _NOT_STATED in hidden
    return Comparison(
        reference=reference, results=results,
        not_stated_events=None if (not_stated_events is None or ns_hidden) else not_stated_events,
        not_stated_suppressed=ns_hidden, not_stated_hidden=reasons.get(_NOT_STATED, ""), min_count=min_count,
        reference_withheld=ref_hidden,
    )


def compare(
    counts: Iterable[GroupCounts],
    reference: str,
    min_count: int = DEFAULT_MIN_COUNT,
    *,
    not_stated_events: int | None = None,
) -> list[GroupResult]:
    """Each group's rate and relative likelihood against the reference group.

    A group with fewer than ``min_count`` events is suppressed: its events, rate and ratio are
    withheld (None) so that nobody can be identified, and more counts are withheld when what is
    withheld would otherwise add up to a small number (see the module's docstring). When
    the reference group's count is withheld no ratio is shown for anyone, because a ratio and a
    rate would reveal it.
    """
    return comparison(counts, reference, min_count, not_stated_events=not_stated_events).results


def counts_from(events: Mapping[str, int], headcounts: Mapping[str, int]) -> list[GroupCounts]:
    """Join event counts to headcounts; a group with events but no headcount has headcount 0."""
    groups = sorted(set(headcounts) | set(events))
    return [GroupCounts(g, int(events.get(g, 0)), int(headcounts.get(g, 0))) for g in groups]
