"""How fast the insights aggregates are on a large organisation, against hand-written SQL.

Run from the repository root:

    .venv/bin/python bench/insights_bench.py                  # 100,000 cases on a throwaway SQLite file
    .venv/bin/python bench/insights_bench.py --cases 20000    # a smaller run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/insights_bench.py

With DATABASE_URL (PostgreSQL), the named database is only used to connect: the script creates a
throwaway database beside it, works there and drops it at the end (--keep leaves it). Without it,
a throwaway SQLite file in a temporary folder is used. No existing data is touched.

It generates one organisation with --cases cases (bulk_create: incidents, people, cases, factor
records, acts, assessment versions with the substitution-test answer, system-learning actions)
over three years and --teams teams on six sites, plus a small second organisation whose rows the
queries must skip. Then, in the same process, it times each aggregate the insights page uses,
as the ORM query in justculture.insights.selectors and as one hand-written SQL query giving the
same figures, and also the whole page (GET /insights/ as a patient-safety lead) and the JSON
command (`insights factors --json --exact`). Each is run once to warm up and then --repeat times;
the median is reported with the ORM / hand-written ratio. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

from benchdb import save_and_print, throwaway_database

ROOT = Path(__file__).resolve().parent.parent
FACTORS = [  # id, how often it is found (weights are made up, to give uneven counts)
    ("staffing", 0.32), ("changing-environment", 0.12), ("unusual-expectations", 0.14), ("distractions", 0.22),
    ("management", 0.09), ("physical-environment", 0.07), ("equipment-design", 0.10), ("team-culture", 0.11),
    ("bullying-history", 0.03), ("personal-health", 0.05),
]
SITES = ["City Hospital", "County Hospital", "Riverside", "North Clinic", "Harbour Unit", "Hill Hospital"]
PATH_TO_4A = ["1a", "2a", "2b", "2c", "3a", "3b", "3c", "4a"]
PATH_D = ["1a", "2a", "2b", "2c", "3a", "3b"]


# --- Database set-up ---------------------------------------------------------------------------


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "justculture.config.settings"
    os.environ["DEBUG"] = "true"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    folder = Path(tempfile.mkdtemp(prefix="jc-insights-bench-data-"))
    os.environ["JUSTCULTURE_DATA_DIR"] = str(folder)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)


# --- Data ------------------------------------------------------------------------------------


def generate(cases: int, teams: int, seed: int) -> dict[str, Any]:
    """Bulk-create an organisation with ``cases`` cases, and a small second one. Returns ids."""
    from django.db import connection, transaction
    from django.utils import timezone

    from justculture.actions.models import Action
    from justculture.assessments.models import Answer, Assessment
    from justculture.cases.models import Act, Case, FactorRecord, Incident, Person
    from justculture.core.models import Organisation, RoleAssignment, Team, User

    rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
    started = time.perf_counter()
    batch = 2000
    with transaction.atomic():
        org = Organisation.objects.create(slug="bench", name="Benchmark Hospitals NHS Trust")
        other = Organisation.objects.create(slug="other", name="Another Trust")
        lead = User.objects.create_user(username="bench.lead", password=secrets.token_urlsafe(16), organisation=org)
        RoleAssignment.objects.create(user=lead, role="patient-safety-lead")
        team_rows = Team.objects.bulk_create(
            [Team(organisation=org, name=f"Team {n:02d}", site=SITES[n % len(SITES)]) for n in range(teams)]
            + [Team(organisation=other, name=f"Other team {n}", site="Elsewhere") for n in range(3)]
        )
        ours = [t for t in team_rows if t.organisation_id == org.pk]
        theirs = [t for t in team_rows if t.organisation_id == other.pk]
        # Some teams see far more cases than others, as in life.
        team_weights = [1 + (n % 5) * 2 for n in range(len(ours))]
        start = timezone.make_aware(datetime(2023, 1, 1))
        span = 3 * 365 * 24 * 3600
        today = timezone.localdate()
        totals = {"cases": 0, "factor_records": 0, "assessments": 0, "answers": 0, "actions": 0}

        def plan(count: int, organisation: Organisation, team_pool: list[Team], weights: list[int] | None,
                 prefix: str) -> None:
            for first in range(0, count, batch):
                size = min(batch, count - first)
                picked = rng.choices(team_pool, weights=weights, k=size)
                when = [start + timedelta(seconds=rng.randrange(span)) for _ in range(size)]
                incidents = Incident.objects.bulk_create([
                    Incident(organisation=organisation, reference=f"{prefix}I{first + i}", occurred_at=when[i],
                             team=picked[i], description="Generated", created_by=lead)
                    for i in range(size)
                ])
                people = Person.objects.bulk_create([
                    Person(organisation=organisation, name=f"Person {first + i}", role_title="Staff nurse",
                           staff_group="nursing-midwifery", employment_type="substantive")
                    for i in range(size)
                ])
                outcomes = [rng.choice("ABCDEFG") if rng.random() < 0.6 else "" for _ in range(size)]
                case_rows = Case.objects.bulk_create([
                    Case(organisation=organisation, reference=f"{prefix}C{first + i}", incident=incidents[i],
                         person=people[i], team=picked[i], concern="Generated", created_by=lead,
                         latest_outcome=outcomes[i])
                    for i in range(size)
                ])
                records = []
                for case in case_rows:
                    for factor_id, weight in FACTORS:
                        roll = rng.random()
                        if roll < weight:
                            records.append(FactorRecord(case=case, factor_id=factor_id, present="yes", recorded_by=lead))
                        elif roll < weight + 0.08:
                            records.append(FactorRecord(case=case, factor_id=factor_id,
                                                        present=rng.choice(["no", "unknown"]), recorded_by=lead))
                FactorRecord.objects.bulk_create(records, batch_size=batch)
                assessed = [(c, o) for c, o in zip(case_rows, outcomes, strict=True) if o]
                acts = Act.objects.bulk_create([Act(case=c, number=1, description="Generated", created_by=lead)
                                                for c, _ in assessed])
                versions: list[tuple[Assessment, str | None]] = []
                for act, (case, outcome) in zip(acts, assessed, strict=True):
                    revisited = rng.random() < 0.15
                    chain = [("G", [*PATH_TO_4A, "4b", "4c", "5a"], "no")] if revisited else []
                    if outcome in "EFG":
                        answer = "yes" if outcome == "E" and rng.random() < 0.7 else "no"
                        chain.append((outcome, PATH_TO_4A if answer == "yes" else [*PATH_TO_4A, "4b", "4c", "5a"],
                                      answer))
                    else:
                        chain.append((outcome, PATH_D, None))
                    for number, (code, path, answer) in enumerate(chain, start=1):
                        versions.append((Assessment(
                            organisation=organisation, case=case, act=act, version=number,
                            guide_id="nhs-just-culture-guide", guide_version="2018", status="complete",
                            outcome_code=code, path=path, started_by=lead, completed_by=lead,
                            completed_at=case.incident.occurred_at), answer))
                made = Assessment.objects.bulk_create([a for a, _ in versions], batch_size=batch)
                Answer.objects.bulk_create([
                    Answer(assessment=a, question_id="4a", answer=answer, rationale="Generated", answered_by=lead)
                    for a, (_, answer) in zip(made, versions, strict=True) if answer is not None
                ], batch_size=batch)
                actions = []
                for assessment in made:
                    status = rng.choices(["open", "in-progress", "done", "cancelled"], weights=[4, 3, 6, 1])[0]
                    due = today + timedelta(days=rng.randrange(-200, 120)) if rng.random() < 0.8 else None
                    actions.append(Action(
                        organisation=organisation, case=assessment.case, team=assessment.case.team, kind="system",
                        category="wider-learning", title="Generated", status=status, due_date=due,
                        source_assessment=assessment, outcome_code=assessment.outcome_code, auto_created=True,
                        created_by=lead,
                    ))
                    if rng.random() < 0.5:
                        actions.append(Action(organisation=organisation, case=assessment.case,
                                              team=assessment.case.team, kind="support", category="training",
                                              title="Generated", status="open", due_date=due, created_by=lead))
                Action.objects.bulk_create(actions, batch_size=batch)
                if organisation.pk == org.pk:
                    totals["cases"] += size
                    totals["factor_records"] += len(records)
                    totals["assessments"] += len(made)
                    totals["answers"] += sum(1 for _, a in versions if a is not None)
                    totals["actions"] += len(actions)

        plan(cases, org, ours, team_weights, "B")
        plan(max(100, cases // 100), other, theirs, None, "O")
    # Fresh planner statistics, as a database that has been in use would have.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    totals["seconds"] = round(time.perf_counter() - started, 1)
    return {"organisation": org.pk, "lead": lead.pk, **totals}


# --- The same figures in hand-written SQL ----------------------------------------------------------


def raw_queries(vendor: str, org_id: int, today: date, hotspot: int,
                frameworks: dict[str, dict[str, list[str]]]) -> dict[str, tuple[str, list[Any]]]:
    """Each aggregate as one SQL statement, written for the backend in use."""
    if vendor == "postgresql":
        month = "date_trunc('month', i.occurred_at AT TIME ZONE 'Europe/London')"
        on_4a_route = "a.path @> '[\"4a\"]'::jsonb"
    else:
        # Django's SQLite settings set the process time zone, so 'localtime' is Europe/London.
        month = "strftime('%%Y-%%m', i.occurred_at, 'localtime')"
        on_4a_route = "a.path LIKE '%%\"4a\"%%'"
    found = ("FROM cases_factorrecord f JOIN cases_case c ON c.id = f.case_id "
             "WHERE c.organisation_id = %s AND f.present = 'yes'")
    elements = [(fw, name, ids) for fw, groups in frameworks.items() for name, ids in groups.items()]
    distinct = ", ".join(
        "COUNT(DISTINCT CASE WHEN f.factor_id IN (" + ", ".join(f"'{i}'" for i in ids) + ") THEN f.case_id END)"
        for _, _, ids in elements
    )
    return {
        "case_totals": (
            "SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM cases_factorrecord f WHERE f.case_id = c.id "
            "AND f.present = 'yes') THEN 1 ELSE 0 END) FROM cases_case c WHERE c.organisation_id = %s", [org_id]),
        "factor_counts": (f"SELECT f.factor_id, COUNT(*) {found} GROUP BY f.factor_id", [org_id]),
        "factor_counts_by_team": (
            "SELECT c.team_id, t.name, f.factor_id, COUNT(*) FROM cases_factorrecord f "
            "JOIN cases_case c ON c.id = f.case_id JOIN core_team t ON t.id = c.team_id "
            "WHERE c.organisation_id = %s AND f.present = 'yes' GROUP BY c.team_id, t.name, f.factor_id", [org_id]),
        "factor_counts_by_site": (
            "SELECT t.site, f.factor_id, COUNT(*) FROM cases_factorrecord f "
            "JOIN cases_case c ON c.id = f.case_id JOIN core_team t ON t.id = c.team_id "
            "WHERE c.organisation_id = %s AND f.present = 'yes' GROUP BY t.site, f.factor_id", [org_id]),
        "factor_counts_by_period": (
            f"SELECT {month} AS m, f.factor_id, COUNT(*) FROM cases_factorrecord f "  # noqa: S608 - only fixed SQL fragments are interpolated
            "JOIN cases_case c ON c.id = f.case_id JOIN cases_incident i ON i.id = c.incident_id "
            "WHERE c.organisation_id = %s AND f.present = 'yes' GROUP BY m, f.factor_id", [org_id]),
        "framework_counts": (f"SELECT {distinct} {found}", [org_id]),
        "outcome_counts": (
            "SELECT latest_outcome, COUNT(*) FROM cases_case WHERE organisation_id = %s GROUP BY latest_outcome",
            [org_id]),
        "substitution_test": (
            "SELECT COUNT(*), SUM(CASE WHEN n.answer = 'yes' THEN 1 ELSE 0 END) FROM assessments_answer n "  # noqa: S608 - only fixed SQL fragments are interpolated
            "JOIN assessments_assessment a ON a.id = n.assessment_id "
            "WHERE a.organisation_id = %s AND n.question_id = '4a' AND a.status = 'complete' "
            f"AND {on_4a_route} AND NOT EXISTS (SELECT 1 FROM assessments_assessment b "
            "WHERE b.act_id = a.act_id AND b.status = 'complete' AND b.version > a.version)", [org_id]),
        "system_actions_by_team": (
            "SELECT x.team_id, t.name, COUNT(*), SUM(CASE WHEN x.due_date < %s THEN 1 ELSE 0 END) "
            "FROM actions_action x JOIN core_team t ON t.id = x.team_id WHERE x.organisation_id = %s "
            "AND x.kind = 'system' AND x.status IN ('open', 'in-progress') GROUP BY x.team_id, t.name",
            [today, org_id]),
        "hotspots": (
            f"SELECT 'team', t.name, f.factor_id, {month} AS m, COUNT(*) FROM cases_factorrecord f "  # noqa: S608 - only fixed SQL fragments are interpolated
            "JOIN cases_case c ON c.id = f.case_id JOIN core_team t ON t.id = c.team_id "
            "JOIN cases_incident i ON i.id = c.incident_id WHERE c.organisation_id = %s AND f.present = 'yes' "
            "GROUP BY c.team_id, t.name, f.factor_id, m HAVING COUNT(*) >= %s "
            f"UNION ALL SELECT 'site', t.site, f.factor_id, {month} AS m, COUNT(*) FROM cases_factorrecord f "
            "JOIN cases_case c ON c.id = f.case_id JOIN core_team t ON t.id = c.team_id "
            "JOIN cases_incident i ON i.id = c.incident_id WHERE c.organisation_id = %s AND f.present = 'yes' "
            "AND t.site <> '' GROUP BY t.site, f.factor_id, m HAVING COUNT(*) >= %s",
            [org_id, hotspot, org_id, hotspot]),
    }


# --- Timing ----------------------------------------------------------------------------------


def median_seconds(work: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = work()  # warm up
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.utils import timezone

    from justculture.core.models import Organisation, User
    from justculture.insights import selectors
    from justculture.insights.report import FRAMEWORKS

    made = generate(args.cases, args.teams, args.seed)
    org = Organisation.objects.get(pk=made["organisation"])
    scope = selectors.Scope(organisation=org, team_ids=None, exact=True)
    filters = selectors.Filters()
    today = timezone.localdate()
    catalogue = selectors.factor_catalogue(org)
    frameworks = {name: selectors.framework_groups(catalogue, name) for name, _, _ in FRAMEWORKS}
    orm: dict[str, Callable[[], Any]] = {
        "case_totals": lambda: selectors.case_totals(scope, filters),
        "factor_counts": lambda: selectors.factor_counts(scope, filters),
        "factor_counts_by_team": lambda: selectors.factor_counts_by_team(scope, filters),
        "factor_counts_by_site": lambda: selectors.factor_counts_by_site(scope, filters),
        "factor_counts_by_period": lambda: selectors.factor_counts_by_period(scope, filters),
        "framework_counts": lambda: selectors.framework_counts(scope, filters, frameworks),
        "outcome_counts": lambda: selectors.outcome_counts(scope, filters),
        "substitution_test": lambda: selectors.substitution_test(scope, filters),
        "system_actions_by_team": lambda: selectors.system_actions_by_team(scope, filters, today),
        "hotspots": lambda: selectors.hotspots(scope, filters, org.hotspot_threshold),
    }
    raw = raw_queries(connection.vendor, org.pk, today, org.hotspot_threshold, frameworks)

    def sql(statement: str, params: list[Any]) -> Callable[[], list[tuple[Any, ...]]]:
        def work() -> list[tuple[Any, ...]]:
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall()
        return work

    rows: list[dict[str, Any]] = []
    for name, work in orm.items():
        reset_queries()
        orm_s, orm_result = median_seconds(work, args.repeat)
        raw_s, raw_result = median_seconds(sql(*raw[name]), args.repeat)
        rows.append({"aggregate": name, "orm_ms": orm_s * 1000, "raw_ms": raw_s * 1000,
                     "ratio": orm_s / raw_s if raw_s else None, "same_figures": same(name, orm_result, raw_result)})

    # The command: its whole run (organisation and team look-ups, the query, JSON) against the
    # hand-written factor query plus json.dumps of its rows.
    def command() -> str:
        out = StringIO()
        call_command("insights", "factors", "--json", "--exact", "--organisation", "bench", stdout=out)
        return out.getvalue()

    factor_sql = sql(*raw["factor_counts"])
    command_s, output = median_seconds(command, args.repeat)
    raw_command_s, _ = median_seconds(lambda: json.dumps(factor_sql()), args.repeat)
    command_cases = {f["factor"]: f["cases"] for f in json.loads(output)["factors"]}
    raw_cases = dict(factor_sql())
    rows.append({"aggregate": "command insights factors --json", "orm_ms": command_s * 1000,
                 "raw_ms": raw_command_s * 1000, "ratio": command_s / raw_command_s,
                 "same_figures": all(command_cases.get(k) == v for k, v in raw_cases.items())})

    # The whole page as a patient-safety lead (session, permissions, every aggregate, templates)
    # against all the hand-written queries run back to back.
    client = Client()
    client.force_login(User.objects.get(pk=made["lead"]))

    def page() -> int:
        response = client.get("/insights/")
        assert response.status_code == 200, response.status_code
        return len(response.content)

    def all_raw() -> None:
        for statement, params in raw.values():
            sql(statement, params)()

    reset_queries()
    page_s, size = median_seconds(page, args.repeat)
    raw_all_s, _ = median_seconds(all_raw, args.repeat)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page()
    rows.append({"aggregate": "page GET /insights/ (all aggregates + rendering)", "orm_ms": page_s * 1000,
                 "raw_ms": raw_all_s * 1000, "ratio": page_s / raw_all_s, "same_figures": None})
    return {
        "database": connection.vendor,
        "database_version": database_version(connection),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "generated": made,
        "repeat": args.repeat,
        "page_queries": len(queries.captured_queries),
        "page_bytes": size,
        "results": rows,
    }


def same(name: str, orm: Any, raw: list[tuple[Any, ...]]) -> bool:
    """Whether the ORM and the hand-written query gave the same figures."""
    if name == "case_totals":
        return bool(orm == {"cases": raw[0][0], "with_factor": raw[0][1] or 0})
    if name == "substitution_test":
        answered, yes = raw[0][0], raw[0][1] or 0
        return bool(orm == {"answered": answered, "same": yes, "not_same": answered - yes})
    if name == "system_actions_by_team":
        return sorted((r["team_id"], r["open"], r["overdue"]) for r in orm) == sorted((r[0], r[2], r[3] or 0) for r in raw)
    if name == "framework_counts":
        return sorted(n for groups in orm.values() for n in groups.values()) == sorted(raw[0])
    if name in {"factor_counts", "outcome_counts"}:
        return bool(orm == {r[0]: r[1] for r in raw})
    if name == "factor_counts_by_period":
        def month(value: Any) -> str:
            return value if isinstance(value, str) else f"{value:%Y-%m}"
        return sorted((f"{r['period']:%Y-%m}", r["factor_id"], r["cases"]) for r in orm) == sorted(
            (month(r[0]), r[1], r[2]) for r in raw)
    # by team, by site, hotspots: the same multiset of counts.
    return sorted(r["cases"] for r in orm) == sorted(r[-1] for r in raw)


def database_version(connection: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        return str(cursor.fetchone()[0]).split(" on ")[0]


def report_text(report: dict[str, Any]) -> str:
    made = report["generated"]
    lines = [
        f"Insights benchmark on {report['database']} {report['database_version']} (Python {report['python']})",
        f"Generated {made['cases']:,} cases, {made['factor_records']:,} factor records, "
        f"{made['assessments']:,} assessments, {made['answers']:,} substitution answers, "
        f"{made['actions']:,} actions in {made['seconds']} s",
        f"Median of {report['repeat']} runs after one warm-up; ratio = ORM / hand-written SQL.",
        f"The page made {report['page_queries']} queries and {report['page_bytes']:,} bytes of HTML.",
        "",
        f"{'aggregate':<52} {'ORM ms':>9} {'SQL ms':>9} {'ratio':>6}  same figures",
    ]
    for row in report["results"]:
        agreed = {True: "yes", False: "NO", None: "-"}[row["same_figures"]]
        lines.append(f"{row['aggregate']:<52} {row['orm_ms']:>9.1f} {row['raw_ms']:>9.1f} {row['ratio']:>6.2f}  {agreed}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="Cases to generate (default 100,000).")
    parser.add_argument("--teams", type=int, default=24, help="Teams, spread over six sites (default 24).")
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs of each query (default 5).")
    parser.add_argument("--seed", type=int, default=7, help="Random seed for the generated data.")
    parser.add_argument("--json", action="store_true", help="Print the JSON report instead of the text summary.")
    parser.add_argument("--keep", action="store_true", help="Keep the throwaway database afterwards.")
    args = parser.parse_args(argv)
    with throwaway_database(os.environ.get("DATABASE_URL", ""), "jc_insights_bench", args.keep) as url:
        setup_django(url)
        report = run(args)
    save_and_print(report, f"insights_bench_{report['database']}", args.json, report_text)


if __name__ == "__main__":
    main()
