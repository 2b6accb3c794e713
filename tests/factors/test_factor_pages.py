"""The contextual-factor list and factor pages of a case."""

from __future__ import annotations

import json
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from justculture.cases import services as case_services
from justculture.cases.models import Case, FactorRecord
from justculture.core.models import AuditEvent, User
from justculture.factors.taxonomy import default_taxonomy
from tests.conftest import pdf_upload, text_upload


def list_url(case: Case) -> str:
    return reverse("factors:list", args=[case.reference])


def edit_url(case: Case, factor_id: str) -> str:
    return reverse("factors:edit", args=[case.reference, factor_id])


def html(response: Any) -> str:
    """The page with character references resolved, to compare with plain text."""
    return unescape(response.content.decode())


def record(case: Case, user: User, factor_id: str = "staffing", **kw: Any) -> FactorRecord:
    values = {"present": "yes", "contribution": "major", "account": "Two nurses short.", **kw}
    return case_services.factor_record_save(case=case, factor_id=factor_id, by=user, **values)


# --- the list -----------------------------------------------------------------------------


def test_list_shows_every_default_factor_and_the_prompts(handler_client: Client, case: Case) -> None:
    response = handler_client.get(list_url(case))
    assert response.status_code == 200
    page = html(response)
    for factor in default_taxonomy().factors:
        assert factor.title in page
        assert edit_url(case, factor.id) in page
    assert "Things to consider" in page
    for prompt in default_taxonomy().prompts:
        assert prompt.text in page
    assert "0 of 10" in page
    assert page.count("Not recorded") == 10
    assert reverse("cases:detail", args=[case.reference]) in page


def test_list_shows_what_was_recorded(handler_client: Client, handler: User, case: Case) -> None:
    document = case_services.evidence_upload(
        case=case, upload=pdf_upload(), description="Rota", by=handler
    )
    record(case, handler, documents=[document])
    record(case, handler, "distractions", present="no", contribution="none")
    page = html(handler_client.get(list_url(case)))
    assert "2 of 10" in page
    assert "Present" in page and "Not present" in page
    assert "Major" in page and "Did not contribute" in page
    assert page.count("Not recorded") == 8


def test_list_does_not_show_health_status_without_opening_it(
    handler_client: Client, handler: User, case: Case
) -> None:
    record(case, handler, "personal-health", present="yes", contribution="moderate")
    response = handler_client.get(list_url(case))
    page = html(response)
    assert "Views are logged" in page
    assert "Moderate" not in page
    # Reading the list is not a read of the health record, so nothing is logged.
    assert not AuditEvent.objects.filter(action="special-category.view").exists()


def test_list_includes_the_organisations_own_factors(
    handler_client: Client, case: Case, admin: User
) -> None:
    from justculture.factors.services import organisation_factor_create

    organisation_factor_create(
        organisation=case.organisation, title="IT system outage",
        description="The electronic record was unavailable.", by=admin,
    )
    page = html(handler_client.get(list_url(case)))
    assert "IT system outage" in page
    assert "0 of 11" in page
    assert edit_url(case, "org-it-system-outage") in page


def test_list_is_hidden_from_other_organisations(outsider_client: Client, case: Case) -> None:
    assert outsider_client.get(list_url(case)).status_code == 404


def test_list_needs_sign_in(anon_client: Client, case: Case) -> None:
    response = anon_client.get(list_url(case))
    assert response.status_code == 302
    assert response.url.startswith("/sign-in/")


# --- one factor ---------------------------------------------------------------------------


def test_factor_page_shows_the_form_and_guidance(handler_client: Client, case: Case) -> None:
    factor = default_taxonomy().get("staffing")
    assert factor is not None
    response = handler_client.get(edit_url(case, "staffing"))
    assert response.status_code == 200
    page = html(response)
    assert factor.title in page and factor.description in page and factor.evidence_hint in page
    assert 'id="main-form"' in page and "novalidate" in page and "csrfmiddlewaretoken" in page
    for name in ('name="present"', 'name="contribution"', 'name="account"'):
        assert name in page
    assert "Upload a new document for this factor" in page
    assert reverse("factors:evidence-upload", args=[case.reference]) + "?factor=staffing" in page
    assert reverse("cases:detail", args=[case.reference]) in page
    assert page.count("<h1") == 1


def test_unknown_factor_is_404(handler_client: Client, case: Case) -> None:
    assert handler_client.get(edit_url(case, "no-such-factor")).status_code == 404
    response = handler_client.post(edit_url(case, "no-such-factor"), {"present": "yes"})
    assert response.status_code == 404


