"""Disclosure control: the one rule for hiding small numbers, used by every figure the service shows.

Insights, fairness, the board outputs, the API and the command line all hide counts through
:func:`suppress` (or :func:`suppress_counts` for a plain list). Nothing else decides which counts a
reader may see, so the page, the CSV, the PDF, the API and the CLI cannot disagree.

Why
---
Official statistics producers in the UK (the Office for National Statistics, NHS England and the
former NHS Digital among them) do not publish small counts about people, because a small count can
be tied to a person: "2 staff from one ethnic group were referred to the regulator" may be enough
for a colleague to know who. Their guidance also warns that hiding the small counts is not enough
on its own: when a table's figures add up to a total that is shown somewhere, or can be worked out,
a hidden count is simply the total minus what is shown. So a second step hides further counts
until what is hidden no longer gives a small number away. The organisation chooses the threshold
(``Organisation.suppression_threshold``, 10 unless changed); callers pass it in.

The rule
--------
Given the cells of one table (counts that add up to a total the reader sees or can work out):

1. **Primary.** Every count below the threshold is hidden, zero included. A zero is hidden like
   any other small count so that "fewer than 10" never separates "none" from "a few": showing
   zeros would turn every hidden cell into "1 to 9", and at a threshold of 2 into exactly 1.
2. **Secondary** (only when the total is known). The reader can work out the sum of the hidden
   cells (the total minus the shown ones). That sum must be 0 or at least the threshold. While it
   is between the two, one more cell is hidden. A sum of 0 gives nobody away: it says only that
   every hidden cell is 0. Because every shown cell is at least the threshold, one more cell is
   always enough; if no shown cell is left, every cell is hidden, which is also fine (the total
   is then itself below the threshold, and whatever shows the total must hide it by this rule).
   With the sum at least the threshold, at least two cells are hidden whenever a small non-zero
   one is, so no single hidden cell can be worked out either.
3. **Which cell is hidden second** is chosen in a fixed order, so the same figures always hide the
   same cells: first any cell the caller prefers to lose (``prefer``, say the "not stated" count),
   then the smallest shown cell, cells the caller needs to keep (``avoid``, say the fairness
   reference group, without which no ratio can be shown) only after every other, and among equal
   counts the one given first.
4. **Cells whose exact value may be worked out** (``derivable``) are hidden below the threshold
   like any other, but when they are the only non-zero cells hidden, nothing more is hidden for
   them. Fairness uses this for the number of people whose group is not stated: working it out
   tells nobody anything about anyone's protected characteristics, and hiding a group's count
   for it would cost the comparison the page exists for.
5. **Cells hidden elsewhere** (``hidden``: never shown in this table, or hidden because a linked
   figure is) count as hidden: they take part in the sum, so step 2 also protects them.

What the rule does not do
-------------------------
It removes the direct ways of reading a small count: one table and its total. Two tables that
share cells (a site is the sum of its teams; a team's figures against the whole organisation's),
or the same table asked for with slightly different filters, can still narrow a hidden count
down. So can labels that tell a reader which hidden cells are small ("fewer than 10") and which
were hidden to protect them ("not shown"): a reader then knows the second kind is at least the
threshold, which narrows the small ones to a range, and in the corner case of a single hidden 1
protected by a cell of exactly the threshold, to that 1. That is why aggregate figures go only to
roles trusted with them.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

# Why a cell is hidden; "" when it is shown.
SHOWN = ""
SMALL = "small"  # below the threshold (primary suppression)
SECONDARY = "secondary"  # hidden so that a small count cannot be worked out (secondary suppression)


def suppress(
    cells: Mapping[K, int],
    *,
    threshold: int,
    total_known: bool = True,
    prefer: Sequence[K] = (),
    avoid: Collection[K] = (),
    derivable: Collection[K] = (),
    hidden: Collection[K] = (),
) -> dict[K, str]:
    """For every cell, why it is hidden (:data:`SMALL`, :data:`SECONDARY`) or :data:`SHOWN`.

    ``cells`` are the counts of one table, in a stable order (ties are broken by it).
    ``total_known`` says whether the cells add up to a total the reader sees or can work out; when
    it is false only the small counts are hidden. ``prefer`` lists cells to hide second before any
    other, in that order; ``avoid`` cells are hidden second only after every other; ``derivable``
    cells need no protection of their own; ``hidden`` cells are hidden whatever their count (see
    the module's docstring for the rule and why). A threshold of 0 or less hides nothing.
    """
    for key, count in cells.items():
        if count < 0:
            raise ValueError(f"A count cannot be negative ({key!r}: {count}).")
    reasons: dict[K, str] = {}
    for key, count in cells.items():
        if count < threshold:
            reasons[key] = SMALL
        elif key in hidden:
            reasons[key] = SECONDARY
        else:
            reasons[key] = SHOWN
    if not total_known:
        return reasons
    position = {key: index for index, key in enumerate(cells)}
    preference = {key: index for index, key in enumerate(prefer)}

    def order(key: K) -> tuple[int, int, int]:
        rank = preference.get(key, len(preference) + (1 if key in avoid else 0))
        return rank, cells[key], position[key]

    candidates = sorted((key for key, reason in reasons.items() if reason == SHOWN), key=order)
    for key in candidates:
        if _safe(cells, reasons, threshold, derivable):
            break
        reasons[key] = SECONDARY
    return reasons


def _safe(cells: Mapping[K, int], reasons: Mapping[K, str], threshold: int, derivable: Collection[K]) -> bool:
    """Whether what is hidden can no longer give a small count away (rule 2 and rule 4)."""
    hidden = [key for key, reason in reasons.items() if reason != SHOWN]
    if sum(cells[key] for key in hidden) >= threshold:
        return True
    return all(cells[key] == 0 or key in derivable for key in hidden)


def suppress_counts(counts: Sequence[int], *, threshold: int, total_known: bool = True,
                    hidden: Iterable[int] = ()) -> list[str]:
    """:func:`suppress` for a plain list of counts: the reason for each, by position.

    ``hidden`` gives the positions of cells hidden elsewhere.
    """
    reasons = suppress(dict(enumerate(counts)), threshold=threshold, total_known=total_known,
                       hidden=frozenset(hidden))
    return [reasons[index] for index in range(len(counts))]


def hidden_keys(reasons: Mapping[K, str]) -> set[K]:
    """The cells that must not be shown."""
    return {key for key, reason in reasons.items() if reason != SHOWN}
