"""Two small groups (1 and 2 people) must not be recoverable as their total (3) by subtracting the
shown counts from the total, on the fairness page, from `justculture fairness --json` against the
database, and from the same command on two CSV files. (The API: tests/api/test_fairness_small_groups.py.)

Before one disclosure rule, the fairness code hid a second count only when exactly one was
hidden, so 1 and 2 hid each other and 26 - 12 - 11 gave away the 3.
"""

from __future__ import annotations

import html as html_lib
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.core.reader import problem
from tests.fairness.test_cli import run

# People with a concern raised, by detailed ethnicity: White - British (the comparison group),
# Chinese, Black African and Indian. 26 in all, which the case list (or an insights card) gives.
PEOPLE = {"A": 12, "R": 11, "N": 1, "H": 2}
TITLES = {"A": "White - British", "R": "Other ethnic groups - Chinese", "N": "Black or Black British - African",
          "H": "Asian or Asian British - Indian"}
TOTAL = sum(PEOPLE.values())


@pytest.fixture
def small_groups(handler, make_case, record_equality, import_workforce):
    year = timezone.localdate().year
    import_workforce("period,group,headcount,dimension\n" + "".join(
        f"{year},{code},{100 * n + 50},ethnicity\n" for code, n in PEOPLE.items()))
    for code, n in PEOPLE.items():
        for i in range(n):
            record_equality(make_case(handler, name=f"{code}{i}"), ethnicity=code)


def figure(text: str) -> int | None:
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", text)).strip().replace(",", "")
    return int(text) if text.isdigit() else None


def page_counts(page: str) -> tuple[dict[str, int | None], dict[str, str], int | None]:
    """{group title: people shown or None}, {group title: the rate cell} and the not-stated count shown."""
    ratios = page.split('id="ratios"')[1].split('id="reading"')[0].split("</svg>")[-1]
    counts: dict[str, int | None] = {}
    rates: dict[str, str] = {}
    for title, people, _headcount, rate in re.findall(
            r'<th scope="row" class="nhsuk-table__header">(.*?)(?: <span|</th>).*?'
            r'<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>', ratios, flags=re.S):
        counts[html_lib.unescape(title.strip())] = figure(people)
        rates[html_lib.unescape(title.strip())] = rate.strip()
    not_stated = re.search(r"People not stated who [^:]*: <strong>(.*?)</strong>", ratios, flags=re.S)
    assert not_stated is not None
    return counts, rates, figure(not_stated.group(1))


def test_on_the_page_the_two_small_groups_cannot_be_added_up(small_groups, analyst_client):
    page = analyst_client.get("/fairness/?event=concern-raised&dimension=ethnicity").content.decode()
    counts, rates, not_stated = page_counts(page)
    true = {TITLES[code]: n for code, n in PEOPLE.items()}
    assert set(counts) == set(true)
    found = problem({**true, "not stated": 0}, {**counts, "not stated": not_stated}, 10)
    assert not found, found
    assert counts[TITLES["N"]] is None and counts[TITLES["H"]] is None
    # A rate and a headcount would give a hidden count away: no rate for a hidden group.
    assert all(rates[title] == "\u2013" for title, shown in counts.items() if shown is None)
    # The count hidden to protect the small ones is not called small.
    ratios = page.split('id="ratios"')[1].split('id="reading"')[0]
    assert "not shown" in ratios


def cli_counts(output: dict) -> tuple[dict[str, int | None], int | None]:
    return {r["group"]: r["events"] for r in output["results"]}, output["not_stated"]["events"]


def test_the_command_on_the_database_hides_them_as_the_page_does(small_groups, org):
    out = io.StringIO()
    call_command("fairness", "--json", "--event", "concern-raised", "--group", "ethnicity",
                 "--organisation", org.slug, stdout=out)
    counts, not_stated = cli_counts(json.loads(out.getvalue()))
    true = {TITLES[code]: n for code, n in PEOPLE.items()}
    found = problem({**true, "not stated": 0}, {**counts, "not stated": not_stated}, 10)
    assert not found, found


def test_the_command_on_two_files_hides_them_too(tmp_path: Path):
    names = {"A": "White", "R": "Chinese", "N": "Black African", "H": "Indian"}
    cases = tmp_path / "cases.csv"
    cases.write_text("period,group,event\n" + "".join(
        f"2024,{names[code]},formal-action\n" * n for code, n in PEOPLE.items()))
    workforce = tmp_path / "workforce.csv"
    workforce.write_text("period,group,headcount\n" + "".join(
        f"2024,{names[code]},{100 * n + 50}\n" for code, n in PEOPLE.items()))
    result = run("--cases", str(cases), "--workforce", str(workforce), "--json")
    assert result.returncode == 0, result.stderr
    counts, not_stated = cli_counts(json.loads(result.stdout))
    true = {names[code]: n for code, n in PEOPLE.items()}
    found = problem({**true, "not stated": 0}, {**counts, "not stated": not_stated}, 10)
    assert not found, found
