"""Loading packaged and organisation-supplied definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from justculture.guide import (
    GuideDefinitionError,
    available_guides,
    default_guide,
    load_guide,
)

from .conftest import PACKAGED_FILE


def test_default_guide_is_cached() -> None:
    assert default_guide() is default_guide()


def test_load_guide_matches_default() -> None:
    loaded = load_guide(PACKAGED_FILE)
    assert loaded == default_guide()
    assert loaded.origin == str(PACKAGED_FILE)


def test_available_guides_lists_the_packaged_guide() -> None:
    guides = available_guides()
    assert guides[("nhs-just-culture-guide", "2018")] is default_guide()


def _variant(raw: dict[str, Any], tmp_path: Path, name: str, **changes: Any) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({**raw, **changes}), encoding="utf-8")
    return path


def test_extra_dir_adds_variants(raw: dict[str, Any], tmp_path: Path) -> None:
    _variant(raw, tmp_path, "ours.yaml", id="our-trust-guide")
    _variant(raw, tmp_path, "ours-2.yml", id="our-trust-guide", version="2")
    (tmp_path / "notes.txt").write_text("not a guide", encoding="utf-8")
    guides = available_guides([tmp_path])
    assert list(guides) == [
        ("nhs-just-culture-guide", "2018"),
        ("our-trust-guide", "2"),
        ("our-trust-guide", "2018"),
    ]
    assert guides[("our-trust-guide", "2018")].origin == str(tmp_path / "ours.yaml")


def test_same_id_and_version_twice_is_refused(raw: dict[str, Any], tmp_path: Path) -> None:
    _variant(raw, tmp_path, "copy.yaml")
    with pytest.raises(
        GuideDefinitionError, match="nhs-just-culture-guide version 2018 is defined twice"
    ):
        available_guides([tmp_path])


def test_broken_variant_is_refused_naming_the_file(raw: dict[str, Any], tmp_path: Path) -> None:
    path = _variant(raw, tmp_path, "broken.yaml", id="ours", start="9z")
    with pytest.raises(GuideDefinitionError, match=f"^{path}: ") as caught:
        available_guides([tmp_path])
    assert 'start points to unknown question "9z"' in str(caught.value)


def test_missing_extra_dir(tmp_path: Path) -> None:
    with pytest.raises(GuideDefinitionError, match="directory not found"):
        available_guides([tmp_path / "absent"])
