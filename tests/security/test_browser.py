"""In a real headless Chromium: no page breaks the Content-Security-Policy (NHS.UK JavaScript
components included), and the two-factor pages work and pass axe-core (WCAG 2.2 AA)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from justculture.core.models import AuditEvent
from justculture.demo.data import load_demo
from tests.browser_support import assert_accessible
from tests.conftest import PASSWORD
from tests.security.support import app_code

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "security-demo-password"

# Collects every securitypolicyviolation event in the page; runs before any page script (and is
# not itself subject to the page's policy).
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class PolicyWatch:
    """Console messages and violation events about the Content-Security-Policy, page by page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(COLLECT_VIOLATIONS)
        page.on("console", lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None)

    def violations(self) -> list[str]:
        events = self.page.evaluate("window.__cspViolations || []")
        return [*self.console, *events]

    def visit(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        assert self.page.evaluate("document.body.classList.contains('js-enabled') || "
                                  "document.body.classList.contains('nhsuk-frontend-supported')"), url
        assert not self.violations(), f"{url}: {self.violations()}"


@pytest.fixture
def demo(settings: Any) -> None:
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # nine users: keep it quick
    load_demo(password=DEMO_PASSWORD)


def password_step(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/sign-in/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")


def test_the_policy_watch_sees_a_violation(page: Page, live_server: Any, db: Any) -> None:
    watch = PolicyWatch(page)
    watch.visit(f"{live_server.url}/sign-in/")
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(200)
    assert any("style-src" in v for v in watch.violations())


def test_no_page_breaks_the_content_security_policy(page: Page, live_server: Any, demo: None) -> None:
    base = live_server.url
    watch = PolicyWatch(page)
    watch.visit(f"{base}/sign-in/")
    page.click("button:has-text('Sign in')")  # the error summary (NHS.UK script moves focus to it)
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    assert not watch.violations()

    password_step(page, base, "matron", DEMO_PASSWORD)
    page.wait_for_url(f"{base}/cases/")
    for path in ["/", "/guide/", "/about/", "/cases/", "/cases/C-0001/", "/cases/C-0001/timeline/",
                 "/cases/incidents/new/", "/actions/", "/actions/mine/", "/account/two-factor/",
                 "/account/two-factor/set-up/"]:
        watch.visit(base + path)
    for path in ["/account/two-factor/", "/account/two-factor/set-up/"]:  # as a user who may choose
        page.goto(base + path)
        assert_accessible(page)
    page.goto(f"{base}/cases/incidents/new/")
    page.click("main button[type=submit]")  # a form's error summary, focused by NHS.UK script
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    assert not watch.violations()
    # A narrow window: the header menu collapses behind the NHS.UK "More" button.
    page.set_viewport_size({"width": 400, "height": 800})
    watch.visit(f"{base}/cases/")
    assert not watch.violations()
    page.set_viewport_size({"width": 1200, "height": 900})

    page.context.clear_cookies()
    password_step(page, base, "safety.lead", DEMO_PASSWORD)
    page.wait_for_url(f"{base}/cases/")
    for path in ["/insights/", "/insights/?period=quarter&hotspot=1"]:
        watch.visit(base + path)

    # A privileged role: through the real two-factor set-up, then the decision and fairness pages.
    page.context.clear_cookies()
    password_step(page, base, "hr.adviser", DEMO_PASSWORD)
    page.wait_for_url(f"{base}/account/two-factor/set-up/?next=%2Fcases%2F")
    assert not watch.violations()
    secret = page.locator("#secret code").inner_text().replace(" ", "")
    page.fill("#code", app_code(secret))
    page.click("button:has-text('Finish setting up')")
    page.wait_for_url(f"{base}/cases/")
    for path in ["/fairness/", "/cases/C-0001/decision/", "/cases/C-0001/referral/", "/cases/C-0001/equality/"]:
        watch.visit(base + path)


def test_two_factor_set_up_and_sign_in_in_a_browser(page: Page, live_server: Any, org: Any, make_user: Any) -> None:
    base = live_server.url
    auditor = make_user(org, "auditor")
    password_step(page, base, auditor.username, PASSWORD)
    page.wait_for_url(f"{base}/account/two-factor/set-up/?next=%2F")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)
    # Nothing else can be reached yet.
    page.goto(f"{base}/guide/")
    assert page.url.startswith(f"{base}/account/two-factor/set-up/")

    page.fill("#code", "000000")
    page.click("button:has-text('Finish setting up')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("The code is not right")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.click(".nhsuk-error-summary a")
    expect(page.locator("#code")).to_be_focused()

    secret = page.locator("#secret code").inner_text().replace(" ", "")
    page.fill("#code", app_code(secret, time.time() - 30))
    page.click("button:has-text('Finish setting up')")
    page.wait_for_url(f"{base}/guide/")  # where the user was going when sent to set up
    expect(page.locator(".jc-flash")).to_contain_text("Your authenticator app is set up")
    assert_accessible(page)

    page.click("button:has-text('Sign out')")
    page.wait_for_url(f"{base}/signed-out/")
    password_step(page, base, auditor.username, PASSWORD)
    page.wait_for_url(f"{base}/sign-in/code/?next=%2F")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your authenticator app")
    assert_accessible(page)
    page.fill("#code", "12")
    page.click("button:has-text('Continue')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the code as 6 digits")
    assert_accessible(page)
    page.fill("#code", app_code(secret))
    page.click("button:has-text('Continue')")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/account/two-factor/")
    expect(page.locator("main")).to_contain_text("Your role requires two-factor sign-in")
    assert_accessible(page)
    assert AuditEvent.objects.filter(action="two-factor.used", actor_id=auditor.pk).count() == 1


def test_locked_sign_in_in_a_browser(page: Page, live_server: Any, handler: Any) -> None:
    base = live_server.url
    for _ in range(5):
        password_step(page, base, handler.username, "wrong password")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("too many attempts to sign in")
    assert page.title().startswith("Error:")
    assert_accessible(page)
