"""Fill a database with a large, realistic-looking organisation for the benchmarks.

Run from the repository root, on a database of its own (it refuses to add to one that already
holds the benchmark organisation):

    createdb -h 127.0.0.1 -U postgres jc_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jc_bench .venv/bin/python bench/generate.py
    DATABASE_URL=... .venv/bin/python bench/generate.py --incidents 100000 --cases 10000   # smaller

It migrates the database, then creates

- through the services (so audited, like any set-up): two organisations (the benchmark trust and
  a small second one whose rows every query must skip), their teams on six sites, and users with
  roles: case handlers and investigators per team, patient-safety leads, HR advisers, decision
  makers, an equality analyst, an auditor and an administrator. Three sign-in users get the
  password given with --password: ``bench.handler`` (case handler for the three busiest teams),
  ``bench.lead`` (patient-safety lead, whole organisation) and ``bench.analyst`` (equality
  analyst);
- in bulk (PostgreSQL COPY, or plain INSERTs on SQLite), with a fixed seed: --incidents incidents
  over three years, --cases cases about professionals (some people in more than one case, some
  incidents with more than one case), acts, contextual-factor records, guide assessments walked
  question by question to their outcome (answers with rationales, some revisited, some still in
  progress), system-learning and support actions, decisions (some decided again, a few departing
  from the guide with a justification), equality records and workforce figures.

Generated rows are consistent with what the services would have written: references follow the
INC-0001 / C-0001 sequences (and the counters are moved on, so new cases continue the
sequence), a case's status matches what it holds, every completed assessment's answers walk the
guide to its outcome, the case's latest outcome is its newest completed assessment's, decisions
carry the guide's recommendation, severity and departure flag from rules.yaml, and every
completed act has its system-learning action. What is NOT generated: audit events for the bulk
rows (the audit chain therefore holds only the set-up events and still verifies), evidence
documents (they need files), peer views, referral considerations and advice.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-trust"
OTHER_SLUG = "bench-other"
SITES = ["City Hospital", "County Hospital", "Riverside", "North Clinic", "Harbour Unit", "Hill Hospital"]
WARDS = ["Acute Medicine", "Emergency Department", "Maternity", "Theatres", "Paediatrics", "Oncology",
         "Cardiology", "Respiratory", "Orthopaedics", "Critical Care", "Stroke Unit", "Renal",
         "Community Nursing", "Mental Health", "Pharmacy", "Radiology", "Outpatients", "Elderly Care",
         "Gastroenterology", "Neonatal Unit"]
# Contextual factor ids of the default taxonomy, with how often each is found present.
FACTORS = [("staffing", 0.32), ("changing-environment", 0.12), ("unusual-expectations", 0.14),
           ("distractions", 0.22), ("management", 0.09), ("physical-environment", 0.07),
           ("equipment-design", 0.10), ("team-culture", 0.11), ("bullying-history", 0.03),
           ("personal-health", 0.05)]
# Guide outcomes, how often each is reached, and the answer walks that reach it (NHS guide 2018).
NO_TO_2C = [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no")]
YES_TO_3C = [("3a", "yes"), ("3b", "yes"), ("3c", "yes")]
NO_TO_4C = [("4a", "no"), ("4b", "no"), ("4c", "no")]
WALKS: dict[str, list[list[tuple[str, str]]]] = {
    "A": [[("1a", "yes")]],
    "B": [[("1a", "no"), ("2a", "yes")]],
    "C": [[("1a", "no"), ("2a", "no"), ("2b", "yes")], [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "yes")]],
    "D": [[*NO_TO_2C, ("3a", "no")], [*NO_TO_2C, ("3a", "yes"), ("3b", "no")],
          [*NO_TO_2C, ("3a", "yes"), ("3b", "yes"), ("3c", "no")]],
    "E": [NO_TO_2C + YES_TO_3C + [("4a", "yes")], NO_TO_2C + YES_TO_3C + [("4a", "no"), ("4b", "yes")],
          NO_TO_2C + YES_TO_3C + [("4a", "no"), ("4b", "no"), ("4c", "yes")]],
    "F": [NO_TO_2C + YES_TO_3C + NO_TO_4C + [("5a", "yes")]],
    "G": [NO_TO_2C + YES_TO_3C + NO_TO_4C + [("5a", "no")]],
}
OUTCOME_WEIGHTS = {"A": 2, "B": 3, "C": 4, "D": 45, "E": 30, "F": 10, "G": 6}
STAFF_GROUPS = [("nursing-midwifery", 45, "nmc"), ("medical-dental", 20, "gmc"), ("allied-health", 12, "hcpc"),
                ("clinical-support", 12, "none"), ("pharmacy", 4, "gphc"), ("scientific", 3, "hcpc"),
                ("other", 4, "none")]
EMPLOYMENT = [("substantive", 80), ("bank", 10), ("agency", 7), ("student", 3)]
ETHNICITY = [("A", 52), ("B", 2), ("C", 8), ("D", 1), ("E", 1), ("F", 1), ("G", 1), ("H", 9), ("J", 2),
             ("K", 1), ("L", 3), ("M", 2), ("N", 8), ("P", 1), ("R", 1), ("S", 2), ("prefer-not-to-say", 3),
             ("not-known", 2)]
SEX = [("female", 74), ("male", 24), ("prefer-not-to-say", 2)]
DISABILITY = [("no", 86), ("yes", 6), ("prefer-not-to-say", 3), ("not-known", 5)]
AGE = [("under-25", 8), ("25-34", 27), ("35-44", 26), ("45-54", 23), ("55-64", 14), ("65-and-over", 2)]
QUALIFIED = [("uk", 72), ("eu", 8), ("rest-of-world", 18), ("not-known", 2)]
# Decision measures by the guide's indication, as a sensible employer would mostly choose them.
MEASURE_CHOICES = {
    "health-pathway": [(["support"], 70), (["support", "local-action"], 25), (["formal-process"], 5)],
    "unlikely": [(["no-further-action"], 45), (["support"], 35), (["support", "local-action"], 17),
                 (["formal-process"], 3)],
    "may-not": [(["support", "local-action"], 55), (["local-action"], 35), (["formal-process"], 10)],
    "management": [(["local-action"], 35), (["formal-process"], 45), (["formal-process", "suspension"], 12),
                   (["formal-process", "referral"], 8)],
}


def pick(rng: random.Random, weighted: Sequence[tuple[Any, ...]]) -> Any:
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "justculture.config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- Bulk loading -------------------------------------------------------------------------------


class Loader:
    """Writes rows with explicit ids: COPY on PostgreSQL, executemany INSERTs elsewhere."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.next_ids: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    def ids(self, model: Any, count: int) -> range:
        """Reserve ``count`` ids for the model's table (set the sequence afterwards: finish())."""
        table = model._meta.db_table
        if table not in self.next_ids:
            with self.connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608 - a model's table name
                self.next_ids[table] = int(cursor.fetchone()[0]) + 1
        first = self.next_ids[table]
        self.next_ids[table] = first + count
        return range(first, first + count)

    def _value(self, value: Any) -> Any:
        if isinstance(value, (list, dict)):
            return json.dumps(value)
        if self.vendor != "postgresql":
            if isinstance(value, datetime):
                return str(value.astimezone(UTC).replace(tzinfo=None))
            if isinstance(value, date):
                return value.isoformat()
        return value

    def write(self, model: Any, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        meta = model._meta
        columns = []
        for name in fields:
            if name == "id":
                columns.append("id")
            elif "." in name:  # an m2m through table column given as is
                columns.append(name.split(".", 1)[1])
            else:
                columns.append(meta.get_field(name).column)
        # Columns the caller did not name (say, added by a later migration) get the field's default.
        missing = [f for f in meta.concrete_fields if not f.primary_key and f.column not in columns]
        defaults = [self._value(f.get_default()) for f in missing]
        columns += [f.column for f in missing]
        table = meta.db_table
        quoted = ", ".join(f'"{c}"' for c in columns)
        written = 0
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row([*(self._value(v) for v in row), *defaults])
                        written += 1
            else:
                marks = ", ".join(["%s"] * len(columns))
                batch: list[list[Any]] = []
                for row in rows:
                    batch.append([*(self._value(v) for v in row), *defaults])
                    if len(batch) >= 5000:
                        cursor.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', batch)  # noqa: S608 - model metadata only
                        written += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', batch)  # noqa: S608 - model metadata only
                    written += len(batch)
        self.counts[table] = self.counts.get(table, 0) + written
        return written

    def finish(self) -> None:
        """Move each PostgreSQL identity sequence past the ids written."""
        if self.vendor != "postgresql":
            return
        with self.connection.cursor() as cursor:
            for table in self.next_ids:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608 - model metadata only
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
                )


