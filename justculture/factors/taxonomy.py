"""The contextual-factor taxonomy: data in taxonomy.yaml, read here. No Django imports."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.yaml")


@dataclass(frozen=True)
class Factor:
    id: str
    title: str
    description: str
    evidence_hint: str = ""
    ycff: tuple[str, ...] = ()
    seips: tuple[str, ...] = ()
    london: tuple[str, ...] = ()
    special_category: bool = False
    builtin: bool = True


@dataclass(frozen=True)
class Prompt:
    id: str
    text: str


@dataclass(frozen=True)
class Taxonomy:
    source: str
    factors: tuple[Factor, ...]
    prompts: tuple[Prompt, ...] = field(default=())

    def get(self, factor_id: str) -> Factor | None:
        return next((f for f in self.factors if f.id == factor_id), None)


@cache
def default_taxonomy() -> Taxonomy:
    data = yaml.safe_load(TAXONOMY_FILE.read_text(encoding="utf-8"))
    seen: set[str] = set()
    factors = []
    for item in data["factors"]:
        if item["id"] in seen:
            raise ValueError(f"taxonomy.yaml: factor id {item['id']!r} appears twice")
        seen.add(item["id"])
        factors.append(
            Factor(
                id=item["id"],
                title=item["title"],
                description=item["description"],
                evidence_hint=item.get("evidence_hint", ""),
                ycff=tuple(item.get("ycff", ())),
                seips=tuple(item.get("seips", ())),
                london=tuple(item.get("london", ())),
                special_category=bool(item.get("special_category", False)),
            )
        )
    prompts = tuple(Prompt(p["id"], p["text"]) for p in data.get("prompts", ()))
    return Taxonomy(source=" ".join(data["source"].split()), factors=tuple(factors), prompts=prompts)
