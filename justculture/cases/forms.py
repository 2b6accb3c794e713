"""Forms for incidents, cases and acts. Validation messages follow the NHS.UK style: say what to do."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from justculture.cases.choices import EmploymentType, StaffGroup, regulator_choices
from justculture.cases.models import Act
from justculture.cases.states import case_states
from justculture.core.forms import CreatesOnce, JCForm
from justculture.core.models import Team
from justculture.core.validators import NoDirectionControls


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class IncidentForm(CreatesOnce):
    service_fields = {"team_id": "team"}

    occurred_date = forms.DateField(
        label="Date of the incident", error_messages={
            "required": "Enter the date of the incident", "invalid": "Enter a real date"},
    )
    occurred_time = forms.TimeField(
        label="Time of the incident", required=False, help_text="Leave blank if not known",
        error_messages={"invalid": "Enter a real time, like 14:30"},
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), label="Team", error_messages=_required("Select the team")
    )
    location = forms.CharField(label="Where it happened", required=False, max_length=200,
                               help_text="For example, the bay or room")
    description = forms.CharField(
        label="What happened", max_length=20000,
        help_text="Describe the facts as known so far. Avoid judging anyone.",
        error_messages=_required("Describe what happened"),
    )
    external_reference = forms.CharField(
        label="Incident system reference (optional)", required=False, max_length=100,
        help_text="A national or local incident-system number, if there is one",
    )
    patient_name = forms.CharField(
        label="Patient's name (optional)", required=False, max_length=200,
        help_text="Kept out of documentation packs unless you choose to include it",
    )
    patient_identifier = forms.CharField(
        label="Patient's NHS or hospital number (optional)", required=False, max_length=60,
    )

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day = data.get("occurred_date")
        if day is not None:
            moment = timezone.make_aware(datetime.combine(day, data.get("occurred_time") or time(0, 0)))
            if moment > timezone.now():
                self.add_error("occurred_date", "The date of the incident must be today or in the past")
            data["occurred_at"] = moment
        return data


class PersonForm(JCForm):
    name = forms.CharField(label="Full name", max_length=200, error_messages=_required("Enter the person's full name"),
                           validators=[NoDirectionControls("Full name")])
    role_title = forms.CharField(label="Role", max_length=200, help_text="For example, staff nurse or registrar",
                                 error_messages=_required("Enter the person's role"))
    staff_group = forms.ChoiceField(label="Staff group", choices=StaffGroup.choices,
                                    error_messages=_required("Select the staff group"))
    registration_body = forms.ChoiceField(label="Regulator", choices=(),
                                          error_messages=_required("Select the regulator"))
    registration_number = forms.CharField(label="Registration number", required=False, max_length=40,
                                          help_text="Their personal identification number on the register")
    band_or_grade = forms.CharField(label="Band or grade", required=False, max_length=60)
    years_in_role = forms.DecimalField(
        label="Years of experience in this role", required=False, min_value=0, max_value=70,
        max_digits=4, decimal_places=1, help_text="For example, 1.5",
        error_messages={"invalid": "Enter experience as a number of years, like 2 or 1.5",
                        "min_value": "Experience cannot be negative",
                        "max_value": "Experience must be 70 years or less"},
    )
    employment_type = forms.ChoiceField(label="Employment type", choices=EmploymentType.choices,
                                        error_messages=_required("Select the employment type"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registration_body"].choices = regulator_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("registration_body") not in (None, "none") and not data.get("registration_number"):
            self.add_error("registration_number", "Enter the registration number, or choose 'Not registered with a regulator'")
        return data


class CaseForm(PersonForm, CreatesOnce):
    concern = forms.CharField(
        label="What is the concern about this person's practice?", max_length=20000,
        help_text="Keep to the facts. The contextual factors are recorded separately.",
        error_messages=_required("Describe the concern"),
    )
    acts = forms.CharField(
        label="Acts or omissions to assess (optional)", required=False, max_length=20000,
        help_text="One a line. The guide is worked through for each act separately. You can add more later.",
    )

    def clean_acts(self) -> str:
        acts: str = self.cleaned_data.get("acts", "")
        lines = [line.strip() for line in acts.splitlines() if line.strip()]
        if len(lines) > Act.MAX_PER_CASE:
            raise forms.ValidationError(f"Enter at most {Act.MAX_PER_CASE} acts, one a line")
        for number, line in enumerate(lines, start=1):
            if len(line) > Act.MAX_LENGTH:
                raise forms.ValidationError(
                    f"Act {number} is longer than {Act.MAX_LENGTH:,} characters: describe one specific action or "
                    "omission on each line")
        return acts

    def act_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("acts", "").splitlines() if line.strip()]


class ConcernForm(JCForm):
    concern = CaseForm.base_fields["concern"]


class ActForm(JCForm):
    description = forms.CharField(
        label="Describe the act or omission", max_length=Act.MAX_LENGTH,
        help_text="One specific action, or failure to act, by this person. For example, 'gave 10 mg instead of 1 mg of morphine'.",
        error_messages={**_required("Describe the act or omission"),
                        "max_length": f"Describe the act in {Act.MAX_LENGTH:,} characters or fewer"},
    )


class StatusForm(JCForm):
    status = forms.ChoiceField(label="New status", choices=(), error_messages=_required("Select the new status"))
    reason = forms.CharField(
        label="Reason", required=False, max_length=2000, widget=forms.Textarea,
        help_text="Why the case is moving. Needed to reopen a closed case, and to close a case with work outstanding.",
        error_messages={"max_length": "The reason must be 2,000 characters or fewer"},
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        machine = case_states()
        self.fields["status"].choices = [(s, machine.title(s)) for s in machine.allowed(current)]  # type: ignore[attr-defined]
        self.hints = {s: machine.states[s].description for s in machine.allowed(current)}


class CaseFilterForm(JCForm):
    q = forms.CharField(label="Search", required=False, max_length=200,
                        help_text="Case or incident reference, name, or words in the concern")
    status = forms.ChoiceField(label="Status", required=False, choices=())
    team = forms.ChoiceField(label="Team", required=False, choices=())
    outcome = forms.ChoiceField(label="Latest guide outcome", required=False, choices=())
    date_from = forms.DateField(label="Incident from", required=False,
                                error_messages={"invalid": "Enter a real date for 'incident from'"})
    date_to = forms.DateField(label="Incident to", required=False,
                              error_messages={"invalid": "Enter a real date for 'incident to'"})
    factor = forms.ChoiceField(label="Contextual factor found", required=False, choices=())

    #: The names of the filters in a query string (anything else, such as ``page``, is not one).
    FILTER_NAMES = ("q", "status", "team", "outcome", "date_from", "date_to", "factor")

    def __init__(self, *args: Any, teams: list[tuple[str, str]], outcomes: list[tuple[str, str]],
                 factors: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["factor"].choices = [("", "Any factor"), *(factors or [])]  # type: ignore[attr-defined]
        self.fields["status"].choices = [("", "Any status"), *case_states().choices()]  # type: ignore[attr-defined]
        self.fields["team"].choices = [("", "Any team"), *teams]  # type: ignore[attr-defined]
        self.fields["outcome"].choices = [("", "Any outcome"), ("none", "No outcome yet"), *outcomes]  # type: ignore[attr-defined]
