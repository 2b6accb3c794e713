"""The audit log is never erased, so it must never hold free text or special-category values.

A tell-tale string goes into every free-text field of every model (found from the models' own
declarations, which must cover every text field, and from the forms, whose every text field must
have a declared home), into an uploaded file's name and into the search boxes; the real services
and some of the web forms then run. The string must not appear anywhere in the audit table.
"""

from __future__ import annotations

import ast
import io
import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from justculture.actions import services as action_services
from justculture.actions.models import Action
from justculture.api import services as api_services
from justculture.assessments import services as assessment_services
from justculture.cases import lifecycle
from justculture.cases import services as case_services
from justculture.cases.models import FactorRecord
from justculture.core import audit
from justculture.core import services as core_services
from justculture.core.audit_actions import AuditAction, markdown_table
from justculture.core.models import AuditChainHead, AuditEvent, Organisation, Team, User
from justculture.decisions import services as decision_services
from justculture.factors import services as factor_services
from justculture.fairness import services as fairness_services
from justculture.packs import services as pack_services
from justculture.packs import tasks as pack_tasks
from justculture.retention import services as retention_services
from justculture.retention import subject_access
from tests.conftest import PASSWORD, client_for, pdf_upload

ROOT = Path(__file__).resolve().parents[2]
DECLARATIONS = ("AUDIT_FREE_TEXT", "AUDIT_SENSITIVE", "AUDIT_PLAIN")
# The patient of the main incident. Packs take the patient's name out of the reasons given for
# them, so these are not tell-tales (the imported incidents' patient details are).
PATIENT = ("Alex Patient", "943 476 5919")
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)

# The log itself: its text is what the services write, checked by every test here.
EXEMPT_MODELS = {"core.AuditEvent"}

# Form text fields that are saved under another name (form -> "app.Model.field"). Forms are named
# by class, not module, so that moving a form to another app does not lose its entry.
FORM_FIELD_HOMES = {
    "CaseForm.acts": "cases.Act.description",
    "FactorRecordForm.account": "cases.FactorRecord.account",
    "EvidenceUploadForm.description": "cases.EvidenceDocument.description",
    "RevisitForm.reason": "assessments.Assessment.revisit_reason",
    "StatusForm.note": "actions.Action.status_note",
    "OrganisationFactorForm.title": "factors.OrganisationFactor.title",
    "SubjectAccessForm.reason": "core.DisclosureReason.reason",
}
# Form text fields that are not saved in any model. Each is typed into below, through the web
# (or, for the subject access reason, the service the form calls).
NOT_SAVED = {
    "SignInForm.username": "a username that names no account is never recorded",
    "SignInForm.password": "never recorded",
    "CodeForm.code": "digits only; never recorded",
    "CaseFilterForm.q": "a search; not recorded",
    "PeopleSearchForm.q": "a search; not recorded",
    "AuditFilterForm.q": "recorded in audit.view only as 'not recorded'",
    "AuditFilterForm.actor": "recorded in audit.view only when it names a user",
    "AuditFilterForm.case": "must be a case reference of the organisation",
    **{f"{form}.submission_token": "a random one-time token (core/once.py), kept a day in SubmissionKey; never audited"
       for form in ("CreatesOnce", "CaseForm", "IncidentForm", "DecisionForm")},
}


def justculture_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("justculture.")
            and m._meta.label not in EXEMPT_MODELS]


def text_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]


def free_text_fields() -> list[tuple[type[models.Model], str]]:
    return [(m, name) for m in justculture_models() for name in sorted(audit.declared(m, "AUDIT_FREE_TEXT"))]


