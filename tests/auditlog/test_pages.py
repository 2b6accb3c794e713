"""The auditor's pages: who gets in, one organisation's events only, filters, paging, the CSV
download, and reading the log being audited itself. Also: nothing can change an audit event."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from justculture.cases.models import Case
from justculture.casework.status import case_status_change
from justculture.core import audit
from justculture.core import services as core_services
from justculture.core.audit_actions import AuditAction
from justculture.core.models import AuditChainHead, AuditEvent, Organisation, Team, User
from tests.auditlog.conftest import signed_in
from tests.conftest import read_bytes

pytestmark = pytest.mark.django_db

SEARCH = "/audit/"
EXPORT = "/audit/export.csv"


@pytest.fixture
def history(org: Organisation, other_org: Organisation, handler: User, outsider: User,
            make_case: Callable[..., Case]) -> dict[str, Case]:
    """A case in each organisation (both are C-0001), and a team name only the other one has."""
    ours = make_case(handler)
    case_status_change(case=ours, to="gathering", reason="Moved in a test.", by=handler)
    second = make_case(handler, name="Alex Morgan")
    theirs_team = core_services.team_create(organisation=other_org, name="Secret South Ward")
    theirs = make_case(outsider, on_team=theirs_team, name="Jo Bloggs")
    stored_before_the_list(other_org.pk, "south.only-action", "Something only the south trust did")
    return {"ours": ours, "second": second, "theirs": theirs}


def stored_before_the_list(organisation_id: int, action: str, summary: str) -> AuditEvent:
    """An event as an earlier version could have written it, with an action the list does not
    have (audit.record refuses one now), linked into the chain like any other."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1, defaults={"last_hash": audit.GENESIS})
        event = AuditEvent(organisation_id=organisation_id, at=timezone.now(), actor="system", action=action,
                           object_type="", object_id="", summary=summary, changes={}, previous_hash=head.last_hash)
        event.hash = audit.compute_hash(event)
        event.save(force_insert=True)
        head.last_hash, head.count = event.hash, head.count + 1
        head.save()
    return event


def page_text(response: Any) -> str:
    return response.content.decode()


def shown(response: Any) -> list[str]:
    """The summaries in the table of events, top to bottom."""
    cells = re.findall(r'aria-hidden="true">Summary </span>(.*?)</td>', page_text(response))
    return [html.unescape(cell) for cell in cells]


def choices(response: Any, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page_text(response), re.S)
    assert select is not None
    return [html.unescape(value) for value in re.findall(r'<option value="([^"]*)"', select.group(1))]


def views() -> int:
    return AuditEvent.objects.filter(action="audit.view").count()


# --- Who may read it ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    for path in (SEARCH, EXPORT):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize("role", ["case-handler", "investigator", "decision-maker", "hr-adviser",
                                  "patient-safety-lead", "equality-analyst"])
def test_roles_without_view_audit_are_refused(org: Organisation, make_user: Callable[..., User], role: str) -> None:
    client = signed_in(make_user(org, role))
    assert client.get(SEARCH).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="audit.").exists()


def test_an_auditor_for_one_team_only_is_refused(org: Organisation, team: Team,
                                                 make_user: Callable[..., User]) -> None:
    assert signed_in(make_user(org, ("auditor", team))).get(SEARCH).status_code == 403


@pytest.mark.parametrize("role", ["auditor", "org-admin"])
def test_auditors_and_organisation_administrators_read_the_log(org: Organisation, make_user: Callable[..., User],
                                                               history: dict[str, Case], role: str) -> None:
    response = signed_in(make_user(org, role)).get(SEARCH)
    assert response.status_code == 200
    assert "<h1>Audit log</h1>" in page_text(response)
    assert "Case C-0001 opened" in page_text(response)


def test_only_the_auditors_own_organisation_appears(auditor_client: Client, history: dict[str, Case],
                                                    other_auditor: User) -> None:
    text = page_text(auditor_client.get(SEARCH))
    assert "Secret South Ward" not in text and "south trust" not in text and "Jo Bloggs" not in text
    assert "south.only-action" not in text  # not even among the actions to choose from
    theirs = page_text(signed_in(other_auditor).get(SEARCH))
    assert "Secret South Ward" in theirs and "Ward 7" not in theirs


