"""Cursor pages as the API returns them: ``after``/``before``, ``limit``, ``order``, ``has_more``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._types import JSON, ApiError

__all__ = ["cursor_page", "int_query"]


def int_query(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid '{name}': expected an integer.", param=name) from None
    if not low <= value <= high:
        raise ApiError(400, f"Invalid '{name}': must be between {low} and {high}.", param=name)
    return value


def _index_of(items: list[JSON], ident: str, param: str) -> int:
    for index, item in enumerate(items):
        if item["id"] == ident:
            return index
    raise ApiError(400, f"No object with id '{ident}' in this list.", param=param)


def cursor_page(
    items: Iterable[JSON],
    query: Mapping[str, str],
    *,
    default_limit: int = 20,
    max_limit: int = 100,
    default_order: str = "desc",
) -> JSON:
    """One page of ``items`` (given in creation order) for the request's query."""
    order = query.get("order", default_order)
    if order not in ("asc", "desc"):
        raise ApiError(400, "Invalid 'order': expected 'asc' or 'desc'.", param="order")
    ordered = list(items)
    if order == "desc":
        ordered.reverse()
    limit = int_query(query, "limit", default_limit, 1, max_limit)
    start, stop = 0, len(ordered)
    after = query.get("after")
    if after:
        start = _index_of(ordered, after, "after") + 1
    before = query.get("before")
    if before:
        stop = _index_of(ordered, before, "before")
    window = ordered[start:stop]
    data = window[:limit] if not before or after else window[-limit:]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": len(window) > len(data),
    }
