"""Column mapping files: which column of an export holds each of our fields, and how to read it.

A mapping is YAML (see docs/import.md). The packaged presets in ``presets/`` are used by name
(``--mapping datix``); anything else is read as a path. A mapping that is itself wrong is reported
with the file and the key at fault, before any row is read.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from justculture.imports.source import check_encoding

PRESETS = Path(__file__).with_name("presets")
MAX_MAPPING_BYTES = 256 * 1024


@dataclass(frozen=True)
class FieldRule:
    """One of our fields and where (and how) its value comes from."""

    required: bool  # the field must have a value in every row
    max_length: int | None = None
    kind: str = "text"  # text | datetime | integer
    sensitive: bool = False  # never shown in a problem message


INCIDENT_FIELDS: dict[str, FieldRule] = {
    "source_reference": FieldRule(True, 100),
    "occurred_at": FieldRule(True, kind="datetime"),
    "team": FieldRule(True, 200),
    "description": FieldRule(True, None, sensitive=True),
    "location": FieldRule(False, 200),
    "external_reference": FieldRule(False, 100),
    "patient_name": FieldRule(False, 200, sensitive=True),
    "patient_identifier": FieldRule(False, 60, sensitive=True),
}
WORKFORCE_FIELDS: dict[str, FieldRule] = {
    "period": FieldRule(True, 40),
    "group": FieldRule(True, 200),
    "headcount": FieldRule(True, kind="integer"),
    "team": FieldRule(False, 200),
    "dimension": FieldRule(False, 30),
}
FIELDS_BY_KIND = {"incidents": INCIDENT_FIELDS, "workforce": WORKFORCE_FIELDS}
SPEC_KEYS = {"column", "columns", "join", "value", "formats", "time_column", "time_formats", "values",
             "optional", "default"}
TOP_KEYS = {"name", "kind", "source_system", "encoding", "timezone", "fields"}
SOURCE_SYSTEM = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")


class MappingError(ValueError):
    """The mapping file itself is wrong; the message names the file and the key."""


def key(text: str) -> str:
    """How column names and mapped values are compared: case and runs of spaces do not matter."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class FieldSpec:
    name: str
    rule: FieldRule
    columns: tuple[str, ...] = ()
    join: str = "\n\n"
    value: str | None = None  # a fixed value for every row, instead of a column
    default: str = ""  # used when the column's cell is blank
    formats: tuple[str, ...] = ()
    time_column: str | None = None
    time_formats: tuple[str, ...] = ()
    values: dict[str, str] = field(default_factory=dict)  # key(source value) -> our value
    optional: bool = False  # the column may be absent from the file


@dataclass(frozen=True)
class Mapping:
    name: str
    kind: str
    origin: str
    source_system: str
    encoding: str
    timezone: zoneinfo.ZoneInfo
    fields: dict[str, FieldSpec]

    def spec(self, name: str) -> FieldSpec | None:
        return self.fields.get(name)


def preset_names(kind: str | None = None) -> list[str]:
    names = []
    for path in sorted(PRESETS.glob("*.yaml")):
        if kind is None or _peek_kind(path) == kind:
            names.append(path.stem)
    return names


def _peek_kind(path: Path) -> str | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return data.get("kind") if isinstance(data, dict) else None


def default_mapping_name(kind: str) -> str:
    return "justculture" if kind == "incidents" else "justculture-workforce"