def test_the_other_organisations_case_with_the_same_reference_is_not_shown(
        auditor_client: Client, history: dict[str, Case]) -> None:
    assert history["theirs"].reference == history["ours"].reference == "C-0001"
    text = page_text(auditor_client.get(SEARCH, {"case": "c-0001"}))
    assert f"Case C-0001 opened about professional record {history['ours'].person_id} for" in text
    assert "Secret South Ward" not in text and "Professional record" not in text


def test_no_route_changes_the_log(auditor_client: Client, history: dict[str, Case]) -> None:
    before = AuditEvent.objects.count()
    for path in (SEARCH, EXPORT):
        for method in ("post", "put", "patch", "delete"):
            assert getattr(auditor_client, method)(path).status_code in (403, 405)
    assert AuditEvent.objects.count() == before
    # The app has exactly these two routes, both read-only.
    patterns = get_resolver().namespace_dict["auditlog"][1].url_patterns
    assert sorted(pattern.name for pattern in patterns) == ["export", "search"]


# --- Filters, paging, presentation ----------------------------------------------------------------


def test_newest_first_with_time_person_action_record_case_summary_and_changes(
        auditor_client: Client, history: dict[str, Case], handler: User) -> None:
    text = page_text(auditor_client.get(SEARCH, {"action": "case.status"}))
    assert "1 event matching the filters" in text
    status = AuditEvent.objects.get(action="case.status")
    local = timezone.localtime(status.at)
    assert f"{local:%H:%M:%S}" in text
    assert handler.username in text and "case " + str(history["ours"].pk) in text
    assert "<strong>status</strong>: [open, gathering]" in text
    rows = page_text(auditor_client.get(SEARCH))
    assert rows.index("Audit log searched") < rows.index("Case C-0002 opened") < rows.index("Case C-0001 opened")


def test_special_category_values_are_shown_as_not_recorded(auditor_client: Client, history: dict[str, Case]) -> None:
    text = page_text(auditor_client.get(SEARCH, {"action": "case.open", "case": "C-0001"}))
    assert "<strong>concern</strong>: [not recorded: free text]" in text
    assert "Missed dose of IV antibiotics" not in text


def test_each_filter_narrows_the_events(auditor_client: Client, history: dict[str, Case], handler: User,
                                        org: Organisation) -> None:
    def summaries(**params: str) -> list[str]:
        response = auditor_client.get(SEARCH, params)
        assert response.status_code == 200
        return shown(response)

    first = f"Case C-0001 opened about professional record {history['ours'].person_id} for incident INC-0001"
    assert summaries(action="case.open") == [
        f"Case C-0002 opened about professional record {history['second'].person_id} for incident INC-0002", first]
    assert set(summaries(actor=handler.username.upper())) >= {first}
    by_handler = AuditEvent.objects.filter(organisation_id=org.pk, actor=handler.username).order_by("-id")
    assert summaries(actor=handler.username) == list(by_handler.values_list("summary", flat=True))
    assert summaries(object_type="team") == ["Team Ward 7 (City Hospital) created"]
    by_case = summaries(case="C-0002")
    assert by_case and all("C-0002" in s or "Act" in s for s in by_case)
    assert summaries(q="ward 7") == ["Team Ward 7 (City Hospital) created"]
    today = timezone.localdate()
    assert len(summaries(date_from=today.isoformat(), date_to=today.isoformat())) > 5
    assert summaries(date_to=(today - timedelta(days=1)).isoformat()) == []


def test_the_action_list_offers_every_action_by_title_and_only_this_organisations_old_ones(
        auditor_client: Client, history: dict[str, Case], org: Organisation) -> None:
    stored_before_the_list(org.pk, "north.old-action", "Something from an earlier version")
    response = auditor_client.get(SEARCH)
    actions = choices(response, "action")
    assert actions[0] == ""
    assert set(actions[1:]) == {str(a.value) for a in AuditAction} | {"north.old-action"}
    assert "south.only-action" not in actions
    assert '<option value="case.open">Case opened</option>' in page_text(response)
    titles = re.findall(r'<option value="[^"]+">([^<]*)</option>',
                        re.search(r'name="action".*?</select>', page_text(response), re.S).group(0))
    assert titles == sorted(titles, key=str.lower)
    response = auditor_client.get(SEARCH, {"action": "south.only-action"})
    assert "Select an action from the list" in page_text(response)
    old = auditor_client.get(SEARCH, {"action": "north.old-action"})
    assert shown(old) == ["Something from an earlier version"]
    assert audit.verify_chain().ok


