"""Forms for actions. The rules about kinds and categories live in the services; forms check
the shape of the input and say what to do when it is wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from justculture.actions.kinds import action_kinds
from justculture.core.forms import JCForm
from justculture.core.models import Team, User
from justculture.core.validators import NoDirectionControls


def _required(message: str) -> dict[str, str]:
    return {"required": message}


def category_choices(kind: str | None = None) -> list[tuple[str, str]]:
    """Categories of one kind, or of every kind with the kind named so the list stays clear."""
    kinds = action_kinds()
    if kind is not None:
        return list(kinds.categories.get(kind, {}).items())
    return [
        (code, f"{title} ({kinds.kinds[k].lower()})")
        for k in kinds.kinds
        for code, title in kinds.categories[k].items()
    ]


def kind_of_category(category: str) -> str | None:
    kinds = action_kinds()
    return next((k for k, cats in kinds.categories.items() if category in cats), None)


if TYPE_CHECKING:
    _UserChoiceField = forms.ModelChoiceField[User]
else:  # the field is generic only in the type stubs
    _UserChoiceField = forms.ModelChoiceField


class OwnerChoiceField(_UserChoiceField):
    """Active users of the organisation, shown by name."""

    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class _ActionFields(JCForm):
    """The fields a new action and a changed one share."""

    category = forms.ChoiceField(label="Category", choices=(), error_messages=_required("Select a category"))
    title = forms.CharField(
        label="Title", max_length=200,
        help_text="A short description of what will be done, for example 'Review the night staffing rota'",
        error_messages={"required": "Enter a title for the action",
                        "max_length": "The title must be 200 characters or fewer"},
        validators=[NoDirectionControls("Title")],
    )
    description = forms.CharField(
        label="Details (optional)", required=False, max_length=20000, widget=forms.Textarea,
        help_text="What needs to happen and how you will know it is done",
    )
    owner = OwnerChoiceField(
        queryset=User.objects.none(), label="Owner (optional)", required=False,
        help_text="The person responsible for making sure the action is done",
        error_messages={"invalid_choice": "Select an owner from the list"},
    )
    due_date = forms.DateField(
        label="Due date (optional)", required=False, help_text="For example, 2027-03-31",
        error_messages={"invalid": "Enter a real date for the due date"},
    )
    factor_ids = forms.MultipleChoiceField(
        label="Contextual factors that prompted it (optional)", required=False, choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Factors recorded for this case as present or not known",
        error_messages={"invalid_choice": "Select factors from the list"},
    )

    def _setup(self, *, owners: QuerySet[User], factors: list[tuple[str, str]], categories: list[tuple[str, str]]) -> None:
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["factor_ids"].choices = factors  # type: ignore[attr-defined]
        self.fields["category"].choices = categories  # type: ignore[attr-defined]


class ActionForm(_ActionFields):
    """A new action. The kind is chosen once; the due date may not be in the past."""

    kind = forms.ChoiceField(
        label="What kind of action is it?", choices=(), widget=forms.RadioSelect,
        error_messages=_required("Select whether the action supports the individual or is system learning"),
    )
    field_order = ["kind", "category", "title", "description", "owner", "due_date", "factor_ids"]

    def __init__(self, *args: Any, owners: QuerySet[User], factors: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(action_kinds().kinds.items())  # type: ignore[attr-defined]
        self._setup(owners=owners, factors=factors, categories=category_choices())
        self.kind_hints = {
            k: ", ".join(t.lower() for t in cats.values()).capitalize()
            for k, cats in action_kinds().categories.items()
        }

    def clean_due_date(self) -> Any:
        due = self.cleaned_data.get("due_date")
        if due is not None and due < timezone.localdate():
            raise forms.ValidationError("The due date must be today or in the future")
        return due


class ActionEditForm(_ActionFields):
    """Change an action's details. Its kind stays as it was created."""

    field_order = ["category", "title", "description", "owner", "due_date", "factor_ids"]

    def __init__(self, *args: Any, kind: str, owners: QuerySet[User], factors: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup(owners=owners, factors=factors, categories=category_choices(kind))


class StatusForm(JCForm):
    status = forms.ChoiceField(label="Status", choices=(), widget=forms.RadioSelect,
                               error_messages=_required("Select a status"))
    note = forms.CharField(
        label="Reason or note", required=False, max_length=5000, widget=forms.Textarea,
        help_text="Needed when cancelling: say why the action is no longer needed",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (code, title) for code, (title, _tag) in action_kinds().statuses.items()
        ]


class TrackerFilterForm(JCForm):
    status = forms.ChoiceField(label="Status", required=False, choices=())
    kind = forms.ChoiceField(label="Kind", required=False, choices=())
    team = forms.ChoiceField(label="Team", required=False, choices=(),
                             error_messages={"invalid_choice": "Select a team from the list"})
    owner = forms.ChoiceField(label="Owner", required=False, choices=(),
                              error_messages={"invalid_choice": "Select an owner from the list"})
    overdue = forms.BooleanField(label="Show only overdue actions", required=False)
    sort = forms.ChoiceField(label="Sort", required=False, choices=[("due", "Due date, earliest first"),
                                                                     ("-due", "Due date, latest first")])

    def __init__(self, *args: Any, teams: QuerySet[Team], owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = action_kinds()
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", "Any status"), *[(code, title) for code, (title, _tag) in kinds.statuses.items()]
        ]
        self.fields["kind"].choices = [("", "Any kind"), *kinds.kinds.items()]  # type: ignore[attr-defined]
        self.fields["team"].choices = [("", "Any team"), *[(str(t.pk), str(t)) for t in teams]]  # type: ignore[attr-defined]
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", "Anyone"), ("none", "No owner yet"), *[(str(u.pk), u.display_name) for u in owners]
        ]
