"""The subject access export covers one professional across all their records, and nobody else.

Penetration test finding 7: equality views name the person in the audit log, other equality events
name the equality record, and the export matched the equality record's id against both, so it
picked up another person's events whenever their ids met. It also missed the professional's other
records (the web opens a new record with each case).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.db import connection, models

from justculture.cases.models import Person
from justculture.casework.people import people_merge
from justculture.core import services as core_services
from justculture.core.models import Organisation, Team, User
from justculture.fairness import services as fairness_services
from justculture.fairness.models import EqualityRecord
from justculture.retention.subject_access import subject_access_export
from tests.retention.conftest import EQUALITY, Built, build_full_case


def export_of(person: Person, by: User) -> tuple[dict[str, Any], str]:
    content, _ = subject_access_export(person=person, by=by)
    archive = zipfile.ZipFile(io.BytesIO(content))
    text = archive.read("subject-access.json").decode()
    return json.loads(text), text + archive.read("summary.txt").decode()


def next_id(model: type[models.Model], value: int) -> None:
    """Make the next row of the model's table get the id ``value`` (no row may hold it or above)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, value])
        else:
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, value - 1])


def test_the_export_holds_none_of_another_persons_events_when_their_ids_meet(
        org: Organisation, team: Team, handler: User, hr: User) -> None:
    # Sam's record id is Kim's equality record id, and Kim's record id is Sam's equality record id.
    start = 1 + max(Person.objects.aggregate(m=models.Max("pk"))["m"] or 0,
                    EqualityRecord.objects.aggregate(m=models.Max("pk"))["m"] or 0)
    next_id(Person, start)
    next_id(EqualityRecord, start)
    sam = build_full_case(org, team, handler, hr, close=False, equality=False)
    kim = build_full_case(org, team, handler, hr, name="Kim Lee", registration_number="98Z7654Y",
                          close=False, equality=False)
    kim_equality = fairness_services.equality_record_save(case=kim.case, by=hr, **EQUALITY)
    sam_equality = fairness_services.equality_record_save(case=sam.case, by=hr, **EQUALITY)
    assert (sam.person.pk, kim.person.pk) == (kim_equality.pk, sam_equality.pk)
    for built in (sam, kim):
        fairness_services.equality_record_viewed(case=built.case, by=hr)

    for mine, theirs in ((sam, kim), (kim, sam)):
        doc, text = export_of(mine.person, hr)
        events = doc["audit_events"]
        assert {e["case_id"] for e in events} <= {None, mine.case.pk}
        assert theirs.case.reference not in text and theirs.person.name not in text
        views = [e for e in events if e["action"] == "equality.view"]
        assert [(e["object_id"], e["case_id"]) for e in views] == [(str(mine.person.pk), mine.case.pk)]
        saves = [e for e in events if e["action"] == "equality.save"]
        assert [e["case_id"] for e in saves] == [mine.case.pk]
        assert [c["reference"] for c in doc["cases"]] == [mine.case.reference]
        assert doc["other_records"] == []


def test_the_export_gathers_every_record_with_the_same_registration_number(
        org: Organisation, other_org: Organisation, team: Team, handler: User, hr: User,
        make_user: Any) -> None:
    first = build_full_case(org, team, handler, hr, close=False)
    # The web opened a second record for the same nurse, the number typed differently.
    second = build_full_case(org, team, handler, hr, name="Sam Taylor-Jones", registration_number=" 12a 3456b",
                             close=False, equality=False)
    fairness_services.equality_record_viewed(case=second.case, by=hr)
    # Not the same professional: no number, or the same number in another organisation.
    unregistered = build_full_case(org, team, handler, hr, name="Pat Blank", registration_number="", close=False)
    south_team = core_services.team_create(organisation=other_org, name="Ward 1", site="Town")
    elsewhere = build_full_case(other_org, south_team, make_user(other_org, "case-handler"),
                                make_user(other_org, "hr-adviser"), name="Sam Elsewhere", close=False)

    for asked, other in ((first, second), (second, first)):
        doc, text = export_of(asked.person, hr)
        assert doc["person"]["id"] == asked.person.pk
        assert [r["person"]["id"] for r in doc["other_records"]] == [other.person.pk]
        assert sorted(c["reference"] for c in doc["cases"]) == sorted([first.case.reference, second.case.reference])
        assert {c["person_id"] for c in doc["cases"]} == {first.person.pk, second.person.pk}
        equality = doc["equality_data"] if asked is first else doc["other_records"][0]["equality_data"]
        assert equality["ethnicity"] == EQUALITY["ethnicity"]
        events = doc["audit_events"]
        assert {("person.create", str(p.person.pk)) for p in (first, second)} <= {
            (e["action"], e["object_id"]) for e in events}
        assert [e["case_id"] for e in events if e["action"] == "equality.view"] == [second.case.pk]
        assert {e["case_id"] for e in events} <= {None, first.case.pk, second.case.pk}
        assert unregistered.person.name not in text and unregistered.case.reference not in text
        # Case references are numbered per organisation, so only the name can be looked for.
        assert elsewhere.person.name not in text
    # A record without a number is only itself.
    doc, _ = export_of(unregistered.person, hr)
    assert doc["other_records"] == [] and [c["reference"] for c in doc["cases"]] == [unregistered.case.reference]


def test_the_export_after_a_merge_still_holds_the_merged_records_events(
        org: Organisation, team: Team, handler: User, hr: User) -> None:
    first: Built = build_full_case(org, team, handler, hr, close=False)
    second = build_full_case(org, team, handler, hr, registration_number="", close=False, equality=False)
    fairness_services.equality_record_viewed(case=second.case, by=hr)
    people_merge(organisation=org, keep=first.person.pk, merge=[second.person.pk], by=None)
    doc, _ = export_of(first.person, hr)
    events = {(e["action"], e["object_id"]) for e in doc["audit_events"]}
    assert ("person.create", str(second.person.pk)) in events
    assert ("equality.view", str(second.person.pk)) in events
    assert ("person.merge", str(first.person.pk)) in events
    assert sorted(c["reference"] for c in doc["cases"]) == sorted([first.case.reference, second.case.reference])
