"""pack_generate: who may make a pack, the reason needed for patient details, and the audit rows."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied

from justculture.cases.models import Case
from justculture.core import audit
from justculture.core.audit import verify_chain
from justculture.core.models import AuditEvent
from justculture.packs.services import PackError, pack_generate
from tests.packs.conftest import PATIENT_TRACES


def _events(case: Case, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(case_id=case.pk, action=action).order_by("id"))


@pytest.mark.parametrize(("fmt", "content_type", "magic"), [
    ("pdf", "application/pdf", b"%PDF-"),
    ("json", "application/json", b"{"),
    ("zip", "application/zip", b"PK"),
])
def test_each_format_is_made_and_audited(decided_case: Case, demo_users, fmt: str, content_type: str,
                                         magic: bytes) -> None:
    user = demo_users["decision.maker"]
    content, filename, kind = pack_generate(case=decided_case, fmt=fmt, by=user)  # type: ignore[arg-type]
    assert content.startswith(magic) and kind == content_type
    assert filename == f"C-0001-documentation-pack.{fmt}"
    [event] = _events(decided_case, "pack.generate")
    assert event.actor == "decision.maker" and event.organisation_id == decided_case.organisation_id
    assert event.changes["format"] == fmt and event.changes["include_patient_details"] is False
    assert event.changes["sha256"] == hashlib.sha256(content).hexdigest()
    assert event.changes["size"] == len(content) and event.changes["evidence_documents"] == 2
    assert _events(decided_case, "pack.patient-details-included") == []
    assert verify_chain().ok


def test_patient_details_need_a_reason(patient_case: Case, handler) -> None:
    with pytest.raises(PackError, match="reason"):
        pack_generate(case=patient_case, fmt="json", include_patient_details=True, reason="  ", by=handler)
    assert _events(patient_case, "pack.generate") == []


def test_including_patient_details_is_audited_with_the_reason(patient_case: Case, handler) -> None:
    content, filename, _ = pack_generate(
        case=patient_case, fmt="json", include_patient_details=True, by=handler,
        reason="The regulator asked for the unredacted record of Jane Doe (letter of 3 March).")
    assert filename == "C-0001-documentation-pack-with-patient-details.json"
    assert "Jane Mary Doe" in content.decode("utf-8")
    [included] = _events(patient_case, "pack.patient-details-included")
    [generated] = _events(patient_case, "pack.generate")
    assert included.id < generated.id and included.actor == handler.username
    # The reason is free text: the audit log says only that one was given.
    assert included.changes["reason"] == audit.FREE_TEXT
    assert generated.changes["include_patient_details"] is True
    logged = json.dumps([included.changes, included.summary, generated.changes, generated.summary])
    assert not any(trace in logged for trace in PATIENT_TRACES)


def test_the_default_pack_keeps_patient_details_out(patient_case: Case, handler) -> None:
    content, _, _ = pack_generate(case=patient_case, fmt="json", by=handler)
    assert not any(trace in content.decode("utf-8") for trace in ["Jane", "943 476 5919", "9434765919"])


def test_the_system_operator_is_audited_as_system(decided_case: Case) -> None:
    pack_generate(case=decided_case, fmt="json", by=None)
    [event] = _events(decided_case, "pack.generate")
    assert event.actor == "system" and event.actor_id is None
    assert event.organisation_id == decided_case.organisation_id


def test_an_unknown_format_is_refused(decided_case: Case) -> None:
    with pytest.raises(PackError, match="format"):
        pack_generate(case=decided_case, fmt="docx", by=None)  # type: ignore[arg-type]


def test_users_who_may_not_see_the_evidence_are_refused(case: Case, org, other_team, outsider, make_user) -> None:
    assigned_elsewhere = make_user(org, ("case-handler", other_team))
    case.assigned_to.add(assigned_elsewhere)
    for user in [outsider, make_user(org, "equality-analyst"), make_user(org, "auditor"), assigned_elsewhere]:
        with pytest.raises(PermissionDenied):
            pack_generate(case=case, fmt="json", by=user)
    assert _events(case, "pack.generate") == []


def test_an_organisation_wide_role_elsewhere_does_not_reach_this_case(case: Case, other_org, make_user) -> None:
    stranger = make_user(other_org, "hr-adviser")
    with pytest.raises(PermissionDenied):
        pack_generate(case=case, fmt="json", by=stranger)