def test_each_event_shows_its_actions_title_and_stored_value(auditor_client: Client,
                                                             history: dict[str, Case]) -> None:
    text = page_text(auditor_client.get(SEARCH, {"action": "case.status"}))
    assert 'Action </span>Case status changed<br><span class="jc-code nhsuk-body-s">case.status</span>' in text


def test_mistakes_in_the_filters_show_an_error_summary_and_no_events(auditor_client: Client,
                                                                    history: dict[str, Case]) -> None:
    before = views()
    response = auditor_client.get(SEARCH, {"date_from": "2025-03-01", "date_to": "2025-01-01", "case": "C-9999"})
    text = html.unescape(page_text(response))
    assert "There is a problem" in text and "<title>Error: " in text
    assert "'Recorded to' must be the same as or after 'recorded from'" in text
    assert "There is no case C-9999 in your organisation" in text
    assert shown(response) == [] and "<table" not in text
    assert views() == before  # nothing was shown, so nothing to record
    assert auditor_client.get(SEARCH, {"date_from": "yesterday"}).status_code == 200


def test_pages_of_fifty_newest_first(auditor_client: Client, auditor: User, org: Organisation) -> None:
    for number in range(120):
        audit.record(by=auditor, action="retention.run", organisation_id=org.pk, summary=f"Note {number:03d}")
    first = auditor_client.get(SEARCH, {"action": "retention.run"})
    rows = shown(first)
    assert len(rows) == 50 and rows[0] == "Note 119" and rows[-1] == "Note 070"
    text = page_text(first)
    assert "Events 1 to 50 of 120" in text
    assert 'href="/audit/?action=retention.run&amp;page=2"' in text and 'aria-label="Pages of audit events"' in text
    third = auditor_client.get(SEARCH, {"action": "retention.run", "page": "3"})
    assert shown(third)[-1] == "Note 000"
    assert "Events 101 to 120 of 120" in page_text(third)


# --- Reading is audited ---------------------------------------------------------------------------


def test_a_search_is_audited_once_however_many_pages_are_read(auditor_client: Client, auditor: User,
                                                              org: Organisation) -> None:
    for number in range(60):
        audit.record(by=auditor, action="retention.run", organisation_id=org.pk, summary=f"Note {number}")
    auditor_client.get(SEARCH, {"action": "retention.run"})
    auditor_client.get(SEARCH, {"action": "retention.run", "page": "2"})
    auditor_client.get(SEARCH, {"page": "1", "action": "retention.run"})
    event = AuditEvent.objects.get(action="audit.view")
    assert event.actor == auditor.username and event.organisation_id == org.pk
    assert event.changes == {"filters": {"action": "retention.run"}, "matching": 60}
    assert event.summary == "Audit log searched: 60 events matched"
    auditor_client.get(SEARCH, {"action": "retention.run", "q": "Note 5"})
    assert views() == 2
    # Another session is another reader, and is recorded again.
    signed_in(auditor).get(SEARCH, {"action": "retention.run"})
    assert views() == 3
    assert audit.verify_chain().ok


def test_the_same_search_is_audited_again_after_the_window(auditor_client: Client, monkeypatch: pytest.MonkeyPatch,
                                                           history: dict[str, Case]) -> None:
    import time

    from justculture.auditlog import views as auditlog_views

    auditor_client.get(SEARCH)
    auditor_client.get(SEARCH)
    assert views() == 1
    later = time.time() + auditlog_views.VIEW_WINDOW + 1
    monkeypatch.setattr(auditlog_views.time, "time", lambda: later)
    auditor_client.get(SEARCH)
    assert views() == 2


# --- The CSV download -----------------------------------------------------------------------------


