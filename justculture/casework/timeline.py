"""A case's timeline, read from the case's own records (never parsed from the audit log).

Each entry is a fact of the case with its time and the name of the person who recorded it: the
incident, the case being opened, every status move (with its reason), acts, contextual factors,
evidence, assessments started and completed, decisions, referral considerations, advice and
actions. The audit log stays on the audit pages; this is what happened to the case.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from justculture.actions.models import Action
from justculture.assessments.models import Assessment
from justculture.cases.models import Case, CaseStatusChange, EvidenceDocument, FactorRecord
from justculture.cases.states import case_states
from justculture.core.models import User
from justculture.decisions.models import AdviceRecord, Decision, ReferralConsideration
from justculture.factors.selectors import factors_for


@dataclass(frozen=True)
class Entry:
    at: datetime.datetime
    title: str
    detail: str
    by: str


def person_name(user: User | None) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.username


def case_timeline(case: Case) -> list[Entry]:
    """Everything that happened on the case, newest first."""
    machine = case_states()
    entries: list[Entry] = []
    incident = case.incident
    entries.append(Entry(incident.occurred_at, f"Incident {incident.reference} happened",
                         incident.location, person_name(incident.created_by)))
    entries.append(Entry(case.created_at, f"Case {case.reference} opened", "", person_name(case.created_by)))
    for change in CaseStatusChange.objects.filter(case=case).select_related("changed_by"):
        entries.append(Entry(
            change.changed_at,
            f"Status changed from {machine.title(change.from_status)} to {machine.title(change.to_status)}",
            change.reason, person_name(change.changed_by),
        ))
    for act in case.acts.select_related("created_by"):
        entries.append(Entry(act.created_at, f"Act {act.number} added for assessment", "",
                             person_name(act.created_by)))
    titles = {f.id: f.title for f in factors_for(case.organisation)}
    for record in FactorRecord.objects.filter(case=case).select_related("recorded_by"):
        entries.append(Entry(record.recorded_at, f"Contextual factor recorded: {titles.get(record.factor_id, record.factor_id)}",
                             "", person_name(record.recorded_by)))
    for document in EvidenceDocument.objects.filter(case=case).select_related("uploaded_by"):
        entries.append(Entry(document.uploaded_at, f"Evidence uploaded: {document.original_name}", document.description,
                             person_name(document.uploaded_by)))
    for assessment in Assessment.objects.filter(case=case).select_related("act", "started_by", "completed_by"):
        entries.append(Entry(assessment.started_at,
                             f"Assessment of act {assessment.act.number} started (version {assessment.version})",
                             assessment.revisit_reason, person_name(assessment.started_by)))
        if assessment.completed_at is not None:
            entries.append(Entry(
                assessment.completed_at,
                f"Assessment of act {assessment.act.number} (version {assessment.version}) reached outcome "
                f"{assessment.outcome_code}", "", person_name(assessment.completed_by),
            ))
    for decision in Decision.objects.filter(case=case).select_related("recorded_by"):
        entries.append(Entry(decision.recorded_at, "Decision recorded"
                             + (" (departs from the guide)" if decision.departs_from_guide else ""),
                             f"Decided by {decision.decided_by_name} on {decision.decided_on:%-d %B %Y}",
                             person_name(decision.recorded_by)))
    consideration = ReferralConsideration.objects.filter(case=case).select_related("updated_by").first()
    if consideration is not None:
        entries.append(Entry(consideration.updated_at, "Referral considerations saved", "",
                             person_name(consideration.updated_by)))
    for advice in AdviceRecord.objects.filter(case=case).select_related("recorded_by"):
        entries.append(Entry(advice.recorded_at, "Advice recorded", f"From {advice.adviser}",
                             person_name(advice.recorded_by)))
    for action in Action.objects.filter(case=case).select_related("created_by"):
        entries.append(Entry(action.created_at, f"Action added: {action.title}", "", person_name(action.created_by)))
        if action.completed_at is not None:
            entries.append(Entry(action.completed_at, f"Action done: {action.title}", "", ""))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