def form_classes() -> list[type[forms.BaseForm]]:
    get_resolver().url_patterns  # noqa: B018  (imports every view, so every form)

    def below(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    found = {c for c in below(forms.BaseForm) if c.__module__.startswith("justculture.")}
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


# --- The declarations ---------------------------------------------------------------------------

def test_every_text_field_of_every_model_is_declared_once() -> None:
    problems = []
    for model in justculture_models():
        sets = {name: audit.declared(model, name) for name in DECLARATIONS}
        fields = set(text_fields(model))
        for name in fields:
            holders = [d for d, members in sets.items() if name in members]
            if len(holders) != 1:
                problems.append(f"{model._meta.label}.{name} is in {holders or 'none'} of {DECLARATIONS}")
        for declaration, members in sets.items():
            for name in members - fields:
                problems.append(f"{model._meta.label}.{declaration} names {name}, which is not a text field")
    assert problems == [], "Declare each text field (see core.audit.declared):\n" + "\n".join(problems)


def test_every_text_field_of_every_form_has_a_declared_home_or_is_known_not_to_be_saved() -> None:
    """A form's text field is saved to a model field of the same name (of the form's own app if it
    has one, else of any app) unless FORM_FIELD_HOMES says where; that field must be declared free
    text or sensitive. A name that is plain in one candidate model needs an entry of its own."""
    def kinds(label: str, name: str) -> set[str]:
        model = apps.get_model(label)
        return {d for d in DECLARATIONS if name in audit.declared(model, d)}

    problems = []
    for form in form_classes():
        app = form.__module__.split(".")[1]
        for name, field in form.base_fields.items():
            if not isinstance(field, forms.CharField):
                continue
            key = f"{form.__qualname__}.{name}"
            if key in NOT_SAVED:
                continue
            if key in FORM_FIELD_HOMES:
                homes = [tuple(FORM_FIELD_HOMES[key].rsplit(".", 1))]
            else:
                own = [(m._meta.label, name) for m in apps.get_app_config(app).get_models()
                       if name in text_fields(m)]
                homes = own or [(m._meta.label, name) for m in justculture_models() if name in text_fields(m)]
            found = [kinds(label, field_name) for label, field_name in homes]
            if not homes or any("AUDIT_PLAIN" in k or not k for k in found):
                problems.append(f"{form.__module__}.{key}: saved to {homes or 'no model'}, not all declared "
                                "free text or sensitive")
    assert problems == [], ("Give each form text field a home in FORM_FIELD_HOMES or NOT_SAVED, and declare "
                            "that model field AUDIT_FREE_TEXT or AUDIT_SENSITIVE:\n" + "\n".join(problems))


# --- The services, driven with a tell-tale in every free-text field ------------------------------

class Telltale:
    """One random marker; each field gets its own tail, so a leak names the field it came from."""

    def __init__(self) -> None:
        self.stem = f"TELLTALE-{secrets.token_hex(4)}"

    def __call__(self, tail: str) -> str:
        return f"{self.stem}-{tail}"

    def leaks(self) -> list[str]:
        """Each audit event holding the marker (any letter case: slugs are lower case)."""
        found = []
        for row in AuditEvent.objects.order_by("id").values():
            text = json.dumps(row, default=str, ensure_ascii=False)
            if self.stem.lower() in text.lower():
                found.append(text)
        return found


@pytest.fixture
def everyone(org: Organisation, team: Team, make_user: Callable[..., User]) -> User:
    """One person holding every role, so that every service can be called as them."""
    return make_user(org, "case-handler", "decision-maker", "hr-adviser", "patient-safety-lead", "org-admin",
                     "auditor")


def _drive_services(t: Telltale, org: Organisation, team: Team, by: User, tmp_path: Path) -> None:
    core_services.user_create(
        organisation=org, username="telltale-person", password=None, first_name=t("first"),
        last_name=t("last"), email=f"{t('email')}@example.org", job_title=t("job"), roles_held=[("auditor", None)],
        by=by,
    )
    incident = case_services.incident_create(
        organisation=org, occurred_at=timezone.now(), team=team, description=t("incident"),
        location=t("location"), external_reference=t("external"), patient_name=PATIENT[0],
        patient_identifier=PATIENT[1], by=by,
    )
    person = case_services.person_create(
        organisation=org, name=t("name"), role_title=t("role"), staff_group="nursing-midwifery",
        employment_type="substantive", registration_number=t("regnum"), band_or_grade=t("band"), by=by,
    )
    case = case_services.case_open(incident=incident, person=person, concern=t("concern"), acts=[t("act")], by=by)
    case_services.case_update_concern(case=case, concern=t("concern-2"), by=by)
    act = case.acts.get()
    case_services.act_update(act=act, description=t("act-2"), by=by)
    case_services.act_add(case=case, description=t("act-3"), by=by)
    factor = factor_services.organisation_factor_create(
        organisation=org, title=t("factor"), description=t("factor-text"), by=by)
    own_factor = f"org-{factor.key}"
    for factor_id in (own_factor, "personal-health", "staffing"):
        case_services.factor_record_save(case=case, factor_id=factor_id, present="yes", contribution="contributed",
                                         account=t(f"account-{factor_id[:8]}"), by=by)
    document = case_services.evidence_upload(
        case=case, upload=pdf_upload(f"{t('file')}.pdf"), description=t("evidence"), factor_ids=[own_factor], by=by)
    case_services.evidence_download(case=case, document=document, by=by)

    assessment = assessment_services.assessment_start(act=act, by=by)
    records = list(FactorRecord.objects.filter(case=case))
    for question_id, answer in [("1a", "no"), ("2a", "no"), ("2b", "yes")]:
        assessment_services.assessment_answer(
            assessment=assessment, question_id=question_id, answer=answer, rationale=t(f"why-{question_id}"),
            documents=[document], factor_records=records, by=by)
    assessment_services.assessment_answer(  # a health answer changed
        assessment=assessment, question_id="2b", answer="no", rationale=t("why-again"), by=by)
    assessment_services.assessment_answer(
        assessment=assessment, question_id="2c", answer="yes", rationale=t("why-2c"), by=by)
    peer = assessment_services.peer_view_add(
        assessment=assessment, peer_name=t("peer"), peer_role=t("peer-role"), experience=t("experience"),
        view="same", account=t("peer-account"), by=by)
    assessment_services.peer_view_remove(peer=peer, by=by)
    assessment_services.peer_view_add(
        assessment=assessment, peer_name=t("peer-2"), peer_role=t("peer-role-2"), experience=t("experience-2"),
        view="unsure", account=t("peer-account-2"), by=by)
    assessment = assessment_services.assessment_complete(assessment=assessment, by=by)
    action_services.system_learning_action(
        assessment=assessment, system_learning=t("learning"), outcome_code=assessment.outcome_code, by=by)
    second = assessment_services.assessment_revisit(assessment=assessment, reason=t("revisit"), by=by)
    assessment_services.assessment_answer(
        assessment=second, question_id="2c", answer="no", rationale=t("why-2c-again"), by=by)
    assessment_services.assessment_answer(
        assessment=second, question_id="3a", answer="no", rationale=t("why-3a"), by=by)
    second = assessment_services.assessment_complete(assessment=second, by=by)
    action_services.system_learning_action(
        assessment=second, system_learning=t("learning-2"), outcome_code=second.outcome_code, by=by)

    action = action_services.action_create(
        case=case, kind="system", category="staffing", title=t("action"), description=t("action-text"),
        factor_ids=[own_factor], by=by)
    action_services.action_update(action=action, title=t("action-2"), category="staffing",
                                  description=t("action-text-2"), factor_ids=[own_factor, "staffing"], by=by)
    action_services.action_set_status(action=action, status="cancelled", note=t("cancel"), by=by)

    decision_services.decision_record(
        case=case, measures=["support"], rationale=t("rationale"), decided_by_name=t("decider"),
        decided_on=timezone.localdate(), support_detail=t("support"), who_hurt=t("who"), their_needs=t("needs"),
        obligations=t("obligations"), support_offered=["occupational-health"], support_notes=t("support-notes"),
        by=by)
    decision_services.decision_record(  # more severe than the guide's outcome D: a departure
        case=case, measures=["formal-process"], formal_type="disciplinary", rationale=t("rationale-2"),
        decided_by_name=t("decider-2"), decided_on=timezone.localdate(), departure_justification=t("departure"),
        by=by)
    decision_services.referral_considerations_save(
        case=case, regulator="nmc", summary=t("referral"),
        answers={"insight-shown": {"answer": "yes", "notes": t("notes")}}, by=by)
    decision_services.advice_record(case=case, advised_on=timezone.localdate(), adviser=t("adviser"),
                                    advice=t("advice"), by=by)
    decision_services.regulator_contact_save(organisation=org, code="nmc", name=t("regulator"),
                                             register=t("register"), referral_contact=t("contact"), by=by)
    decision_services.regulator_contact_save(organisation=org, code="nmc", name=t("regulator-2"),
                                             register=t("register-2"), referral_contact=t("contact-2"), by=by)

    pack_services.pack_generate(case=case, fmt="json", include_patient_details=True, reason=t("pack"), by=by)
    pack_tasks.pack_request(case=case, fmt="json", include_patient_details=True, reason=t("pack-request"), by=by)
    subject_access.subject_access_export(person=person, include_patient_details=True, reason=t("sar"), by=by)
    api_services.token_create(user=by, by=None, name=t("token"))  # as the operator
    retention_services.period_save(organisation=org, rule="closed-case", amount=7, unit="years",
                                   reason=t("retention"), by=by)
    fairness_services.workforce_import(
        data="period,team,dimension,group,headcount\n2024,,ethnicity-collapsed,White,400\n", by=by,
        filename=f"{t('workforce')}.csv")
    lifecycle.move(case=case, to="decided", by=by, reason=t("decided"))
    lifecycle.move(case=case, to="closed", by=by, reason=t("closing"))

    source = tmp_path / f"{t('import')}.csv"
    source.write_text(
        "reference,occurred_at,team,description,location,external_reference,patient_name,patient_identifier\n"
        f"{t('source')},2024-03-05 14:30,Ward 7,{t('imported')},{t('imported-at')},{t('imported-ref')},"
        f"{t('imported-patient')},{t('imported-nhs')}\n", encoding="utf-8")
    call_command("import", "incidents", str(source), "--organisation", org.slug, "--as", by.username, "--quiet",
                 stdout=io.StringIO(), stderr=io.StringIO())


def _drive_web_forms(t: Telltale, org: Organisation, by: User) -> None:
    client = client_for(by)
    case = case_services.case_open(
        incident=case_services.incident_create(organisation=org, occurred_at=timezone.now(),
                                               team=Team.objects.get(organisation=org, name="Ward 7"),
                                               description="Web incident", by=by),
        person=case_services.person_create(organisation=org, name="Web person", role_title="Nurse",
                                           staff_group="nursing-midwifery", employment_type="substantive", by=by),
        concern="Web concern", by=by)
    upload = client.post(reverse("factors:evidence-upload", args=[case.reference]), {
        "file": pdf_upload(f"{t('web-file')} Patient Name.pdf"), "description": t("web-evidence"),
        "document_date": "2024-03-01"})
    assert upload.status_code == 302, upload.content.decode()[:2000]
    added = client.post(reverse("case_actions:new", args=[case.reference]), {
        "kind": "system", "category": "staffing", "title": t("web-action"), "description": t("web-action-text"),
        "owner": "", "due_date": ""})
    assert added.status_code == 302, added.content.decode()[:2000]
    searches = [
        (reverse("auditlog:search"), {"q": t("audit-search"), "actor": t("audit-actor")}),
        (reverse("auditlog:search"), {"q": t("audit-search-2"), "actor": by.username}),
        (reverse("auditlog:export"), {"q": t("audit-export")}),
        (reverse("cases:list"), {"q": t("case-search")}),
        (reverse("retention:people"), {"q": t("people-search")}),
    ]
    for url, query in searches:
        assert client.get(url, query).status_code == 200, url
    Client().post(reverse("core:sign-in"), {"username": t("sign-in"), "password": t("password")})
    Client().post(reverse("core:sign-in"), {"username": by.username, "password": t("wrong-password")})
    Client().post(reverse("core:sign-in"), {"username": by.username, "password": PASSWORD})


@pytest.mark.django_db(transaction=False)
def test_no_free_text_reaches_the_audit_log(org: Organisation, team: Team, everyone: User, tmp_path: Path) -> None:
    t = Telltale()
    before = AuditEvent.objects.count()
    _drive_services(t, org, team, everyone, tmp_path)
    _drive_web_forms(t, org, everyone)

    # Every free-text field now holds the tell-tale somewhere, so none escaped the test.
    missing = []
    for model, name in free_text_fields():
        values = model._default_manager.values_list(name, flat=True)
        if not any(t.stem.lower() in json.dumps(v, default=str).lower() for v in values):
            missing.append(f"{model._meta.label}.{name}")
    assert missing == [], f"Put the tell-tale into these free-text fields in _drive_services: {missing}"

    events = AuditEvent.objects.count() - before
    assert events > 60
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "evidence.upload", "assessment.complete", "decision.record", "pack.patient-details-included",
        "special-category.view", "incident.import", "workforce.import", "audit.view", "audit.export",
        "sign-in.failed", "organisation-factor.create", "advice.record", "regulator.contact", "retention.period",
        "api-token.create", "action.status", "assessment.peer-view", "factor.record"}
    leaks = t.leaks()
    assert leaks == [], "Free text reached the audit log:\n" + "\n".join(leaks)
    everything = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert PATIENT[0] not in everything and PATIENT[1] not in everything
    assert audit.verify_chain().ok