# --- The organisation ---------------------------------------------------------------------------


def make_organisation(slug: str, name: str, teams: int, password: str, sign_in_users: bool) -> dict[str, Any]:
    """Organisation, teams and users through the services (audited, as an administrator would)."""
    from justculture.core import services

    org = services.organisation_create(slug=slug, name=name)
    team_rows = [services.team_create(organisation=org, name=f"{WARDS[n % len(WARDS)]}"
                                      + (f" {n // len(WARDS) + 1}" if n >= len(WARDS) else ""),
                                      site=SITES[n % len(SITES)]) for n in range(teams)]
    handlers: dict[int, list[int]] = {}
    for n, team in enumerate(team_rows):
        made = [services.user_create(organisation=org, username=f"{slug}.handler{n:02d}{k}", password=None,
                                     first_name="Handler", last_name=f"{n:02d}{k}", job_title="Ward manager",
                                     roles_held=[("case-handler", team)]) for k in "ab"]
        services.user_create(organisation=org, username=f"{slug}.investigator{n:02d}", password=None,
                             job_title="Investigator", roles_held=[("investigator", team)])
        handlers[team.pk] = [u.pk for u in made]
    org_roles = [("lead", "patient-safety-lead", 3), ("hr", "hr-adviser", 2), ("decider", "decision-maker", 2),
                 ("analyst", "equality-analyst", 1), ("auditor", "auditor", 1), ("admin", "org-admin", 1)]
    for stem, role, count in org_roles:
        for k in range(count):
            services.user_create(organisation=org, username=f"{slug}.{stem}{k}", password=None,
                                 job_title=role.replace("-", " ").capitalize(), roles_held=[(role, None)])
    result: dict[str, Any] = {"organisation": org, "teams": team_rows, "handlers": handlers}
    if sign_in_users:
        # Team weights are heaviest for the first teams (see generate), so these are the busiest.
        busiest = team_rows[:3]
        handler = services.user_create(organisation=org, username="bench.handler", password=password,
                                       first_name="Bench", last_name="Handler", job_title="Matron",
                                       roles_held=[("case-handler", t) for t in busiest])
        services.user_create(organisation=org, username="bench.lead", password=password, first_name="Bench",
                             last_name="Lead", roles_held=[("patient-safety-lead", None)])
        services.user_create(organisation=org, username="bench.analyst", password=password, first_name="Bench",
                             last_name="Analyst", roles_held=[("equality-analyst", None)])
        for team in busiest:
            handlers[team.pk].append(handler.pk)
    return result