def load(name_or_path: str | None, kind: str) -> Mapping:
    """The mapping for an import of ``kind``: a preset by name, or a YAML file by path."""
    chosen = name_or_path or default_mapping_name(kind)
    preset = PRESETS / f"{chosen}.yaml"
    if "/" not in chosen and "\\" not in chosen and not chosen.endswith((".yaml", ".yml")):
        if not preset.is_file():
            raise MappingError(f"there is no mapping preset called '{chosen}'. Presets for {kind}: "
                               f"{', '.join(preset_names(kind))}; or give the path of a mapping file.")
        path, origin = preset, f"preset '{chosen}'"
    else:
        path, origin = Path(chosen), chosen
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MappingError(f"{origin}: the mapping file cannot be read ({exc.strerror}).") from None
    if len(raw) > MAX_MAPPING_BYTES:
        raise MappingError(f"{origin}: the mapping file is larger than {MAX_MAPPING_BYTES // 1024} KiB.")
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise MappingError(f"{origin}: the mapping file is not UTF-8 text.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise MappingError(f"{origin}: the mapping file is not valid YAML{line}.") from None
    return parse(data, kind=kind, origin=origin)


def parse(data: Any, *, kind: str, origin: str) -> Mapping:
    def fail(where: str, message: str) -> MappingError:
        return MappingError(f"{origin}: {where}: {message}")

    if not isinstance(data, dict):
        raise MappingError(f"{origin}: the mapping must be a YAML mapping with the keys kind, source_system "
                           "and fields.")
    unknown = sorted(str(k) for k in data if k not in TOP_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key. The keys are: {', '.join(sorted(TOP_KEYS))}.")
    found_kind = data.get("kind")
    if found_kind not in FIELDS_BY_KIND:
        raise fail("kind", "must be 'incidents' or 'workforce'.")
    if found_kind != kind:
        raise fail("kind", f"this mapping is for {found_kind} files, not {kind}.")
    rules = FIELDS_BY_KIND[kind]
    source_system = data.get("source_system", "" if kind == "workforce" else None)
    if kind == "incidents" and (not isinstance(source_system, str) or not SOURCE_SYSTEM.match(source_system)):
        raise fail("source_system", "must name the system the export comes from in lower case letters, digits, "
                   "dots, dashes or underscores (up to 40), like 'datix'. It is part of each incident's key.")
    encoding = data.get("encoding", "utf-8")
    try:
        encoding = check_encoding(str(encoding))
    except ValueError as exc:
        raise fail("encoding", str(exc)) from None
    tz_name = data.get("timezone", settings.TIME_ZONE)
    try:
        tz = zoneinfo.ZoneInfo(str(tz_name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise fail("timezone", f"'{tz_name}' is not a time zone name like Europe/London.") from None
    fields_data = data.get("fields")
    if not isinstance(fields_data, dict):
        raise fail("fields", f"must map our field names to columns. Our fields: {', '.join(rules)}.")
    specs: dict[str, FieldSpec] = {}
    for name, spec_data in fields_data.items():
        where = f"fields.{name}"
        if name not in rules:
            raise fail(where, f"'{name}' is not a field of {kind}. The fields are: {', '.join(rules)}.")
        specs[name] = _field(name, rules[name], spec_data, lambda m, w=where: fail(w, m))
    missing = [n for n, r in rules.items() if r.required and n not in specs]
    if missing:
        raise fail("fields", f"no column is given for {', '.join(missing)}, which every row needs.")
    return Mapping(
        name=str(data.get("name") or origin), kind=kind, origin=origin, source_system=source_system or "",
        encoding=encoding, timezone=tz, fields=specs,
    )


def _strings(value: Any, what: str, fail: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(f"'{what}' must be a column name or a list of them.")
    return tuple(v.strip() for v in value)


def _field(name: str, rule: FieldRule, data: Any, fail: Any) -> FieldSpec:
    if isinstance(data, str):
        data = {"column": data}
    if not isinstance(data, dict):
        raise fail("must be a column name, or a mapping with 'column' and the options.")
    unknown = sorted(str(k) for k in data if k not in SPEC_KEYS)
    if unknown:
        raise fail(f"unknown option '{unknown[0]}'. The options are: {', '.join(sorted(SPEC_KEYS))}.")
    sources = [k for k in ("column", "columns", "value") if k in data]
    if len(sources) != 1:
        raise fail("give exactly one of 'column', 'columns' (joined) or 'value' (the same for every row).")
    columns: tuple[str, ...] = ()
    value: str | None = None
    if "value" in data:
        if not isinstance(data["value"], str | int) or isinstance(data["value"], bool):
            raise fail("'value' must be text.")
        value = str(data["value"])
    else:
        columns = _strings(data[sources[0]], sources[0], fail)
        if "column" in data and len(columns) != 1:
            raise fail("'column' takes one column name; use 'columns' for several.")
    join = data.get("join", "\n\n" if name == "description" else " ")
    if not isinstance(join, str):
        raise fail("'join' must be text.")
    default = data.get("default", "")
    if not isinstance(default, str | int) or isinstance(default, bool):
        raise fail("'default' must be text.")
    optional = data.get("optional", False)
    if not isinstance(optional, bool):
        raise fail("'optional' must be true or false.")
    if optional and rule.required and not default:
        raise fail("a field every row needs can only be optional with a 'default'.")
    values_data = data.get("values", {})
    if not isinstance(values_data, dict) or not all(
        isinstance(k, str | int) and isinstance(v, str | int) for k, v in values_data.items()
    ):
        raise fail("'values' must map values found in the file to ours, like {\"Ward 7 (City)\": \"Ward 7\"}.")
    values = {key(str(k)): str(v) for k, v in values_data.items()}
    formats: tuple[str, ...] = ()
    time_column: str | None = None
    time_formats: tuple[str, ...] = ()
    if rule.kind == "datetime":
        formats = _formats(data.get("formats", ["iso"]), "formats", fail, date_part=True)
        if "time_column" in data:
            time_column = _strings(data["time_column"], "time_column", fail)[0]
            time_formats = _formats(data.get("time_formats", ["%H:%M", "%H:%M:%S"]), "time_formats", fail,
                                    date_part=False)
        elif "time_formats" in data:
            raise fail("'time_formats' needs a 'time_column'.")
    elif any(k in data for k in ("formats", "time_column", "time_formats")):
        raise fail("'formats', 'time_column' and 'time_formats' are only for dates.")
    return FieldSpec(
        name=name, rule=rule, columns=columns, join=join, value=value, default=str(default), formats=formats,
        time_column=time_column, time_formats=time_formats, values=values, optional=optional,
    )


_SAMPLE = datetime(2024, 11, 23, 14, 5, 9)


def _formats(value: Any, what: str, fail: Any, *, date_part: bool) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise fail(f"'{what}' must be a list of formats like '%d/%m/%Y' (or 'iso').")
    for fmt in value:
        if fmt == "iso":
            continue
        if "%" not in fmt:
            raise fail(f"'{fmt}' in '{what}' has no %-codes; write formats like '%d/%m/%Y %H:%M'.")
        try:
            datetime.strptime(_SAMPLE.strftime(fmt), fmt)
        except ValueError:
            raise fail(f"'{fmt}' in '{what}' is not a date format Python can read back.") from None
        if date_part and not any(code in fmt for code in ("%d", "%j")):
            raise fail(f"'{fmt}' in '{what}' has no day (%d).")
    return tuple(value)
