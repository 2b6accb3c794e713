"""Writes for decisions, referral considerations, advice and regulator contact details.

Keyword-only, permission-checked, atomic and audited like every service. Narrative text is never
copied into the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.db import transaction

from justculture.cases.lifecycle import ensure_open
from justculture.cases.models import Case
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.errors import ServiceError
from justculture.core.models import Organisation, User
from justculture.core.permissions import Permission, require
from justculture.decisions.models import AdviceRecord, Decision, ReferralConsideration, RegulatorContact
from justculture.decisions.rules import decision_rules
from justculture.decisions.selectors import recommendation_for, referral_question_ids, regulator_for


class DecisionError(ServiceError):
    """A decision the rules do not allow as given; the message says what to do."""


def decision_record(
    *,
    case: Case,
    measures: Sequence[str],
    rationale: str,
    decided_by_name: str,
    decided_on: date,
    support_detail: str = "",
    local_action_types: Sequence[str] = (),
    formal_type: str = "",
    departure_justification: str = "",
    who_hurt: str = "",
    their_needs: str = "",
    obligations: str = "",
    support_offered: Sequence[str] = (),
    support_notes: str = "",
    by: User,
) -> Decision:
    """Record the decision on a case beside the guide's recommendation.

    A decision more severe than the recommendation allows is a departure: it must carry a written
    justification, and it is flagged for the fairness review.
    """
    require(by, Permission.DECIDE, case.team_id)
    rules = decision_rules()
    chosen = list(dict.fromkeys(measures))
    if not chosen:
        raise DecisionError("Select at least one course of action.", field="measures")
    unknown = [m for m in chosen if m not in rules.measures]
    if unknown:
        raise DecisionError(f"Unknown course of action: {', '.join(unknown)}.", field="measures")
    if "no-further-action" in chosen and any(rules.measures[m].severity > 0 for m in chosen):
        raise DecisionError("'No further action' cannot be combined with action aimed at the person.",
                            field="measures")
    if "local-action" in chosen and not local_action_types:
        raise DecisionError("Select the kind of local action.", field="local_action_types")
    if any(t not in rules.local_action_types for t in local_action_types):
        raise DecisionError("Unknown kind of local action.", field="local_action_types")
    if "formal-process" in chosen and formal_type not in rules.formal_types:
        raise DecisionError("Select whether the formal process is capability or disciplinary.", field="formal_type")
    if any(s not in rules.support_offered for s in support_offered):
        raise DecisionError("Unknown kind of support.", field="support_offered")
    if not rationale.strip():
        raise DecisionError("Explain why this decision was made.", field="rationale")
    recommendation = recommendation_for(case)
    departs = rules.departure(chosen, recommendation.indication)
    if departs and not departure_justification.strip():
        raise DecisionError(
            "This decision is more severe than the just culture guide's recommendation. "
            "Write a justification for departing from it.",
            field="departure_justification",
        )
    with transaction.atomic():
        ensure_open(case)
        decision = Decision.objects.create(
            organisation_id=case.organisation_id, case=case, measures=chosen, severity=rules.severity(chosen),
            support_detail=support_detail, local_action_types=list(local_action_types),
            formal_type=formal_type if "formal-process" in chosen else "", rationale=rationale,
            guide_outcomes=recommendation.codes, guide_indication=recommendation.indication or "",
            departs_from_guide=departs, departure_justification=departure_justification if departs else "",
            who_hurt=who_hurt, their_needs=their_needs, obligations=obligations,
            support_offered=list(support_offered), support_notes=support_notes,
            decided_by_name=decided_by_name, decided_on=decided_on, recorded_by=by,
        )
        audit.record(
            by=by, action=AuditAction.DECISION_RECORD, obj=decision, case_id=case.pk,
            summary=f"Decision recorded: {', '.join(rules.measures[m].title for m in chosen)}"
                    + (" (departs from the guide)" if departs else ""),
            # The guide's recommendation is left out: outcomes B and C reveal health information.
            changes={"measures": chosen, "departs_from_guide": departs,
                     "formal_type": decision.formal_type, "local_action_types": list(local_action_types),
                     **audit.snapshot(decision, ["rationale", "decided_by_name", "departure_justification",
                                                 "support_offered"])},
        )
    return decision


def referral_considerations_save(
    *, case: Case, regulator: str, answers: Mapping[str, Mapping[str, str]], summary: str = "", by: User
) -> ReferralConsideration:
    """Save the answers to the questions worth thinking through before a referral."""
    require(by, Permission.DECIDE, case.team_id)
    if regulator_for(case.organisation, regulator) is None:
        raise DecisionError(f"Unknown regulator '{regulator}'.", field="regulator")
    known = set(referral_question_ids())
    cleaned: dict[str, dict[str, str]] = {}
    for qid, given in answers.items():
        if qid not in known:
            raise DecisionError(f"Unknown referral question '{qid}'.", field="answers")
        answer = given.get("answer", "")
        if answer not in {"", "yes", "no", ReferralConsideration.UNSURE}:
            raise DecisionError(f"Answer yes, no or not sure yet to question '{qid}'.", field=f"answers.{qid}")
        cleaned[qid] = {"answer": answer, "notes": given.get("notes", "")}
    with transaction.atomic():
        ensure_open(case)
        record = ReferralConsideration.objects.select_for_update().filter(case=case).first()
        before = {k: v["answer"] for k, v in (record.answers if record else {}).items()}
        if record is None:
            record = ReferralConsideration(organisation_id=case.organisation_id, case=case, updated_by=by)
        record.regulator = regulator
        record.answers = cleaned
        record.summary = summary
        record.updated_by = by
        record.save()
        after = {k: v["answer"] for k, v in cleaned.items()}
        audit.record(
            by=by, action=AuditAction.REFERRAL_CONSIDERATIONS, obj=record, case_id=case.pk,
            summary="Referral considerations saved",
            changes={"regulator": regulator, "answers": audit.diff(before, after), "notes": audit.FREE_TEXT,
                     **audit.snapshot(record, ["summary"])},
        )
    return record


def advice_record(*, case: Case, advised_on: date, adviser: str, advice: str, by: User) -> AdviceRecord:
    """Record advice taken, for example from a regulator's employer advice line."""
    require(by, Permission.DECIDE, case.team_id)
    if not adviser.strip():
        raise DecisionError("Say who gave the advice.", field="adviser")
    if not advice.strip():
        raise DecisionError("Say what advice was given.", field="advice")
    with transaction.atomic():
        ensure_open(case)
        record = AdviceRecord.objects.create(
            organisation_id=case.organisation_id, case=case, advised_on=advised_on, adviser=adviser,
            advice=advice, recorded_by=by,
        )
        audit.record(by=by, action=AuditAction.ADVICE_RECORD, obj=record, case_id=case.pk,
                     summary=f"Advice record {record.pk} added to case {case.reference}",
                     changes={"advised_on": advised_on.isoformat(), **audit.snapshot(record, ["adviser", "advice"])})
    return record


def regulator_contact_save(
    *, organisation: Organisation, code: str, name: str, register: str = "", referral_contact: str = "", by: User
) -> RegulatorContact:
    """Set an organisation's own name and referral contact details for a regulator."""
    require(by, Permission.ADMINISTER)
    if by.organisation_id != organisation.pk:
        raise DecisionError("You can only change your own organisation's regulators.")
    if regulator_for(organisation, code) is None:
        raise DecisionError(f"Unknown regulator '{code}'.", field="code")
    with transaction.atomic():
        contact, created = RegulatorContact.objects.select_for_update().get_or_create(
            organisation=organisation, code=code, defaults={"name": name}
        )
        before = audit.snapshot(contact, ["name", "register", "referral_contact"]) if not created else {}
        contact.name, contact.register, contact.referral_contact = name, register, referral_contact
        contact.save()
        audit.record(by=by, action=AuditAction.REGULATOR_CONTACT, obj=contact,
                     summary=f"Referral details for the regulator {code} saved",
                     changes=audit.diff(before, audit.snapshot(contact, ["name", "register", "referral_contact"])))
    return contact
