"""Pages of list results, and the paginator a list method returns.

A page is a generic Struct decoded straight from the list response (``data`` plus the cursor
fields of its kind). The four kinds and how each finds the next page:

- ``AsyncPage``: a single page (``object``, ``data``); there is never a next one;
- ``AsyncCursorPage``: ``after=<id of the last item>`` while ``has_more`` is not false;
- ``AsyncConversationCursorPage``: ``after=<last_id>`` while ``has_more``;
- ``AsyncNextCursorPage``: ``after=<next>`` while ``has_more`` and ``next`` is set.

``client.<resource>.list(...)`` returns an ``AsyncPaginator``: ``await`` it for the first page,
or ``async for`` over it for every item across pages. Pages fetch their successors through
``client._request`` with the same method, path, query, body and options as the first page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Mapping
from typing import Any, Generic, TypeVar

import msgspec
from typing_extensions import Self

from ._models import BaseModel
from ._response import response_mode, set_parse_hook
from ._types import NOT_GIVEN, TimeoutTypes

__all__ = [
    "AsyncConversationCursorPage",
    "AsyncCursorPage",
    "AsyncNextCursorPage",
    "AsyncPage",
    "AsyncPaginator",
    "BaseAsyncPage",
]

_T = TypeVar("_T")
_P = TypeVar("_P", bound="BaseAsyncPage[Any]")

_REQUEST = "_page_request"


class _PageRequest:
    """How to fetch a page of one list call: the request of its first page, plus a cursor."""

    __slots__ = ("body", "client", "method", "options", "page", "path", "query")

    def __init__(
        self,
        client: Any,
        method: str,
        path: str,
        page: Any,
        query: Mapping[str, object] | None,
        body: object,
        options: dict[str, Any],
    ) -> None:
        self.client = client
        self.method = method
        self.path = path
        self.page = page
        self.query = query
        self.body = body
        self.options = options

    async def fetch(self, cursor: Mapping[str, object] | None = None) -> Any:
        """One page (or the raw response of it, under ``with_raw_response``)."""
        query: dict[str, object] = dict(self.query or {})
        options = self.options
        if cursor:
            query.update(cursor)
            extra_query = options.get("extra_query")
            if extra_query:
                kept = {k: v for k, v in extra_query.items() if k not in cursor}
                options = {**options, "extra_query": kept}
        result = await self.client._request(
            self.method, self.path, cast_to=self.page, query=query, body=self.body, **options
        )
        return self.bind(result)

    def bind(self, result: Any) -> Any:
        """Let a fetched page (or the raw response carrying it) fetch the next ones."""
        target: object = result
        if isinstance(target, BaseAsyncPage):
            extra: dict[str, Any] = vars(target)
            extra[_REQUEST] = self
        else:
            set_parse_hook(target, self.bind)
        return result


class BaseAsyncPage(BaseModel, Generic[_T]):
    """One page of a list: ``data``, plus navigation to the following pages.

    ``async for item in page`` yields the items of this page and of every later page.
    """

    data: list[_T] = msgspec.field(default_factory=list[_T])
    object: str | None = None

    def _next_cursor(self) -> dict[str, Any] | None:
        """The query parameters that fetch the next page, or ``None`` at the last page."""
        return None

    def has_next_page(self) -> bool:
        """Whether a page follows this one."""
        return self._next_cursor() is not None

    async def get_next_page(self) -> Self:
        """Fetch the page after this one (``RuntimeError`` when ``has_next_page()`` is false)."""
        cursor = self._next_cursor()
        if cursor is None:
            raise RuntimeError(
                f"{type(self).__name__} has no next page; check has_next_page() first"
            )
        request: _PageRequest | None = vars(self).get(_REQUEST)
        if request is None:
            raise RuntimeError(
                f"this {type(self).__name__} was not fetched through a client, "
                "so it cannot fetch the next page"
            )
        token = response_mode.set("parsed")
        try:
            page: Self = await request.fetch(cursor)
        finally:
            response_mode.reset(token)
        return page

    async def iter_pages(self) -> AsyncIterator[Self]:
        """This page, then each following page as it is fetched."""
        page = self
        yield page
        while page.has_next_page():
            page = await page.get_next_page()
            yield page

    async def __aiter__(self) -> AsyncIterator[_T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item


def _item_id(item: object) -> object:
    if isinstance(item, dict):
        return item.get("id")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    return getattr(item, "id", None)


class AsyncPage(BaseAsyncPage[_T]):
    """A single, unpaginated list (``{"object": "list", "data": [...]}``)."""


class AsyncCursorPage(BaseAsyncPage[_T]):
    """Continued with ``after=<id of its last item>`` while ``has_more`` is not false."""

    has_more: bool | None = None

    def _next_cursor(self) -> dict[str, Any] | None:
        if self.has_more is False or not self.data:
            return None
        last = _item_id(self.data[-1])
        return {"after": last} if isinstance(last, str) and last else None


class AsyncConversationCursorPage(BaseAsyncPage[_T]):
    """Continued with ``after=<last_id>`` while ``has_more``."""

    has_more: bool | None = None
    last_id: str | None = None

    def _next_cursor(self) -> dict[str, Any] | None:
        if not self.has_more or not self.last_id:
            return None
        return {"after": self.last_id}


class AsyncNextCursorPage(BaseAsyncPage[_T]):
    """Continued with ``after=<next>`` (the server's cursor) while ``has_more``."""

    has_more: bool | None = None
    next: str | None = None

    def _next_cursor(self) -> dict[str, Any] | None:
        if self.has_more is False or not self.next:
            return None
        return {"after": self.next}


class AsyncPaginator(Generic[_T, _P]):
    """What a list method returns: ``await`` it for the first page, ``async for`` for items.

    Built by ``AsyncOpenAI._get_api_list``; ``page`` is the subscripted page type
    (``AsyncCursorPage[FileObject]``), ``item`` the item type. Nothing is sent until it is
    awaited or iterated; each ``await`` / ``async for`` sends its own first request.
    """

    __slots__ = ("_item", "_request")

    def __init__(
        self,
        client: Any,
        path: str,
        *,
        page: Any,
        item: Any = None,
        method: str = "GET",
        query: Mapping[str, object] | None = None,
        body: object = None,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: object = None,
        timeout: TimeoutTypes | Any = NOT_GIVEN,
        headers: Mapping[str, Any] | None = None,
    ) -> None:
        options: dict[str, Any] = {
            "extra_headers": extra_headers,
            "extra_query": extra_query,
            "extra_body": extra_body,
            "timeout": timeout,
        }
        if headers is not None:
            options["headers"] = headers
        self._item = item
        self._request = _PageRequest(client, method, path, page, query, body, options)

    def __await__(self) -> Generator[Any, None, _P]:
        return self._request.fetch().__await__()

    async def __aiter__(self) -> AsyncIterator[_T]:
        page: _P = await self
        async for item in page:
            yield item
