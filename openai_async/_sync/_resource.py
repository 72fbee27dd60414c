"""Base class of every generated blocking resource: a twin of one async resource."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._client import OpenAI

__all__ = ["SyncAPIResource"]


class SyncAPIResource:
    """Holds the blocking client (its portal) and the async resource it mirrors."""

    __slots__ = ("__dict__", "_async", "_client")

    def __init__(self, client: OpenAI, async_resource: Any) -> None:
        self._client = client
        self._async = async_resource
