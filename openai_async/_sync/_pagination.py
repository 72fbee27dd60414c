"""Blocking pages: each wraps the async page of the same kind and fetches through the portal.

A list method of the blocking client returns the first page; iterating it yields every item
across pages, fetching the next page when the current one is used up.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from typing_extensions import Self

from ._portal import PortalThread

if TYPE_CHECKING:
    from .._pagination import (
        AsyncConversationCursorPage,
        AsyncCursorPage,
        AsyncNextCursorPage,
        AsyncPage,
    )

__all__ = [
    "BaseSyncPage",
    "SyncConversationCursorPage",
    "SyncCursorPage",
    "SyncNextCursorPage",
    "SyncPage",
]

_T = TypeVar("_T")


class BaseSyncPage(Generic[_T]):
    """One page of results; ``for item in page`` walks this page and every later one."""

    __slots__ = ("_async", "_portal")

    def __init__(self, async_page: Any, portal: PortalThread) -> None:
        self._async = async_page
        self._portal = portal

    @property
    def data(self) -> list[_T]:
        """The items of this page."""
        data: list[_T] = self._async.data
        return data

    @property
    def object(self) -> str | None:
        """The list's ``object`` value (``"list"``)."""
        value: str | None = self._async.object
        return value

    def has_next_page(self) -> bool:
        """Whether another page follows this one."""
        more: bool = self._async.has_next_page()
        return more

    def get_next_page(self) -> Self:
        """Fetch the page after this one (raises if ``has_next_page()`` is false)."""
        return type(self)(self._portal.run(self._async.get_next_page), self._portal)

    def iter_pages(self) -> Iterator[Self]:
        """This page, then each following page as it is fetched."""
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = page.get_next_page()

    def __iter__(self) -> Iterator[_T]:
        for page in self.iter_pages():
            yield from page.data

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data={self.data!r})"


class SyncPage(BaseSyncPage[_T]):
    """A single, unpaginated list (``object: "list"``)."""

    __slots__ = ()

    def __init__(self, async_page: AsyncPage[_T], portal: PortalThread) -> None:
        super().__init__(async_page, portal)


class _SyncMorePage(BaseSyncPage[_T]):
    """A page whose list carries the server's ``has_more`` flag."""

    __slots__ = ()

    @property
    def has_more(self) -> bool | None:
        """The server's ``has_more`` flag."""
        value: bool | None = self._async.has_more
        return value


class SyncCursorPage(_SyncMorePage[_T]):
    """A page continued with ``after=<id of its last item>`` while ``has_more``."""

    __slots__ = ()

    def __init__(self, async_page: AsyncCursorPage[_T], portal: PortalThread) -> None:
        super().__init__(async_page, portal)


class SyncConversationCursorPage(_SyncMorePage[_T]):
    """A page continued with ``after=<last_id>`` while ``has_more``."""

    __slots__ = ()

    def __init__(self, async_page: AsyncConversationCursorPage[_T], portal: PortalThread) -> None:
        super().__init__(async_page, portal)

    @property
    def last_id(self) -> str | None:
        """The id the next page starts after."""
        value: str | None = self._async.last_id
        return value


class SyncNextCursorPage(_SyncMorePage[_T]):
    """A page continued with the server's ``next`` cursor."""

    __slots__ = ()

    def __init__(self, async_page: AsyncNextCursorPage[_T], portal: PortalThread) -> None:
        super().__init__(async_page, portal)

    @property
    def next(self) -> str | None:
        """The cursor of the next page."""
        value: str | None = self._async.next
        return value
