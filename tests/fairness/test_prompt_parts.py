"""The pieces handed to the decision and referral pages: the checkbox field and the macros."""

from __future__ import annotations

from django import forms
from django.template import engines

from justculture.core.forms import JCForm
from justculture.fairness.forms import CONSISTENCY_FIELD_NAME, CONSISTENCY_LABEL, consistency_confirmation_field
from justculture.fairness.selectors import DecisionPrompt, PromptLine


class Confirm(JCForm):
    considered_consistency = consistency_confirmation_field()


def render(source: str, **context: object) -> str:
    return engines["jinja2"].from_string(
        '{% from "fairness/_prompt.jinja" import fairness_prompt, consistency_checkbox %}' + source
    ).render(context)


def test_the_checkbox_must_be_ticked():
    assert CONSISTENCY_FIELD_NAME == "considered_consistency"
    assert isinstance(Confirm.base_fields[CONSISTENCY_FIELD_NAME], forms.BooleanField)
    empty = Confirm({})
    assert not empty.is_valid()
    assert empty.errors[CONSISTENCY_FIELD_NAME] == [
        "Confirm that you have considered whether this decision is consistent with how others have been treated"]
    assert Confirm({CONSISTENCY_FIELD_NAME: "on"}).is_valid()


def test_the_checkbox_macro_shows_the_label_the_state_and_the_error():
    html = render("{{ consistency_checkbox(form.considered_consistency) }}", form=Confirm({}))
    assert CONSISTENCY_LABEL in html and 'id="considered_consistency"' in html
    assert "nhsuk-error-message" in html and "checked" not in html
    html = render("{{ consistency_checkbox(form.considered_consistency) }}", form=Confirm({CONSISTENCY_FIELD_NAME: "on"}))
    assert "checked" in html and "nhsuk-error-message" not in html


def prompt(alert: str | None = None) -> DecisionPrompt:
    return DecisionPrompt("Before you decide: consistency", "In the two years to 1 May 2026, ...",
                          [PromptLine("White staff: 1.2% (12 of 1,000).")], None, alert, "Would you?", "A note.",
                          None, "Formal action")


def test_the_prompt_macro():
    html = render("{{ fairness_prompt(p) }}", p=prompt())
    assert "nhsuk-inset-text" in html and "White staff: 1.2% (12 of 1,000)." in html and "<h2" in html
    assert "See the fairness figures" not in html
    html = render("{{ fairness_prompt(p, heading_level=3) }}", p=prompt("Take care."))
    assert "nhsuk-card--warning" in html and "Take care." in html and "<h3" in html
    assert render("{{ fairness_prompt(None) }}").strip() == ""
