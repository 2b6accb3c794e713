"""The filter form of the insights page (GET), shared by its CSV and PDF downloads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from justculture.core.forms import JCForm, day_field
from justculture.core.models import Team
from justculture.insights.selectors import Filters


class InsightFilterForm(JCForm):
    date_from = day_field("Incident from", "'incident from'", required=False)
    date_to = day_field("Incident to", "'incident to'", required=False)
    team = forms.ChoiceField(label="Team", required=False, choices=(),
                             error_messages={"invalid_choice": "Select a team from the list"})
    site = forms.ChoiceField(label="Site", required=False, choices=(),
                             error_messages={"invalid_choice": "Select a site from the list"})
    period = forms.ChoiceField(label="Group dates by", required=False,
                               choices=[("month", "Month"), ("quarter", "Quarter")],
                               error_messages={"invalid_choice": "Select month or quarter"})
    hotspot = forms.IntegerField(
        label="Hotspot threshold", required=False, min_value=1, max_value=999,
        error_messages={"invalid": "Enter the hotspot threshold as a whole number, like 3",
                        "min_value": "The hotspot threshold must be 1 or more",
                        "max_value": "The hotspot threshold must be 999 or less"},
    )

    def __init__(self, *args: Any, teams: Sequence[Team], hotspot_default: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "Every team"), *[(str(t.pk), str(t)) for t in teams]]  # type: ignore[attr-defined]
        sites = sorted({t.site for t in teams if t.site}, key=str.lower)
        self.fields["site"].choices = [("", "Every site"), *[(s, s) for s in sites]]  # type: ignore[attr-defined]
        if hotspot_default is None:
            # Readers who may not see small figures cannot lower the hotspot threshold.
            del self.fields["hotspot"]
        else:
            self.fields["hotspot"].help_text = (
                "Flag a factor found in at least this many cases of one team or site in a period. "
                f"Leave blank for your organisation's setting ({hotspot_default})."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "'Incident to' must be the same as or after 'incident from'")
        return data

    def filters(self) -> tuple[Filters, int | None]:
        """The filters and hotspot threshold asked for; the defaults when the form is unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return Filters(), None
        data = self.cleaned_data
        filters = Filters(
            date_from=data["date_from"], date_to=data["date_to"],
            team=int(data["team"]) if data["team"] else None, site=data["site"],
            period=data["period"] or "month",
        )
        return filters, data.get("hotspot")
