"""Forms for the decision, the referral considerations, advice taken and regulator details.

Messages follow the NHS.UK style: say what to do, in plain words. The forms check what they can
so that every problem is shown at once; the services check everything again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from justculture.core.forms import CreatesOnce, JCForm, consistency_confirmation_field
from justculture.decisions.models import ReferralConsideration
from justculture.decisions.rules import DecisionRules, decision_rules
from justculture.decisions.selectors import ReferralSection, Regulator

TEXT_MAX = 20000


def _text(label: str, help_text: str = "", *, required: bool = False, message: str = "") -> forms.CharField:
    errors = {"max_length": f"Enter no more than {TEXT_MAX:,} characters"}
    if message:
        errors["required"] = message
    return forms.CharField(label=label, help_text=help_text, required=required, max_length=TEXT_MAX,
                           widget=forms.Textarea, error_messages=errors)


def _not_in_future(value: date | None, message: str) -> None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(message)


class DecisionForm(CreatesOnce):
    considered_consistency = consistency_confirmation_field()
    # Restorative questions, asked before deciding.
    who_hurt = _text(
        "Who has been hurt?",
        "Think about patients, their families, the professional concerned and colleagues.",
    )
    their_needs = _text("What do they need?", "For example an apology, an explanation, support or reassurance.")
    obligations = _text(
        "Whose obligation is it to meet each need?",
        "Name who will meet each need: the organisation, a manager, the team or the professional.",
    )
    # Support offered to the professional.
    support_offered = forms.MultipleChoiceField(
        label="Support offered to the professional", required=False, choices=(),
        widget=forms.CheckboxSelectMultiple, help_text="Select all that apply",
        error_messages={"invalid_choice": "Select kinds of support from the list"},
    )
    support_notes = _text("Notes about the support offered (optional)",
                          "For example, when it was offered and whether it was taken up")
    # The course of action.
    measures = forms.MultipleChoiceField(
        label="Course of action", choices=(), widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
        error_messages={"required": "Select at least one course of action",
                        "invalid_choice": "Select courses of action from the list"},
    )
    support_detail = _text("Support for the individual: what will the person be given?",
                           "Needed if you chose support for the individual. For example, occupational health, "
                           "a mentor or reflective practice sessions")
    local_action_types = forms.MultipleChoiceField(
        label="Local action: what kind?", required=False, choices=(), widget=forms.CheckboxSelectMultiple,
        help_text="Needed if you chose local action. Select all that apply",
        error_messages={"invalid_choice": "Select kinds of local action from the list"},
    )
    formal_type = forms.ChoiceField(
        label="Formal process: which kind?", required=False, choices=(), widget=forms.RadioSelect,
        help_text="Needed if you chose a formal process",
        error_messages={"invalid_choice": "Select capability or disciplinary"},
    )
    rationale = _text("Why was this decision made?",
                      "Explain the reasons, with reference to the guide's outcome and the contextual factors",
                      required=True, message="Explain why this decision was made")
    decided_by_name = forms.CharField(
        label="Who made the decision", max_length=200, help_text="Name and role, for example 'Jo Smith, ward manager'",
        error_messages={"required": "Enter the name of who made the decision",
                        "max_length": "The name must be 200 characters or fewer"},
    )
    decided_on = forms.DateField(
        label="Date of the decision",
        error_messages={"required": "Enter the date of the decision", "invalid": "Enter a real date"},
    )
    departure_justification = _text(
        "Justification for departing from the guide",
        "Needed only when the course of action is more severe than the guide recommends, for example a "
        "formal process after outcome D or E. The decision will be flagged as a departure for the "
        "fairness review.",
    )

    def __init__(self, *args: Any, indication: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules: DecisionRules = decision_rules()
        self.indication = indication
        self.fields["measures"].choices = [(m.code, m.title) for m in self.rules.measures.values()]  # type: ignore[attr-defined]
        self.fields["support_offered"].choices = list(self.rules.support_offered.items())  # type: ignore[attr-defined]
        self.fields["local_action_types"].choices = list(self.rules.local_action_types.items())  # type: ignore[attr-defined]
        self.fields["formal_type"].choices = list(self.rules.formal_types.items())  # type: ignore[attr-defined]
        self.measure_hints = {m.code: m.description for m in self.rules.measures.values()}

    def clean_decided_on(self) -> date:
        value: date = self.cleaned_data["decided_on"]
        _not_in_future(value, "The date of the decision must be today or in the past")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        measures: list[str] = data.get("measures") or []
        if not measures:
            return data
        # Details given for a course of action that was not chosen: ask rather than guess.
        if "support" not in measures and data.get("support_detail", "").strip():
            self.add_error("support_detail", "Select 'Support for the individual', or clear what support will be given")
        if "local-action" not in measures and data.get("local_action_types"):
            self.add_error("local_action_types", "Select 'Local action', or clear the kinds of local action")
        if "formal-process" not in measures and data.get("formal_type"):
            self.add_error("formal_type", "Select 'Formal process', or clear the kind of formal process")
        if "no-further-action" in measures and self.rules.severity(measures) > 0:
            self.add_error("measures", "'No further action' cannot be combined with action aimed at the person")
        if "support" in measures and not data.get("support_detail", "").strip():
            self.add_error("support_detail", "Say what support the person will be given")
        if "local-action" in measures and not data.get("local_action_types") and "local_action_types" not in self.errors:
            self.add_error("local_action_types", "Select the kind of local action")
        if "formal-process" in measures and not data.get("formal_type") and "formal_type" not in self.errors:
            self.add_error("formal_type", "Select whether the formal process is capability or disciplinary")
        if self.departs and not data.get("departure_justification", "").strip():
            self.add_error(
                "departure_justification",
                "This decision is more severe than the guide recommends. Explain why you are departing from it",
            )
        return data

    @property
    def departs(self) -> bool:
        """Whether the chosen measures depart from the guide (known once the form is cleaned)."""
        measures = [m for m in (self.cleaned_data.get("measures") or []) if m in self.rules.measures]
        return bool(measures) and self.rules.departure(measures, self.indication)


class ReferralForm(JCForm):
    considered_consistency = consistency_confirmation_field()
    """One pair of fields per referral question: an answer and optional notes."""

    regulator = forms.ChoiceField(label="Regulator", choices=(),
                                  error_messages={"required": "Select the regulator",
                                                  "invalid_choice": "Select a regulator from the list"})
    summary = _text("Summary of your considerations (optional)",
                    "Where you have got to, and what still needs to be found out or decided")

    def __init__(self, *args: Any, sections: tuple[ReferralSection, ...], regulators: list[Regulator],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections
        self.fields["regulator"].choices = [(r.code, r.name) for r in regulators]  # type: ignore[attr-defined]
        for section in sections:
            for question in section.questions:
                self.fields[self.answer_name(question.id)] = forms.ChoiceField(
                    label=question.text, required=False, choices=ReferralConsideration.CHOICES,
                    widget=forms.RadioSelect,
                    error_messages={"invalid_choice": "Select yes, no or not sure yet"},
                )
                self.fields[self.notes_name(question.id)] = forms.CharField(
                    label="Notes (optional)", required=False, max_length=TEXT_MAX, widget=forms.Textarea,
                    error_messages={"max_length": f"Notes must be {TEXT_MAX:,} characters or fewer"},
                )

    def form_field(self, service_field: str) -> str:
        # The service names an answer "answers.<question id>".
        prefix, _, question_id = service_field.partition(".")
        return self.answer_name(question_id) if prefix == "answers" and question_id else service_field

    @staticmethod
    def answer_name(question_id: str) -> str:
        return f"answer-{question_id}"

    @staticmethod
    def notes_name(question_id: str) -> str:
        return f"notes-{question_id}"

    @classmethod
    def initial_from(cls, answers: dict[str, dict[str, str]]) -> dict[str, str]:
        initial: dict[str, str] = {}
        for qid, given in answers.items():
            initial[cls.answer_name(qid)] = given.get("answer", "")
            initial[cls.notes_name(qid)] = given.get("notes", "")
        return initial

    def answers(self) -> dict[str, dict[str, str]]:
        """The answers in the shape the service stores, leaving out questions not yet touched."""
        result: dict[str, dict[str, str]] = {}
        for section in self.sections:
            for question in section.questions:
                answer = self.cleaned_data.get(self.answer_name(question.id), "")
                notes = self.cleaned_data.get(self.notes_name(question.id), "")
                if answer or notes.strip():
                    result[question.id] = {"answer": answer, "notes": notes}
        return result


class AdviceForm(JCForm):
    advised_on = forms.DateField(
        label="Date of the advice",
        error_messages={"required": "Enter the date of the advice", "invalid": "Enter a real date"},
    )
    adviser = forms.CharField(
        label="Who gave the advice", max_length=200,
        help_text="Name and organisation, for example 'NMC employer link service, J. Smith'",
        error_messages={"required": "Enter who gave the advice",
                        "max_length": "Who gave the advice must be 200 characters or fewer"},
    )
    advice = _text("What advice was given?", required=True, message="Enter the advice that was given")

    def clean_advised_on(self) -> date:
        value: date = self.cleaned_data["advised_on"]
        _not_in_future(value, "The date of the advice must be today or in the past")
        return value


class RegulatorContactForm(JCForm):
    code = forms.ChoiceField(label="Regulator", choices=(),
                             error_messages={"required": "Select the regulator to change",
                                             "invalid_choice": "Select a regulator from the list"})
    name = forms.CharField(label="Name", max_length=200,
                           error_messages={"required": "Enter the regulator's name",
                                           "max_length": "The name must be 200 characters or fewer"})
    register = forms.CharField(label="Register (optional)", required=False, max_length=200,
                               help_text="Who is on the register, for example 'Nurses, midwives and nursing associates'",
                               error_messages={"max_length": "The register must be 200 characters or fewer"})
    referral_contact = _text("Referral contact (optional)",
                             "How your organisation refers to this regulator: address, telephone, email or web form")

    def __init__(self, *args: Any, regulators: list[Regulator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [(r.code, r.name) for r in regulators]  # type: ignore[attr-defined]