def test_factor_page_is_hidden_from_other_organisations(outsider_client: Client, case: Case) -> None:
    assert outsider_client.get(edit_url(case, "staffing")).status_code == 404
    response = outsider_client.post(
        edit_url(case, "staffing"), {"present": "yes", "contribution": "major"}
    )
    assert response.status_code == 404
    assert not FactorRecord.objects.exists()


def test_factor_page_needs_sign_in(anon_client: Client, case: Case) -> None:
    for response in (anon_client.get(edit_url(case, "staffing")),
                     anon_client.post(edit_url(case, "staffing"), {"present": "yes"})):
        assert response.status_code == 302
        assert response.url.startswith("/sign-in/")


def test_saving_a_factor(handler_client: Client, handler: User, case: Case) -> None:
    response = handler_client.post(edit_url(case, "staffing"), {
        "present": "yes", "contribution": "moderate", "account": "Only two registered nurses.",
    })
    assert response.status_code == 302
    assert response.url == list_url(case)
    saved = FactorRecord.objects.get(case=case, factor_id="staffing")
    assert (saved.present, saved.contribution, saved.account) == (
        "yes", "moderate", "Only two registered nurses.")
    assert saved.recorded_by == handler
    followed = handler_client.get(response.url)
    assert html(followed).count("Staffing, skill mix and workload: saved.") == 1
    assert "1 of 10" in html(followed)


def test_saving_again_shows_and_updates_the_record(
    handler_client: Client, handler: User, case: Case
) -> None:
    record(case, handler, account="First account.")
    page = html(handler_client.get(edit_url(case, "staffing")))
    assert "First account." in page
    assert 'value="major" checked' in page
    handler_client.post(edit_url(case, "staffing"), {
        "present": "no", "contribution": "none", "account": "Second account."})
    saved = FactorRecord.objects.get(case=case, factor_id="staffing")
    assert (saved.present, saved.account) == ("no", "Second account.")
    assert FactorRecord.objects.filter(case=case).count() == 1


def test_invalid_form_keeps_input_and_says_what_to_do(handler_client: Client, case: Case) -> None:
    response = handler_client.post(edit_url(case, "staffing"), {
        "contribution": "minor", "account": "Kept words here."})
    assert response.status_code == 200
    page = html(response)
    assert "There is a problem" in page
    assert "Select whether this factor was present" in page
    assert 'href="#present"' in page
    assert "Kept words here." in page
    assert "<title>Error:" in page
    assert not FactorRecord.objects.exists()


def test_empty_post_shows_errors(handler_client: Client, case: Case) -> None:
    response = handler_client.post(edit_url(case, "staffing"), {})
    assert response.status_code == 200
    assert "There is a problem" in html(response)


def test_evidence_from_another_case_is_refused(
    handler_client: Client, handler: User, case: Case, make_case: Any
) -> None:
    other = make_case(handler, name="Alex Jones")
    foreign = case_services.evidence_upload(
        case=other, upload=pdf_upload(), description="Other case's rota", by=handler)
    response = handler_client.post(edit_url(case, "staffing"), {
        "present": "yes", "contribution": "major", "evidence": [foreign.token]})
    assert response.status_code == 200
    assert "There is a problem" in html(response)
    assert not FactorRecord.objects.filter(case=case).exists()


def test_role_without_permission_cannot_save(reader_client: Client, case: Case) -> None:
    response = reader_client.post(edit_url(case, "staffing"), {
        "present": "yes", "contribution": "major", "account": "x"})
    assert response.status_code == 403
    response = reader_client.post(edit_url(case, "staffing"), {})
    assert response.status_code == 403
    assert not FactorRecord.objects.exists()


def test_team_scoped_role_cannot_save_for_another_team(elsewhere_client: Client, case: Case) -> None:
    assert elsewhere_client.get(edit_url(case, "staffing")).status_code == 200
    response = elsewhere_client.post(edit_url(case, "staffing"), {
        "present": "yes", "contribution": "major"})
    assert response.status_code == 403
    assert not FactorRecord.objects.exists()


def test_read_only_role_sees_the_record_without_a_form(
    reader_client: Client, handler: User, case: Case
) -> None:
    record(case, handler, account="Written by the handler.")
    response = reader_client.get(edit_url(case, "staffing"))
    assert response.status_code == 200
    page = html(response)
    assert "Written by the handler." in page
    assert 'id="main-form"' not in page
    assert "not change it" in page