def test_the_log_does_not_reveal_health_answers_or_outcomes(
    org: Organisation, team: Team, everyone: User, make_case: Callable[..., Any]
) -> None:
    """Outcomes B and C (and the health questions leading to them) are health information."""
    case = make_case(everyone)
    assessment = assessment_services.assessment_start(act=case.acts.get(), by=everyone)
    for question_id, answer in [("1a", "no"), ("2a", "yes")]:
        assessment_services.assessment_answer(assessment=assessment, question_id=question_id, answer=answer,
                                              rationale="Because", by=everyone)
    assessment = assessment_services.assessment_complete(assessment=assessment, by=everyone)
    assert assessment.outcome_code == "B"
    action_services.system_learning_action(assessment=assessment, system_learning="Learn",
                                           outcome_code="B", by=everyone)
    decision_services.decision_record(case=case, measures=["support"], rationale="r", decided_by_name="n",
                                      decided_on=timezone.localdate(), support_detail="s", by=everyone)
    answers = [e.changes["answer"] for e in AuditEvent.objects.filter(action="assessment.answer").order_by("id")]
    assert answers == [[None, "no"], audit.REDACTED]  # 1a is recorded; 2a, a health question, is not
    for event in AuditEvent.objects.filter(case_id=case.pk):
        text = json.dumps({"summary": event.summary, "changes": event.changes})
        assert "outcome B" not in text and '"B"' not in text and "health-pathway" not in text, text
    complete = AuditEvent.objects.get(action="assessment.complete")
    assert complete.summary == "Assessment of act 1 (version 1) completed"
    assert complete.changes == {"outcome": audit.REDACTED, "path": audit.REDACTED}


