"""Paging through long lists without counting every row.

Counting every case a user may see costs PostgreSQL a pass over all of them (tens of thousands in a
large trust) on every request, only to print the total. A capped page counts no further than
``cap`` rows: below the cap the total is exact ("832 cases"), above it the list says "more than
1,000" and pages on with previous and next links, as large issue trackers do. Going past the last
page shows the last page; only then is the exact total counted (docs/performance.md).

Counting to the cap still reads up to ``cap`` rows. With a ``remember_as`` key, a count that went
past the cap is remembered for ``REMEMBER_SECONDS`` in the cache (per process by default), so a
user paging through a long list does not count it again on every page. Only "more than the cap"
is remembered: a list that size does not fall under it in a minute, and the rows shown are
always read afresh; a total under the cap is always counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet

DEFAULT_CAP = 1000
REMEMBER_SECONDS = 60


@dataclass(frozen=True)
class CappedPage:
    rows: list[Any]
    number: int
    per_page: int
    total: int | None
    """The exact number of rows, or None when there are more than ``cap``."""
    cap: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)

    @property
    def num_pages(self) -> int | None:
        """How many pages there are, or None when the total is not known."""
        if self.total is None:
            return None
        return max(1, -(-self.total // self.per_page))

    @property
    def several_pages(self) -> bool:
        return self.has_next or self.has_previous


#: No list has this many pages; a larger number (page=99999999999999999999) is taken as this one,
#: past the end, so the list shows its last page: the offset it asks the database for stays in range
#: (SQLite and PostgreSQL refuse one past 64 bits with a server error).
MAX_PAGE = 1_000_000


def _page_number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(1, number), MAX_PAGE)


def capped_page(queryset: QuerySet[Any], raw_number: str | None, *, per_page: int,
                cap: int = DEFAULT_CAP, remember_as: str | None = None) -> CappedPage:
    """The page ``raw_number`` of an ordered queryset (a bad number gives page 1, one past the end
    the last page), with the total counted up to ``cap``. ``remember_as`` names the list (user and
    filters) for remembering that it has more than ``cap`` rows."""
    number = _page_number(raw_number)
    offset = (number - 1) * per_page
    # One row more than the page shows whether there is a next page.
    rows = list(queryset[offset:offset + per_page + 1])
    if not rows and number > 1:
        # Past the end (an old link, a typed URL): the last page, which needs the exact total.
        exact = queryset.order_by().count()
        number = max(1, -(-exact // per_page))
        offset = (number - 1) * per_page
        rows = list(queryset[offset:offset + per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    total: int | None
    if not has_next:
        # The last page: the rows before it and on it are the whole list.
        total = offset + len(rows)
    else:
        key = f"capped-page:{cap}:{remember_as}" if remember_as else None
        if key and cache.get(key):
            total = None
        else:
            counted = queryset.order_by()[: cap + 1].count()
            total = counted if counted <= cap else None
            if key and total is None:
                cache.set(key, True, REMEMBER_SECONDS)
    return CappedPage(rows=rows, number=number, per_page=per_page, total=total, cap=cap, has_next=has_next)
