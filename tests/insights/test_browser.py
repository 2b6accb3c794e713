"""The insights page in real headless Chromium, checked with axe-core (WCAG 2.2 AA), for a
patient-safety lead (exact figures, links to the cases) and an equality analyst (neither)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from justculture.demo.data import load_demo
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "insights-demo-password"


@pytest.fixture
def demo(settings) -> None:
    settings.DEBUG = True
    load_demo(password=DEMO_PASSWORD)


def test_the_lead_sees_an_accessible_page_and_follows_a_figure_to_its_cases(page: Page, live_server, demo):
    base = live_server.url
    sign_in(page, base, "safety.lead", DEMO_PASSWORD)
    page.goto(f"{base}/insights/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Learning across cases")
    assert_accessible(page)
    charts = page.locator("svg[role='img']")
    assert charts.count() >= 5
    expect(charts.first).to_have_attribute("aria-label", "Bar chart: cases in which each contextual factor was "
                                           "found. 5 bars. Largest: Staffing, skill mix and workload, 1. The "
                                           "table after the chart gives each figure.")
    page.goto(f"{base}/insights/?period=quarter&hotspot=1")
    assert_accessible(page)
    expect(page.locator(".nhsuk-card--warning")).to_contain_text("Consider a system review")
    page.get_by_role("link", name="1 \u2013 show the cases with Staffing, skill mix and workload", exact=True).click()
    page.wait_for_url(f"{base}/cases/?factor=staffing")
    expect(page.locator("caption")).to_contain_text("1 case matching the filters")
    assert_accessible(page)
    # Filter mistakes: an accessible error summary, and the page still shows figures.
    page.goto(f"{base}/insights/")
    page.fill("#date_from", "2025-03-01")
    page.fill("#date_to", "2025-01-01")
    page.click("button:has-text('Apply filters')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("must be the same as or after")
    assert page.title().startswith("Error:")
    assert_accessible(page)


def test_the_analyst_sees_an_accessible_page_without_small_counts_or_links(page: Page, live_server, demo):
    base = live_server.url
    # An analyst works on no cases, so signing in does not land on the case list: ask for insights.
    page.goto(f"{base}/sign-in/?next=/insights/")
    page.fill("#username", "equality.analyst")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{base}/insights/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Learning across cases")
    assert_accessible(page)
    expect(page.locator("main")).to_contain_text("fewer than 10")
    assert page.locator("main a[href^='/cases/']").count() == 0
