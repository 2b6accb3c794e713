"""Action kinds, categories and statuses, read from kinds.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml


@dataclass(frozen=True)
class ActionKinds:
    kinds: dict[str, str]
    categories: dict[str, dict[str, str]]
    statuses: dict[str, tuple[str, str]]
    factor_categories: dict[str, str]

    def category_title(self, kind: str, category: str) -> str:
        return self.categories.get(kind, {}).get(category, category)

    def status_title(self, status: str) -> str:
        return self.statuses.get(status, (status, "grey"))[0]

    def is_open(self, status: str) -> bool:
        return status in {"open", "in-progress"}


@cache
def action_kinds() -> ActionKinds:
    data = yaml.safe_load(Path(__file__).with_name("kinds.yaml").read_text(encoding="utf-8"))
    return ActionKinds(
        kinds={k: v["title"] for k, v in data["kinds"].items()},
        categories={k: dict(v["categories"]) for k, v in data["kinds"].items()},
        statuses={k: (v["title"], v["tag"]) for k, v in data["statuses"].items()},
        factor_categories=dict(data["factor_categories"]),
    )
