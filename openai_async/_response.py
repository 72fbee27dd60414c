"""What a call returns after a 2xx: the decoded result, a raw response, or a lazy body.

The pipeline calls ``finish(...)`` once per successful call. What it returns depends on the
response mode of the calling context, set by the wrappers below:

- ``parsed`` (default): the decoded result (a Struct, ``AsyncStream``, ``str``,
  ``BinaryResponseContent``...), with ``_request_id`` and the raw JSON kept on Structs;
- ``raw`` (``with_raw_response``): an ``AsyncAPIResponse`` whose body is already read
  (unless the call streams); ``await response.parse()`` gives the parsed result;
- ``streamed`` (``with_streaming_response``): an ``AsyncStreamedResponse`` whose body is read
  only when asked for, released when its ``async with`` block ends.

A low-level verb may also ask for these directly with ``cast_to=AsyncAPIResponse[T]`` or
``cast_to=AsyncStreamedResponse[T]``.
"""

from __future__ import annotations

import asyncio
import functools
import os
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

import aiohttp
import msgspec
from typing_extensions import ParamSpec

from ._body import Batches, Chunker, flatten, line_batches, text_batches
from ._closing import AsyncClosing
from ._decode import decode
from ._models import attach_response_info
from ._streaming import AsyncStream, transport_error

if TYPE_CHECKING:
    from multidict import CIMultiDictProxy

