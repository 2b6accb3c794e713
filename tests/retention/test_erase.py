"""Listing and erasing expired records: boundaries, overrides, audit, files, rollback, tenants."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from justculture.actions.models import Action
from justculture.assessments.models import Answer, Assessment, PeerView
from justculture.cases.models import Act, Case, EvidenceDocument, FactorRecord, Incident, Person
from justculture.casework.status import case_status_change
from justculture.core.audit import FREE_TEXT, verify_chain
from justculture.core.models import AuditEvent, Organisation, SignInAttempt, Team, User
from justculture.decisions.models import AdviceRecord, Decision, ReferralConsideration
from justculture.fairness.models import EqualityRecord
from justculture.retention import selectors, services
from justculture.retention.models import RetentionOverride
from justculture.retention.tasks import erase_expired
from tests.retention.conftest import Built, build_full_case, day_before, years_on

CASE_MODELS = [Case, Act, FactorRecord, EvidenceDocument, Assessment, Answer, PeerView, Decision,
               ReferralConsideration, AdviceRecord, Action]


def counts(organisation: Organisation) -> dict[str, int]:
    result = {}
    for model in [*CASE_MODELS, Incident, Person, EqualityRecord]:
        rows = model.objects.all()
        field = "organisation" if any(f.name == "organisation" for f in model._meta.fields) else "case__organisation"
        if model in (Answer, PeerView):
            field = "assessment__organisation"
        result[model.__name__] = rows.filter(**{field: organisation}).count()
    return result


def stored_file(document: EvidenceDocument) -> Path:
    return Path(settings.MEDIA_ROOT) / (document.file.name or "")


def test_the_closed_date_comes_from_the_audit_trail_and_expiry_is_exact(full: Built, org: Organisation) -> None:
    expires = years_on(6)
    assert selectors.case_closed_dates(org) == {full.case.pk: timezone.localdate()}
    # Equality data goes three years after the last case closed; the case itself six years after.
    [equality] = selectors.expired(org, day_before(expires))
    assert (equality.record_type, equality.expiry_date) == ("equality-record", years_on(3))
    assert selectors.expired(org, day_before(years_on(3))) == []
    [entry, person] = selectors.expired(org, expires)
    assert (entry.record_type, entry.reference, entry.trigger_date, entry.expiry_date) == (
        "case", full.case.reference, timezone.localdate(), expires)
    # The person has no case left once the case goes (their equality data goes with them); the
    # incident is kept for ten years from when it happened.
    assert person.record_type == "person"
    assert [e.record_type for e in selectors.expired(org, years_on(10))] == ["case", "incident", "person"]


def test_an_open_or_reopened_case_is_never_listed(full: Built, org: Organisation, handler: User) -> None:
    far = years_on(30)
    case_status_change(case=full.case, to="gathering", reason="Moved in a test.", by=handler)
    assert selectors.expired(org, far) == []
    case_status_change(case=full.case, to="closed", reason="Moved in a test.", by=handler)
    assert selectors.expired(org, years_on(6))[0].record_type == "case"


def test_an_organisation_override_changes_what_has_expired(full: Built, org: Organisation, admin: User) -> None:
    services.period_save(organisation=org, rule="closed-case", amount=2, unit="years",
                         reason="Trust policy RM-12 section 4", by=admin)
    assert [e.record_type for e in selectors.expired(org, day_before(years_on(2)))] == []
    entries = selectors.expired(org, years_on(2))
    assert [e.record_type for e in entries] == ["case", "person"]
    assert entries[0].record_type == "case" and str(entries[0].period) == "2 years"
    event = AuditEvent.objects.get(action="retention.period")
    assert event.changes == {"rule": "closed-case", "period": ["6 years (default)", "2 years"],
                             "reason": FREE_TEXT}  # the reason is kept with the period, not in the log
    services.period_reset(organisation=org, rule="closed-case", by=admin)
    assert not RetentionOverride.objects.exists()
    assert [e.record_type for e in selectors.expired(org, day_before(years_on(3)))] == []


def test_periods_are_checked_and_only_an_administrator_may_change_them(org: Organisation, admin: User,
                                                                       handler: User, other_org: Organisation) -> None:
    with pytest.raises(services.RetentionError, match="must be at least 1 year"):
        services.period_save(organisation=org, rule="closed-case", amount=6, unit="months", reason="x", by=admin)
    with pytest.raises(services.RetentionError, match="set for the whole service"):
        services.period_save(organisation=org, rule="sign-in-attempts", amount=30, unit="days", reason="x", by=admin)
    with pytest.raises(services.RetentionError, match="Give the reason"):
        services.period_save(organisation=org, rule="incident", amount=8, unit="years", reason=" ", by=admin)
    with pytest.raises(services.RetentionError, match="own organisation"):
        services.period_save(organisation=other_org, rule="incident", amount=8, unit="years", reason="x", by=admin)
    from django.core.exceptions import PermissionDenied
    with pytest.raises(PermissionDenied):
        services.period_save(organisation=org, rule="incident", amount=8, unit="years", reason="x", by=handler)
    assert not RetentionOverride.objects.exists()
    assert not AuditEvent.objects.filter(action="retention.period").exists()


def test_listing_changes_nothing_and_erasing_removes_exactly_that(
        full: Built, org: Organisation, django_capture_on_commit_callbacks: Any) -> None:
    before = counts(org)
    document = full.case.documents.get()
    path = stored_file(document)
    assert path.is_file()
    when = years_on(10)
    listed = selectors.expired(org, when)
    assert counts(org) == before
    with django_capture_on_commit_callbacks(execute=True):
        report = services.retention_erase(organisation=org, today=when)
    assert [e.reference for e in report.erased] == [e.reference for e in listed]
    assert report.ok and report.failed == [] and report.files_removed == 1
    assert all(n == 0 for n in counts(org).values()), counts(org)
    assert not path.exists()
    # One audit event per erased record, naming type, id and rule, never content.
    erased = AuditEvent.objects.filter(action="retention.erase")
    assert report.records == erased.count() == sum(before.values())
    assert {e.object_type for e in erased} == {
        "case", "act", "factorrecord", "evidencedocument", "assessment", "answer", "peerview", "decision",
        "referralconsideration", "advicerecord", "action", "incident", "person", "equalityrecord"}
    assert erased.get(object_type="case").object_id == str(full.case.pk)
    text = json.dumps([[e.summary, e.changes] for e in erased])
    for secret in ["Jane", "insulin", "Rationale for", "Reflective", "Sam Taylor", "statement", "Alex Peer"]:
        assert secret not in text
    assert all(e.actor == "system" and e.changes["rule"] for e in erased)
    assert AuditEvent.objects.filter(action="retention.run").count() == 1
    assert verify_chain().ok  # the audit log itself is kept, and its chain still holds


def test_a_file_that_cannot_be_removed_leaves_the_whole_case(
        full: Built, org: Organisation, team: Team, handler: User, hr: User,
        django_capture_on_commit_callbacks: Any) -> None:
    second = build_full_case(org, team, handler, hr, name="Kim Lee")
    broken = full.case.documents.get()
    path = stored_file(broken)
    # Stored evidence replaced by a folder (a damaged store): it cannot be removed as a file.
    path.unlink()
    path.mkdir()
    (path / "keep").write_text("x")
    before = counts(org)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.retention_erase(organisation=org, today=years_on(10))
    [(entry, error)] = report.failed
    assert entry.reference == full.case.reference and "is not a regular file" in error
    assert not report.ok
    # The failed case is exactly as it was, children included; the other case went.
    assert Case.objects.filter(pk=full.case.pk).exists() and not Case.objects.filter(pk=second.case.pk).exists()
    for model in CASE_MODELS:
        assert model.objects.filter(
            **({"assessment__case": full.case} if model in (Answer, PeerView) else
               {"pk": full.case.pk} if model is Case else {"case": full.case})).exists(), model.__name__
    assert not AuditEvent.objects.filter(action="retention.erase", case_id=full.case.pk).exists()
    assert AuditEvent.objects.filter(action="retention.erase", case_id=second.case.pk).exists()
    assert counts(org)["Case"] == before["Case"] - 1
    assert path.is_dir()
    # The incident and person of the failed case stay because their case stays.
    assert Incident.objects.filter(pk=full.case.incident_id).exists()
    assert Person.objects.filter(pk=full.person.pk).exists()
    assert verify_chain().ok


def test_other_organisations_are_untouched(full: Built, org: Organisation, other_org: Organisation, team: Team,
                                           handler: User, hr: User, make_user: Any,
                                           django_capture_on_commit_callbacks: Any) -> None:
    other_team = Team.objects.create(organisation=other_org, name="Ward 1")
    other_handler = make_user(other_org, "case-handler")
    other_hr = make_user(other_org, "hr-adviser")
    theirs = build_full_case(other_org, other_team, other_handler, other_hr)
    theirs_before = counts(other_org)
    with django_capture_on_commit_callbacks(execute=True):
        services.retention_erase(organisation=org, today=years_on(6))
    assert counts(other_org) == theirs_before
    assert stored_file(theirs.case.documents.get()).is_file()
    # A run over every organisation honours each one's own periods.
    other_admin = make_user(other_org, "org-admin")
    services.period_save(organisation=other_org, rule="closed-case", amount=10, unit="years", reason="Policy",
                         by=other_admin)
    build_full_case(org, team, handler, hr, name="Ann Other")
    with django_capture_on_commit_callbacks(execute=True):
        services.retention_erase(today=years_on(6))
    # Their case is kept for their ten years; only their equality data (three years) has gone.
    assert counts(other_org) == {**theirs_before, "EqualityRecord": 0}
    assert Case.objects.filter(organisation=org).count() == 0


def test_system_tables_are_erased_as_a_batch_with_one_event(db: Any) -> None:
    now = timezone.now()
    old, recent = now - timedelta(days=91), now - timedelta(days=89)
    for at in (old, old, recent):
        SignInAttempt.objects.create(at=at, username_hash="h" * 64, ip_address="192.0.2.1", outcome="failed")
    listed = selectors.expired()
    assert [(e.record_type, e.count) for e in listed] == [("sign-in-attempts", 2)]
    report = services.retention_erase()
    assert report.records == 2 and SignInAttempt.objects.count() == 1
    event = AuditEvent.objects.get(action="retention.erase")
    assert event.object_type == "sign-in-attempts" and event.changes["count"] == 2
    assert "192.0.2.1" not in json.dumps(event.changes)


def test_the_background_task_erases_for_every_organisation(db: Any, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    SignInAttempt.objects.create(at=timezone.now() - timedelta(days=200), username_hash="h" * 64, outcome="failed")
    result = erase_expired.enqueue()
    assert result.return_value == {"erased": 1, "records": 1, "failed": 0, "kept": 0, "files_removed": 0,
                                   "files_not_removed": 0}
    assert SignInAttempt.objects.count() == 0
    assert DBTaskResult.objects.count() == 0  # the immediate backend keeps no rows


def test_documentation_packs_of_a_case_go_with_it_but_not_while_being_made(
        full: Built, org: Organisation, handler: User, django_capture_on_commit_callbacks: Any) -> None:
    from justculture.packs.models import PackRequest
    from justculture.packs.services import pack_dir, pack_job_run
    from justculture.packs.tasks import pack_request

    request = pack_request(case=full.case, fmt="json", by=handler)
    report = services.retention_erase(organisation=org, today=years_on(6))
    assert [(e.reference, why) for e, why in report.kept] == [
        (full.case.reference, "a documentation pack is being made for it"),
        (f"professional record {full.person.pk}", "a case about the professional remains")]
    assert Case.objects.filter(pk=full.case.pk).exists()
    pack_job_run(request_id=request.pk)
    request.refresh_from_db()
    stored = pack_dir() / request.stored_path
    assert request.status == "ready" and stored.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.retention_erase(organisation=org, today=years_on(6))
    assert report.ok and report.files_removed == 2  # the evidence document and the pack
    assert not PackRequest.objects.exists() and not stored.exists()
    assert AuditEvent.objects.filter(action="retention.erase", object_type="packrequest").count() == 1


def test_files_are_removed_only_once_the_erasure_has_committed(
        full: Built, org: Organisation, django_capture_on_commit_callbacks: Any) -> None:
    path = stored_file(full.case.documents.get())
    with django_capture_on_commit_callbacks() as callbacks:
        report = services.retention_erase(organisation=org, today=years_on(6))
        assert not Case.objects.filter(pk=full.case.pk).exists()
        assert path.is_file()  # rows gone inside the transaction, the file still on disk
    assert len(callbacks) == 1 and report.files_removed == 0
    callbacks[0]()
    assert not path.exists() and report.files_removed == 1
