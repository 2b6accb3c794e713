"""The one disclosure rule (justculture.core.disclosure), by property: for any counts and any
threshold, nothing small can be worked out from the shown counts and the total."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from justculture.core.disclosure import SECONDARY, SHOWN, SMALL, hidden_keys, suppress, suppress_counts

from .reader import problem

counts = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8)
thresholds = st.integers(min_value=0, max_value=15)


def as_shown(cells: dict[int, int], reasons: dict[int, str]) -> dict[int, int | None]:
    return {key: None if reasons[key] else value for key, value in cells.items()}


@given(counts, thresholds)
@example([1, 2, 30, 50], 10)  # two small groups, which the old fairness rule left to be subtracted
@example([1, 10], 10)
@example([0, 0, 12], 10)
def test_the_hidden_counts_never_add_up_to_a_small_number(values: list[int], threshold: int) -> None:
    cells = dict(enumerate(values))
    reasons = suppress(cells, threshold=threshold)
    found = problem(cells, as_shown(cells, reasons), threshold)
    assert not found, found


@given(counts, thresholds)
def test_a_single_hidden_count_is_never_a_small_one(values: list[int], threshold: int) -> None:
    # With one count hidden, the total less the rest is that count: it must give nobody away.
    if 0 < sum(values) < threshold:
        return
    hidden = hidden_keys(suppress(dict(enumerate(values)), threshold=threshold))
    if len(hidden) == 1:
        (only,) = hidden
        assert values[only] == 0 or values[only] >= threshold


@given(counts, thresholds)
def test_every_small_count_is_hidden_and_every_other_shown_without_a_total(values: list[int], threshold: int) -> None:
    reasons = suppress_counts(values, threshold=threshold, total_known=False)
    assert reasons == [SMALL if v < threshold else SHOWN for v in values]


@given(counts, thresholds)
def test_a_second_count_is_hidden_only_when_needed_and_only_one(values: list[int], threshold: int) -> None:
    reasons = suppress_counts(values, threshold=threshold)
    small = [v for v, r in zip(values, reasons, strict=True) if r == SMALL]
    secondary = [v for v, r in zip(values, reasons, strict=True) if r == SECONDARY]
    assert [r for r in reasons if r == SMALL] == [SMALL for v in values if v < threshold]
    needed = 0 < sum(small) < threshold
    assert len(secondary) == (1 if needed and len(small) < len(values) else 0)
    if secondary:
        # The smallest of the counts that could be shown.
        assert secondary[0] == min(v for v, r in zip(values, reasons, strict=True) if r != SMALL)


@given(counts, thresholds)
def test_the_choice_is_the_same_every_time(values: list[int], threshold: int) -> None:
    cells = {f"group {i}": v for i, v in enumerate(values)}
    assert suppress(cells, threshold=threshold) == suppress(dict(cells), threshold=threshold)


@given(counts, thresholds, st.data())
def test_cells_hidden_elsewhere_count_as_hidden_and_are_protected_too(values: list[int], threshold: int,
                                                                       data: st.DataObject) -> None:
    cells = dict(enumerate(values))
    elsewhere = data.draw(st.sets(st.sampled_from(sorted(cells))))
    reasons = suppress(cells, threshold=threshold, hidden=elsewhere)
    assert all(reasons[key] for key in elsewhere)
    found = problem(cells, as_shown(cells, reasons), threshold)
    assert not found, found


@given(counts, thresholds, st.data())
def test_a_derivable_count_alone_needs_no_protection(values: list[int], threshold: int, data: st.DataObject) -> None:
    cells = dict(enumerate(values))
    derivable = data.draw(st.sampled_from(sorted(cells)))
    reasons = suppress(cells, threshold=threshold, prefer=[derivable], derivable={derivable})
    found = problem(cells, as_shown(cells, reasons), threshold, derivable={derivable})
    assert not found, found
    hidden = hidden_keys(reasons)
    if all(values[k] == 0 or k == derivable for k in hidden) and hidden:
        assert SECONDARY not in reasons.values()


def test_two_small_groups_are_protected_by_a_third():
    # 1 and 2 with a total of 83: showing 50 and 30 would give away that the two add up to 3.
    cells = {"White": 50, "Asian": 30, "Black": 1, "Mixed": 2}
    reasons = suppress(cells, threshold=10, avoid={"White"})
    assert reasons == {"White": SHOWN, "Asian": SECONDARY, "Black": SMALL, "Mixed": SMALL}


def test_the_preferred_cell_goes_first_and_the_avoided_one_last():
    cells = {"White": 50, "Asian": 30, "Black": 3, "not stated": 40}
    assert suppress(cells, threshold=10, prefer=["not stated"], avoid={"White"})["not stated"] == SECONDARY
    assert suppress(cells, threshold=10, avoid={"White"})["Asian"] == SECONDARY
    # The avoided cell only when nothing else is left.
    only = suppress({"White": 25, "Black": 4}, threshold=10, avoid={"White"})
    assert only == {"White": SECONDARY, "Black": SMALL}
    # Equal counts: the one given first.
    assert suppress({"a": 12, "b": 12, "c": 1}, threshold=10) == {"a": SECONDARY, "b": SHOWN, "c": SMALL}


def test_zeros_are_hidden_but_need_no_protection():
    assert suppress_counts([15, 0, 0], threshold=10) == [SHOWN, SMALL, SMALL]
    # Everything hidden is fine: the total (3) is itself small and hidden wherever it is shown.
    assert suppress_counts([1, 2], threshold=10) == [SMALL, SMALL]
    # A threshold of 0 hides nothing.
    assert suppress_counts([0, 1, 2], threshold=0) == [SHOWN, SHOWN, SHOWN]


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="negative"):
        suppress({"a": -1}, threshold=10)
