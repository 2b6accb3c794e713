"""Fixed lists used by case records. Regulators are data (regulators.yaml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from django.db import models


class StaffGroup(models.TextChoices):
    NURSING = "nursing-midwifery", "Nursing and midwifery"
    MEDICAL = "medical-dental", "Medical and dental"
    AHP = "allied-health", "Allied health professionals"
    SCIENTIFIC = "scientific", "Healthcare scientists"
    PHARMACY = "pharmacy", "Pharmacy"
    CLINICAL_SUPPORT = "clinical-support", "Support to clinical staff"
    OTHER = "other", "Other"


class EmploymentType(models.TextChoices):
    SUBSTANTIVE = "substantive", "Substantive"
    BANK = "bank", "Bank"
    AGENCY = "agency", "Agency"
    STUDENT = "student", "Student"


class Presence(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


class Contribution(models.TextChoices):
    NONE = "none", "Did not contribute"
    MINOR = "minor", "Minor"
    MODERATE = "moderate", "Moderate"
    MAJOR = "major", "Major"
    NOT_ASSESSED = "not-assessed", "Not yet assessed"


@cache
def regulators() -> list[dict[str, str]]:
    data = yaml.safe_load(Path(__file__).with_name("regulators.yaml").read_text(encoding="utf-8"))
    return list(data["regulators"])


def regulator_choices() -> list[tuple[str, str]]:
    return [(r["code"], r["name"]) for r in regulators()]


def regulator_name(code: str) -> str:
    return next((r["name"] for r in regulators() if r["code"] == code), code)
