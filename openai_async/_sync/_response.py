"""Blocking raw responses: ``APIResponse[R]``, ``StreamedResponse[R]`` and their wrappers.

``to_sync_raw_response_wrapper(method)`` and ``to_sync_streamed_response_wrapper(method)`` wrap a
blocking resource method. They set the response mode in a context variable of the calling
thread; ``OpenAI._call`` reads it and applies the async wrapper of the same mode on the portal.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from typing_extensions import ParamSpec

from ._portal import PortalThread

if TYPE_CHECKING:
    from .._body import Batches
    from .._response import AsyncAPIResponse, AsyncStreamedResponse

__all__ = [
    "APIResponse",
    "ResponseContextManager",
    "StreamedResponse",
    "to_sync_raw_response_wrapper",
    "to_sync_streamed_response_wrapper",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

ResponseMode = Literal["parsed", "raw", "streamed"]

# The mode the next ``OpenAI._call`` in this thread runs in.
response_mode: ContextVar[ResponseMode] = ContextVar("openai_async_sync_mode", default="parsed")


class _ResponseBase(Generic[_R]):
    __slots__ = ("_async", "_portal")

    def __init__(self, async_response: Any, portal: PortalThread) -> None:
        self._async = async_response
        self._portal = portal

    @property
    def headers(self) -> Any:
        """Response headers (case-insensitive mapping)."""
        return self._async.headers

    @property
    def status_code(self) -> int:
        """HTTP status code."""
        status: int = self._async.status_code
        return status

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` header, if the server sent one."""
        request_id: str | None = self._async.request_id
        return request_id

    @property
    def retries_taken(self) -> int:
        """How many retries the request needed before this response."""
        retries: int = self._async.retries_taken
        return retries

    @property
    def http_response(self) -> Any:
        """The underlying aiohttp response."""
        return self._async.http_response

    @property
    def url(self) -> str:
        """The URL that was requested."""
        url: str = self._async.url
        return url

    @property
    def method(self) -> str:
        """The HTTP method that was used."""
        method: str = self._async.method
        return method

    def parse(self, *, to: Any = None) -> _R:
        """What the call returns without the wrapper (or the body decoded as ``to``).

        For a streaming call this is the ``Stream`` of its events.
        """
        from ._convert import to_sync

        result: _R = to_sync(self._portal.run(self._parse, to), self._portal)
        return result

    async def _parse(self, to: Any) -> Any:
        return await self._async.parse(to=to)

    def read(self) -> bytes:
        """The whole body."""
        body: bytes = self._portal.run(self._async.read)
        return body

    def text(self) -> str:
        """The whole body decoded as text."""
        text: str = self._portal.run(self._async.text)
        return text

    def json(self) -> object:
        """The whole body decoded as JSON."""
        data: object = self._portal.run(self._async.json)
        return data

    def __repr__(self) -> str:
        return repr(self._async).replace("Async", "", 1)


class APIResponse(_ResponseBase[_R]):
    """A response already read; ``parse()`` decodes it (``with_raw_response``)."""

    __slots__ = ()

    def __init__(self, async_response: AsyncAPIResponse[_R], portal: PortalThread) -> None:
        super().__init__(async_response, portal)


class StreamedResponse(_ResponseBase[_R]):
    """A response whose body is read on demand (``with_streaming_response``)."""

    __slots__ = ()

    def __init__(self, async_response: AsyncStreamedResponse[_R], portal: PortalThread) -> None:
        super().__init__(async_response, portal)

    # Each portal hop brings back a whole batch: what one network read made available.

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body as it arrives (in pieces of exactly ``chunk_size`` bytes when given, the
        last one possibly shorter)."""
        return _iterate(self._portal, lambda: self._async.iter_byte_batches(chunk_size))

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """The body decoded as text, in chunks."""
        return _iterate(self._portal, lambda: self._async.iter_text_batches(chunk_size))

    def iter_lines(self) -> Iterator[str]:
        """The body decoded as text, line by line (without line endings)."""
        return _iterate(self._portal, self._async.iter_line_batches)

    def stream_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None:
        """Write the body to ``file`` as it arrives."""
        with open(file, "wb") as out:
            for piece in self.iter_bytes(chunk_size):
                out.write(piece)

    def close(self) -> None:
        """Release the connection; an unread body is dropped with its connection."""
        self._portal.run(self._async.close)


def _iterate(portal: PortalThread, open_batches: Callable[[], Batches[_R]]) -> Iterator[_R]:
    # Making the async generator runs none of its code, so it needs no hop; nor does closing
    # it once it has run to its end.
    batches = open_batches()
    finished = False
    try:
        while True:
            batch: list[_R] = portal.run(_next_batch, batches)
            if not batch:
                finished = True
                return
            yield from batch
    finally:
        if not finished:
            portal.run(batches.aclose)


async def _next_batch(batches: Batches[Any]) -> list[Any]:
    """The next batch; an empty list at the end (batches are never empty)."""
    try:
        return await batches.__anext__()
    except StopAsyncIteration:
        return []


class ResponseContextManager(Generic[_R]):
    """``with method(...) as response:`` sends the request on enter and releases it on exit."""

    __slots__ = ("_context", "_request")

    def __init__(self, request: Callable[[], AbstractContextManager[_R]]) -> None:
        self._request = request
        self._context: AbstractContextManager[_R] | None = None

    def __enter__(self) -> _R:
        context = self._request()
        response = context.__enter__()
        self._context = context
        return response

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        context, self._context = self._context, None
        if context is not None:
            context.__exit__(exc_type, exc, tb)


def _call_in_mode(mode: ResponseMode, fn: Callable[_P, Any], /, *args: Any, **kwargs: Any) -> Any:
    token = response_mode.set(mode)
    try:
        return fn(*args, **kwargs)
    finally:
        response_mode.reset(token)


def to_sync_raw_response_wrapper(fn: Callable[_P, _R]) -> Callable[_P, APIResponse[_R]]:
    """``method(...)`` -> ``APIResponse`` of the same call."""

    @functools.wraps(fn)
    def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> APIResponse[_R]:
        response: APIResponse[_R] = _call_in_mode("raw", fn, *args, **kwargs)
        return response

    return wrapped


def to_sync_streamed_response_wrapper(
    fn: Callable[_P, _R],
) -> Callable[_P, ResponseContextManager[StreamedResponse[_R]]]:
    """``method(...)`` -> a context manager of the ``StreamedResponse`` of the same call."""

    @functools.wraps(fn)
    def wrapped(
        *args: _P.args, **kwargs: _P.kwargs
    ) -> ResponseContextManager[StreamedResponse[_R]]:
        def request() -> AbstractContextManager[StreamedResponse[_R]]:
            context: AbstractContextManager[StreamedResponse[_R]] = _call_in_mode(
                "streamed", fn, *args, **kwargs
            )
            return context

        return ResponseContextManager(request)

    return wrapped
