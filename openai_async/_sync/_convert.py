"""How a blocking call runs on the portal, and how async results become blocking ones.

``run_call`` is the portal side of ``OpenAI._call``; ``to_sync`` maps what comes back:
``AsyncStream`` -> ``Stream``, an async page -> the blocking page of the same kind,
``AsyncAPIResponse`` -> ``APIResponse``; anything else (Structs, str, bytes, ...) passes through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from inspect import isawaitable
from types import TracebackType
from typing import Any, Generic, TypeVar, cast, get_args, get_origin

import msgspec

from .._pagination import (
    AsyncConversationCursorPage,
    AsyncCursorPage,
    AsyncNextCursorPage,
    AsyncPage,
    BaseAsyncPage,
)
from .._response import (
    AsyncAPIResponse,
    AsyncStreamedResponse,
    to_raw_response_wrapper,
    to_streamed_response_wrapper,
)
from .._streaming import AsyncStream
from ._pagination import (
    BaseSyncPage,
    SyncConversationCursorPage,
    SyncCursorPage,
    SyncNextCursorPage,
    SyncPage,
)
from ._portal import PortalThread
from ._response import APIResponse, ResponseMode, StreamedResponse
from ._streaming import Stream

__all__ = ["async_cast_to", "async_page_kind", "call", "to_sync"]

_R = TypeVar("_R")

_PAGE_KINDS: dict[type[Any], type[BaseSyncPage[Any]]] = {
    AsyncPage: SyncPage,
    AsyncCursorPage: SyncCursorPage,
    AsyncConversationCursorPage: SyncConversationCursorPage,
    AsyncNextCursorPage: SyncNextCursorPage,
}


_ASYNC_PAGE_KINDS: dict[type[Any], type[Any]] = {
    sync: async_ for async_, sync in _PAGE_KINDS.items()
}


def async_page_kind(page: Any) -> Any:
    """The async page kind matching ``page`` (``SyncCursorPage[T]`` -> ``AsyncCursorPage[T]``);
    an async page kind is returned as is."""
    kind = _ASYNC_PAGE_KINDS.get(get_origin(page) or page)
    if kind is None:
        return page
    args = get_args(page)
    if not args:
        return kind
    subscript: Callable[[tuple[Any, ...]], Any] = kind.__class_getitem__
    return subscript(args)


def async_cast_to(cast_to: Any) -> Any:
    """``APIResponse[T]`` / ``StreamedResponse[T]`` -> their async twins; others unchanged."""
    origin = get_origin(cast_to)
    if origin is APIResponse:
        return AsyncAPIResponse[get_args(cast_to)]  # type: ignore[misc]
    if origin is StreamedResponse:
        return AsyncStreamedResponse[get_args(cast_to)]  # type: ignore[misc]
    if cast_to is APIResponse:
        return AsyncAPIResponse
    if cast_to is StreamedResponse:
        return AsyncStreamedResponse
    return cast_to


def _sync_page_class(page: BaseAsyncPage[Any]) -> type[BaseSyncPage[Any]]:
    for cls in type(page).__mro__:
        kind = _PAGE_KINDS.get(cls)
        if kind is not None:
            return kind
    raise TypeError(f"no blocking page kind for {type(page).__name__}")


def to_sync(result: Any, portal: PortalThread) -> Any:
    """The blocking counterpart of an async call's result."""
    if isinstance(result, BaseAsyncPage):  # pages are Structs: test them first
        page = cast("BaseAsyncPage[Any]", result)  # type: ignore[redundant-cast]
        return _sync_page_class(page)(page, portal)
    if isinstance(result, msgspec.Struct):
        return result
    if isinstance(result, AsyncStream):
        stream = cast("AsyncStream[Any]", result)  # type: ignore[redundant-cast]
        return Stream(stream, portal)
    if isinstance(result, AsyncStreamedResponse):
        streamed = cast("AsyncStreamedResponse[Any]", result)  # type: ignore[redundant-cast]
        return StreamedResponse(streamed, portal)
    if isinstance(result, AsyncAPIResponse):
        raw = cast("AsyncAPIResponse[Any]", result)  # type: ignore[redundant-cast]
        return APIResponse(raw, portal)
    return result


async def _run(fn: Callable[..., Any], kwargs: Mapping[str, Any]) -> Any:
    result = fn(**kwargs)
    if isawaitable(result):
        result = await result
    return result


async def _run_raw(fn: Callable[..., Any], kwargs: Mapping[str, Any]) -> Any:
    return await to_raw_response_wrapper(fn)(**kwargs)


def call(
    portal: PortalThread, mode: ResponseMode, fn: Callable[..., Any], kwargs: Mapping[str, Any]
) -> Any:
    """Run ``fn(**kwargs)`` on the portal (awaiting it if needed) in the given response mode."""
    if mode == "parsed":
        return to_sync(portal.run(_run, fn, kwargs), portal)
    if mode == "raw":
        return to_sync(portal.run(_run_raw, fn, kwargs), portal)
    return _StreamedContext[Any](portal, fn, kwargs)


class _StreamedContext(Generic[_R]):
    """Enters ``to_streamed_response_wrapper(fn)(**kwargs)`` in one portal task, until exit."""

    __slots__ = ("_context", "_fn", "_kwargs", "_portal")

    def __init__(
        self, portal: PortalThread, fn: Callable[..., Any], kwargs: Mapping[str, Any]
    ) -> None:
        self._portal = portal
        self._fn = fn
        self._kwargs = kwargs
        self._context: AbstractContextManager[AsyncStreamedResponse[_R]] | None = None

    def __enter__(self) -> StreamedResponse[_R]:
        async_context = to_streamed_response_wrapper(self._fn)(**self._kwargs)
        context = self._portal.portal.wrap_async_context_manager(async_context)
        response = context.__enter__()
        self._context = context
        return StreamedResponse(response, self._portal)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        context, self._context = self._context, None
        if context is not None:
            context.__exit__(exc_type, exc, tb)
