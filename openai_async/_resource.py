"""Base class of every generated async resource."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._client import AsyncOpenAI

__all__ = ["AsyncAPIResource"]


class AsyncAPIResource:
    """Holds the client a resource sends its requests through."""

    __slots__ = ("__dict__", "_client")

    def __init__(self, client: AsyncOpenAI) -> None:
        self._client = client
