"""Service errors name their field; forms put the message next to that field, never where the
wording of the message suggests, so a message can be reworded without the error moving."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from justculture.actions.forms import StatusForm
from justculture.actions.services import ActionError
from justculture.api.errors import ApiError
from justculture.api.services import TokenError
from justculture.assessments.services import AssessmentError
from justculture.cases.evidence import EvidenceFileError
from justculture.cases.factor_forms import EvidenceUploadForm, FactorRecordForm
from justculture.cases.models import EvidenceDocument
from justculture.cases.services import CaseRuleError
from justculture.core.errors import ServiceError
from justculture.decisions.forms import ReferralForm
from justculture.decisions.selectors import referral_sections
from justculture.decisions.services import DecisionError
from justculture.factors.services import FactorRuleError
from justculture.fairness.periods import PeriodError
from justculture.fairness.services import FairnessError
from justculture.imports.services import ImportRuleError
from justculture.packs.errors import PackError
from justculture.retention.rules import RulesError
from justculture.retention.services import RetentionError
from justculture.retention.subject_access import SubjectAccessError

SOURCE = Path(__file__).resolve().parents[2] / "justculture"
# Errors about a file's content row by row (with a list of problems), not about a request.
NOT_SERVICE_ERRORS = {"MappingError", "CsvFileError"}


def _status_form() -> StatusForm:
    form = StatusForm({"status": "cancelled", "note": ""})
    assert form.is_valid()
    return form


def test_the_message_goes_next_to_the_field_the_error_names_whatever_its_words():
    form = _status_form()
    # Words that once would have sent the error to "status" (an old matcher looked for them).
    form.add_service_error(ActionError("The status of this cancellation needs a category.", field="note"))
    assert form.errors["note"] == ["The status of this cancellation needs a category."]
    assert "status" not in form.errors and not form.non_field_errors()


@pytest.mark.parametrize("field", [None, "not_a_field_of_this_form"])
def test_an_error_about_the_whole_request_or_another_field_is_shown_for_the_form(field):
    form = _status_form()
    form.add_service_error(ActionError("Something about the request as a whole.", field=field))
    assert form.non_field_errors() == ["Something about the request as a whole."]


def test_a_form_that_names_a_field_differently_translates_it_in_one_place(db):
    record = FactorRecordForm({"present": "yes", "contribution": "minor"}, documents=EvidenceDocument.objects.none())
    assert record.is_valid()
    record.add_service_error(CaseRuleError("Evidence can only be linked from the same case.", field="documents"))
    assert record.errors["evidence"] == ["Evidence can only be linked from the same case."]
    upload = EvidenceUploadForm({}, factors=[])
    upload.is_valid()
    upload.add_service_error(EvidenceFileError("The file is empty.", field="upload"))
    assert "The file is empty." in upload.errors["file"]
    sections = referral_sections()
    question = sections[0].questions[0].id
    referral = ReferralForm({}, sections=sections, regulators=[])
    referral.is_valid()
    referral.add_service_error(DecisionError("Answer yes, no or not sure yet.", field=f"answers.{question}"))
    assert referral.errors[ReferralForm.answer_name(question)] == ["Answer yes, no or not sure yet."]


@pytest.mark.parametrize("error", [
    CaseRuleError, AssessmentError, DecisionError, ActionError, FactorRuleError, EvidenceFileError, FairnessError,
    PeriodError, PackError, RetentionError, SubjectAccessError, RulesError, ImportRuleError, TokenError, ApiError,
])
def test_every_service_error_is_a_service_error(error):
    assert issubclass(error, ServiceError)
    assert error("Words.", field="x").field == "x" and error("Words.").field is None


def test_no_error_class_outside_the_guide_engine_bypasses_service_error():
    # A refusal is a ValueError; outside the guide engine (which must not import core) it is a
    # ServiceError, so forms and the API know the field it is about.
    direct = [
        f"{path.relative_to(SOURCE)}: {node.name}"
        for path in SOURCE.rglob("*.py") if "guide" not in path.relative_to(SOURCE).parts[:1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name not in NOT_SERVICE_ERRORS
        and any(isinstance(b, ast.Name) and b.id == "ValueError" for b in node.bases)
        and node.name != "ServiceError"
    ]
    assert direct == []


def test_no_view_works_out_a_field_from_an_error_message():
    # form.add_error(..., str(exc)) is how an error lost its field before; add_service_error keeps it.
    found = [
        f"{path.relative_to(SOURCE)}:{node.lineno}"
        for path in SOURCE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_error"
        and any(isinstance(a, ast.Call) and isinstance(a.func, ast.Name) and a.func.id == "str"
                for a in [*node.args, *(k.value for k in node.keywords)])
    ]
    assert found == []
