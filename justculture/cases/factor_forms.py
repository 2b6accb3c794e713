"""Forms for contextual-factor records, evidence uploads and an organisation's own factors.

Messages follow the NHS.UK style: say what to do, in plain words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from justculture.cases.choices import Contribution, Presence
from justculture.cases.evidence import ACCEPTED_DESCRIPTION
from justculture.cases.models import EvidenceDocument
from justculture.core.forms import JCForm
from justculture.factors.models import OrganisationFactor
from justculture.factors.taxonomy import Factor

ACCOUNT_MAX = 20000


def document_label(document: EvidenceDocument) -> str:
    """How a document is named in a list of checkboxes: file name, description and date."""
    label = f"{document.original_name}: {document.description}"
    if document.document_date:
        day = document.document_date
        label += f" ({day.day} {day:%B %Y})"
    return label


if TYPE_CHECKING:
    _DocumentsField = forms.ModelMultipleChoiceField[EvidenceDocument]
else:
    _DocumentsField = forms.ModelMultipleChoiceField


class DocumentChoiceField(_DocumentsField):
    def label_from_instance(self, obj: Any) -> str:
        return document_label(obj)


class FactorRecordForm(JCForm):
    service_fields = {"documents": "evidence"}

    present = forms.ChoiceField(
        label="Was this factor present?", choices=Presence.choices,
        error_messages={"required": "Select whether this factor was present"},
    )
    contribution = forms.ChoiceField(
        label="How much did it contribute?", choices=Contribution.choices,
        help_text="Your judgement of how much this factor contributed to what happened",
        error_messages={"required": "Select how much this factor contributed"},
    )
    account = forms.CharField(
        label="What you found", required=False, max_length=ACCOUNT_MAX, widget=forms.Textarea,
        help_text="Describe what you found about this factor and where the information came from",
        error_messages={"max_length": f"What you found must be {ACCOUNT_MAX:,} characters or fewer"},
    )
    evidence = DocumentChoiceField(
        label="Evidence that supports this", required=False, queryset=EvidenceDocument.objects.none(),
        to_field_name="token", help_text="Select all documents that apply",
        error_messages={"invalid_choice": "Select documents from the list",
                        "invalid_pk_value": "Select documents from the list"},
    )

    def __init__(self, *args: Any, documents: QuerySet[EvidenceDocument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = documents  # type: ignore[attr-defined]


class EvidenceUploadForm(JCForm):
    service_fields = {"upload": "file", "factor_ids": "factors"}

    file = forms.FileField(
        label="Upload a file", allow_empty_file=True,
        help_text=f"A {ACCEPTED_DESCRIPTION}",
        error_messages={"required": "Choose a file to upload",
                        "invalid": "Choose a file to upload", "missing": "Choose a file to upload"},
    )
    description = forms.CharField(
        label="Describe the document", max_length=300,
        help_text="For example, 'Ward 7 rota for the week of the incident'",
        error_messages={"required": "Describe the document",
                        "max_length": "The description must be 300 characters or fewer"},
    )
    document_date = forms.DateField(
        label="Date of the document (optional)", required=False,
        help_text="The date the document was written or covers, if it has one",
        error_messages={"invalid": "Enter a real date for the document"},
    )
    factors = forms.MultipleChoiceField(
        label="Which contextual factors does it support?", required=False, choices=(),
        help_text="Select all that apply. You can link it to more factors later.",
        error_messages={"invalid_choice": "Select factors from the list"},
    )

    def __init__(self, *args: Any, factors: Sequence[Factor], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["factors"].choices = [(f.id, f.title) for f in factors]  # type: ignore[attr-defined]

    def clean_document_date(self) -> Any:
        day = self.cleaned_data.get("document_date")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError("The date of the document must be today or in the past")
        return day


class OrganisationFactorForm(JCForm):
    title = forms.CharField(
        label="Title", max_length=OrganisationFactor._meta.get_field("title").max_length,
        help_text="A short name for the factor, for example 'IT system outage'",
        error_messages={"required": "Enter a title for the factor",
                        "max_length": "The title must be 200 characters or fewer"},
    )
    description = forms.CharField(
        label="Description", max_length=2000, widget=forms.Textarea,
        help_text="What the factor means, so that everyone records it the same way",
        error_messages={"required": "Enter a description of the factor",
                        "max_length": "The description must be 2,000 characters or fewer"},
    )
