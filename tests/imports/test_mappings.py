"""The packaged column mappings load, and each names the columns its docs promise."""

from __future__ import annotations

import pytest

from justculture.imports import mappings


@pytest.mark.parametrize("name", mappings.preset_names())
def test_every_packaged_preset_is_a_valid_mapping(name: str) -> None:
    kind = "workforce" if "workforce" in name or name.startswith("esr") else "incidents"
    mapping = mappings.load(name, kind)
    rules = mappings.FIELDS_BY_KIND[kind]
    assert all(field in mapping.fields for field, rule in rules.items() if rule.required)
    if kind == "incidents":
        assert mapping.source_system


def test_presets_are_listed_by_kind() -> None:
    assert mappings.preset_names("incidents") == ["datix", "inphase", "justculture", "ulysses"]
    assert mappings.preset_names("workforce") == ["esr-headcount", "justculture-workforce"]


def test_a_mapping_for_the_other_kind_is_refused_by_name() -> None:
    with pytest.raises(mappings.MappingError, match="this mapping is for incidents files, not workforce"):
        mappings.load("datix", "workforce")
