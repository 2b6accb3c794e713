"""The filter form of the audit log page (GET), shared by its CSV download."""

from __future__ import annotations

from typing import Any

from django import forms

from justculture.auditlog import selectors
from justculture.auditlog.selectors import AuditFilters
from justculture.core.forms import JCForm, day_field


class AuditFilterForm(JCForm):
    date_from = day_field("Recorded from", "'recorded from'", required=False)
    date_to = day_field("Recorded to", "'recorded to'", required=False)
    actor = forms.CharField(label="Username of the person", required=False, max_length=150)
    action = forms.ChoiceField(label="Action", required=False, choices=(),
                               error_messages={"invalid_choice": "Select an action from the list"})
    object_type = forms.ChoiceField(label="Type of record", required=False, choices=(),
                                    error_messages={"invalid_choice": "Select a type of record from the list"})
    case = forms.CharField(label="Case reference", required=False, max_length=30, help_text="For example, C-0001")
    q = forms.CharField(label="Words in the summary", required=False, max_length=200,
                        help_text="For example, a team name or 'opened'")

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_id = organisation_id
        actions = selectors.action_choices(organisation_id)
        self.fields["action"].choices = [("", "Any action"), *actions]  # type: ignore[attr-defined]
        types = selectors.object_types_in(organisation_id)
        self.fields["object_type"].choices = [("", "Any type"), *[(t, t) for t in types]]  # type: ignore[attr-defined]
        self.case_id: int | None = None

    def clean_case(self) -> str:
        reference: str = self.cleaned_data["case"].strip()
        if reference:
            self.case_id = selectors.case_id_for(self.organisation_id, reference)
            if self.case_id is None:
                raise forms.ValidationError(f"There is no case {reference} in your organisation")
        return reference

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "'Recorded to' must be the same as or after 'recorded from'")
        return data

    def filters(self) -> AuditFilters:
        """The filters asked for (none when the form is unbound); call after is_valid()."""
        if not self.is_bound:
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            date_from=data["date_from"], date_to=data["date_to"], actor=data["actor"].strip(),
            action=data["action"], object_type=data["object_type"], case_id=self.case_id,
            case_reference=data["case"], q=data["q"].strip(),
        )

    def filtered(self) -> bool:
        return bool(self.filters().described()) if self.is_bound else False
