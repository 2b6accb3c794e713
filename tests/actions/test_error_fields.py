"""An action service's refusal carries the field it is about, named as the form and the API name
it, so the web page and the API put it in the right place whatever the wording of the message."""

from __future__ import annotations

from typing import Any

import pytest

from justculture.actions import services
from justculture.actions.forms import ActionForm, StatusForm
from justculture.api.schemas import ActionIn, ActionStatusIn


@pytest.mark.parametrize(("changes", "field"), [
    ({"kind": "x"}, "kind"),
    ({"kind": "support", "category": "staffing"}, "category"),
    ({"title": "  "}, "title"),
    ({"factor_ids": ["not-a-factor"]}, "factor_ids"),
    ({"owner": "outsider"}, "owner"),
])
def test_each_refusal_of_a_new_action_names_its_field(case, handler, outsider, changes, field):
    given: dict[str, Any] = {"kind": "system", "category": "staffing", "title": "Rota review", **changes}
    if given.get("owner") == "outsider":
        given["owner"] = outsider
    with pytest.raises(services.ActionError) as refused:
        services.action_create(case=case, **given, by=handler)
    assert refused.value.field == field
    assert field in ActionForm.base_fields and field in ActionIn.model_fields


@pytest.mark.parametrize(("status", "note", "field"), [("x", "", "status"), ("cancelled", " ", "note")])
def test_each_refusal_of_a_status_names_its_field(case, handler, status, note, field):
    action = services.action_create(case=case, kind="system", category="staffing", title="Rota review", by=handler)
    with pytest.raises(services.ActionError) as refused:
        services.action_set_status(action=action, status=status, note=note, by=handler)
    assert refused.value.field == field
    assert field in StatusForm.base_fields and field in ActionStatusIn.model_fields
