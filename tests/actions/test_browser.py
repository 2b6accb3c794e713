"""The action pages in a real headless Chromium, checked with axe-core (WCAG 2.2 AA).

Other directories keep a Playwright browser open in the main thread, and the sync API allows one
per thread, so these tests drive their own browser in a worker thread.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect, sync_playwright

from justculture.actions.models import Action
from justculture.cases import services as case_services
from justculture.cases.models import Case
from justculture.core.models import User
from tests.actions.conftest import complete, days_from_today
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Run = Callable[[Callable[[Page], None]], None]

CHROMIUM = os.environ.get("JUSTCULTURE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def assert_accessible(page: Page) -> None:
    """Fail listing each WCAG 2.2 AA rule axe-core finds broken on the page."""
    violations = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}}).response["violations"]
    assert not violations, "\n".join(
        f"{page.url}: {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in violations
    )


def sign_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/sign-in/")
    page.fill("#username", user.username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{base}/cases/")


@pytest.fixture
def in_browser() -> Iterator[Run]:
    executor = ThreadPoolExecutor(max_workers=1)

    def body(steps: Callable[[Page], None]) -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update"],
            )
            try:
                context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
                page = context.new_page()
                page.set_default_timeout(15_000)
                steps(page)
            finally:
                browser.close()

    def run(steps: Callable[[Page], None]) -> None:
        executor.submit(body, steps).result()

    yield run
    executor.shutdown(wait=True)


@pytest.fixture
def busy_case(case: Case, handler: User, make_action: Callable[..., Action]) -> Case:
    case_services.factor_record_save(case=case, factor_id="staffing", present="yes", contribution="major",
                                     account="Two nurses short.", by=handler)
    complete(case.acts.get(number=1), handler)
    make_action(case, title="Reflective account", kind="support", category="reflective-practice",
                owner=handler, due=days_from_today(-2))
    return case


def test_the_action_pages_are_accessible(in_browser: Run, live_server: Any, handler: User, busy_case: Case) -> None:
    late = Action.objects.get(title="Reflective account")
    in_browser(lambda page: _walk(page, live_server.url, handler, busy_case.reference, late.pk))


def _walk(page: Page, base: str, handler: User, ref: str, late_pk: int) -> None:
    sign_in(page, base, handler)

    page.goto(f"{base}/cases/{ref}/actions/")
    expect(page.locator("h1")).to_have_text("Actions")
    expect(page.get_by_text("Outcome D of act 1")).to_be_visible()
    assert_accessible(page)

    # A new action from a factor: the category is suggested; a mismatch is explained.
    page.goto(f"{base}/cases/{ref}/actions/new/?factor=staffing")
    expect(page.locator("#category")).to_have_value("staffing")
    assert_accessible(page)
    page.get_by_label("Support for the individual").check()
    page.fill("#title", "Extra nurse on nights")
    page.click("button:has-text('Add the action')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Select a category that fits")
    assert_accessible(page)
    page.get_by_label("System learning").check()
    page.fill("#due_date", days_from_today(10).isoformat())
    page.click("button:has-text('Add the action')")
    expect(page.get_by_text("Action added: Extra nurse on nights")).to_be_visible()

    # Cancelling without a reason shows the error next to the reason box.
    page.goto(f"{base}/cases/{ref}/actions/{late_pk}/")
    assert_accessible(page)
    page.get_by_label("Cancelled").check()
    page.click("button:has-text('Change status')")
    expect(page.locator("#note-error")).to_contain_text("Say why the action is being cancelled")
    assert_accessible(page)

    for url, heading in (("/actions/", "Action tracker"), ("/actions/?overdue=on", "Action tracker"),
                         ("/actions/mine/", "My actions")):
        page.goto(base + url)
        expect(page.locator("h1")).to_have_text(heading)
        expect(page.locator(".jc-overdue").first).to_be_visible()
        assert_accessible(page)
