"""The services: permission checks, all-or-nothing writes, and audit rows that never hold values."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied

from justculture.core.audit import REDACTED
from justculture.core.models import AuditEvent
from justculture.fairness import services
from justculture.fairness.csvfiles import CsvFileError
from justculture.fairness.models import EqualityRecord, WorkforceFigure

VALUES = {"ethnicity": "N", "sex": "male", "disability": "yes", "age_band": "25-34", "qualified": "rest-of-world"}
# Titles and codes that must never reach the audit log.
LEAKS = ["Black or Black British", "rest-of-world", "Disabled", "25-34", '"male"', '"N"']


def audit_text(action: str) -> str:
    rows = AuditEvent.objects.filter(action=action)
    assert rows.exists()
    return json.dumps([[r.summary, r.changes, r.object_id] for r in rows])


def test_equality_record_save_creates_then_updates_one_record(case, hr):
    record = services.equality_record_save(case=case, by=hr, **VALUES)
    assert (record.ethnicity, record.sex, record.qualified) == ("N", "male", "rest-of-world")
    services.equality_record_save(case=case, by=hr, **{**VALUES, "disability": "prefer-not-to-say"})
    assert EqualityRecord.objects.count() == 1
    assert EqualityRecord.objects.get().disability == "prefer-not-to-say"
    events = list(AuditEvent.objects.filter(action="equality.save").order_by("id"))
    assert len(events) == 2 and all(e.case_id == case.pk for e in events)
    # The changed fields are named; their values are not.
    assert events[0].changes == dict.fromkeys(VALUES, REDACTED)
    assert events[1].changes == {"disability": REDACTED}
    text = audit_text("equality.save")
    for leak in LEAKS:
        assert leak not in text


def test_equality_record_save_needs_the_edit_permission(case, handler, analyst, make_user, org):
    viewer = make_user(org, "hr-adviser")
    for user in (handler, analyst):
        with pytest.raises(PermissionDenied):
            services.equality_record_save(case=case, by=user, **VALUES)
    assert viewer  # an hr-adviser may; others may not
    assert not EqualityRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="equality.save").exists()


def test_equality_record_save_refuses_unknown_answers(case, hr):
    with pytest.raises(services.FairnessError, match="ethnicity"):
        services.equality_record_save(case=case, by=hr, **{**VALUES, "ethnicity": "Purple"})
    with pytest.raises(services.FairnessError, match="age band"):
        services.equality_record_save(case=case, by=hr, **{**VALUES, "age_band": "ancient"})
    assert not EqualityRecord.objects.exists()


def test_equality_record_save_rolls_back_when_the_audit_fails(case, hr, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services.audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.equality_record_save(case=case, by=hr, **VALUES)
    assert not EqualityRecord.objects.exists()


def test_equality_record_viewed_is_audited_without_values(case, hr, handler, record_equality):
    record_equality(case, ethnicity="N")
    services.equality_record_viewed(case=case, by=hr)
    event = AuditEvent.objects.filter(action="equality.view").get()
    assert event.case_id == case.pk and event.actor == hr.username and event.changes == {}
    with pytest.raises(PermissionDenied):
        services.equality_record_viewed(case=case, by=handler)


GOOD = ("period,team,dimension,group,headcount\n"
        "2024,,ethnicity-collapsed,White,4400\n"
        "2024,,ethnicity-collapsed,Ethnic minority,1500\n"
        "2024,,ethnicity-collapsed,Not known,300\n"
        "2024,Ward 7,ethnicity-collapsed,White,40\n")


def test_workforce_import_saves_every_row_and_summarises(hr, team):
    summary = services.workforce_import(data=GOOD.encode(), by=hr, filename="wf.csv")
    assert summary.rows == 4 and summary.periods == ["2024"] and summary.replaced == 0
    assert summary.teams == ["Ward 7", "Whole organisation"]
    assert WorkforceFigure.objects.count() == 4
    assert WorkforceFigure.objects.get(team=team).headcount == 40
    assert WorkforceFigure.objects.get(team=None, group="not-known").headcount == 300
    event = AuditEvent.objects.get(action="workforce.import")
    assert event.changes["rows"] == 4 and "4400" not in json.dumps(event.changes)


def test_workforce_import_replaces_the_figures_it_covers(hr, team):
    services.workforce_import(data=GOOD, by=hr)
    services.workforce_import(data="period,group,headcount\n2023,White,100\n", by=hr)
    summary = services.workforce_import(data="period,group,headcount\n2024,White,4500\n", by=hr)
    # The 2024 whole-organisation ethnicity figures are replaced; the team's and 2023's stay.
    assert summary.replaced == 3
    assert set(WorkforceFigure.objects.values_list("period", "team_id", "group", "headcount")) == {
        ("2023", None, "white", 100), ("2024", None, "white", 4500), ("2024", team.pk, "white", 40)}


def test_workforce_import_is_all_or_nothing(hr, team):
    services.workforce_import(data=GOOD, by=hr)
    before = list(WorkforceFigure.objects.values_list("period", "group", "headcount"))
    bad = GOOD.replace("4400", "4401") + "2024,,ethnicity-collapsed,White,-1\n"
    with pytest.raises(CsvFileError) as excinfo:
        services.workforce_import(data=bad, by=hr)
    assert [(p.row, p.column) for p in excinfo.value.problems] == [(6, "headcount")]
    assert list(WorkforceFigure.objects.values_list("period", "group", "headcount")) == before
    assert AuditEvent.objects.filter(action="workforce.import").count() == 1


def test_workforce_import_names_an_unknown_team_and_a_duplicate(hr, team, other_org):
    text = GOOD + "2024,Ward 7,ethnicity-collapsed,White,41\n2024,Maternity,ethnicity-collapsed,White,5\n"
    with pytest.raises(CsvFileError) as excinfo:
        services.workforce_import(data=text, by=hr)
    assert [(p.row, p.column) for p in excinfo.value.problems] == [(6, "group"), (7, "team")]
    assert not WorkforceFigure.objects.exists()


def test_workforce_import_of_an_empty_file(hr):
    with pytest.raises(CsvFileError, match="no rows"):
        services.workforce_import(data="period,group,headcount\n", by=hr)


def test_workforce_import_needs_the_edit_permission_for_the_whole_organisation(org, make_user, analyst, team):
    team_hr = make_user(org, ("hr-adviser", team))
    for user in (analyst, team_hr):
        with pytest.raises(PermissionDenied):
            services.workforce_import(data=GOOD, by=user)
    assert not WorkforceFigure.objects.exists()
