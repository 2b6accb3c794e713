"""Real headless Chromium (Debian's) driven by Playwright, with axe-core for accessibility.

The fixtures are made available to every test folder by tests/conftest.py; one browser serves the
whole session (Playwright's sync API allows one running instance per thread).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (creating data) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", None}
CHROMIUM = os.environ.get("JUSTCULTURE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium was not found at {CHROMIUM}. Run scripts/setup.sh (it installs Debian's chromium) "
            "or set JUSTCULTURE_CHROMIUM."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab. The test fails if a page asks any other host for anything (fonts,
    scripts, trackers) or raises a JavaScript error: the service must work self-contained."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    elsewhere: list[str] = []
    script_errors: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if urlsplit(r.url).hostname not in LOCAL_HOSTS else None)
    page.on("pageerror", lambda e: script_errors.append(str(e)))
    yield page
    context.close()
    assert not elsewhere, f"pages requested other hosts: {sorted(set(elsewhere))[:5]}"
    assert not script_errors, f"JavaScript errors: {script_errors[:3]}"


_axe = Axe()


def assert_accessible(page: Page) -> None:
    """Fail with a readable list when axe-core finds WCAG 2.2 AA violations on the page."""
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations: list[dict[str, Any]] = results.response["violations"]
    if violations:
        lines = [f"{page.url}: {len(violations)} accessibility violation(s)"]
        for v in violations:
            targets = "; ".join(", ".join(n["target"]) for n in v["nodes"][:3])
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} at {targets}")
        pytest.fail("\n".join(lines))


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Sign in through the form; for a role that needs two-factor sign-in, give the user an
    authenticator app first (through the service) and type the code it would show."""
    import time

    import pyotp

    from justculture.core import twofactor
    from justculture.core.models import User

    user = User.objects.get(username=username)
    secret = None
    if twofactor.requirement(user) is not None or twofactor.confirmed_device(user) is not None:
        if twofactor.confirmed_device(user) is None:
            _device, secret = twofactor.pending_setup(user)
            assert twofactor.confirm_setup(user, pyotp.TOTP(secret).at(time.time() - 30))
        else:
            secret = twofactor.device_secret(twofactor.confirmed_device(user))  # type: ignore[arg-type]
    page.goto(f"{base_url}/sign-in/")
    assert_accessible(page)
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    if secret is not None:
        page.wait_for_url(f"{base_url}/sign-in/code/**")
        assert_accessible(page)
        page.fill("#code", pyotp.TOTP(secret).now())
        page.click("button:has-text('Continue')")
    page.wait_for_url(lambda url: "/sign-in" not in url)
    page.wait_for_load_state("load")
