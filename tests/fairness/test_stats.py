"""The calculations against hand-worked examples, and the suppression rule."""

from __future__ import annotations

import math

import pytest

from justculture.fairness.stats import (
    GroupCounts,
    GroupResult,
    compare,
    comparison,
    counts_from,
    ratio_with_interval,
)


def by_group(results: list[GroupResult]) -> dict[str, GroupResult]:
    return {r.group: r for r in results}


def test_the_published_example_white_0_7_percent_against_ethnic_minority_1_2_percent():
    # One trust: 17 white staff of 2,429 (0.70%) and 9 ethnic-minority staff of 750 (1.20%).
    rl, low, high = ratio_with_interval(9, 750, 17, 2429)
    assert rl == pytest.approx(1.71, abs=0.01)
    # By hand: var = 1/9 - 1/750 + 1/17 - 1/2429 = 0.16819; 1.96 * sqrt(var) = 0.8038.
    assert low == pytest.approx(1.7146 * math.exp(-0.8038), rel=1e-3)
    assert high == pytest.approx(1.7146 * math.exp(0.8038), rel=1e-3)
    assert low == pytest.approx(0.77, abs=0.01) and high == pytest.approx(3.83, abs=0.01)
    # The interval includes 1: on 9 and 17 cases the difference could be chance.
    results = by_group(compare([GroupCounts("White", 17, 2429), GroupCounts("Ethnic minority", 9, 750)], "White", 0))
    assert results["Ethnic minority"].rate == pytest.approx(0.012)
    assert results["White"].rate == pytest.approx(0.007, abs=1e-4)
    assert not results["Ethnic minority"].alert


def test_the_published_example_is_suppressed_at_the_usual_threshold():
    # 9 is fewer than 10: the ethnic-minority count is withheld, and so is the white count,
    # which with the total would give the 9 away. No ratio is shown at all.
    result = comparison([GroupCounts("White", 17, 2429), GroupCounts("Ethnic minority", 9, 750)], "White", 10)
    rows = by_group(result.results)
    assert rows["Ethnic minority"].suppressed and rows["Ethnic minority"].events is None
    assert rows["White"].suppressed and result.reference_withheld
    assert all(r.relative_likelihood is None for r in result.results)
    # Headcounts come from the workforce figures and are not withheld.
    assert rows["Ethnic minority"].headcount == 750


def test_a_hand_worked_ratio_of_two():
    # 20 of 1,000 against 40 of 4,000: rates 2% and 1%, RL 2.
    # var = 1/20 - 1/1000 + 1/40 - 1/4000 = 0.07375; 1.959964 * sqrt(0.07375) = 0.53227.
    rl, low, high = ratio_with_interval(20, 1000, 40, 4000)
    assert rl == pytest.approx(2.0)
    assert low == pytest.approx(2 * math.exp(-0.53227), rel=1e-4)
    assert high == pytest.approx(2 * math.exp(0.53227), rel=1e-4)
    assert low == pytest.approx(1.1746, abs=1e-3) and high == pytest.approx(3.4055, abs=1e-3)
    row = by_group(compare([GroupCounts("White", 40, 4000), GroupCounts("Asian", 20, 1000)], "White"))["Asian"]
    assert not row.alert  # 1.17 is inside the band


def test_an_alert_needs_the_whole_interval_outside_the_band():
    high = by_group(compare([GroupCounts("W", 100, 10000), GroupCounts("B", 80, 4000)], "W"))["B"]
    assert high.relative_likelihood == pytest.approx(2.0)
    assert high.ci_low > 1.25 and high.alert
    low = by_group(compare([GroupCounts("W", 200, 10000), GroupCounts("B", 20, 4000)], "W"))["B"]
    assert low.relative_likelihood == pytest.approx(0.25)
    assert low.ci_high < 0.80 and low.alert
    inside = by_group(compare([GroupCounts("W", 100, 10000), GroupCounts("B", 44, 4000)], "W"))["B"]
    assert not inside.alert
    assert not GroupResult("W", 1, 1, 1, 1.0, None, None, False).alert


def test_zero_events_in_a_group():
    assert ratio_with_interval(0, 500, 30, 3000) == (0.0, None, None)
    # At the usual threshold a zero is withheld like any small count; it alone cannot give
    # anything away, so no second count is hidden.
    result = comparison([GroupCounts("W", 30, 3000), GroupCounts("B", 0, 500)], "W", 10)
    rows = by_group(result.results)
    assert rows["B"].suppressed and not rows["W"].suppressed
    assert rows["W"].relative_likelihood == 1.0 and not result.reference_withheld


def test_zero_events_in_the_reference_group_gives_no_ratio():
    assert ratio_with_interval(5, 100, 0, 100) == (None, None, None)
    rows = by_group(compare([GroupCounts("W", 0, 100), GroupCounts("B", 5, 100)], "W", 0))
    assert rows["B"].relative_likelihood is None and rows["B"].rate == 0.05
    assert rows["W"].relative_likelihood is None