__all__ = [
    "AsyncAPIResponse",
    "AsyncResponseContextManager",
    "AsyncStreamedResponse",
    "BinaryResponseContent",
    "ResponseMode",
    "finish",
    "response_mode",
    "to_raw_response_wrapper",
    "to_streamed_response_wrapper",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

ResponseMode = Literal["parsed", "raw", "streamed"]

# Read by ``finish``; set around one call by the wrappers.
response_mode: ContextVar[ResponseMode] = ContextVar("openai_async_mode", default="parsed")

_REQUEST_ID = "x-request-id"
_BUILTINS = msgspec.json.Decoder()


# -- binary results ----------------------------------------------------------------------------


class BinaryResponseContent:
    """A binary result held in memory (audio, file content): bytes plus helpers."""

    __slots__ = ("content", "response")

    def __init__(self, content: bytes, response: aiohttp.ClientResponse | None = None) -> None:
        self.content = content
        self.response = response

    @classmethod
    def from_bytes(cls, data: bytes) -> BinaryResponseContent:
        """Wrap bytes with no response attached."""
        return cls(data)

    @property
    def encoding(self) -> str:
        """The charset the response declared, else ``utf-8``."""
        if self.response is not None and self.response.charset:
            return self.response.charset
        return "utf-8"

    @property
    def text(self) -> str:
        """The content decoded as text."""
        return self.content.decode(self.encoding, "replace")

    def json(self) -> Any:
        """The content decoded as JSON."""
        return _BUILTINS.decode(self.content)

    def read(self) -> bytes:
        """The content."""
        return self.content

    async def aread(self) -> bytes:
        """The content (awaitable form)."""
        return self.content

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The content in pieces of ``chunk_size`` bytes (one piece when not given)."""
        return iter(_pieces(self.content, chunk_size))

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """``iter_bytes`` as an async iterator."""
        for piece in _pieces(self.content, chunk_size):
            yield piece

    def write_to_file(self, file: str | os.PathLike[str]) -> None:
        """Write the content to ``file`` (created or truncated)."""
        with open(file, "wb") as out:
            out.write(self.content)

    async def astream_to_file(self, file: str | os.PathLike[str]) -> None:
        """Write the content to ``file`` without blocking the event loop."""
        import anyio

        await anyio.Path(file).write_bytes(self.content)

    def __repr__(self) -> str:
        return f"<BinaryResponseContent {len(self.content)} bytes>"


def _pieces(content: bytes, chunk_size: int | None) -> list[bytes]:
    chunker = Chunker(chunk_size)
    return [*chunker.feed(content), *chunker.end()]


# -- raw responses -------------------------------------------------------------------------------


class AsyncAPIResponse(Generic[_R]):
    """A 2xx response with its metadata; ``await parse()`` gives what the call would return."""

    __slots__ = (
        "_cast_to",
        "_client",
        "_consumed",
        "_content",
        "_on_parse",
        "_parsed",
        "_stream",
        "_stream_type",
        "http_response",
        "retries_taken",
    )

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        *,
        cast_to: Any,
        stream: bool = False,
        stream_type: Any = None,
        retries_taken: int = 0,
        client: Any = None,
        content: bytes | None = None,
    ) -> None:
        self.http_response = response
        self.retries_taken = retries_taken
        self._cast_to = cast_to
        self._stream = stream
        self._stream_type = stream_type
        self._client = client
        self._content = content
        self._consumed = False  # the body was streamed through iteration, not kept
        self._parsed: dict[Any, Any] = {}
        # Set by a paginator so that a parsed page can fetch the pages after it.
        self._on_parse: Callable[[Any], Any] | None = None

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        """Response headers (case-insensitive)."""
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        """HTTP status code."""
        return self.http_response.status

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` header."""
        return self.http_response.headers.get(_REQUEST_ID)

    @property
    def url(self) -> str:
        """The URL that was requested."""
        return str(self.http_response.url)

    @property
    def method(self) -> str:
        """The HTTP method that was used."""
        return self.http_response.method

    async def read(self) -> bytes:
        """The whole body (read once, then kept)."""
        if self._content is None:
            if self._consumed:
                raise RuntimeError(
                    "the body was already consumed by iter_bytes()/iter_text()/iter_lines(); "
                    "read() it first to keep it"
                )
            try:
                self._content = await self.http_response.read()
            except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
                self.http_response.close()
                raise transport_error(exc) from exc
            finally:
                self.http_response.release()
        return self._content

    async def text(self) -> str:
        """The whole body as text (the declared charset, else UTF-8)."""
        content = await self.read()
        return content.decode(self.http_response.charset or "utf-8", "replace")

    async def json(self) -> Any:
        """The whole body decoded as JSON."""
        return _BUILTINS.decode(await self.read())

    async def parse(self, *, to: Any = None) -> _R:
        """What the call returns without ``with_raw_response`` (or the body as ``to``).

        For a streaming call this is the ``AsyncStream`` over the response (the same object
        on every call). The result is decoded once per target type.
        """
        target = self._cast_to if to is None else to
        if target in self._parsed:
            return cast("_R", self._parsed[target])
        if self._stream and to is None:
            result: Any = _events(self._stream_type, self.http_response, self._client)
        else:
            result = _parse_body(target, self.http_response, await self.read())
        if self._on_parse is not None:
            result = self._on_parse(result)
        self._parsed[target] = result
        return cast("_R", result)

    def __repr__(self) -> str:
        cast_to = getattr(self._cast_to, "__name__", self._cast_to)
        return f"<{type(self).__name__} [{self.status_code}] type={cast_to}>"


def set_parse_hook(response: object, hook: Callable[[Any], Any]) -> None:
    """Run ``hook`` on what ``response.parse()`` returns, if ``response`` is a raw response.

    Pages use it to bind their fetcher to the page a raw response parses to.
    """
    if isinstance(response, AsyncAPIResponse):
        response._on_parse = hook  # pyright: ignore[reportPrivateUsage]


class AsyncStreamedResponse(AsyncClosing, AsyncAPIResponse[_R]):
    """A 2xx response whose body is read on demand; leave its ``async with`` to release it."""

    __slots__ = ()

    def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The body as it arrives (in pieces of exactly ``chunk_size`` bytes when given, the
        last one possibly shorter)."""
        return flatten(self.iter_byte_batches(chunk_size))

    def iter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        """The body as text as it arrives (multi-byte characters are never split)."""
        return flatten(self.iter_text_batches(chunk_size))

    def iter_lines(self) -> AsyncIterator[str]:
        """The body as text, line by line (CR, LF or CRLF; endings removed)."""
        return flatten(self.iter_line_batches())

    async def iter_byte_batches(self, chunk_size: int | None = None) -> Batches[bytes]:
        """``iter_bytes`` a list at a time: each list holds what one network read brought."""
        if self._content is not None:
            if pieces := _pieces(self._content, chunk_size):
                yield pieces
            return
        if self._consumed:
            raise RuntimeError("the body was already consumed by an earlier iteration")
        self._consumed = True
        chunker = Chunker(chunk_size)
        content = self.http_response.content
        try:
            while data := await content.readany():
                if pieces := chunker.feed(data):
                    yield pieces
        except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
            self.http_response.close()
            raise transport_error(exc) from exc
        except BaseException:
            self.http_response.close()
            raise
        self.http_response.release()
        if rest := chunker.end():
            yield rest

    def iter_text_batches(self, chunk_size: int | None = None) -> Batches[str]:
        """``iter_text`` a list at a time."""
        return text_batches(self.iter_byte_batches(chunk_size), self._encoding)

    def iter_line_batches(self) -> Batches[str]:
        """``iter_lines`` a list at a time."""
        return line_batches(self.iter_byte_batches(), self._encoding)

    @property
    def _encoding(self) -> str:
        return self.http_response.charset or "utf-8"

    async def stream_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None:
        """Write the body to ``file`` as it arrives."""
        import anyio

        async with await anyio.open_file(file, "wb") as out:
            async for piece in self.iter_bytes(chunk_size):
                await out.write(piece)

    async def close(self) -> None:
        """Release the connection; an unread body is dropped with its connection."""
        self.http_response.close()


class AsyncResponseContextManager(Generic[_R]):
    """``async with method(...) as response``: sends the request on enter, releases on exit."""

    __slots__ = ("_request", "_response")

    def __init__(self, request: Callable[[], Awaitable[_R]]) -> None:
        self._request = request
        self._response: _R | None = None

    async def __aenter__(self) -> _R:
        token = response_mode.set("streamed")
        try:
            self._response = await self._request()
        finally:
            response_mode.reset(token)
        return self._response

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        response, self._response = self._response, None
        close = getattr(response, "close", None)
        if close is not None:
            await close()


# -- the wrappers --------------------------------------------------------------------------------


def to_raw_response_wrapper(
    fn: Callable[_P, Awaitable[_R]],
) -> Callable[_P, Awaitable[AsyncAPIResponse[_R]]]:
    """``method(...)`` -> the ``AsyncAPIResponse`` of the same call (``with_raw_response``)."""

    @functools.wraps(fn)
    async def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> AsyncAPIResponse[_R]:
        token = response_mode.set("raw")
        try:
            result: Any = await fn(*args, **kwargs)
        finally:
            response_mode.reset(token)
        return cast("AsyncAPIResponse[_R]", result)

    return wrapped


def to_streamed_response_wrapper(
    fn: Callable[_P, Awaitable[_R]],
) -> Callable[_P, AsyncResponseContextManager[AsyncStreamedResponse[_R]]]:
    """``method(...)`` -> ``async with`` of its ``AsyncStreamedResponse``
    (``with_streaming_response``)."""

    @functools.wraps(fn)
    def wrapped(
        *args: _P.args, **kwargs: _P.kwargs
    ) -> AsyncResponseContextManager[AsyncStreamedResponse[_R]]:
        async def request() -> AsyncStreamedResponse[_R]:
            result: Any = await fn(*args, **kwargs)
            return cast("AsyncStreamedResponse[_R]", result)

        return AsyncResponseContextManager(request)

    return wrapped


# -- the pipeline's entry point ------------------------------------------------------------------


async def finish(
    response: aiohttp.ClientResponse,
    *,
    cast_to: Any,
    stream: bool = False,
    stream_type: Any = None,
    retries_taken: int = 0,
    client: Any = None,
) -> Any:
    """Turn a 2xx ``response`` into what the call returns, per the current response mode.

    Reads (and releases) the body unless the result is a stream or a streamed response.
    """
    mode = response_mode.get()
    # A plain class (the usual case) is its own origin: skip typing.get_origin.
    origin = cast_to if isinstance(cast_to, type) else typing.get_origin(cast_to)
    if origin is AsyncStreamedResponse or origin is AsyncAPIResponse:
        args = typing.get_args(cast_to)
        cast_to = args[0] if args else object
        mode = "streamed" if origin is AsyncStreamedResponse else "raw"
    if mode == "parsed":
        if stream:
            return _events(stream_type, response, client)
        try:
            body = await response.read()
        finally:
            response.release()
        return _parse_body(cast_to, response, body)
    kind = cast(
        "type[AsyncAPIResponse[Any]]",
        AsyncStreamedResponse if mode == "streamed" else AsyncAPIResponse,
    )
    result: AsyncAPIResponse[Any] = kind(
        response,
        cast_to=cast_to,
        stream=stream,
        stream_type=stream_type,
        retries_taken=retries_taken,
        client=client,
    )
    if mode == "raw" and not stream:
        await result.read()
    return result


def _events(stream_type: Any, response: aiohttp.ClientResponse, client: Any) -> AsyncStream[Any]:
    # The bare class: calling the alias ``AsyncStream[Any]`` would cost about 1 us per stream.
    events: AsyncStream[Any] = AsyncStream(cast_to=stream_type, response=response, client=client)
    return events


def _parse_body(cast_to: Any, response: aiohttp.ClientResponse, body: bytes) -> Any:
    if cast_to is BinaryResponseContent:
        return BinaryResponseContent(body, response)
    headers = response.headers
    result = decode(cast_to, body, status_code=response.status, headers=headers)
    attach_response_info(result, headers.get(_REQUEST_ID), body, headers)
    return result
