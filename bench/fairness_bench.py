"""How fast the fairness figures are on a large organisation, against hand-written SQL.

Run from the repository root against a PostgreSQL database filled by bench/generate.py:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jc_bench .venv/bin/python bench/fairness_bench.py
    DATABASE_URL=... .venv/bin/python bench/fairness_bench.py --repeat 3 --dimension sex

It reads the benchmark trust (bench-trust) and, in the same process, times each selector the
fairness page uses (justculture.fairness.selectors) against the same figures written as one
hand-written SQL statement, checks that both give the same counts, and times the whole page
(GET /fairness/ as the equality analyst bench.analyst, which also records its audit event)
against all the hand-written statements run back to back:

- figures() for each of the five events (concern raised, assessment started, formal action,
  suspension, referral): the distinct people who entered the event in the period, by group of
  the dimension, with the workforce look-ups and the statistics;
- consistency(): decided cases and formal action by guide outcome and group;
- departures(): the decisions that departed from the guide in the period.

The period is the two years to today (the page's default), the dimension --dimension (default
ethnicity-collapsed, the page's default). Each is run once to warm up and then --repeat times
(default 5); the median is reported with the ratio ORM / hand-written. Nothing is asserted; the
report is printed and saved as bench/results/fairness_bench.json. PostgreSQL only (the
hand-written statements use jsonb operators and DISTINCT ON).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchdb import save_and_print

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "justculture.config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]


def median_seconds(work: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = work()  # warm up
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def group_sql(dimension: Any) -> tuple[str, list[Any]]:
    """A SQL expression giving the person's group code in the dimension, as person_groups() does.

    Uses the aliases p (cases_person) and e (fairness_equalityrecord, LEFT JOINed).
    """
    from justculture.fairness.groups import NOT_KNOWN, RECORD_FIELDS, definitions

    if dimension.from_person:
        return f"p.{dimension.from_person}", []
    if dimension.code == "ethnicity-collapsed":
        defs = definitions()
        codes = [g.code for g in defs.dimension("ethnicity").groups] + ["prefer-not-to-say", "not-known"]
        cases = " ".join("WHEN e.ethnicity = %s THEN %s" for _ in codes)
        params: list[Any] = []
        for code in codes:
            params += [code, defs.collapse(code)]
        return f"CASE WHEN e.id IS NULL THEN %s {cases} ELSE %s END", [NOT_KNOWN, *params, NOT_KNOWN]
    column = RECORD_FIELDS[dimension.code]
    return f"COALESCE(e.{column}, %s)", [NOT_KNOWN]


def raw_queries(org_id: int, period: Any, dimension: Any, start: Any, end: Any) -> dict[str, tuple[str, list[Any]]]:
    from justculture.fairness.groups import definitions

    group, group_params = group_sql(dimension)
    by_group = ("SELECT {group} AS g, COUNT(*) FROM ({people}) x JOIN cases_person p ON p.id = x.person_id "
                "LEFT JOIN fairness_equalityrecord e ON e.person_id = p.id GROUP BY g")
    queries: dict[str, tuple[str, list[Any]]] = {
        "figures concern-raised": (by_group.format(group=group, people=(
            "SELECT DISTINCT c.person_id FROM cases_case c WHERE c.organisation_id = %s AND c.created_at >= %s "
            "AND c.created_at < %s")), [*group_params, org_id, start, end]),
        "figures assessment-started": (by_group.format(group=group, people=(
            "SELECT DISTINCT c.person_id FROM assessments_assessment a JOIN cases_case c ON c.id = a.case_id "
            "WHERE a.organisation_id = %s AND a.started_at >= %s AND a.started_at < %s")),
            [*group_params, org_id, start, end]),
    }
    for event in definitions().events.values():
        if not event.measure:
            continue
        # The case's current (newest) decision includes the measure; its date is that of the
        # first decision on the case that included it.
        people = (
            "SELECT DISTINCT c.person_id FROM (SELECT DISTINCT ON (d.case_id) d.case_id, d.measures "
            "FROM decisions_decision d WHERE d.organisation_id = %s ORDER BY d.case_id, d.recorded_at DESC, d.id DESC) "
            "cur JOIN (SELECT DISTINCT ON (d.case_id) d.case_id, d.decided_on FROM decisions_decision d "
            "WHERE d.organisation_id = %s AND d.measures @> %s::jsonb ORDER BY d.case_id, d.recorded_at, d.id) first "
            "ON first.case_id = cur.case_id JOIN cases_case c ON c.id = cur.case_id "
            "WHERE cur.measures @> %s::jsonb AND first.decided_on BETWEEN %s AND %s"
        )
        wanted = json.dumps([event.measure])
        queries[f"figures {event.code}"] = (by_group.format(group=group, people=people), [
            *group_params, org_id, org_id, wanted, wanted, period.start, period.end])
    queries["consistency"] = (
        f"SELECT o.outcome, {group} AS g, COUNT(*), SUM(CASE WHEN cur.severity >= 2 THEN 1 ELSE 0 END) "  # noqa: S608 - fixed SQL fragments
        "FROM (SELECT DISTINCT ON (d.case_id) d.case_id, d.guide_outcomes, d.severity, d.decided_on "
        "FROM decisions_decision d WHERE d.organisation_id = %s ORDER BY d.case_id, d.recorded_at DESC, d.id DESC) cur "
        "JOIN cases_case c ON c.id = cur.case_id JOIN cases_person p ON p.id = c.person_id "
        "LEFT JOIN fairness_equalityrecord e ON e.person_id = p.id "
        "CROSS JOIN LATERAL (SELECT DISTINCT jsonb_array_elements_text(cur.guide_outcomes) AS outcome) o "
        "WHERE cur.decided_on BETWEEN %s AND %s GROUP BY o.outcome, g",
        [*group_params, org_id, period.start, period.end])
    queries["departures"] = (
        "SELECT c.reference, d.decided_on, d.guide_outcomes, d.measures, d.departure_justification "
        "FROM decisions_decision d JOIN cases_case c ON c.id = d.case_id WHERE d.organisation_id = %s "
        "AND d.departs_from_guide AND d.decided_on BETWEEN %s AND %s ORDER BY d.decided_on, d.id",
        [org_id, period.start, period.end])
    return queries


def same(name: str, orm: Any, raw: list[tuple[Any, ...]], dimension: Any) -> bool:
    """Whether the selector and the hand-written statement counted the same."""
    if name.startswith("figures"):
        counted: dict[str, int] = {}
        for code, n in raw:
            counted[code] = counted.get(code, 0) + n
        stated = {code: n for code, n in counted.items() if dimension.is_stated(code)}
        not_stated = sum(n for code, n in counted.items() if not dimension.is_stated(code))
        shown = {r.group: r.result.events for r in orm.rows if r.result.events is not None and r.result.events}
        # A small not-stated count is withheld (None) like any other small count.
        return bool(all(stated.get(g, 0) == n for g, n in shown.items())
                    and orm.comparison.not_stated_events in (None, not_stated))
    if name == "consistency":
        expected = {(o, g): n for o, g, n, _ in raw if dimension.is_stated(g)}
        shown = {(row.outcome, cell.group): cell.decided for row in orm.rows for cell in row.cells
                 if cell.decided is not None}
        return all(expected.get(k, 0) == v for k, v in shown.items())
    if name == "departures":
        return bool(orm.total == len(raw))
    return False


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from justculture.core.models import Organisation, User
    from justculture.fairness import selectors
    from justculture.fairness.groups import definitions
    from justculture.fairness.periods import two_year_window

    if connection.vendor != "postgresql":
        raise SystemExit("The fairness benchmark needs PostgreSQL (DATABASE_URL=postgres://...).")
    org = Organisation.objects.get(slug=args.organisation)
    analyst = User.objects.get(username=args.username)
    period = two_year_window(timezone.localdate())
    dimension = definitions().dimension(args.dimension)
    start, end = selectors._bounds(period)
    orm: dict[str, Callable[[], Any]] = {}
    def figures_of(code: str) -> Callable[[], Any]:
        return lambda: selectors.figures(org, event=code, dimension=dimension.code, period=period)

    for event in definitions().events.values():
        orm[f"figures {event.code}"] = figures_of(event.code)
    orm["consistency"] = lambda: selectors.consistency(org, dimension=dimension.code, period=period)
    orm["departures"] = lambda: selectors.departures(analyst, org, period=period)
    raw = raw_queries(org.pk, period, dimension, start, end)

    def sql(statement: str, params: list[Any]) -> Callable[[], list[tuple[Any, ...]]]:
        def work() -> list[tuple[Any, ...]]:
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                return list(cursor.fetchall())
        return work

    rows: list[dict[str, Any]] = []
    for name, work in orm.items():
        orm_s, orm_result = median_seconds(work, args.repeat)
        raw_s, raw_result = median_seconds(sql(*raw[name]), args.repeat)
        rows.append({"aggregate": name, "orm_ms": orm_s * 1000, "raw_ms": raw_s * 1000,
                     "ratio": orm_s / raw_s if raw_s else None,
                     "same_figures": same(name, orm_result, raw_result, dimension)})
        print(f"  {name}: {orm_s * 1000:.0f} ms against {raw_s * 1000:.0f} ms", flush=True)

    client = Client()
    client.force_login(analyst)
    url = f"/fairness/?dimension={dimension.code}"

    def page() -> int:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return len(response.content)

    def all_raw() -> None:
        # The page shows one event: the default (formal action), consistency and departures.
        for name in ("figures formal-action", "consistency", "departures"):
            sql(*raw[name])()

    page_s, size = median_seconds(page, args.repeat)
    raw_all_s, _ = median_seconds(all_raw, args.repeat)
    with CaptureQueriesContext(connection) as queries:
        page()
    rows.append({"aggregate": "page GET /fairness/ (formal action, consistency, departures)",
                 "orm_ms": page_s * 1000, "raw_ms": raw_all_s * 1000, "ratio": page_s / raw_all_s,
                 "same_figures": None})
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = str(cursor.fetchone()[0]).split(" on ")[0]
        cursor.execute("SELECT COUNT(*) FROM cases_case WHERE organisation_id = %s", [org.pk])
        cases = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM decisions_decision WHERE organisation_id = %s", [org.pk])
        decisions = cursor.fetchone()[0]
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "database_version": version,
        "python": platform.python_version(), "machine": platform.platform(), "cpus": os.cpu_count(),
        "load": [round(x, 2) for x in os.getloadavg()], "cases": cases, "decisions": decisions,
        "period": period.label, "dimension": dimension.code, "repeat": args.repeat,
        "page_queries": len(queries.captured_queries), "page_bytes": size, "results": rows,
    }


def report_text(report: dict[str, Any]) -> str:
    lines = [
        f"Fairness benchmark, {report['date']}, {report['database_version']} (Python {report['python']}, "
        f"{report['cpus']} CPUs, load {report['load']})",
        f"{report['cases']:,} cases, {report['decisions']:,} decisions; period {report['period']}; "
        f"dimension {report['dimension']}",
        f"Median of {report['repeat']} runs after one warm-up; ratio = ORM / hand-written SQL.",
        f"The page made {report['page_queries']} queries and {report['page_bytes']:,} bytes of HTML.",
        "",
        f"{'aggregate':<62} {'ORM ms':>9} {'SQL ms':>9} {'ratio':>6}  same figures",
    ]
    for row in report["results"]:
        agreed = {True: "yes", False: "NO", None: "-"}[row["same_figures"]]
        lines.append(f"{row['aggregate']:<62} {row['orm_ms']:>9.1f} {row['raw_ms']:>9.1f} {row['ratio']:>6.2f}  "
                     f"{agreed}")
    lines += ["", "Targets (issue 8): within 2x of the hand-written SQL, under 1 s on PostgreSQL."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisation", default="bench-trust", help="Organisation slug (default bench-trust).")
    parser.add_argument("--username", default="bench.analyst", help="Who views the page (default bench.analyst).")
    parser.add_argument("--dimension", default="ethnicity-collapsed", help="Dimension (default ethnicity-collapsed).")
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs of each (default 5).")
    parser.add_argument("--json", action="store_true", help="Print the JSON report instead of the text summary.")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to the PostgreSQL database bench/generate.py filled")
    setup_django()
    report = run(args)
    save_and_print(report, "fairness_bench", args.json, report_text)


if __name__ == "__main__":
    main()
