"""Forms for the retention periods page and the subject access export."""

from __future__ import annotations

from django import forms

from justculture.core.forms import JCForm
from justculture.retention.models import RetentionOverride
from justculture.retention.services import REASON_MAX
from justculture.retention.subject_access import REASON_MAX as SAR_REASON_MAX


class PeriodForm(JCForm):
    amount = forms.IntegerField(
        label="How many", min_value=1, max_value=36500,
        error_messages={"required": "Enter how many days, months or years to keep these records",
                        "invalid": "Enter the period as a whole number, like 6",
                        "min_value": "Enter a period of at least 1",
                        "max_value": "Enter a number no bigger than 36,500"},
    )
    unit = forms.ChoiceField(
        label="Days, months or years", choices=RetentionOverride.UNIT_CHOICES,
        error_messages={"required": "Select days, months or years",
                        "invalid_choice": "Select days, months or years"},
    )
    reason = forms.CharField(
        label="Why your organisation keeps these records for this long",
        help_text="For example the policy or retention schedule entry it follows. Do not include personal details.",
        max_length=REASON_MAX, widget=forms.Textarea,
        error_messages={"required": "Enter why your organisation keeps these records for this long",
                        "max_length": f"Enter no more than {REASON_MAX:,} characters"},
    )


class PeopleSearchForm(JCForm):
    q = forms.CharField(
        label="Name, registration number or case reference", max_length=200,
        error_messages={"required": "Enter a name, registration number or case reference",
                        "max_length": "Enter no more than 200 characters"},
    )


class SubjectAccessForm(JCForm):
    include_patient_details = forms.ChoiceField(
        label="Include patient details?",
        help_text="Patient names and NHS or hospital numbers are redacted unless there is a reason to include them.",
        choices=[("no", "No, redact patient details"), ("yes", "Yes, include patient details")],
        initial="no", widget=forms.RadioSelect,
        error_messages={"required": "Select whether to include patient details",
                        "invalid_choice": "Select whether to include patient details"},
    )
    reason = forms.CharField(
        label="Reason for including patient details (only if included)", required=False,
        max_length=SAR_REASON_MAX, widget=forms.Textarea,
        error_messages={"max_length": f"Enter no more than {SAR_REASON_MAX:,} characters"},
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        include = data.get("include_patient_details") == "yes"
        reason = str(data.get("reason") or "").strip()
        if include and not reason:
            self.add_error("reason", "Enter the reason for including patient details")
        elif reason and not include:
            self.add_error("reason", "Leave the reason empty when patient details are redacted")
        return data
