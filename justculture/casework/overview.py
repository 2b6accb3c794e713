"""The figures on a case's task list (how many factors and documents are recorded, the latest
decision, the actions, whether referral has been considered), read in one statement.

Five small ORM queries, one per figure, cost more in query building and round trips than the
figures themselves; the same figures as ORM sub-queries of one query cost more still (Django
takes about 3 ms to build it). So this is one hand-written statement of scalar sub-queries, with
the table and column names taken from the models (docs/performance.md). Callers pass a case
already scoped with ``cases.selectors.case_for``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache

from django.db import connections, router
from django.db.models import Field, Model
from django.utils import timezone

from justculture.actions.models import Action
from justculture.actions.selectors import OPEN_STATUSES
from justculture.assessments.models import Assessment
from justculture.cases.models import Case, EvidenceDocument, FactorRecord
from justculture.decisions.models import Decision, ReferralConsideration


@dataclass(frozen=True)
class CaseOverview:
    factors_recorded: int
    documents: int
    decided_on: datetime.date | None
    """The date of the latest decision, None when there is none."""
    decision_departs: bool
    """Whether the latest decision departs from the guide's recommendation."""
    actions_open: int
    actions_overdue: int
    actions_done: int
    referral_considered: bool


@cache
def _statement() -> str:
    def table(model: type[Model]) -> str:
        return str(model._meta.db_table)

    def column(model: type[Model], name: str) -> str:
        field = model._meta.get_field(name)
        assert isinstance(field, Field)
        return str(field.column)

    case_id = {m: column(m, "case") for m in (FactorRecord, EvidenceDocument, Action, Decision, ReferralConsideration)}
    action = table(Action)
    status, due = column(Action, "status"), column(Action, "due_date")
    open_in = ", ".join(["%s"] * len(OPEN_STATUSES))
    latest = (f"FROM {table(Decision)} WHERE {case_id[Decision]} = %s "
              f"ORDER BY {column(Decision, 'recorded_at')} DESC, {Decision._meta.pk.column} DESC LIMIT 1")
    # Only table and column names from the models go into the text; every value is a parameter.
    return (
        "SELECT "  # noqa: S608
        f"(SELECT COUNT(*) FROM {table(FactorRecord)} WHERE {case_id[FactorRecord]} = %s), "
        f"(SELECT COUNT(*) FROM {table(EvidenceDocument)} WHERE {case_id[EvidenceDocument]} = %s), "
        f"(SELECT {column(Decision, 'decided_on')} {latest}), "
        f"(SELECT {column(Decision, 'departs_from_guide')} {latest}), "
        f"(SELECT COUNT(*) FROM {action} WHERE {case_id[Action]} = %s AND {status} IN ({open_in})), "
        f"(SELECT COUNT(*) FROM {action} WHERE {case_id[Action]} = %s AND {status} IN ({open_in}) AND {due} < %s), "
        f"(SELECT COUNT(*) FROM {action} WHERE {case_id[Action]} = %s AND {status} = %s), "
        f"(SELECT COUNT(*) FROM {table(ReferralConsideration)} WHERE {case_id[ReferralConsideration]} = %s)"
    )


def case_overview(case: Case) -> CaseOverview:
    today = timezone.localdate()
    params: list[int | str | datetime.date] = [
        case.pk, case.pk, case.pk, case.pk,
        case.pk, *OPEN_STATUSES,
        case.pk, *OPEN_STATUSES, today,
        case.pk, "done",
        case.pk,
    ]
    connection = connections[router.db_for_read(Case)]
    with connection.cursor() as cursor:
        cursor.execute(_statement(), params)
        row = cursor.fetchone()
    decided_on = row[2]
    if isinstance(decided_on, str):  # SQLite gives dates as text
        decided_on = datetime.date.fromisoformat(decided_on)
    return CaseOverview(
        factors_recorded=int(row[0]), documents=int(row[1]), decided_on=decided_on,
        decision_departs=bool(row[3]), actions_open=int(row[4]), actions_overdue=int(row[5]),
        actions_done=int(row[6]), referral_considered=bool(row[7]),
    )


@dataclass(frozen=True)
class LatestVersion:
    """The newest version of an act's assessment, as the case's task list shows it."""

    version: int
    is_complete: bool
    outcome_code: str


def latest_versions(case: Case) -> dict[int, LatestVersion]:
    """The newest assessment version of each of the case's acts, by act id."""
    rows = Assessment.objects.filter(case_id=case.pk).order_by("act_id", "version").values_list(
        "act_id", "version", "status", "outcome_code")
    return {
        act_id: LatestVersion(version=version, is_complete=status == Assessment.COMPLETE, outcome_code=outcome or "")
        for act_id, version, status, outcome in rows
    }