# --- The list of actions ------------------------------------------------------------------------

@pytest.mark.django_db
def test_record_refuses_an_action_that_is_not_in_the_list() -> None:
    head = AuditChainHead.objects.filter(pk=1).values_list("count", flat=True).first()
    for wrong in ["case.opened", "CASE.OPEN", "", "note"]:
        with pytest.raises(ValueError, match="not an audit action"):
            audit.record(by=None, action=wrong, summary="Nothing")
    assert not AuditEvent.objects.exists()
    assert AuditChainHead.objects.filter(pk=1).values_list("count", flat=True).first() == head


@pytest.mark.django_db
def test_record_takes_a_member_or_its_exact_value_and_stores_the_value() -> None:
    first = audit.record(by=None, action=AuditAction.RETENTION_RUN, summary="One")
    second = audit.record(by=None, action="retention.run", summary="Two")
    stored = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert stored == ["retention.run", "retention.run"]
    assert type(AuditEvent.objects.get(pk=first.pk).action) is str and second.action == "retention.run"
    assert audit.verify_chain().ok


def _record_calls() -> Iterator[tuple[Path, int, ast.expr]]:
    """The ``action=`` given to audit.record, and to queries on the log, everywhere in the code."""
    for path in sorted((ROOT / "justculture").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute | ast.Name):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name not in {"record", "filter", "exclude", "get"}:
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    yield path, node.lineno, keyword.value


