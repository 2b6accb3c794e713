from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxValueValidator, MinValueValidator

from justculture.core.errors import ServiceError


class JCForm(forms.Form):
    """Base form: ids equal names, so error summary links and labels match the NHS macros."""

    #: Where this form names a field differently from the service (and the API), the service's
    #: name and the form's: the one place a ServiceError's ``field`` is translated for the form.
    service_fields: ClassVar[Mapping[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def form_field(self, service_field: str) -> str:
        """This form's name for a field a service names (the same name unless ``service_fields``
        says otherwise; a form with fields made per item may work it out here instead)."""
        return self.service_fields.get(service_field, service_field)

    def add_service_error(self, exc: ServiceError) -> None:
        """Show a service's refusal next to the field it names, or for the whole form when the
        field is None or not on this form (the error summary shows it either way)."""
        field = self.form_field(exc.field) if exc.field else None
        self.add_error(field if field in self.fields else None, exc.message)


class CreatesOnce(JCForm):
    """For forms that create something: a one-time token in a hidden field, made when the form is
    first shown and kept when it is shown again with errors, so a double submit (or the browser's
    resubmit) creates one thing (the view runs its write through ``core.once.web``). Render it
    with ``{{ form.submission_token }}`` inside the form."""

    submission_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", secrets.token_urlsafe(24))


#: The dates a filter (and the API) accepts: wide enough for any record, and far enough from the ends
#: of the calendar that a day added or two years taken away (a range's end, a reporting window)
#: cannot fall off it (an OverflowError, a server error, before this).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)


def day_field(label: str, named: str, **kwargs: Any) -> forms.DateField:
    """A date field for filters, between EARLIEST_DAY and LATEST_DAY, whose errors name the field
    as ``named`` ("'recorded from'")."""
    return forms.DateField(
        label=label, validators=[MinValueValidator(EARLIEST_DAY), MaxValueValidator(LATEST_DAY)],
        error_messages={
            "invalid": f"Enter a real date for {named}",
            "min_value": f"Enter a date for {named} in {EARLIEST_DAY.year} or later",
            "max_value": f"Enter a date for {named} in {LATEST_DAY.year} or earlier",
        },
        **kwargs,
    )


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. The password is case-sensitive.",
        "inactive": "This account is not active. Ask your organisation's administrator.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


CONSISTENCY_LABEL = "I have considered whether this decision is consistent with how others have been treated"
#: The name to give the confirmation field in a form, so the prompt macro and tests can find it.
CONSISTENCY_FIELD_NAME = "considered_consistency"


def consistency_confirmation_field() -> forms.BooleanField:
    """A required checkbox for the decision and referral forms.

    Add it as a form attribute named CONSISTENCY_FIELD_NAME, e.g.
    ``considered_consistency = consistency_confirmation_field()``, and render it with the
    ``consistency_checkbox`` macro of fairness/_prompt.jinja.
    """
    return forms.BooleanField(
        label=CONSISTENCY_LABEL, required=True,
        error_messages={"required": "Confirm that you have considered whether this decision is consistent with "
                                    "how others have been treated"},
    )
