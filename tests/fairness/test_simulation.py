"""Statistical behaviour on generated organisations (fixed seed): with no real difference alerts
stay rare; with a real ratio of 2 and enough cases the alert fires in most organisations."""

from __future__ import annotations

import random

from justculture.fairness.stats import GroupCounts, comparison

ORGANISATIONS = 200


def binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(1 for _ in range(n) if rng.random() < p)


def alert_share(seed: int, white: tuple[int, float], minority: tuple[int, float], min_count: int = 10) -> float:
    rng = random.Random(seed)
    alerts = 0
    for _ in range(ORGANISATIONS):
        (n_white, p_white), (n_minority, p_minority) = white, minority
        counts = [GroupCounts("White", binomial(rng, n_white, p_white), n_white),
                  GroupCounts("Ethnic minority", binomial(rng, n_minority, p_minority), n_minority)]
        result = comparison(counts, "White", min_count)
        alerts += any(r.alert for r in result.results)
    return alerts / ORGANISATIONS


def test_with_no_real_difference_alerts_are_rare():
    # Both groups enter formal action at 1%; typical counts 40 and 15.
    share = alert_share(20240601, (4000, 0.01), (1500, 0.01))
    assert share < 0.10


def test_with_no_real_difference_and_larger_numbers_alerts_are_still_rare():
    share = alert_share(7, (10000, 0.02), (4000, 0.02))
    assert share < 0.10


def test_with_no_real_difference_and_small_numbers_suppression_keeps_alerts_away():
    # Around 3 events per group: every count is withheld, so no ratio and no alert.
    assert alert_share(11, (300, 0.01), (100, 0.01)) == 0


def test_with_a_real_ratio_of_two_and_enough_cases_the_alert_fires_in_most():
    # White 1% of 10,000 (about 100), ethnic minority 2% of 4,000 (about 80).
    share = alert_share(20240602, (10000, 0.01), (4000, 0.02))
    assert share > 0.80


def test_with_a_real_ratio_of_two_but_few_cases_the_alert_is_not_certain():
    # About 10 and 8 events: the intervals are wide, so most organisations see no alert. This is
    # why the page explains intervals and does not treat every ratio above 1.25 as a finding.
    share = alert_share(3, (1000, 0.01), (400, 0.02))
    assert share < 0.5