def test_every_action_named_in_the_code_is_in_the_list() -> None:
    values = {str(a.value) for a in AuditAction}
    unknown, seen = [], 0
    for path, line, value in _record_calls():
        where = f"{path.relative_to(ROOT)}:{line}"
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            seen += 1
            if value.value not in values:
                unknown.append(f"{where}: {value.value!r}")
        elif isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "AuditAction":
            seen += 1
            if value.attr not in AuditAction.__members__:
                unknown.append(f"{where}: AuditAction.{value.attr}")
    assert seen > 50
    assert unknown == []


def test_the_documentation_lists_every_action_with_its_title() -> None:
    text = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    assert markdown_table() in text, "Paste `python -m justculture.core.audit_actions` into docs/audit.md"


# --- snapshot and diff --------------------------------------------------------------------------

def test_snapshot_and_diff_record_that_free_text_changed_never_the_text() -> None:
    action = Action(kind="system", category="staffing", title="Ask Alex Patient", description="", outcome_code="C")
    before = audit.snapshot(action, ["kind", "title", "description", "outcome_code"])
    assert json.loads(json.dumps(before, default=str)) == {
        "kind": "system", "title": audit.FREE_TEXT, "description": "", "outcome_code": audit.REDACTED}
    assert "Alex" not in repr(before) and "Alex" not in str(before)
    action.title, action.description = "Ask Sam Patient", "Now written"
    after = audit.snapshot(action, ["kind", "title", "description", "outcome_code"])
    assert audit.diff(before, after) == {"title": audit.FREE_TEXT, "description": audit.FREE_TEXT}
    assert audit.diff(after, audit.snapshot(action, ["kind", "title", "description", "outcome_code"])) == {}
