"""Every page of the case workspace in a real browser, checked with axe-core (WCAG 2.2 AA)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from justculture.demo.data import load_demo
from tests.browser_support import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "browser-demo-password"


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    load_demo(password=DEMO_PASSWORD)


def test_demo_pages_are_accessible(page: Page, live_server, demo) -> None:
    base = live_server.url
    sign_in(page, base, "matron", DEMO_PASSWORD)
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    for path in [
        "/", "/guide/", "/about/", "/cases/?status=assessing", "/cases/incidents/new/",
        "/cases/incidents/INC-0001/", "/cases/incidents/INC-0001/new-case/",
        "/cases/C-0001/", "/cases/C-0001/concern/", "/cases/C-0001/acts/new/", "/cases/C-0001/acts/1/edit/",
        "/cases/C-0001/status/", "/cases/C-0001/timeline/", "/cases/C-0002/", "/no-such-page/",
    ]:
        page.goto(base + path)
        assert_accessible(page)


def test_form_errors_are_accessible_and_keep_input(page: Page, live_server, demo) -> None:
    base = live_server.url
    sign_in(page, base, "matron", DEMO_PASSWORD)
    page.goto(base + "/cases/incidents/new/")
    page.fill("#location", "Side room 3")
    page.click("button:has-text('Save and continue')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the date of the incident")
    expect(page.locator("#location")).to_have_value("Side room 3")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.click(".nhsuk-error-summary a:has-text('Select the team')")
    expect(page.locator("#team")).to_be_focused()
