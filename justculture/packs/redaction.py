"""Removing the incident's patient details from every piece of text in a pack.

The rule, applied to every string in the pack (one pass, case-insensitive):

* the patient's name, written in full or as any run of its parts that have three or more
  letters (whole words only), becomes the patient's initials, for example "Jane Mary Doe",
  "Jane Doe", "Mrs Doe" and "jane" become "J.M.D.", "J.M.D.", "Mrs J.M.D." and "J.M.D.";
* the patient identifier (NHS or hospital number), with or without spaces or hyphens between
  its characters, becomes "[patient identifier removed]".

Parts shorter than three letters are not replaced on their own (too many ordinary words would
go), but they are replaced as part of the full name. The rule is mechanical: it over-redacts a
word that happens to equal a name part, and it cannot find a name the incident record does not
hold, such as a relative's name written only in free text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

IDENTIFIER_REPLACEMENT = "[patient identifier removed]"
NAME_REPLACEMENT_WITHOUT_LETTERS = "[patient name removed]"
MIN_PART_LETTERS = 3

# A letter (any script) is a word character that is neither a digit nor an underscore.
_LETTERS = r"[^\W\d_]+"
_NOT_AFTER_LETTER = r"(?<![^\W\d_])"
_NOT_BEFORE_LETTER = r"(?![^\W\d_])"


def initials_of(name: str) -> str:
    """"Jane Mary Doe" -> "J.M.D."; one initial for each word that holds a letter."""
    letters = []
    for word in name.split():
        first = re.search(_LETTERS, word)
        if first:
            letters.append(first.group(0)[0].upper())
    return "".join(f"{letter}." for letter in letters)


def _edge(char: str, *, before: bool) -> str:
    """Stop "12345" matching inside "9123456", yet still find it in "NHS12345" or "12345a"."""
    if char.isdigit():
        return r"(?<!\d)" if before else r"(?!\d)"
    if char.isalpha():
        return _NOT_AFTER_LETTER if before else _NOT_BEFORE_LETTER
    return ""


def _compact_identifier(identifier: str) -> str:
    return re.sub(r"[\s\-]+", "", identifier)


@dataclass(frozen=True)
class Redactor:
    """Replaces one patient's name and identifier in text; does nothing when it has neither."""

    pattern: re.Pattern[str] | None
    initials: str
    identifier_group: bool

    @property
    def name_replacement(self) -> str:
        return self.initials or NAME_REPLACEMENT_WITHOUT_LETTERS

    def text(self, value: str) -> str:
        if self.pattern is None or not value:
            return value
        return self.pattern.sub(self._replace, value)

    def _replace(self, match: re.Match[str]) -> str:
        if self.identifier_group and match.group("identifier") is not None:
            return IDENTIFIER_REPLACEMENT
        return self.name_replacement

    def apply(self, value: Any) -> Any:
        """The same structure with every string redacted (dictionary keys are left alone)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {key: self.apply(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.apply(item) for item in value]
        return value


def redactor_for(patient_name: str, patient_identifier: str) -> Redactor:
    alternatives: list[str] = []
    compact = _compact_identifier(patient_identifier)
    if compact:
        body = r"[\s\-]*".join(re.escape(ch) for ch in compact)
        before, after = _edge(compact[0], before=True), _edge(compact[-1], before=False)
        alternatives.append(f"(?P<identifier>{before}{body}{after})")
    parts = re.findall(_LETTERS, patient_name)
    if parts:
        full = r"[\W_]+".join(re.escape(p) for p in parts)
        single = sorted({p for p in parts if len(p) >= MIN_PART_LETTERS}, key=len, reverse=True)
        one = "|".join([full, *(re.escape(p) for p in single)])
        # A run such as "Jane Doe", "Doe, Jane" or "jane-doe" is replaced once, not word by word.
        run = rf"(?:{one})(?:[\s,_\-]+(?:{one}){_NOT_BEFORE_LETTER})*"
        alternatives.append(f"(?P<name>{_NOT_AFTER_LETTER}(?:{run}){_NOT_BEFORE_LETTER})")
    if not alternatives:
        return Redactor(None, "", False)
    pattern = re.compile("|".join(alternatives), re.IGNORECASE)
    return Redactor(pattern, initials_of(patient_name), bool(compact))
