"""The subject access export: every kind of record, the files and their checksums, redaction, audit."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from justculture.cases.models import Case
from justculture.core.audit import FREE_TEXT
from justculture.core.models import AuditEvent, Organisation, User
from justculture.fairness.models import EqualityRecord
from justculture.retention.subject_access import SubjectAccessError, subject_access_export
from tests.retention.conftest import PATIENT_TRACES, TO_D, Built, build_full_case


def unzip(content: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {name: archive.read(name) for name in archive.namelist()}


def test_the_export_holds_every_kind_of_record(full: Built, hr: User, org: Organisation, team: Any,
                                               handler: User) -> None:
    # A second case about someone else must not appear.
    build_full_case(org, team, handler, hr, name="Kim Lee", registration_number="98Z7654Y")
    content, name = subject_access_export(person=full.person, by=hr)
    assert name == f"subject-access-{full.person.pk}.zip"
    files = unzip(content)
    doc = json.loads(files["subject-access.json"])
    assert doc["person"]["name"] == "Sam Taylor" and doc["person"]["registration_number"] == "12A3456B"
    assert doc["equality_data"]["ethnicity"] == "N" and doc["equality_data"]["qualified"] == "rest-of-world"
    [case] = doc["cases"]
    assert case["reference"] == full.case.reference and case["status"] == "closed"
    assert case["concern"] == "Gave Mrs J.M.D. a second dose of insulin."
    assert case["incident"]["reference"] == full.case.incident.reference
    assert [a["number"] for a in case["acts"]] == [1]
    [factor] = case["contextual_factor_records"]
    assert factor["factor_id"] == "distractions" and factor["account"].startswith("Called to another bay")
    [document] = case["evidence_documents"]
    assert document["original_name"] == "statement.txt" and factor["evidence_document_ids"] == [document["id"]]
    assert files[document["file"]] == b"My statement about the night shift.\n"
    assert hashlib.sha256(files[document["file"]]).hexdigest() == document["sha256"]
    versions = case["assessments"]
    assert [(v["act_number"], v["version"]) for v in versions] == [(1, 1), (1, 2)]
    assert versions[0]["outcome_code"] and versions[1]["revisit_reason"] == "New rota evidence"
    assert [a["rationale"] for a in versions[0]["answers"]] == [f"Rationale for {q}" for q, _ in TO_D]
    assert versions[1]["answers"][0]["rationale"] == "Second look at 1a"
    assert versions[0]["peer_views"][0]["account"] == "I would have too."
    assert case["decisions"][0]["rationale"] == "The guide reached outcome D."
    assert case["decisions"][0]["recorded_by"] == hr.display_name
    assert case["referral_consideration"]["answers"]["insight-shown"]["notes"] == "Wrote a reflective account."
    assert case["advice_records"][0]["advice"] == "Local action is proportionate."
    assert "Insulin refresher" in [a["title"] for a in case["actions"]]
    actions = {e["action"] for e in doc["audit_events"]}
    assert {"person.create", "case.open", "evidence.upload", "equality.save", "case.status",
            "decision.record"} <= actions
    assert all(e["case_id"] in (None, full.case.pk) for e in doc["audit_events"])
    assert "Kim Lee" not in files["subject-access.json"].decode()
    summary = files["summary.txt"].decode()
    for text in ("Subject access export: Sam Taylor", f"Case {full.case.reference}", "Rationale for 1a",
                 "Answer to 1a", "Peer view", "Referral considerations", "Insulin refresher"):
        assert text in summary
    # The manifest lists every other file with its SHA-256, in sha256sum's format.
    manifest = files.pop("MANIFEST.sha256").decode().splitlines()
    assert sorted(line.split("  ", 1)[1] for line in manifest) == sorted(files)
    for line in manifest:
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(files[path]).hexdigest() == digest


def test_patient_details_are_redacted_unless_a_reason_is_given(full: Built, hr: User) -> None:
    content, _ = subject_access_export(person=full.person, by=hr)
    files = unzip(content)
    text = files["subject-access.json"].decode() + files["summary.txt"].decode()
    for trace in PATIENT_TRACES:
        assert trace not in text, trace
    incident = json.loads(files["subject-access.json"])["cases"][0]["incident"]
    assert incident["patient_name"] == "J.M.D." and incident["patient_identifier"] == "[patient identifier removed]"
    event = AuditEvent.objects.get(action="special-category.view", object_type="subject-access")
    assert event.object_id == str(full.person.pk) and event.actor == hr.username
    assert event.changes["include_patient_details"] is False and event.changes["cases"] == 1

    with pytest.raises(SubjectAccessError, match="reason"):
        subject_access_export(person=full.person, include_patient_details=True, reason=" ", by=hr)
    content, name = subject_access_export(person=full.person, include_patient_details=True,
                                          reason="Requested by Jane Mary Doe's solicitor", by=hr)
    assert name.endswith("-with-patient-details.zip")
    assert "Jane Mary Doe" in unzip(content)["subject-access.json"].decode()
    latest = AuditEvent.objects.filter(action="special-category.view").order_by("-id").first()
    # The reason is free text: the log says only that one was given.
    assert latest is not None and latest.changes["reason"] == FREE_TEXT


def test_only_holders_of_the_permission_in_the_same_organisation_may_export(
        full: Built, handler: User, admin: User, outsider: User, make_user: Any, other_org: Organisation) -> None:
    assert subject_access_export(person=full.person, by=admin)[0]  # organisation administrator
    with pytest.raises(PermissionDenied):
        subject_access_export(person=full.person, by=handler)
    with pytest.raises(PermissionDenied):
        subject_access_export(person=full.person, by=make_user(other_org, "hr-adviser"))
    assert AuditEvent.objects.filter(action="special-category.view", object_type="subject-access").count() == 1


def test_a_person_with_no_cases_or_equality_data_still_exports(org: Organisation, handler: User, hr: User) -> None:
    from justculture.cases import services as case_services

    person = case_services.person_create(organisation=org, name="Nobody Yet", role_title="HCA",
                                         staff_group="nursing-midwifery", employment_type="bank", by=handler)
    doc = json.loads(unzip(subject_access_export(person=person, by=hr)[0])["subject-access.json"])
    assert doc["cases"] == [] and doc["equality_data"] is None
    assert [e["action"] for e in doc["audit_events"]] == ["person.create"]
    assert not EqualityRecord.objects.exists() and not Case.objects.exists()
