"""The form on the documentation pack page. Messages say what to do, in plain words."""

from __future__ import annotations

from typing import Any

from django import forms

from justculture.core.forms import JCForm
from justculture.packs.services import REASON_MAX

FORMAT_CHOICES = [
    ("pdf", "PDF"),
    ("json", "JSON"),
    ("zip", "Zip file with the evidence documents"),
]
FORMAT_HINTS = {
    "pdf": "To read, print or send to the regulator.",
    "json": "The same content as structured data, for other systems.",
    "zip": "The PDF, the JSON file and a copy of every evidence document, with a list of their SHA-256 hashes.",
}


class PackForm(JCForm):
    service_fields = {"fmt": "format"}

    format = forms.ChoiceField(
        label="Format", choices=FORMAT_CHOICES,
        error_messages={"required": "Select the format of the pack",
                        "invalid_choice": "Select the format of the pack"},
    )
    include_patient_details = forms.BooleanField(label="Include patient details", required=False)
    reason = forms.CharField(
        label="Why do patient details need to be included?", required=False, max_length=REASON_MAX,
        widget=forms.Textarea,
        help_text="Only if you tick the box. For example, the regulator has asked for unredacted records. "
                  "Your reason is recorded.",
        error_messages={"max_length": f"Reason must be {REASON_MAX} characters or fewer"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("include_patient_details") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter why patient details need to be included")
        return data
