"""The structural schema of a guide definition, and a small checker for it.

``GUIDE_SCHEMA`` is ordinary JSON Schema (draft 2020-12) so it can also be fed
to external tools or editors. To avoid a runtime dependency, the checker below
implements just the keywords the schema uses, and phrases its messages for
the people who write guide variants ("question 3b: missing required field
"explanation"") rather than as raw JSON pointers.

The graph rules (targets exist, no cycles, everything reachable ...) cannot be
expressed in JSON Schema; they live in :mod:`justculture.guide.loader`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"

GUIDE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://justculture.invalid/schema/guide-definition.json",
    "title": "Just culture guide definition",
    "type": "object",
    "required": [
        "id",
        "version",
        "title",
        "source",
        "start",
        "rules_of_use",
        "tests",
        "questions",
        "outcomes",
    ],
    "additionalProperties": False,
    "properties": {
        "id": {"$ref": "#/$defs/id"},
        "version": {"type": "string", "minLength": 1},
        "title": {"type": "string"},
        "source": {"type": "string"},
        "start": {"$ref": "#/$defs/id"},
        "rules_of_use": {"type": "array", "items": {"type": "string"}},
        "tests": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/test"}},
        "questions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/question"}},
        "outcomes": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/outcome"}},
    },
    "$defs": {
        "id": {"type": "string", "pattern": _ID_PATTERN},
        "test": {
            "type": "object",
            "required": ["id", "title", "description"],
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": "#/$defs/id"},
                "title": {"type": "string"},
                "description": {"type": "string"},
            },
        },
        "target": {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
            "properties": {
                "question": {"$ref": "#/$defs/id"},
                "outcome": {"$ref": "#/$defs/id"},
            },
        },
        "question": {
            "type": "object",
            "required": ["id", "test", "text", "explanation", "yes", "no"],
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": "#/$defs/id"},
                "test": {"$ref": "#/$defs/id"},
                "text": {"type": "string"},
                "explanation": {"type": "string"},
                "yes": {"$ref": "#/$defs/target"},
                "no": {"$ref": "#/$defs/target"},
                "context_prompt": {"type": "boolean"},
            },
        },
        "outcome": {
            "type": "object",
            "required": [
                "code",
                "title",
                "recommendation",
                "system_learning",
                "individual_action",
            ],
            "additionalProperties": False,
            "properties": {
                "code": {"$ref": "#/$defs/id"},
                "title": {"type": "string"},
                "recommendation": {"type": "string"},
                "system_learning": {"type": "string"},
                "individual_action": {
                    "enum": ["unlikely", "may-not", "health-pathway", "management"],
                },
            },
        },
    },
}

# Top-level lists whose items are named by a field, so that messages can say
# "question 3b" rather than "questions[3]".
_NAMED_ITEMS = {
    "questions": ("question", "id"),
    "tests": ("test", "id"),
    "outcomes": ("outcome", "code"),
}

Path = tuple[str | int, ...]


def guide_json_schema() -> dict[str, Any]:
    """A copy of the JSON Schema for guide definition files."""
    return copy.deepcopy(GUIDE_SCHEMA)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def _describe(value: object) -> str:
    kind = _type_name(value)
    if kind in ("object", "array"):
        return "an object" if kind == "object" else "a list"
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} {text}"


_EXPECTED = {
    "object": "an object (a mapping of fields)",
    "array": "a list",
    "string": "a string",
    "boolean": "true or false",
    "integer": "a whole number",
}


def _type_ok(value: object, expected: str) -> bool:
    actual = _type_name(value)
    return actual == expected or (expected == "number" and actual == "integer")


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    prefix = "#/$defs/"
    if not isinstance(ref, str) or not ref.startswith(prefix):
        raise ValueError(f"unsupported $ref {ref!r}")
    resolved: Mapping[str, Any] = root["$defs"][ref[len(prefix) :]]
    return _resolve(resolved, root)


def _check(
    value: object,
    schema: Mapping[str, Any],
    root: Mapping[str, Any],
    path: Path,
    out: list[tuple[Path, str]],
) -> None:
    schema = _resolve(schema, root)
    expected = schema.get("type")
    if isinstance(expected, str) and not _type_ok(value, expected):
        hint = ""
        if expected == "string" and _type_name(value) in ("integer", "number", "boolean"):
            hint = " (put the value in quotes)"
        out.append(
            (path, f"expected {_EXPECTED.get(expected, expected)}, got {_describe(value)}{hint}")
        )
        return
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(f'"{c}"' for c in schema["enum"])
        out.append((path, f"must be one of {choices}, got {_describe(value)}"))
        return
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            out.append((path, "must not be empty"))
        pattern = schema.get("pattern")
        if pattern is not None and value and not re.search(pattern, value):
            out.append(
                (
                    path,
                    f'"{value}" is not a valid id (use letters, digits, ".", "_" or "-", '
                    "starting with a letter or digit)",
                )
            )
    elif isinstance(value, Mapping):
        _check_object(value, schema, root, path, out)
    elif isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            out.append((path, f"needs at least {schema['minItems']} item(s)"))
        items = schema.get("items")
        if items is not None:
            for index, item in enumerate(value):
                _check(item, items, root, (*path, index), out)


def _check_object(
    value: Mapping[Any, Any],
    schema: Mapping[str, Any],
    root: Mapping[str, Any],
    path: Path,
    out: list[tuple[Path, str]],
) -> None:
    properties: Mapping[str, Any] = schema.get("properties", {})
    for key in value:
        if not isinstance(key, str):
            out.append((path, f"field names must be strings, got {_describe(key)}"))
    for name in schema.get("required", ()):
        if name not in value:
            out.append((path, f'missing required field "{name}"'))
    if schema.get("additionalProperties", True) is False:
        for key in value:
            if isinstance(key, str) and key not in properties:
                allowed = ", ".join(f'"{p}"' for p in properties)
                out.append((path, f'unexpected field "{key}" (allowed: {allowed})'))
    count = len(value)
    low, high = schema.get("minProperties"), schema.get("maxProperties")
    if (low is not None and count < low) or (high is not None and count > high):
        names = " or ".join(f'"{p}"' for p in properties)
        if low == high == 1:
            out.append((path, f"must have exactly one of {names}, found {count} field(s)"))
        else:
            out.append((path, f"has {count} field(s); allowed between {low} and {high}"))
    for key, sub in properties.items():
        if key in value:
            _check(value[key], sub, root, (*path, key), out)


def format_path(path: Sequence[str | int], document: object) -> str:
    """Render a path in words, naming questions/tests/outcomes by their id.

    ``("questions", 4, "yes")`` becomes ``question 3b, field "yes"`` when the
    fifth question has id 3b, and ``("version",)`` becomes ``field "version"``.
    """
    if not path:
        return "top level"
    label = ""
    rest: Sequence[str | int] = path
    head = path[0]
    if (
        isinstance(head, str)
        and head in _NAMED_ITEMS
        and len(path) > 1
        and isinstance(path[1], int)
    ):
        noun, id_field = _NAMED_ITEMS[head]
        index = path[1]
        rest = path[2:]
        label = f"{head}[{index}]"
        items = document.get(head) if isinstance(document, Mapping) else None
        if isinstance(items, list) and 0 <= index < len(items):
            item = items[index]
            name = item.get(id_field) if isinstance(item, Mapping) else None
            if isinstance(name, str) and name:
                label = f"{noun} {name}"
    dotted = ""
    for part in rest:
        if isinstance(part, int):
            dotted += f"[{part}]"
        else:
            dotted += f".{part}" if dotted else part
    if label and dotted:
        return f'{label}, field "{dotted}"'
    return label or f'field "{dotted}"'


def check_structure(document: object) -> list[str]:
    """Check ``document`` against :data:`GUIDE_SCHEMA`; return readable problems."""
    found: list[tuple[Path, str]] = []
    _check(document, GUIDE_SCHEMA, GUIDE_SCHEMA, (), found)
    return [f"{format_path(path, document)}: {message}" for path, message in found]
