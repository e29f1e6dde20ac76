"""List every page of a paged endpoint, whatever its page base and its way of counting."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# A guard against an API that keeps reporting more pages than it has: 10,000 pages of 100.
MAX_PAGES = 10_000


def fetch_all(fetch_page: Callable[[int], tuple[list[T], int]], *, first_page: int) -> list[T]:
    """``fetch_page(page)`` returns ``(items, total_pages)``; pages run from ``first_page``.

    Stops at the reported page count or at the first empty page, whichever comes first, so a
    count that shifts while groups are added or removed never loops for ever.
    """
    items: list[T] = []
    page = first_page
    while page - first_page < MAX_PAGES:
        batch, total_pages = fetch_page(page)
        items.extend(batch)
        page += 1
        if not batch or page - first_page >= total_pages:
            break
    return items


def pages_for(total_items: int, page_size: int) -> int:
    return max(0, -(-int(total_items) // page_size))