def team_weights(count: int) -> list[float]:
    """A long tail: the first teams see many more incidents than the last ones."""
    return [1.0 / (1 + n) ** 0.8 for n in range(count)]


# --- The bulk rows ------------------------------------------------------------------------------


def generate(loader: Loader, made: dict[str, Any], incidents: int, cases: int, seed: int, prefix: str,
             now: datetime) -> dict[str, int]:
    from django.db import connection

    from justculture.actions.models import Action
    from justculture.assessments.models import Answer, Assessment
    from justculture.cases.models import Act, Case, FactorRecord, Incident, Person
    from justculture.core.models import Counter
    from justculture.decisions.models import Decision
    from justculture.decisions.rules import decision_rules
    from justculture.fairness.models import EqualityRecord, WorkforceFigure
    from justculture.guide import default_guide

    rng = random.Random(f"{seed}-{prefix}")  # noqa: S311 - made-up data, not secrets
    org = made["organisation"]
    teams = made["teams"]
    handlers: dict[int, list[int]] = made["handlers"]
    weights = team_weights(len(teams))
    guide = default_guide()
    rules = decision_rules()
    span = 3 * 365 * 24 * 3600
    start = now - timedelta(seconds=span)
    cases = min(cases, incidents)

    # Which incidents get cases: most one case, some two or three (several people involved).
    chosen = sorted(rng.sample(range(incidents), int(cases * 0.9)))
    per_incident: dict[int, int] = dict.fromkeys(chosen, 1)
    extra = cases - len(chosen)
    for index in rng.choices(chosen, k=extra):
        per_incident[index] += 1

    # Incidents.
    incident_ids = loader.ids(Incident, incidents)
    kept: dict[int, tuple[int, int, datetime]] = {}  # index -> (id, team id, occurred_at)

    def incident_rows() -> Iterable[tuple[Any, ...]]:
        for index, pk in enumerate(incident_ids):
            team = rng.choices(teams, weights=weights)[0]
            occurred = start + timedelta(seconds=rng.randrange(span))
            if index in per_incident:
                kept[index] = (pk, team.pk, occurred)
            creator = rng.choice(handlers[team.pk])
            yield (pk, org.pk, f"INC-{index + 1:04d}", occurred, team.pk, f"Bay {rng.randrange(1, 12)}",
                   "Generated incident for the benchmarks.",
                   f"W{rng.randrange(10**6, 10**7)}" if rng.random() < 0.7 else "", "", "", creator,
                   min(occurred + timedelta(hours=rng.randrange(1, 72)), now))

    loader.write(Incident, ["id", "organisation", "reference", "occurred_at", "team", "location", "description",
                            "external_reference", "patient_name", "patient_identifier", "created_by",
                            "created_at"], incident_rows())

    # People: most cases are about someone new; some about a person already in a case.
    person_ids = loader.ids(Person, cases)
    people: list[tuple[int, str]] = []  # (id, staff group)
    person_rows = []
    equality_rows = []
    equality_ids = iter(loader.ids(EqualityRecord, cases))
    creator_any = handlers[teams[0].pk][0]
    for number, pk in enumerate(person_ids):
        group, _, body = STAFF_GROUPS[rng.choices(range(len(STAFF_GROUPS)), weights=[g[1] for g in STAFF_GROUPS])[0]]
        person_rows.append((pk, org.pk, f"Professional {prefix}{number + 1}", "Staff member", group, body,
                            f"{rng.randrange(10**7, 10**8)}" if body != "none" else "",
                            f"Band {rng.randrange(3, 9)}", round(rng.uniform(0, 30), 1), pick(rng, EMPLOYMENT), now))
        people.append((pk, group))
        if rng.random() < 0.72:
            equality_rows.append((next(equality_ids), org.pk, pk, pick(rng, ETHNICITY), pick(rng, SEX),
                                  pick(rng, DISABILITY), pick(rng, AGE), pick(rng, QUALIFIED), creator_any, now))
    loader.write(Person, ["id", "organisation", "name", "role_title", "staff_group", "registration_body",
                          "registration_number", "band_or_grade", "years_in_role", "employment_type",
                          "created_at"], person_rows)
    loader.write(EqualityRecord, ["id", "organisation", "person", "ethnicity", "sex", "disability", "age_band",
                                  "qualified", "updated_by", "updated_at"], equality_rows)
    del person_rows, equality_rows

    # Cases and everything in them, a chunk at a time.
    case_ids = iter(loader.ids(Case, cases))
    plan = [(index, n) for index in chosen for n in range(per_incident[index])]
    rng.shuffle(plan)
    plan.sort(key=lambda item: kept[item[0]][2])  # references in the order cases were opened
    totals = dict.fromkeys(["cases", "acts", "factor_records", "assessments", "answers", "actions",
                            "decisions", "in_progress"], 0)
    used_people = 0
    chunk = 10_000
    for first in range(0, len(plan), chunk):
        case_rows: list[tuple[Any, ...]] = []
        assigned_rows: list[tuple[Any, ...]] = []
        act_rows: list[tuple[Any, ...]] = []
        factor_rows: list[tuple[Any, ...]] = []
        assessment_rows: list[tuple[Any, ...]] = []
        answer_rows: list[tuple[Any, ...]] = []
        action_rows: list[tuple[Any, ...]] = []
        decision_rows: list[tuple[Any, ...]] = []
        for offset, (index, _) in enumerate(plan[first:first + chunk]):
            number = first + offset + 1
            incident_id, team_id, occurred = kept[index]
            case_id = next(case_ids)
            if used_people > 50 and rng.random() < 0.07:
                person_id = people[rng.randrange(used_people)][0]
            else:
                person_id = people[used_people][0]
                used_people += 1
            # Opened within days of the incident; recent incidents' cases somewhere before now.
            delay = timedelta(days=rng.uniform(0.2, 20))
            opened = occurred + (delay if occurred + delay < now else (now - occurred) * rng.random())
            age = (now - opened).days
            if age < 30:
                status = pick(rng, [("open", 40), ("gathering", 35), ("assessing", 25)])
            elif age < 120:
                status = pick(rng, [("gathering", 15), ("assessing", 35), ("decided", 35), ("closed", 15)])
            else:
                status = pick(rng, [("assessing", 3), ("decided", 25), ("closed", 72)])
            handler = rng.choice(handlers[team_id])
            acts = rng.choices([1, 2, 3], weights=[70, 22, 8])[0]
            act_ids = [a for a in loader.ids(Act, acts)]
            for n, act_id in enumerate(act_ids, start=1):
                act_rows.append((act_id, case_id, n, f"Act {n} of the generated case.", handler, opened))
            totals["acts"] += acts
            assigned_rows.append((case_id, handler))
            # Contextual factors: recorded while gathering; none yet on most open cases.
            if status != "open" or rng.random() < 0.3:
                for factor_id, weight in FACTORS:
                    roll = rng.random()
                    if roll < weight:
                        factor_rows.append((case_id, factor_id, "yes",
                                            rng.choice(["minor", "moderate", "major", "not-assessed"]),
                                            "Generated account of how this factor bore on the incident.",
                                            handler, opened + timedelta(days=rng.uniform(0, 10))))
                    elif roll < weight + 0.08:
                        factor_rows.append((case_id, factor_id, rng.choice(["no", "unknown"]), "not-assessed", "",
                                            handler, opened + timedelta(days=rng.uniform(0, 10))))
            # Assessments: every act for decided and closed cases; assessing ones have one still open.
            latest_outcome = ""
            outcomes: dict[int, str] = {}
            cursor_time = opened + timedelta(days=rng.uniform(2, 30))
            if status in {"assessing", "decided", "closed"}:
                for n, act_id in enumerate(act_ids, start=1):
                    leave_open = status == "assessing" and n == acts
                    versions = 2 if (not leave_open and rng.random() < 0.1) else 1
                    for version in range(1, versions + 1):
                        outcome = pick(rng, list(OUTCOME_WEIGHTS.items()))
                        walk = rng.choice(WALKS[outcome])
                        assessment_id = loader.ids(Assessment, 1)[0]
                        started = min(cursor_time, now)
                        is_open = leave_open and version == versions
                        if is_open:
                            walk = walk[: rng.randrange(1, len(walk))] if len(walk) > 1 else []
                            assessment_rows.append((assessment_id, org.pk, case_id, act_id, version, guide.id,
                                                    guide.version, "in-progress", "", [], "" if version == 1
                                                    else "New evidence came to light.", handler, started, None,
                                                    None))
                            totals["in_progress"] += 1
                        else:
                            done = min(started + timedelta(days=rng.uniform(0.5, 14)), now)
                            assessment_rows.append((assessment_id, org.pk, case_id, act_id, version, guide.id,
                                                    guide.version, "complete", outcome, [q for q, _ in walk],
                                                    "" if version == 1 else "New evidence came to light.",
                                                    handler, started, handler, done))
                            outcomes[n] = outcome
                            latest_outcome = outcome
                            cursor_time = done
                        for question_id, answer in walk:
                            answer_rows.append((assessment_id, question_id, answer,
                                                f"Generated rationale for question {question_id}.", handler,
                                                started))
                        totals["assessments"] += 1
                        totals["answers"] += len(walk)
                        if not is_open and version == versions:
                            state = "done" if status == "closed" or rng.random() < 0.4 else rng.choice(
                                ["open", "in-progress"])
                            learning = guide.outcome(outcome).system_learning
                            due = (started + timedelta(days=rng.randrange(20, 120))).date()
                            action_rows.append((org.pk, case_id, team_id, "system", "wider-learning",
                                                f"Wider learning from act {n} (outcome {outcome})", learning,
                                                None, due, state, "", [], assessment_id, outcome, True, handler,
                                                started, now, now if state == "done" else None))
            # Decisions: decided and closed cases have one (a few were decided again).
            decision_day = None
            if status in {"decided", "closed"} and outcomes:
                codes = [outcomes[n] for n in sorted(outcomes)]
                indication = max((guide.outcome(c).individual_action for c in codes),
                                 key=lambda level: rules.consistent_up_to[level])
                decisions = 2 if rng.random() < 0.05 else 1
                decision_day = min(cursor_time + timedelta(days=rng.uniform(3, 40)), now)
                for _ in range(decisions):
                    measures = list(pick(rng, MEASURE_CHOICES[indication]))
                    if rng.random() < 0.03 and rules.consistent_up_to[indication] < 2:
                        measures = ["formal-process"]
                    departs = rules.departure(measures, indication)
                    decision_rows.append((
                        org.pk, case_id, measures, rules.severity(measures),
                        "Wellbeing conversation and a mentor." if "support" in measures else "",
                        ["training"] if "local-action" in measures else [],
                        rng.choice(["capability", "disciplinary"]) if "formal-process" in measures else "",
                        "Generated rationale for the decision.", sorted(dict.fromkeys(codes), key=codes.index),
                        indication, departs,
                        "Generated justification for departing from the guide." if departs else "",
                        "", "", "", ["wellbeing"] if "support" in measures else [], "", "Decision Maker",
                        decision_day.date(), handler, decision_day))
                    decision_day = min(decision_day + timedelta(days=rng.uniform(10, 60)), now)
                    totals["decisions"] += 1
                if "support" in decision_rows[-1][2]:
                    action_rows.append((org.pk, case_id, team_id, "support", "wellbeing",
                                        "Wellbeing support for the professional", "", None,
                                        (decision_day + timedelta(days=30)).date(),
                                        "done" if status == "closed" else "open", "", [], None, "", False, handler,
                                        decision_day, now, now if status == "closed" else None))
            touched = decision_day or (cursor_time if status == "assessing" else opened)
            case_rows.append((case_id, org.pk, f"C-{number:04d}", incident_id, person_id, team_id, status,
                              "Generated description of the concern about the professional's practice.",
                              handler, opened, min(max(opened, touched), now), latest_outcome))
        loader.write(Case, ["id", "organisation", "reference", "incident", "person", "team", "status", "concern",
                            "created_by", "created_at", "updated_at", "latest_outcome"], case_rows)
        through = Case.assigned_to.through
        loader.write(through, ["case", "user"], assigned_rows)
        loader.write(Act, ["id", "case", "number", "description", "created_by", "created_at"], act_rows)
        loader.write(FactorRecord, ["case", "factor_id", "present", "contribution", "account", "recorded_by",
                                    "recorded_at"], factor_rows)
        loader.write(Assessment, ["id", "organisation", "case", "act", "version", "guide_id", "guide_version",
                                  "status", "outcome_code", "path", "revisit_reason", "started_by", "started_at",
                                  "completed_by", "completed_at"], assessment_rows)
        loader.write(Answer, ["assessment", "question_id", "answer", "rationale", "answered_by", "answered_at"],
                     answer_rows)
        loader.write(Action, ["organisation", "case", "team", "kind", "category", "title", "description", "owner",
                              "due_date", "status", "status_note", "factor_ids", "source_assessment",
                              "outcome_code", "auto_created", "created_by", "created_at", "updated_at",
                              "completed_at"], action_rows)
        loader.write(Decision, ["organisation", "case", "measures", "severity", "support_detail",
                                "local_action_types", "formal_type", "rationale", "guide_outcomes",
                                "guide_indication", "departs_from_guide", "departure_justification", "who_hurt",
                                "their_needs", "obligations", "support_offered", "support_notes",
                                "decided_by_name", "decided_on", "recorded_by", "recorded_at"], decision_rows)
        totals["cases"] += len(case_rows)
        totals["factor_records"] += len(factor_rows)
        totals["actions"] += len(action_rows)
        print(f"  {prefix or 'main'}: {totals['cases']:,} of {len(plan):,} cases", flush=True)

    # Unused people (when fewer were needed) are removed, so every professional has a case.
    with connection.cursor() as cursor:
        unused = [pk for pk, _ in people[used_people:]]
        for begin in range(0, len(unused), 5000):
            part = unused[begin:begin + 5000]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"DELETE FROM fairness_equalityrecord WHERE person_id IN ({marks})", part)  # noqa: S608 - fixed SQL
            cursor.execute(f"DELETE FROM cases_person WHERE id IN ({marks})", part)  # noqa: S608 - fixed SQL
    # The per-organisation sequences continue after the generated references.
    Counter.objects.update_or_create(organisation=org, name="incident", defaults={"value": incidents})
    Counter.objects.update_or_create(organisation=org, name="case", defaults={"value": len(plan)})
    # Workforce headcounts (the fairness denominators) for the last three years, whole organisation.
    staff = 12_000 if not prefix else 1_500
    figures = []
    for year in (now.year - 2, now.year - 1, now.year):
        for dimension, groups in (("ethnicity", ETHNICITY), ("sex", SEX), ("disability", DISABILITY),
                                  ("age-band", AGE), ("qualified", QUALIFIED),
                                  ("staff-group", [(g, w) for g, w, _ in STAFF_GROUPS]),
                                  ("contract-type", EMPLOYMENT)):
            total = sum(w for _, w in groups)
            for group, weight in groups:
                figures.append((org.pk, str(year), None, dimension, group,
                                max(1, round(staff * weight / total * rng.uniform(0.9, 1.1))), creator_any, now))
    loader.write(WorkforceFigure, ["organisation", "period", "team", "dimension", "group", "headcount",
                                   "imported_by", "imported_at"], figures)
    totals["incidents"] = incidents
    totals["people"] = used_people
    return totals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000, help="Incidents (default 1,000,000).")
    parser.add_argument("--cases", type=int, default=100_000, help="Cases (default 100,000).")
    parser.add_argument("--teams", type=int, default=40, help="Teams of the benchmark trust (default 40).")
    parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
    parser.add_argument("--password", default="bench-password-2026",
                        help="Password of bench.handler, bench.lead and bench.analyst.")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to a database of its own (for example postgres://.../jc_bench)")
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from justculture.core.models import Organisation

    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    if Organisation.objects.filter(slug=SLUG).exists():
        raise SystemExit(f"This database already holds the benchmark organisation ({SLUG}). "
                         "Use an empty database (dropdb and createdb it again).")
    # Argon2 is deliberately slow; three sign-in users are hashed with it as in production.
    settings.PASSWORD_HASHERS = list(settings.PASSWORD_HASHERS)
    now = timezone.now().replace(microsecond=0)
    loader = Loader()
    with transaction.atomic():
        main_org = make_organisation(SLUG, "Benchmark Hospitals NHS Foundation Trust", args.teams, args.password,
                                     sign_in_users=True)
        other = make_organisation(OTHER_SLUG, "Neighbouring Community Trust", 4, args.password,
                                  sign_in_users=False)
        set_up = time.perf_counter() - began
        ours = generate(loader, main_org, args.incidents, args.cases, args.seed, "", now)
        theirs = generate(loader, other, max(100, args.incidents // 100), max(10, args.cases // 100), args.seed,
                          "N", now)
        loader.finish()
    loaded = time.perf_counter() - began
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = time.perf_counter() - began
    print()
    print(f"Database: {connection.vendor} ({settings.DATABASES['default']['NAME']})")
    print(f"Benchmark trust ({SLUG}), {args.teams} teams: " + ", ".join(f"{v:,} {k.replace('_', ' ')}"
                                                                          for k, v in ours.items()))
    print("Second organisation (bench-other): " + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in theirs.items()))
    print("Rows written by table: " + ", ".join(f"{t} {n:,}" for t, n in sorted(loader.counts.items())))
    print(f"Set-up (organisations, teams, users, through the services): {set_up:.1f} s; "
          f"bulk rows: {loaded - set_up:.1f} s; VACUUM ANALYZE: {total - loaded:.1f} s; total {total:.1f} s")
    print(f"Sign in as bench.handler, bench.lead or bench.analyst with the password {args.password!r}.")
    print("No audit events were written for the bulk rows; `justculture audit verify` checks the set-up events.")


if __name__ == "__main__":
    main()
