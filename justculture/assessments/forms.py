"""Forms for the guided assessment. Messages follow the NHS.UK style: say what to do."""

from __future__ import annotations

from typing import Any

from django import forms

from justculture.assessments.models import Answer, PeerView
from justculture.assessments.selectors import FactorRow
from justculture.cases.models import EvidenceDocument, FactorRecord
from justculture.core.forms import JCForm

TEXT_LIMIT = 20000


class AnswerForm(JCForm):
    service_fields = {"factor_ids": "factor_records"}

    answer = forms.ChoiceField(
        choices=Answer.CHOICES, error_messages={"required": "Select yes, no or not yet known"}
    )
    rationale = forms.CharField(
        label="Why did you give this answer?", max_length=TEXT_LIMIT,
        help_text="Say what the answer is based on: facts, statements, records or the "
                  "contextual factors. Another reader should be able to follow your reasoning.",
        error_messages={"required": "Give the reason for your answer",
                        "max_length": "The reason must be 20,000 characters or fewer"},
    )
    documents = forms.ModelMultipleChoiceField(
        queryset=EvidenceDocument.objects.none(), required=False,
        label="Evidence this answer relies on (optional)",
        error_messages={"invalid_choice": "Select evidence from this case only"},
    )
    factor_records = forms.ModelMultipleChoiceField(
        queryset=FactorRecord.objects.none(), required=False,
        label="Contextual factors this answer relies on (optional)",
        error_messages={"invalid_choice": "Select contextual factors recorded for this case only"},
    )

    def __init__(
        self, *args: Any, documents: list[EvidenceDocument], factors: list[FactorRow],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        doc_field = self.fields["documents"]
        assert isinstance(doc_field, forms.ModelMultipleChoiceField)
        factor_field = self.fields["factor_records"]
        assert isinstance(factor_field, forms.ModelMultipleChoiceField)
        if self.is_bound:
            # Only an answer being sent is checked against the case's own documents and factors.
            doc_field.queryset = EvidenceDocument.objects.filter(pk__in=[d.pk for d in documents])
            factor_field.queryset = FactorRecord.objects.filter(pk__in=[f.record.pk for f in factors])
        doc_field.choices = [(d.pk, _document_label(d)) for d in documents]
        factor_field.choices = [(f.record.pk, f.title) for f in factors]


    @staticmethod
    def initial_for(existing: Answer | None) -> dict[str, Any]:
        """Initial values that show an answer already given."""
        if existing is None:
            return {}
        return {
            "answer": existing.answer, "rationale": existing.rationale,
            "documents": [d.pk for d in existing.documents.all()],
            "factor_records": [r.pk for r in existing.factor_records.all()],
        }


def _document_label(document: EvidenceDocument) -> str:
    if document.description and document.description != document.original_name:
        return f"{document.original_name}: {document.description}"
    return document.original_name


class PeerViewForm(JCForm):
    peer_name = forms.CharField(
        label="Peer's name", max_length=200,
        help_text="Someone from the same peer group as the person, not involved in the incident",
        error_messages={"required": "Enter the peer's name"},
    )
    peer_role = forms.CharField(
        label="Peer's role", max_length=200, help_text="For example, staff nurse, band 5",
        error_messages={"required": "Enter the peer's role"},
    )
    experience = forms.CharField(
        label="Experience and qualifications", max_length=200,
        help_text="For example, 3 years on an acute medical ward; IV-trained",
        error_messages={"required": "Enter the peer's experience and qualifications"},
    )
    view = forms.ChoiceField(
        choices=PeerView.CHOICES, label="In the same circumstances, what would the peer have done?",
        error_messages={"required": "Select what the peer would have done"},
    )
    account = forms.CharField(
        label="What did the peer say they would have done, and why?", max_length=TEXT_LIMIT,
        error_messages={"required": "Describe what the peer would have done",
                        "max_length": "The description must be 20,000 characters or fewer"},
    )


class RevisitForm(JCForm):
    reason = forms.CharField(
        label="Why is the assessment being revisited?", max_length=TEXT_LIMIT,
        help_text="For example, new statements or records have come to light. The earlier "
                  "version is kept as it is.",
        error_messages={"required": "Give the reason for revisiting the assessment",
                        "max_length": "The reason must be 20,000 characters or fewer"},
    )


class ConfirmForm(JCForm):
    """No fields: carries a problem reported by the service back to the check page."""
