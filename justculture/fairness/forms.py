"""Forms for equality data, the workforce import and the fairness page's choices, and the
confirmation checkbox for the decision and referral pages. Messages follow the NHS.UK style."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

# The confirmation checkbox lives in core.forms (decisions uses it); named here too for fairness pages.
from justculture.core.forms import (  # noqa: F401
    CONSISTENCY_FIELD_NAME,
    CONSISTENCY_LABEL,
    JCForm,
    consistency_confirmation_field,
    day_field,
)
from justculture.fairness.groups import DEFAULT_DIMENSION, DEFAULT_EVENT, RECORD_FIELDS, definitions
from justculture.fairness.periods import WINDOW, YEAR, Period, calendar_year, two_year_window

_QUESTIONS = {
    "ethnicity": ("What is their ethnic group?", "Select the answer they gave. Choose 'Prefer not to say' if they "
                                                  "chose not to answer, and 'Not known' if they have not been asked."),
    "sex": ("What is their sex?", ""),
    "disability": ("Do they consider themselves to have a disability?", ""),
    "age-band": ("What is their age band?", ""),
    "qualified": ("Where did they first qualify in their profession?", ""),
}


class EqualityForm(JCForm):
    """The five equality answers; staff group and contract type come from the person's record."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        defs = definitions()
        for dimension_code, field_name in RECORD_FIELDS.items():
            dimension = defs.dimension(dimension_code)
            label, hint = _QUESTIONS[dimension_code]
            self.fields[field_name] = forms.ChoiceField(
                label=label, help_text=hint, choices=dimension.choices(),
                widget=forms.Select if dimension_code == "ethnicity" else forms.RadioSelect,
                error_messages={"required": f"Select their {dimension.short}, or 'Not known'",
                                "invalid_choice": f"Choose their {dimension.short} from the list"},
            )


class WorkforceUploadForm(JCForm):
    MAX_BYTES = 2 * 1024 * 1024

    file = forms.FileField(
        label="Upload a CSV file", help_text="A CSV file of 2 MB or less",
        error_messages={"required": "Select a CSV file of workforce figures", "empty": "The selected file is empty"},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The selected file must be smaller than 2 MB")
        return upload


class FairnessFilterForm(JCForm):
    """The fairness page's choices, from the query string. Every field has a default."""

    event = forms.ChoiceField(label="Event", choices=(), required=False)
    dimension = forms.ChoiceField(label="Compare by", choices=(), required=False)
    period_type = forms.ChoiceField(
        label="Period", required=False, initial=WINDOW,
        choices=[(WINDOW, "Two years ending on a date (as WRES reports)"), (YEAR, "A calendar year")],
    )
    end_date = day_field("Last day of the two years", "the last day of the two years", required=False,
                         help_text="For example, 2025-03-31")
    year = forms.IntegerField(
        label="Calendar year", required=False, min_value=2000, max_value=2100, help_text="For example, 2024",
        error_messages={"invalid": "Enter the year as 4 digits, like 2024",
                        "min_value": "Enter a year from 2000", "max_value": "Enter a year up to 2100"},
    )
    team = forms.ChoiceField(label="Team", choices=(), required=False)
    workforce_period = forms.ChoiceField(label="Headcounts from", choices=(), required=False)

    def __init__(self, *args: Any, teams: Any, whole: bool, workforce_periods: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        defs = definitions()
        self.fields["event"].choices = defs.event_choices()  # type: ignore[attr-defined]
        self.fields["dimension"].choices = defs.dimension_choices()  # type: ignore[attr-defined]
        team_choices = [(str(t.pk), str(t)) for t in teams]
        self.fields["team"].choices = ([("", "Whole organisation")] if whole else []) + team_choices  # type: ignore[attr-defined]
        self.fields["workforce_period"].choices = [("", "Chosen automatically")] + [  # type: ignore[attr-defined]
            (p, p) for p in workforce_periods]
        self.whole = whole

    def choices(self, today: date | None = None) -> dict[str, Any]:
        """The chosen (or default) event, dimension, period, team id and workforce label."""
        today = today or timezone.localdate()
        # A mistake in one field keeps the others: cleaned_data holds every field that was valid.
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = dict(getattr(self, "cleaned_data", {}))
        period: Period
        if data.get("period_type") == YEAR:
            period = calendar_year(data.get("year") or today.year - 1)
        else:
            period = two_year_window(data.get("end_date") or today)
        team = data.get("team") or ""
        if not team and not self.whole:
            team = self.fields["team"].choices[0][0]  # type: ignore[attr-defined]
        return {
            "event": data.get("event") or DEFAULT_EVENT,
            "dimension": data.get("dimension") or DEFAULT_DIMENSION,
            "period": period,
            "team": int(team) if team else None,
            "workforce_period": data.get("workforce_period") or None,
        }
