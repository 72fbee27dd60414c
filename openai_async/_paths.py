"""Path templating for generated resources: ``format_path("/threads/{thread_id}", thread_id=x)``."""

from __future__ import annotations

from functools import lru_cache
from string import Formatter
from urllib.parse import quote

__all__ = ["format_path"]


@lru_cache(maxsize=1024)
def _placeholders(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in Formatter().parse(template) if name)


def format_path(template: str, **params: str) -> str:
    """Fill ``template`` with percent-encoded path parameters.

    Raises ``ValueError`` naming the parameter when one is empty or is not a string.
    """
    for name in _placeholders(template):
        value = params.get(name)
        if not isinstance(value, str):
            raise ValueError(
                f"path parameter {name!r} must be a string, got {type(value).__name__}"
            )
        if not value:
            raise ValueError(f"path parameter {name!r} must be a non-empty string")
        params[name] = quote(value, safe="")
    return template.format_map(params)
