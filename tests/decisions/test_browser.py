"""The decision pages in a real headless Chromium, checked with axe-core (WCAG 2.2 AA)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from justculture.cases.models import Case
from justculture.core.models import User
from justculture.decisions import services
from justculture.decisions.models import Decision
from tests.browser_support import assert_accessible, sign_in
from tests.conftest import PASSWORD, client_for
from tests.decisions.conftest import decision_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page: Page) -> None:
    assert_accessible(page)
    expect(page.locator("h1")).to_have_count(1)


def test_deciding_in_a_browser(page: Page, live_server: Any, case_d: Case, decider: User, handler: User) -> None:
    base = live_server.url
    ref = case_d.reference
    sign_in(page, base, decider.username, PASSWORD)

    page.goto(f"{base}/cases/{ref}/decision/")
    _check(page)
    page.click("text=Record the decision")
    expect(page.locator("#guide-recommendation")).to_contain_text("unlikely to be appropriate")
    _check(page)
    page.check("input[name=measures][value=formal-process]")
    page.check("#formal_type-2")
    page.fill("#rationale", "Kept rationale")
    page.check("#considered_consistency")
    page.click("button:has-text('Record the decision')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("more severe than the guide recommends")
    expect(page.locator("#rationale")).to_have_value("Kept rationale")
    assert page.title().startswith("Error:")
    _check(page)
    page.click(".nhsuk-error-summary a:has-text('more severe than the guide recommends')")
    expect(page.locator("#departure_justification")).to_be_focused()
    page.fill("#departure_justification", "Repeated falsification of records.")
    page.click("button:has-text('Record the decision')")
    # The redirect keeps the fragment the error summary link added to the address.
    page.wait_for_url(re.compile(rf"/cases/{ref}/decision/(#.*)?$"))
    expect(page.locator(".jc-flash")).to_contain_text("flagged as a departure")
    expect(page.locator(".nhsuk-card--warning")).to_contain_text("Repeated falsification of records.")
    assert Decision.objects.get().departs_from_guide
    _check(page)

    # A second decision moves the first into the history.
    client_for(decider).post(f"/cases/{ref}/decision/new/", decision_post())
    page.goto(f"{base}/cases/{ref}/decision/")
    expect(page.get_by_role("heading", name="Earlier decisions")).to_be_visible()
    _check(page)

    page.goto(f"{base}/cases/{ref}/advice/new/")
    _check(page)
    page.fill("#adviser", "NMC employer link service, J. Smith")
    page.click("button:has-text('Save advice')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the advice that was given")
    _check(page)


def test_referral_pages_in_a_browser(page: Page, live_server: Any, case_d: Case, decider: User,
                                     handler: User) -> None:
    base = live_server.url
    ref = case_d.reference
    sign_in(page, base, decider.username, PASSWORD)
    page.goto(f"{base}/cases/{ref}/referral/")
    _check(page)
    page.check("#answer-risk-of-harm-2")
    page.fill("#notes-risk-of-harm", "A single late dose.")
    page.select_option("#regulator", "gmc")
    page.check("#considered_consistency")
    page.click("button:has-text('Save considerations')")
    page.wait_for_url(f"{base}/cases/{ref}/referral/")
    expect(page.locator(".jc-flash")).to_contain_text("Referral considerations saved")
    expect(page.locator("#answer-risk-of-harm-2")).to_be_checked()
    expect(page.locator("#regulator-details")).to_contain_text("General Medical Council")
    _check(page)

    # A reader sees the answers without the form.
    services.referral_considerations_save(case=case_d, regulator="nmc", answers={
        "pattern": {"answer": "unsure", "notes": "Checking the history."}}, by=decider)
    page.context.clear_cookies()
    sign_in(page, base, handler.username, PASSWORD)
    page.goto(f"{base}/cases/{ref}/referral/")
    expect(page.locator("main")).to_contain_text("Checking the history.")
    _check(page)


def test_regulators_page_in_a_browser(page: Page, live_server: Any, admin: User) -> None:
    base = live_server.url
    sign_in(page, base, admin.username, PASSWORD)
    page.goto(f"{base}/cases/organisation-regulators/")
    _check(page)
    page.click("a:has-text('Change') >> nth=1")
    expect(page.locator("#name")).to_have_value("General Medical Council")
    page.fill("#name", "")
    page.click("button:has-text('Save details')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the regulator's name")
    _check(page)
    page.fill("#name", "GMC")
    page.fill("#referral_contact", "Call the employer liaison adviser")
    page.click("button:has-text('Save details')")
    expect(page.locator("main")).to_contain_text("Referral details for GMC saved.")
    _check(page)