def test_factor_record_audit_never_holds_the_account(
    handler_client: Client, case: Case
) -> None:
    secret = "Diagnosed with depression in March"
    for account in (secret, secret + " and again"):
        handler_client.post(edit_url(case, "staffing"), {
            "present": "yes", "contribution": "minor", "account": account})
    events = list(AuditEvent.objects.filter(action="factor.record"))
    assert len(events) == 2
    for event in events:
        assert "account" in event.changes
        assert "depression" not in json.dumps(event.changes)
        assert "depression" not in event.summary


def test_personal_health_view_is_logged(handler_client: Client, handler: User, case: Case) -> None:
    saved = record(case, handler, "personal-health", present="yes", contribution="minor")
    response = handler_client.get(edit_url(case, "personal-health"))
    assert response.status_code == 200
    assert "logged" in html(response)
    event = AuditEvent.objects.get(action="special-category.view")
    assert event.case_id == case.pk
    assert event.actor_id == handler.pk
    assert event.object_id == str(saved.pk)
    assert "Personal stress and health" in event.summary


def test_personal_health_view_is_logged_before_anything_is_recorded(
    reader_client: Client, case: Case
) -> None:
    assert reader_client.get(edit_url(case, "personal-health")).status_code == 200
    assert AuditEvent.objects.filter(action="special-category.view", case_id=case.pk).count() == 1


def test_ordinary_factor_view_is_not_a_special_category_read(
    handler_client: Client, case: Case
) -> None:
    handler_client.get(edit_url(case, "staffing"))
    assert not AuditEvent.objects.filter(action="special-category.view").exists()


@pytest.mark.parametrize("viewer", ["handler_client", "reader_client"])
def test_account_html_is_escaped(
    viewer: str, request: pytest.FixtureRequest, handler: User, case: Case
) -> None:
    record(case, handler, account='<script>alert("x")</script><b>bold</b>')
    client: Client = request.getfixturevalue(viewer)
    page = client.get(edit_url(case, "staffing")).content.decode()
    assert "<script>alert" not in page
    assert "<b>bold</b>" not in page
    assert "&lt;script&gt;" in page


def test_document_linked_to_two_factors_shows_on_both(
    handler_client: Client, handler: User, case: Case
) -> None:
    document = case_services.evidence_upload(
        case=case, upload=text_upload(), description="Statement from the nurse in charge",
        factor_ids=["staffing", "distractions"], by=handler,
    )
    for factor_id in ("staffing", "distractions"):
        page = html(handler_client.get(edit_url(case, factor_id)))
        assert "statement.txt: Statement from the nurse in charge" in page
        assert f'value="{document.token}" checked' in page
    page = html(handler_client.get(reverse("factors:evidence", args=[case.reference])))
    assert "Staffing, skill mix and workload" in page
    assert "Distractions and interruptions" in page


def test_linking_evidence_from_the_factor_page(
    handler_client: Client, handler: User, case: Case
) -> None:
    first = case_services.evidence_upload(
        case=case, upload=pdf_upload("a.pdf"), description="Rota", by=handler)
    second = case_services.evidence_upload(
        case=case, upload=pdf_upload("b.pdf"), description="Acuity", by=handler)
    for factor_id in ("staffing", "unusual-expectations"):
        response = handler_client.post(edit_url(case, factor_id), {
            "present": "yes", "contribution": "moderate", "evidence": [first.token, second.token]})
        assert response.status_code == 302
    assert set(first.factor_records.values_list("factor_id", flat=True)) == {
        "staffing", "unusual-expectations"}
    page = html(handler_client.get(list_url(case)))
    assert page.count('<td class="nhsuk-table__cell">2</td>') == 2


def test_assessment_factor_rows_name_default_and_organisation_factors_in_order(
    handler: User, case: Case, admin: User
) -> None:
    """The question pages list the case's recorded factors in taxonomy order: the ten default
    ones first, then the organisation's own (read only when one of them is recorded)."""
    from justculture.assessments.selectors import factor_rows
    from justculture.factors.services import organisation_factor_create

    record(case, handler, "personal-health")
    record(case, handler, "staffing")
    taxonomy = default_taxonomy()
    assert [row.title for row in factor_rows(case)] == [
        taxonomy.factors[0].title, next(f.title for f in taxonomy.factors if f.id == "personal-health")]
    assert taxonomy.factors[0].id == "staffing"
    assert [row.special_category for row in factor_rows(case)] == [False, True]
    organisation_factor_create(organisation=case.organisation, title="IT system outage",
                               description="The electronic record was unavailable.", by=admin)
    record(case, handler, "org-it-system-outage")
    titles = [row.title for row in factor_rows(case)]
    assert titles[-1] == "IT system outage" and len(titles) == 3
