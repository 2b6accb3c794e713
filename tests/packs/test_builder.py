"""The pack's content, checked on the dictionary (which the JSON file is) built from demo data."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from justculture.assessments import services as assessment_services
from justculture.assessments.models import Answer
from justculture.cases import services as case_services
from justculture.cases.models import Case
from justculture.casework import assessments as casework_assessments
from justculture.factors import services as factor_services
from justculture.factors.selectors import factors_for
from justculture.packs.builder import appendix_path, build_pack
from justculture.packs.redaction import IDENTIFIER_REPLACEMENT, initials_of, redactor_for
from justculture.packs.render import render_json
from tests.packs.conftest import PATIENT_IDENTIFIER, PATIENT_NAME


def test_cover_and_concern(decided_case: Case) -> None:
    pack = build_pack(decided_case, include_patient_details=False)
    assert pack["schema"] == "justculture/documentation-pack" and pack["schema_version"] == "1.0"
    datetime.fromisoformat(pack["generated_at"])
    cover = pack["cover"]
    assert cover["case_reference"] == "C-0001" and cover["incident_reference"] == "INC-0001"
    assert cover["incident_external_reference"] == "LRMS-20431"
    assert cover["professional"] == {
        "name": "Adaeze Nwosu", "role": "Staff nurse", "staff_group": "Nursing and midwifery",
        "registration_body": "nmc", "registration_body_name": "Nursing and Midwifery Council",
        "registration_number": "18I2345E", "band_or_grade": "Band 5", "years_in_role": "1.5",
        "employment_type": "Substantive",
    }
    assert cover["organisation"]["name"] == "Riverside Hospitals NHS Foundation Trust (demo)"
    # The referrer defaults to whoever opened the case: the Ward 7 manager.
    assert cover["referrer"]["name"] == "Priya Shah" and cover["referrer"]["job_title"] == "Ward manager, Ward 7"
    assert cover["patient_details"]["included"] is False
    assert cover["patient_details"]["heading"] == "Patient details redacted"
    assert "no patient name or identifier" in cover["patient_details"]["statement"]
    assert pack["concern"]["concern"] == decided_case.concern
    assert pack["concern"]["incident"]["description"] == decided_case.incident.description
    assert pack["concern"]["acts"] == [{"number": 1, "description": decided_case.acts.get().description}]


def test_a_referrer_can_be_named(decided_case: Case, demo_users) -> None:
    pack = build_pack(decided_case, include_patient_details=False, referrer=demo_users["hr.adviser"])
    assert pack["cover"]["referrer"]["name"] == "Marcus Bell"


def test_every_factor_of_the_organisation_is_listed_recorded_or_not(decided_case: Case) -> None:
    pack = build_pack(decided_case, include_patient_details=False)
    factors = {f["id"]: f for f in pack["factors"]}
    assert list(factors) == [f.id for f in factors_for(decided_case.organisation)]
    records = {r.factor_id: r for r in decided_case.factor_records.all()}
    assert set(records) == {"staffing", "equipment-design", "distractions", "bullying-history"}
    for factor_id, item in factors.items():
        record = records.get(factor_id)
        if record is None:
            assert item["recorded"] is False and item["status"] == "Not recorded"
            assert item["present_label"] == "Not recorded" and item["evidence"] == []
        else:
            assert item["recorded"] is True and item["account"] == record.account
            assert item["present"] == record.present and item["contribution"] == record.contribution
            assert item["recorded_by"] == "Priya Shah" and item["recorded_at"]
    staffing = factors["staffing"]
    assert staffing["mappings"]["seips"] and staffing["mappings"]["ycff"] and staffing["mappings"]["london"]
    rota = decided_case.documents.get(original_name="ward7-rota-night.pdf")
    assert staffing["evidence"] == [{
        "appendix": 1, "file_name": "ward7-rota-night.pdf", "description": rota.description,
        "document_date": rota.document_date.isoformat(), "sha256": rota.sha256, "size": rota.size,
    }]
    assert factors["personal-health"]["special_category"] is True


def test_an_organisations_own_factor_is_listed(decided_case: Case, demo_users) -> None:
    factor_services.organisation_factor_create(
        organisation=decided_case.organisation, title="Agency induction", description="Whether induction was given.",
        by=demo_users["admin"],
    )
    pack = build_pack(decided_case, include_patient_details=False)
    own = [f for f in pack["factors"] if not f["builtin"]]
    assert [f["title"] for f in own] == ["Agency induction"] and own[0]["status"] == "Not recorded"


def test_assessment_path_answers_and_outcome(decided_case: Case) -> None:
    pack = build_pack(decided_case, include_patient_details=False)
    [act] = pack["assessments"]
    [version] = act["versions"]
    assert version["status"] == "complete" and version["guide"]["id"] == "nhs-just-culture-guide"
    assert version["outcome"]["code"] == "D" and version["outcome"]["title"]
    assert version["outcome"]["recommendation"] and version["outcome"]["system_learning"]
    assert [s["question_id"] for s in version["path"]] == ["1a", "2a", "2b", "2c", "3a", "3b"]
    rows = {a.question_id: a for a in Answer.objects.filter(assessment__case=decided_case)}
    for step in version["path"]:
        assert step["rationale"] == rows[step["question_id"]].rationale
        assert step["question"] and step["test"] and step["answer_label"] in {"Yes", "No"}
    assert version["unused_answers"] == [] and version["waiting_question"] is None
    assert version["started_by"] == "Priya Shah" and version["completed_by"] == "Priya Shah"
    assert pack["guide_recommendation"]["outcomes"][0]["code"] == "D"
    assert pack["guide_recommendation"]["indication"] == "unlikely"


def test_every_version_with_peer_views_and_revisit_reason(demo) -> None:
    case = Case.objects.get(organisation=demo, reference="C-0002")
    pack = build_pack(case, include_patient_details=False)
    first, second = pack["assessments"][0]["versions"]
    assert (first["version"], first["outcome"]["code"]) == (1, "G")
    assert (second["version"], second["outcome"]["code"]) == (2, "E")
    assert second["revisit_reason"].startswith("Peer interviews showed")
    assert first["peer_views"] == []
    [peer] = second["peer_views"]
    assert peer["peer_name"] == "Band 5 nurse A" and peer["view_label"] == "Would probably have done the same"
    assert peer["account"].startswith("During surges")
    assert second["path"][-1]["question_id"] == "4a" and second["path"][-1]["answer"] == "yes"


def test_in_progress_and_off_route_answers(case: Case, handler) -> None:
    act = case.acts.get(number=1)
    assessment = assessment_services.assessment_start(act=act, by=handler)
    for question, answer in [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no"), ("3a", "yes"), ("3b", "yes")]:
        assessment_services.assessment_answer(assessment=assessment, question_id=question, answer=answer,
                                              rationale=f"Because {question}", by=handler)
    assessment_services.assessment_answer(assessment=assessment, question_id="3c", answer="unknown",
                                          rationale="Waiting for the statement", by=handler)
    version = build_pack(case, include_patient_details=False)["assessments"][0]["versions"][0]
    assert version["status"] == "in-progress" and version["outcome"] is None
    assert version["waiting_question"]["question_id"] == "3c"
    assert version["path"][-1]["answer_label"] == "Not yet known"

    # Changing 3a to "no" ends the route at D: the answers to 3b and 3c are kept as unused.
    assessment_services.assessment_answer(assessment=assessment, question_id="3a", answer="no",
                                          rationale="No protocol covered this", by=handler)
    casework_assessments.assessment_complete(assessment=assessment, by=handler)
    version = build_pack(case, include_patient_details=False)["assessments"][0]["versions"][0]
    assert [s["question_id"] for s in version["path"]] == ["1a", "2a", "2b", "2c", "3a"]
    assert [a["question_id"] for a in version["unused_answers"]] == ["3b", "3c"]
    assert version["unused_answers"][0]["rationale"] == "Because 3b"


def test_decisions_local_actions_referral_and_advice(decided_case: Case) -> None:
    pack = build_pack(decided_case, include_patient_details=False)
    current, earlier = pack["decisions"]
    assert current["current"] and not earlier["current"]
    assert current["departs_from_guide"] is True and current["formal_type"]["code"] == "capability"
    assert current["departure_justification"].startswith("The pattern of two similar errors")
    assert earlier["departs_from_guide"] is False and earlier["departure_justification"] == ""
    assert [m["code"] for m in earlier["measures"]] == ["support", "local-action"]
    assert earlier["restorative"]["who_hurt"].startswith("The patient, their family")

    local = pack["local_actions"]
    assert local["source"] == "decisions" and "does not show whether" in local["note"]
    [item] = local["items"]
    assert [t["title"] for t in item["local_action_types"]] == ["Training", "Increased supervision"]
    assert [s["code"] for s in item["support_offered"]] == ["occupational-health", "peer-support"]

    referral = pack["referral"]
    assert referral["recorded"] and referral["regulator"]["name"] == "Nursing and Midwifery Council"
    assert referral["regulator"]["referral_contact"]
    questions = {q["id"]: q for s in referral["sections"] for q in s["questions"]}
    assert questions["risk-of-harm"]["answer_label"] == "No"
    assert questions["bias-checked"]["notes"] == "Awaiting the independent review panel."
    assert questions["pattern"]["answer_label"] == "Not answered"
    assert referral["summary"].startswith("Local action manages the risk")
    [advice] = pack["advice"]
    assert advice["adviser"] == "Regulator's employer advice line"


def test_a_case_without_decisions_still_names_its_regulator(demo) -> None:
    case = Case.objects.get(organisation=demo, reference="C-0004")
    pack = build_pack(case, include_patient_details=False)
    assert pack["decisions"] == [] and pack["local_actions"]["items"] == [] and pack["advice"] == []
    assert pack["referral"]["recorded"] is False
    assert pack["referral"]["regulator"]["name"] == "Health and Care Professions Council"
    assert pack["assessments"] == [] and pack["appendices"] == []


def test_timeline_is_in_order_and_covers_the_case(decided_case: Case) -> None:
    timeline = build_pack(decided_case, include_patient_details=False)["timeline"]
    events = [e["event"] for e in timeline]
    for expected in ["Incident happened", "Case opened", "Contextual factor recorded", "Evidence uploaded",
                     "Assessment started", "Assessment completed", "Decision recorded", "Advice taken",
                     "Case status changed", "Referral considerations last updated"]:
        assert expected in events, expected
    assert events[0] == "Incident happened"
    moments = [e["at"] for e in timeline if not e["date_only"]]
    assert moments == sorted(moments, key=datetime.fromisoformat)


def test_appendices_list_every_document_with_its_hash(decided_case: Case) -> None:
    appendices = build_pack(decided_case, include_patient_details=False)["appendices"]
    documents = list(decided_case.documents.order_by("uploaded_at", "id"))
    assert [a["number"] for a in appendices] == [1, 2]
    assert [(a["file_name"], a["sha256"], a["size"]) for a in appendices] == [
        (d.original_name, d.sha256, d.size) for d in documents]
    assert [a["zip_path"] for a in appendices] == [
        "appendices/01-ward7-rota-night.pdf", "appendices/02-oral-morphine-bottles.txt"]


def test_the_pack_is_json(decided_case: Case) -> None:
    pack = build_pack(decided_case, include_patient_details=False)
    assert json.loads(render_json(pack)) == pack


@pytest.mark.parametrize(("name", "expected"), [
    ("rota.pdf", "appendices/07-rota.pdf"),
    ("../../etc/passwd", "appendices/07-passwd"),
    ("C:\\Users\\me\\rota.v2.xlsx", "appendices/07-rota-v2.xlsx"),
    ("Statement — Ward 7 (final).DOCX", "appendices/07-Statement-Ward-7-final.docx"),
    ("   .pdf", "appendices/07-document.pdf"),
    ("ärztlicher Bericht.pdf", "appendices/07-arztlicher-Bericht.pdf"),
])
def test_appendix_file_names_are_safe(name: str, expected: str) -> None:
    assert appendix_path(7, name) == expected


# Redaction -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Jane Mary Doe was given 10 mg", "J.M.D. was given 10 mg"),
    ("Mrs DOE, known as jane", "Mrs J.M.D., known as J.M.D."),
    ("Doe, Jane said", "J.M.D. said"),
    ("NHS number 943 476 5919.", f"NHS number {IDENTIFIER_REPLACEMENT}."),
    ("NHS9434765919 and 943-476-5919", f"NHS{IDENTIFIER_REPLACEMENT} and {IDENTIFIER_REPLACEMENT}"),
    ("Janet does a summary on 19434765919", "Janet does a summary on 19434765919"),
    ("Mary's chart", "J.M.D.'s chart"),
])
def test_redaction_rule(text: str, expected: str) -> None:
    assert redactor_for(PATIENT_NAME, PATIENT_IDENTIFIER).text(text) == expected


def test_short_name_parts_go_only_with_the_full_name() -> None:
    redactor = redactor_for("Li Wu", "")
    assert redactor.text("Li Wu and Li and Wu") == "L.W. and Li and Wu"
    assert initials_of("Mary-Jane O'Brien") == "M.O."
    assert redactor_for("", "").text("Nothing to do") == "Nothing to do"


def _whole_words(text: str, word: str) -> bool:
    return re.search(rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", text, re.IGNORECASE) is not None


def test_patient_details_are_redacted_everywhere_by_default(patient_case: Case) -> None:
    pack = build_pack(patient_case, include_patient_details=False)
    text = render_json(pack).decode("utf-8")
    for word in ["Jane", "Mary", "Doe"]:
        assert not _whole_words(text, word), word
    assert "9434765919" not in re.sub(r"[\s\-]", "", text)
    assert "J.M.D." in pack["concern"]["concern"] and IDENTIFIER_REPLACEMENT in pack["concern"]["concern"]
    assert pack["assessments"][0]["versions"][0]["path"][0]["rationale"] == (
        f"No intent to harm J.M.D.; identifier {IDENTIFIER_REPLACEMENT} was checked afterwards.")
    details = pack["cover"]["patient_details"]
    assert details["included"] is False and details["initials"] == "J.M.D."
    assert details["heading"] == "Patient details redacted" and "name" not in details
    assert "shown as J.M.D." in details["statement"] and "not redacted" in details["statement"]


def test_patient_details_are_kept_when_included(patient_case: Case) -> None:
    pack = build_pack(patient_case, include_patient_details=True)
    text = render_json(pack).decode("utf-8")
    assert "Jane Mary Doe" in text and "943 476 5919" in text and "9434765919" in text
    details = pack["cover"]["patient_details"]
    assert details == {**details, "included": True, "name": PATIENT_NAME, "identifier": PATIENT_IDENTIFIER}
    assert "includes patient details" in details["statement"]


def test_a_patient_named_in_a_file_name_is_redacted_in_the_appendix_path(patient_case: Case, handler,
                                                                        upload_text) -> None:
    case_services.evidence_upload(case=patient_case, upload=upload_text("jane-doe-statement.txt", "Statement"),
                                  description="Statement about Jane", by=handler)
    [appendix] = build_pack(patient_case, include_patient_details=False)["appendices"]
    assert appendix["file_name"] == "J.M.D.-statement.txt"
    assert appendix["zip_path"] == "appendices/01-J-M-D-statement.txt"
    assert appendix["description"] == "Statement about J.M.D."