def test_zero_headcount():
    assert ratio_with_interval(12, 0, 30, 3000) == (None, None, None)
    assert ratio_with_interval(12, 100, 30, 0) == (None, None, None)
    rows = by_group(compare([GroupCounts("W", 30, 3000), GroupCounts("B", 12, 0)], "W"))
    assert rows["B"].rate is None and rows["B"].relative_likelihood is None and rows["B"].events == 12


def test_more_events_than_headcount_gives_no_interval():
    rl, low, high = ratio_with_interval(30, 20, 10, 100)
    assert rl == pytest.approx(15.0) and low is None and high is None


def test_a_group_absent_from_the_workforce_or_the_cases():
    counts = counts_from({"W": 30, "Mixed": 11}, {"W": 3000, "B": 400})
    assert counts == [GroupCounts("B", 0, 400), GroupCounts("Mixed", 11, 0), GroupCounts("W", 30, 3000)]
    rows = by_group(compare(counts, "W"))
    assert rows["Mixed"].rate is None and rows["Mixed"].relative_likelihood is None
    # B has no events: withheld; Mixed shown with its count but no rate.
    assert rows["B"].suppressed


def test_the_reference_group_absent():
    result = comparison([GroupCounts("B", 40, 400)], "W")
    assert result.reference_withheld
    assert result.results[0].rate == 0.1 and result.results[0].relative_likelihood is None


def test_the_reference_group_suppressed_hides_every_ratio():
    result = comparison(
        [GroupCounts("W", 6, 3000), GroupCounts("B", 40, 400), GroupCounts("A", 30, 600)], "W", 10
    )
    rows = by_group(result.results)
    assert rows["W"].suppressed and result.reference_withheld
    assert rows["B"].relative_likelihood is None and rows["A"].relative_likelihood is None
    # Rates alone do not reveal the reference: they stay.
    assert rows["B"].rate == 0.1
    # One count was small, so one more (the smallest other) is withheld too.
    assert rows["A"].suppressed and not rows["B"].suppressed


def test_secondary_suppression_prefers_the_not_stated_count():
    result = comparison([GroupCounts("W", 25, 3000), GroupCounts("B", 4, 500)], "W", 10, not_stated_events=12)
    rows = by_group(result.results)
    assert rows["B"].suppressed and not rows["W"].suppressed
    assert result.not_stated_suppressed and result.not_stated_events is None
    # Without a not-stated count, the only other cell is the reference itself.
    result = comparison([GroupCounts("W", 25, 3000), GroupCounts("B", 4, 500)], "W", 10)
    assert all(r.suppressed for r in result.results) and result.reference_withheld


def withheld(events: dict[str, int], reference: str) -> set[str]:
    result = comparison([GroupCounts(g, n, 1000) for g, n in events.items()], reference, 10)
    return {r.group for r in result.results if r.suppressed}


def test_secondary_suppression_prefers_a_group_to_the_reference():
    assert withheld({"W": 50, "A": 30, "B": 3, "C": 40}, "W") == {"B", "A"}
    assert withheld({"W": 50, "A": 30, "B": 3}, "A") == {"B", "W"}
    assert withheld({"W": 50, "A": 30}, "W") == set()


def test_two_small_counts_that_add_up_to_a_small_number_take_a_third_with_them():
    # 3 + 2 = 5 could be worked out from the total less the 50 shown: the reference goes too.
    assert withheld({"W": 50, "A": 3, "B": 2}, "W") == {"A", "B", "W"}
    # The 1 and 2 of the issue: the smallest other group is hidden too, and the ratios stay.
    result = comparison([GroupCounts(g, n, 1000) for g, n in {"W": 50, "A": 30, "B": 1, "C": 2}.items()], "W", 10)
    rows = by_group(result.results)
    assert {g for g, r in rows.items() if r.suppressed} == {"A", "B", "C"}
    assert rows["A"].hidden == "secondary" and rows["B"].hidden == "small" and not result.reference_withheld
    # Small counts that already add up to the threshold protect each other.
    assert withheld({"W": 50, "A": 6, "B": 4}, "W") == {"A", "B"}


def test_the_not_stated_count_is_shown_when_large_and_withheld_when_small():
    large = comparison([GroupCounts("W", 25, 3000), GroupCounts("B", 14, 500)], "W", 10, not_stated_events=11)
    assert large.not_stated_events == 11 and not large.not_stated_suppressed
    small = comparison([GroupCounts("W", 25, 3000), GroupCounts("B", 14, 500)], "W", 10, not_stated_events=3)
    assert small.not_stated_events is None and small.not_stated_suppressed
    # How many people had no group stated reveals nobody's characteristics: no group is hidden for it.
    assert not any(r.suppressed for r in small.results)
    assert by_group(small.results)["B"].relative_likelihood == pytest.approx(3.36)


def test_results_serialise():
    row = compare([GroupCounts("W", 40, 4000), GroupCounts("B", 20, 1000)], "W")[1]
    assert set(row.to_dict()) == {"group", "events", "headcount", "rate", "relative_likelihood", "ci_low",
                                  "ci_high", "suppressed", "hidden"}
