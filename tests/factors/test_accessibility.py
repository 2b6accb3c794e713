"""The factor and evidence pages in a real browser, checked with axe-core (WCAG 2.2 AA).

The page fixture (one shared browser) comes from tests/browser_support.py via tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from justculture.cases import services as case_services
from justculture.cases.models import Case
from justculture.core.models import User
from tests.browser_support import assert_accessible, sign_in
from tests.conftest import PASSWORD, pdf_upload, text_upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def filled_case(handler: User, case: Case) -> Case:
    document = case_services.evidence_upload(
        case=case, upload=pdf_upload(), description="Ward 7 rota", factor_ids=["staffing"], by=handler)
    case_services.evidence_upload(
        case=case, upload=text_upload(), description="Statement", by=handler)
    case_services.factor_record_save(
        case=case, factor_id="staffing", present="yes", contribution="major",
        account="Two nurses short.", documents=[document], by=handler)
    case_services.factor_record_save(
        case=case, factor_id="personal-health", present="no", contribution="none",
        account="", by=handler)
    return case


def test_factor_and_evidence_pages_are_accessible(
    page: Page, live_server: Any, handler: User, filled_case: Case, tmp_path: Path
) -> None:
    base = live_server.url
    ref = filled_case.reference
    sign_in(page, base, handler.username, PASSWORD)
    for path in [
        f"/cases/{ref}/factors/", f"/cases/{ref}/factors/staffing/",
        f"/cases/{ref}/factors/personal-health/", f"/cases/{ref}/factors/distractions/",
        f"/cases/{ref}/evidence/", f"/cases/{ref}/evidence/upload/?factor=staffing",
    ]:
        page.goto(base + path)
        assert_accessible(page)
        expect(page.locator("h1")).to_have_count(1)

    # Errors on the factor form: summary first, links move focus to the field.
    page.goto(f"{base}/cases/{ref}/factors/distractions/")
    page.fill("#account", "Kept text")
    page.click("button:has-text('Save')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Select whether this factor was present")
    expect(page.locator("#account")).to_have_value("Kept text")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.click(".nhsuk-error-summary a:has-text('Select whether this factor was present')")
    expect(page.locator("#present")).to_be_focused()

    # A refused file: the error, and the request to choose the file again.
    bad = tmp_path / "rota.pdf"
    bad.write_bytes(b"<html><body>not a pdf</body></html>")
    page.goto(f"{base}/cases/{ref}/evidence/upload/")
    page.set_input_files("#file", str(bad))
    page.fill("#description", "Kept description")
    page.click("button:has-text('Upload')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("but its name ends with '.pdf'")
    expect(page.locator("#description")).to_have_value("Kept description")
    expect(page.locator("#choose-again")).to_contain_text("Choose the file again")
    assert_accessible(page)

    # A good upload from a factor page returns there with a message.
    good = tmp_path / "notes.txt"
    good.write_text("Handover notes.\n", encoding="utf-8")
    page.goto(f"{base}/cases/{ref}/factors/distractions/")
    page.click("a:has-text('Upload a new document for this factor')")
    expect(page.locator("#factors-4")).to_be_checked()
    page.set_input_files("#file", str(good))
    page.fill("#description", "Handover notes")
    page.click("button:has-text('Upload')")
    page.wait_for_url(f"{base}/cases/{ref}/factors/distractions/")
    expect(page.locator("main")).to_contain_text("notes.txt uploaded.")
    assert_accessible(page)


def test_organisation_factors_page_is_accessible(
    page: Page, live_server: Any, admin: User
) -> None:
    base = live_server.url
    sign_in_admin(page, base, admin)
    page.goto(f"{base}/cases/organisation-factors/")
    assert_accessible(page)
    page.fill("#title", "IT system outage")
    page.fill("#description", "The electronic record was unavailable.")
    page.click("button:has-text('Add factor')")
    expect(page.locator("main")).to_contain_text("Contextual factor added: IT system outage.")
    assert_accessible(page)
    page.fill("#title", "IT system outage")
    page.fill("#description", "Again")
    page.click("button:has-text('Add factor')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("already has a factor")
    assert_accessible(page)


def sign_in_admin(page: Page, base: str, admin: User) -> None:
    # An administrator has no case permissions, so sign-in lands on the start page.
    sign_in(page, base, admin.username, PASSWORD)
