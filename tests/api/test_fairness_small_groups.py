"""/api/fairness: two small groups (1 and 2 people) must not be recoverable as their total (3) by
subtracting the shown counts from the total. The page and the command: tests/fairness/test_small_groups.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from justculture.core.models import Organisation, User
from justculture.fairness import services as fairness_services
from tests.api.conftest import ApiClient
from tests.core.reader import problem

# People with a concern raised, by detailed ethnicity: White - British (the comparison group),
# Chinese, Black African and Indian; 26 in all.
PEOPLE = {"A": 12, "R": 11, "N": 1, "H": 2}


def test_the_api_hides_two_small_groups_so_that_their_total_cannot_be_worked_out(
        org: Organisation, handler: User, make_user: Callable[..., User], make_case: Callable[..., Any],
        analyst_api: ApiClient) -> None:
    hr = make_user(org, "hr-adviser")
    year = timezone.localdate().year
    fairness_services.workforce_import(data="period,group,headcount,dimension\n" + "".join(
        f"{year},{code},{100 * n + 50},ethnicity\n" for code, n in PEOPLE.items()), by=hr, filename="workforce.csv")
    for code, n in PEOPLE.items():
        for i in range(n):
            fairness_services.equality_record_save(
                case=make_case(handler, name=f"{code}{i}"), ethnicity=code, sex="female", disability="no",
                age_band="35-44", qualified="uk", by=hr)
    status, body = analyst_api.get("/fairness", event="concern-raised", dimension="ethnicity")
    assert status == 200, body
    shown = {row["group"]: row["events"] for row in body["rows"]}
    assert set(shown) == set(PEOPLE)
    found = problem({**PEOPLE, "not stated": 0}, {**shown, "not stated": body["not_stated_events"]}, body["min_count"])
    assert not found, found
    # No rate for a hidden group: with its headcount it would give the count away.
    assert all(row["rate"] is None for row in body["rows"] if row["events"] is None)
