"""What the audit log still holds once a case and its professional are erased (penetration test).

The log is never erased, so after the retention period it is all that is left of a case. A case is
built through the real services with a distinctive string in every place a person types (the
professional's name in an evidence file's name, an action's title, the adviser's name, the
incident's external reference, the rationale of a health answer...) and with an assessment that
reaches outcome B (signs of substance misuse), then erased through the real retention service.
Every audit row, serialised whole, must hold none of those strings and nothing that tells the
health answer or the outcome. While the case is live, the auditor's page must not show them either.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from justculture.actions import services as action_services
from justculture.assessments import services as assessment_services
from justculture.assessments.models import Assessment
from justculture.cases import services as case_services
from justculture.cases.models import Case, Person
from justculture.casework import assessments as casework_assessments
from justculture.casework import decisions as casework_decisions
from justculture.casework.status import case_status_change
from justculture.core import audit
from justculture.core.models import AuditEvent, Organisation, Team, User
from justculture.decisions import services as decision_services
from justculture.retention import services as retention_services
from tests.conftest import client_for, pdf_upload
from tests.retention.conftest import years_on

NAME = "Saoirse Quillfeather"
# Every string a person typed, by where it was typed (a leak names its source).
TYPED = {
    "name": NAME,
    "file": f"{NAME} occupational health report",
    "evidence": "Occupational health letter about Saoirse's drinking",
    "external reference": "DATIX-QF-778812",
    "location": "Quillfeather Ward bay 9",
    "incident": "Oramorph given twice to the patient in bed 9",
    "concern": "Smelled of alcohol at the handover",
    "act": "Gave Oramorph 10mg twice within the hour",
    "factor account": "Saoirse said she had been drinking before the shift",
    "answer 1a": "No sign she wanted to hurt anyone",
    "answer 2a": "Breath smelled of vodka, slurred speech at handover",
    "action": "Arrange Quillfeather alcohol detox referral",
    "action text": "Book the detox clinic for Saoirse",
    "adviser": "Dr Ottoline Brackenbury of the NMC employer line",
    "advice": "Refer Saoirse to occupational health before any formal step",
    "decision": "The guide reached outcome B: her drinking played a part",
    "decided by": "Perpetua Hawthornthwaite",
    "support": "Weekly occupational health check-ins for Saoirse",
    "referral": "Not referring Saoirse while she is in treatment",
    "closing": "Closed after Saoirse began treatment",
}
# What would tell that health played a part: the outcome, its title, the health question and
# its pathway, however they are written.
HEALTH = [
    "reached outcome B", "outcome B", "Outcome B", '"B"', "Signs of substance misuse", "substance",
    "health-pathway", "Are there signs that the person was affected", "vodka", "drinking",
]


def _build(org: Organisation, team: Team, handler: User, hr: User, *, close: bool = True) -> tuple[Case, Person]:
    incident = case_services.incident_create(
        organisation=org, occurred_at=timezone.now().replace(microsecond=0), team=team,
        location=TYPED["location"], description=TYPED["incident"],
        external_reference=TYPED["external reference"], patient_name="Jane Mary Doe",
        patient_identifier="943 476 5919", by=handler,
    )
    person = case_services.person_create(
        organisation=org, name=NAME, role_title="Staff nurse", staff_group="nursing-midwifery",
        employment_type="substantive", registration_number="12A3456B", band_or_grade="Band 5", by=handler,
    )
    case = case_services.case_open(incident=incident, person=person, concern=TYPED["concern"],
                                   acts=[TYPED["act"]], by=handler)
    document = case_services.evidence_upload(
        case=case, upload=pdf_upload(f"{TYPED['file']}.pdf"), description=TYPED["evidence"],
        factor_ids=["personal-health"], by=handler,
    )
    case_services.evidence_download(case=case, document=document, by=handler)
    case_services.factor_record_save(
        case=case, factor_id="personal-health", present="yes", contribution="contributed",
        account=TYPED["factor account"], documents=[document], by=handler,
    )
    assessment = assessment_services.assessment_start(act=case.acts.get(), by=handler)
    assessment_services.assessment_answer(assessment=assessment, question_id="1a", answer="no",
                                          rationale=TYPED["answer 1a"], by=handler)
    assessment_services.assessment_answer(assessment=assessment, question_id="2a", answer="yes",
                                          rationale=TYPED["answer 2a"], documents=[document], by=handler)
    casework_assessments.assessment_complete(assessment=assessment, by=handler)
    assert Assessment.objects.get(pk=assessment.pk).outcome_code == "B"
    action = action_services.action_create(
        case=case, kind="support", category="training", title=TYPED["action"],
        description=TYPED["action text"], by=handler,
    )
    action_services.action_set_status(action=action, status="in-progress", note="", by=handler)
    decision_services.advice_record(case=case, advised_on=timezone.localdate(), adviser=TYPED["adviser"],
                                    advice=TYPED["advice"], by=hr)
    casework_decisions.decision_record(
        case=case, measures=["support"], support_detail=TYPED["support"], rationale=TYPED["decision"],
        decided_by_name=TYPED["decided by"], decided_on=timezone.localdate(),
        support_offered=["occupational-health"], by=hr,
    )
    decision_services.referral_considerations_save(
        case=case, regulator="nmc", summary=TYPED["referral"],
        answers={"insight-shown": {"answer": "yes", "notes": TYPED["referral"]}}, by=hr,
    )
    if close:
        case_status_change(case=case, to="closed", reason=TYPED["closing"], by=handler)
    case.refresh_from_db()
    return case, person


def _found(needles: list[str]) -> list[str]:
    """Each (needle, event) where an audit row, serialised whole, holds the needle (any case)."""
    hits = []
    for row in AuditEvent.objects.order_by("id").values():
        text = json.dumps(row, default=str, ensure_ascii=False)
        for needle in needles:
            if needle.lower() in text.lower():
                hits.append(f"{needle!r} in {text}")
    return hits


@pytest.fixture
def hr(org: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(org, "hr-adviser")


def test_nothing_personal_or_about_health_is_left_in_the_log_after_erasure(
    org: Organisation, team: Team, handler: User, hr: User, django_capture_on_commit_callbacks: Any
) -> None:
    case, person = _build(org, team, handler, hr)
    with django_capture_on_commit_callbacks(execute=True):
        report = retention_services.retention_erase(organisation=org, today=years_on(10))
    assert report.ok and {e.record_type for e in report.erased} >= {"case", "incident", "person"}
    assert not Case.objects.filter(pk=case.pk).exists() and not Person.objects.filter(pk=person.pk).exists()
    assert AuditEvent.objects.filter(case_id=case.pk).count() > 20  # the history is kept...

    hits = _found([*TYPED.values(), "Quillfeather", "Saoirse", *HEALTH])  # ...but none of this
    assert hits == [], "The audit log still holds:\n" + "\n".join(hits)
    # The health answer is recorded as given, never as what it was.
    health = AuditEvent.objects.get(action="assessment.answer", summary__startswith="Question 2a")
    assert health.changes["answer"] == audit.REDACTED
    assert AuditEvent.objects.get(action="assessment.complete").changes["outcome"] == audit.REDACTED

    assert audit.verify_chain().ok
    out = io.StringIO()
    call_command("audit", "verify", stdout=out, stderr=io.StringIO())
    assert "intact" in out.getvalue().lower() or "ok" in out.getvalue().lower(), out.getvalue()


def test_the_auditors_page_shows_no_health_answer_or_outcome_while_the_case_is_live(
    org: Organisation, team: Team, handler: User, hr: User, make_user: Callable[..., User]
) -> None:
    _build(org, team, handler, hr)
    auditor = make_user(org, "auditor")
    client = client_for(auditor)
    page = client.get(reverse("auditlog:search"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Question 2a answered" in text  # the answer is there as an event...
    for needle in [*TYPED.values(), *HEALTH]:
        assert needle.lower() not in text.lower(), needle  # ...but not what it was
    export = client.get(reverse("auditlog:export"))
    body = b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
    for needle in [*TYPED.values(), *HEALTH]:
        assert needle.lower() not in body.lower(), needle


# --- The guard in audit.record ------------------------------------------------------------------

def test_record_refuses_a_summary_or_changes_holding_a_records_free_text(
    org: Organisation, team: Team, handler: User, hr: User, settings: Any
) -> None:
    """A call site that interpolates a name, a file name or an adviser is refused in development
    and tests, naming the field; nothing is written."""
    built, _person = _build(org, team, handler, hr, close=False)
    case = Case.objects.select_related("person", "incident").get(pk=built.pk)
    document = case.documents.get()
    advice = case.advice.get()
    head = AuditEvent.objects.count()
    attempts = [
        (document, {"summary": f"Evidence {document.original_name} uploaded"}, "cases.EvidenceDocument.original_name"),
        (advice, {"summary": "Advice recorded", "changes": {"adviser": advice.adviser}}, "decisions.AdviceRecord.adviser"),
        (case, {"summary": f"Case about {NAME.upper()}"}, "cases.Person.name"),  # the person loaded with the case
        (case.incident, {"summary": "Incident", "changes": {"ref": [TYPED["external reference"], None]}},
         "cases.Incident.external_reference"),
    ]
    for obj, given, field in attempts:
        with pytest.raises(ValueError, match=re.escape(field)) as raised:
            audit.record(by=handler, action="case.update", obj=obj, case_id=case.pk, **given)
        assert NAME not in str(raised.value) and TYPED["adviser"] not in str(raised.value)
    assert AuditEvent.objects.count() == head
    # Without AUDIT_STRICT (production) the event is written with the marker in place of the text.
    settings.JUSTCULTURE = {**settings.JUSTCULTURE, "AUDIT_STRICT": False}
    event = audit.record(by=handler, action="case.update", obj=advice, case_id=case.pk,
                         summary=f"Advice from {advice.adviser} recorded", changes={"adviser": [None, advice.adviser]})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.summary == f"Advice from {audit.FREE_TEXT} recorded"
    assert stored.changes == {"adviser": [None, audit.FREE_TEXT]}
    # Ids, codes and what is plain anyway (the team's name) are recorded as they are.
    plain = audit.record(by=handler, action="case.update", obj=case, case_id=case.pk,
                         summary=f"Case {case.reference} of {team.name}", changes={"factor": "personal-health"})
    assert plain.summary == f"Case {case.reference} of {team.name}" and plain.changes == {"factor": "personal-health"}
    assert audit.verify_chain().ok
