"""`justculture people duplicates` and `justculture people merge`: one professional's several records."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from justculture.cases import services as case_services
from justculture.cases.models import Case, Person
from justculture.casework import people as people_module
from justculture.core import audit
from justculture.core.models import AuditEvent, Organisation, User
from justculture.fairness import services as fairness_services
from justculture.fairness.models import EqualityRecord

ANSWERS = {"ethnicity": "N", "sex": "male", "disability": "yes", "age_band": "25-34", "qualified": "rest-of-world"}


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def fail(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2 and "\n" not in str(caught.value)
    return str(caught.value)


@pytest.fixture
def hr(org: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(org, "hr-adviser")


@pytest.fixture
def two(make_case: Callable[..., Case], handler: User) -> tuple[Case, Case]:
    """Two cases about one nurse, each with its own record (as the web makes them)."""
    return make_case(handler, name="Sam Taylor"), make_case(handler, name="Samantha Taylor")


def state() -> dict[str, Any]:
    return {
        "people": sorted(Person.objects.values_list("pk", "name")),
        "cases": sorted(Case.objects.values_list("pk", "person_id")),
        "equality": sorted(EqualityRecord.objects.values_list("pk", "person_id", *ANSWERS)),
        "events": AuditEvent.objects.count(),
    }


def test_duplicates_lists_the_records_sharing_a_registration_number(
        two: tuple[Case, Case], org: Organisation, handler: User, hr: User) -> None:
    other = case_services.person_create(organisation=org, name="Kim Lee", role_title="Nurse",
                                        staff_group="nursing-midwifery", employment_type="bank",
                                        registration_number="98Z7654Y", by=handler)
    fairness_services.equality_record_save(case=two[1], by=hr, **ANSWERS)
    out = run("people", "duplicates", "--organisation", "north")
    first, second = (c.person for c in two)
    assert out.splitlines()[0] == "NMC 12A3456B:"
    assert f"record {first.pk}  Sam Taylor" in out and f"record {second.pk}  Samantha Taylor" in out
    assert two[0].reference in out and "(equality data)" in out and "Kim Lee" not in out
    [group] = json.loads(run("people", "duplicates", "--organisation", "north", "--json"))
    assert [r["id"] for r in group["records"]] == [first.pk, second.pk] != [other.pk]
    assert [r["equality_data"] for r in group["records"]] == [False, True]


def test_merge_moves_the_cases_and_the_equality_record_and_is_audited(
        two: tuple[Case, Case], hr: User) -> None:
    keep, merged = (c.person for c in two)
    record = fairness_services.equality_record_save(case=two[1], by=hr, **ANSWERS)
    out = run("people", "merge", "--organisation", "north", "--keep", str(keep.pk), "--merge", str(merged.pk))
    assert out.startswith(f"Merged professional record {merged.pk} into {keep.pk} (north): it now has 2 cases.")
    assert set(Case.objects.values_list("person_id", flat=True)) == {keep.pk}
    assert not Person.objects.filter(pk=merged.pk).exists()
    moved = EqualityRecord.objects.get()
    assert (moved.pk, moved.person_id, moved.ethnicity) == (record.pk, keep.pk, "N")
    event = AuditEvent.objects.get(action="person.merge", object_type="person")
    assert (event.actor, event.object_id) == ("system", str(keep.pk))
    assert event.changes == {"merged": [merged.pk], "cases": [two[1].reference], "equality_record": record.pk,
                             "equality_from": merged.pk, "equality_records_removed": []}
    # The moved case's own history shows the move.
    [on_case] = AuditEvent.objects.filter(action="person.merge", case_id=two[1].pk)
    assert on_case.changes == {"person": [merged.pk, keep.pk]}
    assert audit.verify_chain().ok


def test_merge_refuses_differing_equality_data_until_told_which_to_keep(
        two: tuple[Case, Case], hr: User) -> None:
    keep, merged = (c.person for c in two)
    mine = fairness_services.equality_record_save(case=two[0], by=hr, **ANSWERS)
    fairness_services.equality_record_save(case=two[1], by=hr, **{**ANSWERS, "sex": "female"})
    before = state()
    message = fail("people", "merge", "--organisation", "north", "--keep", str(keep.pk), "--merge", str(merged.pk))
    assert "differ" in message and "--equality-from" in message and "female" not in message
    assert state() == before
    run("people", "merge", "--organisation", "north", "--keep", str(keep.pk), "--merge", str(merged.pk),
        "--equality-from", str(merged.pk))
    kept = EqualityRecord.objects.get()
    assert (kept.pk, kept.person_id, kept.sex) == (mine.pk, keep.pk, "female")


def test_merge_keeps_the_kept_records_equality_data_when_the_answers_agree(
        two: tuple[Case, Case], hr: User) -> None:
    keep, merged = (c.person for c in two)
    mine = fairness_services.equality_record_save(case=two[0], by=hr, **ANSWERS)
    theirs = fairness_services.equality_record_save(case=two[1], by=hr, **ANSWERS)
    run("people", "merge", "--organisation", "north", "--keep", str(keep.pk), "--merge", str(merged.pk))
    assert list(EqualityRecord.objects.values_list("pk", "person_id")) == [(mine.pk, keep.pk)]
    event = AuditEvent.objects.get(action="person.merge", object_type="person")
    assert event.changes["equality_records_removed"] == [theirs.pk]


def test_merge_refuses_records_of_another_organisation_and_mistakes(
        two: tuple[Case, Case], other_org: Organisation, make_user: Callable[..., User]) -> None:
    keep = two[0].person
    south_handler = make_user(other_org, "case-handler")
    theirs = case_services.person_create(organisation=other_org, name="Sam Taylor", role_title="Nurse",
                                         staff_group="nursing-midwifery", employment_type="bank",
                                         registration_number="12A3456B", by=south_handler)
    before = state()
    message = fail("people", "merge", "--organisation", "north", "--keep", str(keep.pk), "--merge", str(theirs.pk))
    assert "another organisation" in message
    assert "another organisation" in fail("people", "merge", "--organisation", "south", "--keep", str(theirs.pk),
                                          "--merge", str(keep.pk))
    assert "both kept and merged" in fail("people", "merge", "--organisation", "north", "--keep", str(keep.pk),
                                          "--merge", str(keep.pk))
    assert "No professional's record 999999" in fail("people", "merge", "--organisation", "north", "--keep",
                                                     str(keep.pk), "--merge", "999999")
    assert "No organisation with slug 'east'" in fail("people", "duplicates", "--organisation", "east")
    assert state() == before


def test_a_failed_merge_leaves_the_database_as_it_was(two: tuple[Case, Case], hr: User, monkeypatch: Any) -> None:
    keep, merged = (c.person for c in two)
    fairness_services.equality_record_save(case=two[1], by=hr, **ANSWERS)
    before = state()
    real = audit.record

    def fails_on_the_case_event(**kwargs: Any) -> Any:
        if kwargs.get("case_id") is not None:
            raise RuntimeError("audit store unavailable")
        return real(**kwargs)

    monkeypatch.setattr(people_module.audit, "record", fails_on_the_case_event)
    with pytest.raises(RuntimeError):
        people_module.people_merge(organisation=keep.organisation, keep=keep.pk, merge=[merged.pk], by=None)
    assert state() == before
    assert not AuditEvent.objects.filter(action="person.merge").exists()


def test_a_user_needs_the_subject_access_permission_to_merge(two: tuple[Case, Case], handler: User) -> None:
    keep, merged = (c.person for c in two)
    with pytest.raises(PermissionDenied):
        people_module.people_merge(organisation=keep.organisation, keep=keep.pk, merge=[merged.pk], by=handler)
    assert Person.objects.filter(pk=merged.pk).exists()
