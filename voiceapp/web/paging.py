"""Paging of the panel's lists: which page was asked for, and how many there are."""

from __future__ import annotations

from flask import request

# Past this a page number is a typing mistake (and its offset would only find nothing).
MAX_PAGE = 1_000_000


def requested_page() -> int:
    """?page=N, from 1 to MAX_PAGE; anything else is page 1."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))
