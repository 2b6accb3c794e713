"""The fairness pages in a real headless Chromium, checked with axe-core (WCAG 2.2 AA)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.template import engines
from django.utils import timezone
from playwright.sync_api import Page, expect

from justculture.cases.models import Case
from justculture.core.models import User
from justculture.fairness import selectors
from justculture.fairness.forms import EqualityForm
from tests.browser_support import assert_accessible
from tests.fairness.conftest import BLACK_AFRICAN, WHITE, client_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
assert EqualityForm  # the form the equality page renders


def sign_in_as(page: Page, base: str, user: User) -> None:
    """Start the browser with the session of a signed-in test client (past any second factor)."""
    cookie = client_for(user).cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base}])


def _check(page: Page) -> None:
    assert_accessible(page)
    expect(page.locator("h1")).to_have_count(1)


def test_the_fairness_pages_in_a_browser(page: Page, live_server: Any, hr: User, handler: User, make_case: Any,
                                         record_equality: Any, import_workforce: Any) -> None:
    year = timezone.localdate().year
    import_workforce(f"period,group,headcount\n{year},White,400\n{year},Ethnic minority,100\n{year},Not known,9\n")
    cases: list[Case] = []
    for i in range(10):
        cases.append(make_case(handler, name=f"W{i}"))
        record_equality(cases[-1], ethnicity=WHITE)
        cases.append(make_case(handler, name=f"M{i}"))
        record_equality(cases[-1], ethnicity=BLACK_AFRICAN)
    base = live_server.url
    sign_in_as(page, base, hr)

    # The equality page: a form, then an error, then saved.
    page.goto(f"{base}/cases/{cases[0].reference}/equality/")
    _check(page)
    page.select_option("#ethnicity", "C")
    page.click("button:has-text('Save equality information')")
    page.wait_for_url(f"{base}/cases/{cases[0].reference}/")

    # The fairness page: chart, table and alert (10 of 100 against 9 of 400).
    page.goto(f"{base}/fairness/?event=concern-raised")
    expect(page.locator("svg[role=img]")).to_have_count(1)
    expect(page.locator(".nhsuk-card--warning")).to_contain_text("outside 0.80 to 1.25")
    _check(page)
    page.select_option("#dimension", "sex")
    page.check("#period_type-2")
    page.fill("#year", "2024")
    page.click("button:has-text('Show figures')")
    expect(page.locator("dl")).to_contain_text("1 January 2024")
    _check(page)

    # The workforce import, with a file that has problems.
    page.goto(f"{base}/fairness/workforce/")
    _check(page)
    page.set_input_files("#file", files=[{"name": "w.csv", "mimeType": "text/csv",
                                          "buffer": b"period,group,headcount\n2024,White,x\n2024,Purple,3\n"}])
    page.click("button:has-text('Import figures')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("The file has 2 problems")
    expect(page.locator("#problems")).to_be_visible()
    _check(page)


def test_the_decision_prompt_is_accessible(page: Page, hr: User, handler: User, make_case: Any,
                                           record_equality: Any, import_workforce: Any) -> None:
    year = timezone.localdate().year
    import_workforce(f"period,group,headcount\n{year},White,400\n{year},Ethnic minority,100\n")
    case = make_case(handler)
    record_equality(case, ethnicity=BLACK_AFRICAN)
    record_equality(make_case(handler, name="Alex Jones"), ethnicity=WHITE)
    case.organisation.suppression_threshold = 1
    case.organisation.save()
    from django import forms

    from justculture.fairness.forms import consistency_confirmation_field

    class Confirm(forms.Form):
        considered_consistency = consistency_confirmation_field()

    form = Confirm({}, auto_id="%s")
    form.is_valid()
    template = engines["jinja2"].from_string(
        '{% from "fairness/_prompt.jinja" import fairness_prompt, consistency_checkbox %}'
        '<!DOCTYPE html><html lang="en-GB"><head><title>Prompt</title></head><body><main>'
        "<h1>Record the decision</h1>{{ fairness_prompt(prompt) }}{{ consistency_checkbox(form.considered_consistency) }}"
        "</main></body></html>"
    )
    page.set_content(template.render({"prompt": selectors.decision_prompt(case, hr, event="concern-raised"), "form": form}))
    expect(page.locator(".jc-fairness-prompt")).to_contain_text("Staff in the same group as this person")
    expect(page.locator("#considered_consistency")).to_have_count(1)
    assert_accessible(page)
