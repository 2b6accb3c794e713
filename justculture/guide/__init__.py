"""The just culture guide engine: definitions as data, validation, evaluation.

Pure Python with no Django imports, so it can be used and tested on its own.
"""

from __future__ import annotations

from .engine import Answer, Evaluation, check_answers, evaluate, parse_answers_json
from .errors import AnswerError, GuideDefinitionError
from .loader import available_guides, default_guide, guide_from_data, load_guide, parse_guide
from .model import INDIVIDUAL_ACTIONS, GuideDefinition, Outcome, Question, Target, Test
from .schema import guide_json_schema

__all__ = [
    "INDIVIDUAL_ACTIONS",
    "Answer",
    "AnswerError",
    "Evaluation",
    "GuideDefinition",
    "GuideDefinitionError",
    "Outcome",
    "Question",
    "Target",
    "Test",
    "available_guides",
    "check_answers",
    "default_guide",
    "evaluate",
    "guide_from_data",
    "guide_json_schema",
    "load_guide",
    "parse_answers_json",
    "parse_guide",
]
