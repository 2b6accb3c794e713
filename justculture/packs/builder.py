"""The documentation pack for one case, as one JSON-ready dictionary.

Everything a regulator asks for when an employer refers a professional: who the professional is,
the concern and what happened when, each contextual factor with its account and evidence index,
every version of every guide assessment, the decision, the referral considerations, advice
taken, and the evidence documents as appendices. The PDF, the JSON file and the zip are all
rendered from this one dictionary (see render.py), so they always hold the same content.

Reads only: no permission check and no audit here; packs.services does both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from justculture.assessments.models import Answer, Assessment, PeerView
from justculture.assessments.services import AssessmentError, evaluation_of, guide_for
from justculture.cases.choices import Contribution, Presence
from justculture.cases.models import Case, EvidenceDocument, FactorRecord
from justculture.cases.states import case_states
from justculture.core.models import User
from justculture.decisions.models import AdviceRecord, Decision, ReferralConsideration
from justculture.decisions.rules import decision_rules
from justculture.decisions.selectors import recommendation_for, referral_sections, regulator_for
from justculture.factors.selectors import factors_for
from justculture.factors.taxonomy import Factor
from justculture.guide import GuideDefinition
from justculture.packs.redaction import IDENTIFIER_REPLACEMENT, redactor_for

SCHEMA = "justculture/documentation-pack"
SCHEMA_VERSION = "1.0"

NOT_RECORDED = "Not recorded"

ANSWER_LABELS = dict(Answer.CHOICES)
PEER_VIEW_LABELS = dict(PeerView.CHOICES)
REFERRAL_ANSWER_LABELS = {**dict(ReferralConsideration.CHOICES), "": "Not answered"}
PRESENCE_LABELS = dict(Presence.choices)
CONTRIBUTION_LABELS = dict(Contribution.choices)
INDICATION_LABELS = {
    "unlikely": "Action singling out the individual is unlikely to be appropriate",
    "may-not": "Action directed at the individual may not be appropriate",
    "health-pathway": "Follow the organisation's guidance for health problems",
    "management": "Management action aimed at the individual may be appropriate",
}
LOCAL_ACTIONS_NOTE = (
    "Taken from the decisions recorded for this case: the local action and support that were "
    "decided on or offered. This section does not show whether each action has been completed."
)


def build_pack(case: Case, *, include_patient_details: bool, referrer: User | None = None) -> dict[str, Any]:
    """The whole pack for a case. Patient details are redacted unless include_patient_details."""
    case = (
        Case.objects.select_related("organisation", "incident", "incident__team", "person", "team", "created_by")
        .get(pk=case.pk)
    )
    documents = list(
        case.documents.select_related("uploaded_by").prefetch_related("factor_records").order_by("uploaded_at", "id")
    )
    appendix_numbers = {d.pk: n for n, d in enumerate(documents, start=1)}
    factors = factors_for(case.organisation)
    titles = {f.id: f.title for f in factors}
    records = {
        r.factor_id: r
        for r in case.factor_records.select_related("recorded_by").prefetch_related("documents")
    }

    pack: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "generated_at": _when(timezone.now()),
        "cover": _cover(case, referrer or case.created_by),
        "concern": _concern(case),
        "timeline": _timeline(case, documents, records, titles),
        "factors": _factors(factors, records, appendix_numbers),
        "guide_recommendation": _recommendation(case),
        "assessments": _assessments(case, appendix_numbers, titles),
        "local_actions": _local_actions(case),
        "decisions": _decisions(case),
        "referral": _referral(case),
        "advice": _advice(case),
        "appendices": [_appendix(d, appendix_numbers[d.pk], titles) for d in documents],
    }

    incident = case.incident
    has_details = bool(incident.patient_name.strip() or incident.patient_identifier.strip())
    if include_patient_details:
        pack["cover"]["patient_details"] = {
            "included": True,
            "heading": "Patient details included",
            "name": incident.patient_name,
            "identifier": incident.patient_identifier,
            "statement": (
                "This pack includes patient details, as the person who produced it chose (the choice "
                "and its reason are recorded in the audit log). Handle it as a confidential patient record."
            ),
        }
    else:
        redactor = redactor_for(incident.patient_name, incident.patient_identifier)
        pack = redactor.apply(pack)
        pack["cover"]["patient_details"] = {
            "included": False,
            "heading": "Patient details redacted",
            "initials": redactor.initials,
            "statement": _redaction_statement(has_details, redactor.name_replacement),
        }
    for item in pack["appendices"]:
        item["zip_path"] = appendix_path(item["number"], item["file_name"])
    return pack


def _redaction_statement(has_details: bool, name_replacement: str) -> str:
    if not has_details:
        return (
            "The incident record holds no patient name or identifier, so none could be removed "
            "automatically. Check the free text before sharing."
        )
    return (
        "Throughout this pack the patient's name, in full or in part, "
        f"is shown as {name_replacement} and the patient identifier as {IDENTIFIER_REPLACEMENT}. "
        "Names that the incident record does not hold cannot be found automatically. Evidence files "
        "in appendices are copies of the documents as uploaded and are not redacted."
    )


def appendix_path(number: int, file_name: str) -> str:
    """A numbered file name that is safe in any zip tool and file system: appendices/03-rota.pdf."""
    base = re.split(r"[/\\]", file_name)[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, extension = ascii_name.rpartition(".")
    if not dot:
        stem, extension = ascii_name, ""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-")[:60] or "document"
    extension = re.sub(r"[^A-Za-z0-9]+", "", extension)[:10].lower()
    return f"appendices/{number:02d}-{stem}" + (f".{extension}" if extension else "")


# Values --------------------------------------------------------------------------------------


def _when(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _long_day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


# Sections ------------------------------------------------------------------------------------


def _cover(case: Case, referrer: User) -> dict[str, Any]:
    person = case.person
    regulator = regulator_for(case.organisation, person.registration_body)
    return {
        "title": "Documentation pack",
        "subtitle": "The concern, the contextual factors and how the case was handled",
        "confidentiality": (
            "Confidential. Holds personal data about the professional and may hold special-category "
            "data. Share it only with the regulator or others entitled to see it."
        ),
        "case_reference": case.reference,
        "case_status": case_states().title(case.status),
        "team": str(case.team),
        "incident_reference": case.incident.reference,
        "incident_external_reference": case.incident.external_reference,
        "organisation": {"name": case.organisation.name, "slug": case.organisation.slug},
        "professional": {
            "name": person.name,
            "role": person.role_title,
            "staff_group": person.get_staff_group_display(),
            "registration_body": person.registration_body,
            "registration_body_name": regulator.name if regulator else person.registration_body,
            "registration_number": person.registration_number,
            "band_or_grade": person.band_or_grade,
            "years_in_role": str(person.years_in_role) if person.years_in_role is not None else None,
            "employment_type": person.get_employment_type_display(),
        },
        "referrer": {
            "name": referrer.display_name,
            "job_title": referrer.job_title,
            "contact": referrer.email,
            "organisation": case.organisation.name,
        },
    }


def _concern(case: Case) -> dict[str, Any]:
    incident = case.incident
    return {
        "concern": case.concern,
        "incident": {
            "reference": incident.reference,
            "external_reference": incident.external_reference,
            "occurred_at": _when(incident.occurred_at),
            "team": str(incident.team),
            "location": incident.location,
            "description": incident.description,
        },
        "acts": [{"number": a.number, "description": a.description} for a in case.acts.all()],
    }


def _event(at: datetime | date, what: str, detail: str = "", by: str | None = None) -> dict[str, Any]:
    if isinstance(at, datetime):
        return {"at": _when(at), "date_only": False, "event": what, "detail": detail, "by": by}
    return {"at": _day(at), "date_only": True, "event": what, "detail": detail, "by": by}


def _sort_key(event: dict[str, Any]) -> datetime:
    value = datetime.fromisoformat(event["at"])
    if event["date_only"]:
        value = timezone.make_aware(datetime.combine(value.date(), time.min))
    return value


def _timeline(
    case: Case, documents: list[EvidenceDocument], records: dict[str, FactorRecord], titles: dict[str, str]
) -> list[dict[str, Any]]:
    incident = case.incident
    events = [
        _event(incident.occurred_at, "Incident happened", f"Incident {incident.reference}"),
        _event(incident.created_at, "Incident recorded", f"Incident {incident.reference}"),
        _event(case.created_at, "Case opened", f"Case {case.reference}", _name(case.created_by)),
    ]
    for act in case.acts.select_related("created_by"):
        events.append(_event(act.created_at, f"Act {act.number} added for assessment", "", _name(act.created_by)))
    for record in records.values():
        events.append(_event(record.recorded_at, "Contextual factor recorded",
                             titles.get(record.factor_id, record.factor_id), _name(record.recorded_by)))
    for document in documents:
        events.append(_event(document.uploaded_at, "Evidence uploaded", document.original_name,
                             _name(document.uploaded_by)))
    for a in case.assessments.select_related("act", "started_by", "completed_by"):
        label = f"act {a.act.number}, version {a.version}"
        events.append(_event(a.started_at, "Assessment started", label.capitalize(), _name(a.started_by)))
        if a.completed_at:
            events.append(_event(a.completed_at, "Assessment completed",
                                 f"{label.capitalize()}: outcome {a.outcome_code}", _name(a.completed_by)))
    measures = decision_rules().measures
    for d in case.decisions.select_related("recorded_by").order_by("recorded_at", "id"):
        titles_of = ", ".join(measures[m].title if m in measures else m for m in d.measures)
        events.append(_event(d.recorded_at, "Decision recorded",
                             f"{titles_of} (decided by {d.decided_by_name} on {_long_day(d.decided_on)})",
                             _name(d.recorded_by)))
    referral = ReferralConsideration.objects.filter(case=case).select_related("updated_by").first()
    if referral is not None:
        events.append(_event(referral.updated_at, "Referral considerations last updated", "",
                             _name(referral.updated_by)))
    for advice in case.advice.select_related("recorded_by"):
        events.append(_event(advice.advised_on, "Advice taken", advice.adviser, _name(advice.recorded_by)))
    machine = case_states()
    for change in case.status_changes.select_related("changed_by"):
        text = f"From {machine.title(change.from_status)} to {machine.title(change.to_status)}"
        events.append(_event(change.changed_at, "Case status changed",
                             f"{text}: {change.reason}" if change.reason else text, _name(change.changed_by)))
    return sorted(events, key=_sort_key)


def _document_ref(document: EvidenceDocument, appendix_numbers: dict[int, int]) -> dict[str, Any]:
    return {
        "appendix": appendix_numbers.get(document.pk),
        "file_name": document.original_name,
        "description": document.description,
        "document_date": _day(document.document_date),
        "sha256": document.sha256,
        "size": document.size,
    }


def _factor(factor: Factor, record: FactorRecord | None, appendix_numbers: dict[int, int]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": factor.id,
        "title": factor.title,
        "description": factor.description,
        "builtin": factor.builtin,
        "special_category": factor.special_category,
        "mappings": {"ycff": list(factor.ycff), "seips": list(factor.seips), "london": list(factor.london)},
        "recorded": record is not None,
        "status": "Recorded" if record is not None else NOT_RECORDED,
    }
    if record is None:
        item.update({"present": None, "present_label": NOT_RECORDED, "contribution": None,
                     "contribution_label": NOT_RECORDED, "account": "", "recorded_by": None,
                     "recorded_at": None, "evidence": []})
        return item
    item.update({
        "present": record.present,
        "present_label": PRESENCE_LABELS.get(record.present, record.present),
        "contribution": record.contribution,
        "contribution_label": CONTRIBUTION_LABELS.get(record.contribution, record.contribution),
        "account": record.account,
        "recorded_by": _name(record.recorded_by),
        "recorded_at": _when(record.recorded_at),
        "evidence": [
            _document_ref(d, appendix_numbers)
            for d in sorted(record.documents.all(), key=lambda d: appendix_numbers.get(d.pk, 0))
        ],
    })
    return item


def _factors(
    factors: list[Factor], records: dict[str, FactorRecord], appendix_numbers: dict[int, int]
) -> list[dict[str, Any]]:
    result = [_factor(f, records.get(f.id), appendix_numbers) for f in factors]
    # A record kept for a factor the organisation has since switched off is still evidence.
    known = {f.id for f in factors}
    for factor_id, record in records.items():
        if factor_id not in known:
            retired = Factor(id=factor_id, title=factor_id, description="No longer in use by the organisation.",
                             builtin=False)
            result.append(_factor(retired, record, appendix_numbers))
    return result


def _recommendation(case: Case) -> dict[str, Any]:
    try:
        recommendation = recommendation_for(case)
    except (AssessmentError, KeyError):
        return {"outcomes": [], "indication": None, "indication_label": "", "incomplete_acts": []}
    return {
        "outcomes": [
            {"act": number, "version": a.version, "code": o.code, "title": o.title}
            for number, o, a in recommendation.outcomes
        ],
        "indication": recommendation.indication,
        "indication_label": INDICATION_LABELS.get(recommendation.indication or "", ""),
        "incomplete_acts": recommendation.incomplete_acts,
    }


def _guide(assessment: Assessment) -> GuideDefinition | None:
    try:
        return guide_for(assessment.guide_id, assessment.guide_version)
    except AssessmentError:
        return None


def _answer(
    answer: Answer, guide: GuideDefinition | None, appendix_numbers: dict[int, int], titles: dict[str, str]
) -> dict[str, Any]:
    question = guide.questions.get(answer.question_id) if guide else None
    test = guide.tests.get(question.test) if guide and question else None
    return {
        "question_id": answer.question_id,
        "test": test.title if test else "",
        "question": question.text if question else "",
        "answer": answer.answer,
        "answer_label": ANSWER_LABELS.get(answer.answer, answer.answer),
        "rationale": answer.rationale,
        "answered_by": _name(answer.answered_by),
        "answered_at": _when(answer.answered_at),
        "documents": [
            _document_ref(d, appendix_numbers)
            for d in sorted(answer.documents.all(), key=lambda d: appendix_numbers.get(d.pk, 0))
        ],
        "factors": [
            {"id": r.factor_id, "title": titles.get(r.factor_id, r.factor_id)} for r in answer.factor_records.all()
        ],
    }


def _walk(assessment: Assessment, guide: GuideDefinition | None) -> tuple[list[str], str | None]:
    """The questions on the route (in order) and, while in progress, the one waiting."""
    if assessment.is_complete:
        return [str(q) for q in assessment.path], None
    if guide is None:
        return [], None
    walk = evaluation_of(assessment)
    return list(walk.path), walk.next_question


def _version(
    assessment: Assessment, appendix_numbers: dict[int, int], titles: dict[str, str]
) -> dict[str, Any]:
    guide = _guide(assessment)
    answers = {a.question_id: a for a in assessment.answers.all()}
    route, waiting = _walk(assessment, guide)
    steps = [q for q in route if q in answers]
    if waiting is not None and waiting in answers:
        steps.append(waiting)
    outcome = None
    if assessment.outcome_code:
        found = guide.outcomes.get(assessment.outcome_code) if guide else None
        outcome = {
            "code": assessment.outcome_code,
            "title": found.title if found else "",
            "recommendation": found.recommendation if found else "",
            "system_learning": found.system_learning if found else "",
        }
    waiting_question = None
    if waiting is not None:
        question = guide.questions.get(waiting) if guide else None
        waiting_question = {"question_id": waiting, "question": question.text if question else ""}
    return {
        "version": assessment.version,
        # The act as this version assessed it: a completed version keeps its wording for ever.
        "act_wording": assessment.assessed_wording,
        "guide": {"id": assessment.guide_id, "version": assessment.guide_version,
                  "title": guide.title if guide else ""},
        "status": assessment.status,
        "status_label": assessment.get_status_display(),
        "outcome": outcome,
        "path": [_answer(answers[q], guide, appendix_numbers, titles) for q in steps],
        "waiting_question": waiting_question,
        "unused_answers": [
            _answer(a, guide, appendix_numbers, titles) for q, a in answers.items() if q not in set(steps)
        ],
        "peer_views": [
            {"peer_name": p.peer_name, "peer_role": p.peer_role, "experience": p.experience, "view": p.view,
             "view_label": PEER_VIEW_LABELS.get(p.view, p.view), "account": p.account,
             "recorded_by": _name(p.recorded_by), "recorded_at": _when(p.recorded_at)}
            for p in assessment.peer_views.all()
        ],
        "started_by": _name(assessment.started_by),
        "started_at": _when(assessment.started_at),
        "completed_by": _name(assessment.completed_by),
        "completed_at": _when(assessment.completed_at),
        "revisit_reason": assessment.revisit_reason,
    }


def _assessments(case: Case, appendix_numbers: dict[int, int], titles: dict[str, str]) -> list[dict[str, Any]]:
    answers = Answer.objects.select_related("answered_by").prefetch_related("documents", "factor_records")
    versions = (
        Assessment.objects.filter(case=case)
        .select_related("act", "started_by", "completed_by")
        .prefetch_related(Prefetch("answers", queryset=answers),
                          Prefetch("peer_views", queryset=PeerView.objects.select_related("recorded_by")))
        .order_by("act__number", "version")
    )
    by_act: dict[int, list[Assessment]] = {}
    for assessment in versions:
        by_act.setdefault(assessment.act_id, []).append(assessment)
    return [
        {
            "act": act.number,
            "description": act.description,
            "versions": [_version(a, appendix_numbers, titles) for a in by_act.get(act.pk, [])],
        }
        for act in case.acts.all()
    ]


def _coded(codes: Iterable[str], labels: dict[str, str]) -> list[dict[str, str]]:
    return [{"code": c, "title": labels.get(c, c)} for c in codes]


def _decisions(case: Case) -> list[dict[str, Any]]:
    rules = decision_rules()
    measure_titles = {code: m.title for code, m in rules.measures.items()}
    result = []
    for index, d in enumerate(case.decisions.select_related("recorded_by").order_by("-recorded_at", "-id")):
        result.append({
            "current": index == 0,
            "decided_on": _day(d.decided_on),
            "decided_by": d.decided_by_name,
            "recorded_by": _name(d.recorded_by),
            "recorded_at": _when(d.recorded_at),
            "measures": _coded(d.measures, measure_titles),
            "local_action_types": _coded(d.local_action_types, rules.local_action_types),
            "formal_type": _coded([d.formal_type], rules.formal_types)[0] if d.formal_type else None,
            "support_detail": d.support_detail,
            "support_offered": _coded(d.support_offered, rules.support_offered),
            "support_notes": d.support_notes,
            "rationale": d.rationale,
            "guide_outcomes": list(d.guide_outcomes),
            "guide_indication": d.guide_indication,
            "guide_indication_label": INDICATION_LABELS.get(d.guide_indication, ""),
            "departs_from_guide": d.departs_from_guide,
            "departure_justification": d.departure_justification,
            "restorative": {"who_hurt": d.who_hurt, "their_needs": d.their_needs, "obligations": d.obligations},
        })
    return result


def _local_actions(case: Case) -> dict[str, Any]:
    rules = decision_rules()
    measure_titles = {code: m.title for code, m in rules.measures.items()}
    items = []
    decisions: Iterable[Decision] = case.decisions.order_by("recorded_at", "id")
    for d in decisions:
        local = [m for m in d.measures if m in {"local-action", "support"}]
        if not (local or d.local_action_types or d.support_offered or d.support_detail or d.support_notes):
            continue
        items.append({
            "decided_on": _day(d.decided_on),
            "decided_by": d.decided_by_name,
            "measures": _coded(local, measure_titles),
            "local_action_types": _coded(d.local_action_types, rules.local_action_types),
            "support_offered": _coded(d.support_offered, rules.support_offered),
            "support_detail": d.support_detail,
            "support_notes": d.support_notes,
        })
    return {"source": "decisions", "note": LOCAL_ACTIONS_NOTE, "items": items}


def _referral(case: Case) -> dict[str, Any]:
    record = ReferralConsideration.objects.filter(case=case).select_related("updated_by").first()
    code = record.regulator if record is not None else case.person.registration_body
    regulator = regulator_for(case.organisation, code)
    answers = record.answers if record is not None else {}
    return {
        "recorded": record is not None,
        "regulator": {
            "code": code,
            "name": regulator.name if regulator else code,
            "register": regulator.register if regulator else "",
            "website": regulator.website if regulator else "",
            "referral_contact": regulator.referral_contact if regulator else "",
        },
        "sections": [
            {
                "id": section.id,
                "title": section.title,
                "questions": [
                    {
                        "id": q.id,
                        "text": q.text,
                        "answer": answers.get(q.id, {}).get("answer", ""),
                        "answer_label": REFERRAL_ANSWER_LABELS.get(answers.get(q.id, {}).get("answer", ""),
                                                                   "Not answered"),
                        "notes": answers.get(q.id, {}).get("notes", ""),
                    }
                    for q in section.questions
                ],
            }
            for section in referral_sections()
        ],
        "summary": record.summary if record is not None else "",
        "updated_by": _name(record.updated_by) if record is not None else None,
        "updated_at": _when(record.updated_at) if record is not None else None,
    }


def _advice(case: Case) -> list[dict[str, Any]]:
    records: Iterable[AdviceRecord] = case.advice.select_related("recorded_by")
    return [
        {"advised_on": _day(a.advised_on), "adviser": a.adviser, "advice": a.advice,
         "recorded_by": _name(a.recorded_by), "recorded_at": _when(a.recorded_at)}
        for a in records
    ]


def _appendix(document: EvidenceDocument, number: int, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "number": number,
        "document_id": document.pk,
        "file_name": document.original_name,
        "description": document.description,
        "document_date": _day(document.document_date),
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "uploaded_by": _name(document.uploaded_by),
        "uploaded_at": _when(document.uploaded_at),
        "factors": [
            {"id": r.factor_id, "title": titles.get(r.factor_id, r.factor_id)} for r in document.factor_records.all()
        ],
    }
