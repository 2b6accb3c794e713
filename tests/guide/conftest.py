"""Shared fixtures for the guide engine tests (plain pytest, no Django)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

import justculture.guide as guide_package
from justculture.guide import GuideDefinition, default_guide
from justculture.guide.loader import _GuideYamlLoader

PACKAGED_FILE = (
    Path(guide_package.__file__).parent / "definitions" / "nhs-just-culture-guide-2018.yaml"
)

_RAW: dict[str, Any] = yaml.load(PACKAGED_FILE.read_text(encoding="utf-8"), Loader=_GuideYamlLoader)


@pytest.fixture
def guide() -> GuideDefinition:
    return default_guide()


@pytest.fixture
def raw() -> dict[str, Any]:
    """A fresh, mutable copy of the packaged definition as plain data."""
    return copy.deepcopy(_RAW)


def question_item(raw: dict[str, Any], qid: str) -> dict[str, Any]:
    return next(q for q in raw["questions"] if q["id"] == qid)


def outcome_item(raw: dict[str, Any], code: str) -> dict[str, Any]:
    return next(o for o in raw["outcomes"] if o["code"] == code)