def test_the_download_streams_the_filtered_events_and_is_audited(auditor_client: Client, auditor: User,
                                                                 history: dict[str, Case], org: Organisation) -> None:
    response = auditor_client.get(EXPORT, {"action": "case.open"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-north-')
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(read_bytes(response.streaming_content).decode())))
    assert [r["summary"] for r in rows] == [
        f"Case C-0001 opened about professional record {history['ours'].person_id} for incident INC-0001",
        f"Case C-0002 opened about professional record {history['second'].person_id} for incident INC-0002"]
    assert [r["action_title"] for r in rows] == ["Case opened", "Case opened"]
    assert [r["case_reference"] for r in rows] == ["C-0001", "C-0002"]
    assert {r["organisation"] for r in rows} == {"north"}
    event = AuditEvent.objects.get(action="audit.export")
    assert event.actor == auditor.username and event.organisation_id == org.pk
    assert event.changes == {"filters": {"action": "case.open"}, "matching": 2, "format": "csv", "via": "web"}


def test_the_download_holds_only_this_organisation(auditor_client: Client, history: dict[str, Case]) -> None:
    body = read_bytes(auditor_client.get(EXPORT).streaming_content).decode()
    assert "Secret South Ward" not in body and "south.only-action" not in body and "Jo Bloggs" not in body
    assert "Case C-0001 opened" in body


def test_formula_text_cannot_run_in_a_spreadsheet(auditor_client: Client, org: Organisation) -> None:
    nasty = core_services.user_create(organisation=org, username="=cmd|' /C calc'!A0", password=None)
    for summary in ['=HYPERLINK("http://example.invalid","click")', "+1+1", "-2+3", "@SUM(A1)", "\tTabbed"]:
        audit.record(by=nasty, action="retention.run", organisation_id=org.pk, summary=summary)
    body = read_bytes(auditor_client.get(EXPORT, {"action": "retention.run"}).streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["summary"] for r in rows] == ["'=HYPERLINK(\"http://example.invalid\",\"click\")", "'+1+1", "'-2+3",
                                            "'@SUM(A1)", "'\tTabbed"]
    # (usernames are kept case folded)
    assert {r["actor"] for r in rows} == {"'=cmd|' /c calc'!a0"}


def test_a_download_with_mistaken_filters_goes_back_to_the_page(auditor_client: Client,
                                                                history: dict[str, Case]) -> None:
    response = auditor_client.get(EXPORT, {"case": "C-9999"})
    assert response.status_code == 302 and response["Location"] == "/audit/?case=C-9999"
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_the_page_links_to_the_download_with_its_filters(auditor_client: Client, history: dict[str, Case]) -> None:
    text = page_text(auditor_client.get(SEARCH, {"action": "case.open", "page": "1"}))
    assert f'href="{reverse("auditlog:export")}?action=case.open"' in text


# --- Nothing can change an event --------------------------------------------------------------------


def test_an_event_cannot_be_saved_again_or_deleted(history: dict[str, Case]) -> None:
    event = AuditEvent.objects.order_by("id").first()
    assert event is not None
    event.summary = "Rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).summary != "Rewritten"


def test_the_models_queries_refuse_to_update_or_delete(history: dict[str, Case]) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(action="case.open").update(summary="Rewritten")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(action="case.open").delete()
    events = list(AuditEvent.objects.all()[:2])
    for event in events:
        event.summary = "Rewritten"
    # These two open a transaction of their own; the failure must not spoil the test's.
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEvent.objects.bulk_update(events, ["summary"])
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEvent.objects.update_or_create(pk=events[0].pk, defaults={"summary": "Rewritten"})
    assert AuditEvent.objects.count() == count
    assert not AuditEvent.objects.filter(summary="Rewritten").exists()
    assert audit.verify_chain().ok


def test_times_are_shown_in_the_services_time_zone(auditor_client: Client, auditor: User, org: Organisation,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: datetime(2025, 7, 1, 8, 5, 9, tzinfo=UTC))
    audit.record(by=auditor, action="retention.run", organisation_id=org.pk, summary="Summer note")
    monkeypatch.undo()
    text = page_text(auditor_client.get(SEARCH, {"action": "retention.run"}))
    assert '<time datetime="2025-07-01T08:05:09+00:00">1 July 2025, 09:05:09</time>' in text
