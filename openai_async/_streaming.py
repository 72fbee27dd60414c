"""Server-sent events: an incremental decoder on bytes, and ``AsyncStream[T]`` over a response.

``SSEDecoder.feed(chunk)`` takes body bytes exactly as they arrive (any split: mid-line, between
CR and LF, inside a multi-byte UTF-8 character) and returns the events the chunk completed.
Lines end with CR, LF or CRLF; ``:`` lines are comments; ``data`` lines of one event are joined
with ``\\n``; ``event``, ``id`` and ``retry`` are kept; there is no size limit. Payloads stay
``bytes`` so each one is decoded into its Struct straight from bytes.

``AsyncStream[T]`` decodes each ``data`` payload to ``T`` until ``[DONE]``. An ``error`` payload
(``event: error``, or data whose top-level ``error`` is set) raises the typed error after the
events received before it. Breaking out of ``async for``, ``aclose()``, leaving ``async with``,
an exception or cancelling the consuming task drops the connection; a stream read to its end
hands its connection back to the pool.

Idle limit: a stream whose server sends no event for ``stream_idle`` seconds (comment and ping
lines do not count) raises ``StreamIdleTimeoutError`` and drops its connection. The clock runs
only while the consumer waits for the network; one timer per stream is re-armed at most once per
idle period, so the per-chunk cost is a flag.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Final, Generic, TypeVar, cast

import aiohttp
import msgspec
from typing_extensions import Self

from ._closing import AsyncClosing
from ._decode import decoder_for, invalid_json, lenient_decode
from ._transport import idle_limit_of

__all__ = ["AsyncStream", "SSEDecoder", "ServerSentEvent"]

_T = TypeVar("_T")

_DONE: Final = b"[DONE]"
_ERROR_KEY: Final = b'"error"'
_BUILTINS: Final = msgspec.json.Decoder()
_LF: Final = 10
_CR: Final = 13
DEFAULT_STREAM_IDLE: Final = 120.0


def _idle_limit(response: aiohttp.ClientResponse, client: Any) -> float | None:
    """The call's idle limit, else the client's, else the default."""
    default = getattr(getattr(client, "_timeout", None), "stream_idle", DEFAULT_STREAM_IDLE)
    return idle_limit_of(response, default if isinstance(default, (int, float)) else None)


class ServerSentEvent:
    """One dispatched event; ``data`` is the raw payload bytes (lines joined with ``\\n``)."""

    __slots__ = ("data", "event", "id", "retry")

    def __init__(
        self, data: bytes, event: str | None = None, id: str | None = None, retry: int | None = None
    ) -> None:
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry

    @property
    def text(self) -> str:
        """The payload as text."""
        return self.data.decode("utf-8", "replace")

    def json(self) -> Any:
        """The payload decoded as JSON."""
        return _BUILTINS.decode(self.data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return (self.data, self.event, self.id, self.retry) == (
            other.data,
            other.event,
            other.id,
            other.retry,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"ServerSentEvent(event={self.event!r}, data={self.data!r}, "
            f"id={self.id!r}, retry={self.retry!r})"
        )


class SSEDecoder:
    """Incremental ``text/event-stream`` parser working on bytes."""

    __slots__ = ("_data", "_event", "_last_id", "_pending", "_retry", "_skip_lf")

    def __init__(self) -> None:
        self._pending: list[bytes] = []  # an unterminated line, in pieces
        self._skip_lf = False  # the last chunk ended with CR: a leading LF belongs to it
        self._data: list[bytes] = []
        self._event: str | None = None
        self._last_id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Events completed by ``chunk`` (often none, often one)."""
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not chunk:
            return _NO_EVENTS
        lines = chunk.splitlines()
        last = chunk[-1]
        pending = self._pending
        if pending:
            if len(lines) == 1 and last != _LF and last != _CR:
                pending.append(chunk)  # still inside one long line: join once it ends
                return _NO_EVENTS
            pending.append(lines[0])
            lines[0] = b"".join(pending)
            pending.clear()
        if last == _CR:
            self._skip_lf = True
        elif last != _LF:
            pending.append(lines.pop())
        return self._lines(lines)

    def _lines(self, lines: list[bytes]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append(self._dispatch())
                    data = self._data
                else:
                    self._event = None
                continue
            if line.startswith(b"data: "):
                data.append(line[6:])
            else:
                self._field(line)
        return events

    def _dispatch(self) -> ServerSentEvent:
        data = self._data
        payload = data[0] if len(data) == 1 else b"\n".join(data)
        event = ServerSentEvent(payload, self._event, self._last_id, self._retry)
        self._data = []
        self._event = None
        return event

    def _field(self, line: bytes) -> None:
        name, _, value = line.partition(b":")
        if not name:
            return  # a comment
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":  # "data" with no colon
            self._data.append(value)
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\0" not in value:
                self._last_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            self._retry = int(value)


_NO_EVENTS: Final[list[ServerSentEvent]] = []  # returned, never mutated


class AsyncStream(AsyncClosing, Generic[_T]):
    """The events of one streamed response, each decoded to ``T``.

    Use ``async for event in stream``, optionally inside ``async with stream``. ``aclose()``
    drops the connection early; it is idempotent.

    ``next_batch(max_items)`` is the pull interface of the blocking twin: one await returns
    at least one event (waiting for the network only when nothing is buffered), plus every
    further event already received, up to ``max_items``; an empty list means the stream has
    ended. It raises what iteration would raise, after handing over the events before it.
    """

    __slots__ = (
        "__weakref__",
        "_cast_to",
        "_closed",
        "_deadline",
        "_decoder",
        "_error",
        "_fast",
        "_finished",
        "_fresh",
        "_idle",
        "_items",
        "_loop",
        "_sse",
        "_thread",
        "_timer",
        "_waiting",
        "client",
        "response",
    )

    def __init__(
        self, *, cast_to: Any, response: aiohttp.ClientResponse, client: Any = None
    ) -> None:
        self.response = response
        self.client = client
        self._cast_to = cast_to
        self._fast = decoder_for(cast_to)
        self._sse = SSEDecoder()
        self._items: deque[_T] = deque()
        self._error: BaseException | None = None
        self._finished = False  # no more events will come (end, [DONE], error or close)
        self._closed = False  # the response is released or dropped
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._idle = _idle_limit(response, client)
        self._deadline = self._loop.time() + (self._idle or 0.0)
        self._fresh = False  # events arrived since the last wait: restart the idle clock
        self._waiting = False
        self._timer: asyncio.TimerHandle | None = None

    # -- public surface -------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether the connection has been released (read to the end, or closed)."""
        return self._closed

    def __aiter__(self) -> _StreamIterator[_T]:
        return _StreamIterator(self._next, self._abandon)

    def __anext__(self) -> Awaitable[_T]:
        return self._next()

    async def aclose(self) -> None:
        """Stop reading; the connection is dropped unless the body was already read to its end."""
        self._close()

    async def close(self) -> None:
        """Alias of ``aclose()``."""
        self._close()

    async def next_batch(self, max_items: int = 4096) -> list[_T]:
        """The next events in one go (see the class docstring); ``[]`` at the end."""
        items = self._items
        try:
            while not items and not self._finished:
                await self._read_more()
            content = self.response.content
            while len(items) < max_items and not self._finished:
                chunk = content.read_nowait()
                if not chunk:
                    break
                self._feed(chunk)
            if self._finished and not self._closed:
                await self._drain()
        except Exception as exc:
            self._failed(exc)
        except BaseException:
            self._close()
            raise
        count = min(len(items), max_items)
        if not count and self._error is not None:
            self._raise_error()
        return [items.popleft() for _ in range(count)]

    # -- reading ---------------------------------------------------------------------------------

    async def _next(self) -> _T:
        items = self._items
        while not items:
            if self._finished:
                if self._error is not None:
                    self._raise_error()
                raise StopAsyncIteration
            try:
                await self._read_more()
            except Exception as exc:
                self._failed(exc)
            except BaseException:
                self._close()
                raise
        return items.popleft()

    async def _read_more(self) -> None:
        if self._idle is None:
            chunk = await self.response.content.readany()
        else:
            chunk = await self._read_watched(self._idle)
        if chunk:
            self._feed(chunk)
        else:
            self._end()
        if self._finished and not self._closed:
            await self._drain()

    async def _read_watched(self, idle: float) -> bytes:
        """``readany()`` under the idle limit (see the module docstring)."""
        if self._fresh:
            self._fresh = False
            self._deadline = self._loop.time() + idle
        if self._timer is None:
            self._timer = self._loop.call_at(self._deadline, self._check_idle)
        self._waiting = True
        try:
            return await self.response.content.readany()
        finally:
            self._waiting = False

    def _check_idle(self) -> None:
        """Timer callback: re-arm while events keep coming, else fail the pending read."""
        self._timer = None
        if self._closed or not self._waiting:
            return
        if self._loop.time() < self._deadline:
            self._timer = self._loop.call_at(self._deadline, self._check_idle)
            return
        from ._exceptions import StreamIdleTimeoutError

        self.response.content.set_exception(StreamIdleTimeoutError(self._idle or 0.0))

    def _stop_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _feed(self, chunk: bytes) -> None:
        items = self._items
        fast = self._fast
        events = self._sse.feed(chunk)
        if events:
            self._fresh = True
        for sse in events:
            data = sse.data
            if sse.event is not None:
                data = self._special_event(sse)
                if self._finished:
                    return
            elif data == _DONE:
                self._finished = True
                return
            elif _ERROR_KEY in data and self._check_error(data):
                return
            try:
                items.append(fast(data))
            except msgspec.ValidationError:
                if not self._lenient(data):
                    return
            except (msgspec.DecodeError, UnicodeDecodeError) as exc:
                self._not_json(data, exc)
                return

    def _lenient(self, data: bytes) -> bool:
        """The slow path of one event; False when the stream failed on it."""
        try:
            self._items.append(lenient_decode(self._cast_to, data))
        except UnicodeDecodeError as exc:  # JSON strings holding invalid UTF-8
            self._not_json(data, exc)
            return False
        return True

    def _not_json(self, data: bytes, exc: Exception) -> None:
        response = self.response
        self._fail(invalid_json(data, exc, response.status, response.headers))

    def _special_event(self, sse: ServerSentEvent) -> bytes:
        """Handles a named event; returns the bytes to decode (``_finished`` set if none)."""
        event = cast("str", sse.event)
        data = sse.data
        if data == _DONE:
            self._finished = True
            return data
        if event == "error":
            self._fail(self._error_from(data))
            return data
        if _ERROR_KEY in data and self._check_error(data):
            return data
        if event.startswith("thread."):
            # Assistants events carry the object alone; their union is tagged by event name.
            return b'{"event":' + msgspec.json.encode(event) + b',"data":' + data + b"}"
        return data

    def _check_error(self, data: bytes) -> bool:
        try:
            payload = _BUILTINS.decode(data)
        except (msgspec.DecodeError, UnicodeDecodeError):
            return False
        if isinstance(payload, dict) and cast("dict[str, object]", payload).get("error"):
            self._fail(self._error_from(data))
            return True
        return False

    def _error_from(self, data: bytes) -> BaseException:
        from ._exceptions import error_from_event

        try:
            payload: object = _BUILTINS.decode(data)
        except (msgspec.DecodeError, UnicodeDecodeError):
            payload = {"error": {"message": data.decode("utf-8", "replace")}}
        if not isinstance(payload, dict):
            payload = {"error": payload}
        return error_from_event(cast("dict[str, object]", payload))

    def _fail(self, error: BaseException) -> None:
        self._error = error
        self._finished = True

    def _failed(self, exc: Exception) -> None:
        """A read failed: keep the events whose bytes already arrived, drop the connection,
        and record the error to raise once those events are handed over. A failure after
        ``[DONE]`` (while draining) is no failure of the stream."""
        error: BaseException = exc
        if isinstance(exc, (asyncio.TimeoutError, aiohttp.ClientError)):
            if not self._finished:
                self._salvage()
            error = transport_error(exc)
            error.__cause__ = exc
        ended = self._finished
        self._close()
        if not ended and self._error is None:
            self._error = error

    def _salvage(self) -> None:
        """Parse what the response buffered before its read failed (aiohttp raises the
        failure before handing out buffered bytes)."""
        content = self.response.content
        with contextlib.suppress(Exception):
            rest: bytes = content._read_nowait(-1)  # pyright: ignore[reportPrivateUsage]
            if rest:
                self._feed(rest)

    def _raise_error(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error

    def _end(self) -> None:
        self._finished = True

    async def _drain(self) -> None:
        """After the last event: read what is left so the connection can be pooled."""
        if self._error is not None:
            self._close()
            return
        content = self.response.content
        self._stop_timer()
        while await content.readany():
            pass
        self._closed = True
        self.response.release()

    def _close(self) -> None:
        self._finished = True
        self._stop_timer()
        if not self._closed:
            self._closed = True
            self.response.close()

    def _abandon(self) -> None:
        """The ``async for`` iterator was dropped (``break``): drop the connection."""
        if self._closed:
            return
        if threading.get_ident() == self._thread:
            self._close()
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._close)

    def __repr__(self) -> str:
        return f"<AsyncStream of {getattr(self._cast_to, '__name__', self._cast_to)!s}>"


def transport_error(exc: BaseException) -> BaseException:
    """The library's error for a transport failure in the middle of a stream."""
    from ._exceptions import APIConnectionError, APITimeoutError

    if isinstance(exc, asyncio.TimeoutError):
        return APITimeoutError("Timed out waiting for the next stream event.")
    return APIConnectionError(f"Connection error in the stream: {type(exc).__name__}: {exc}")


class _StreamIterator(Generic[_T]):
    """What ``async for`` holds: dropping it before the end (``break``) drops the connection."""

    __slots__ = ("_abandon", "_next_item")

    def __init__(self, next_item: Callable[[], Awaitable[_T]], abandon: Callable[[], None]) -> None:
        self._next_item = next_item
        self._abandon = abandon

    def __aiter__(self) -> Self:
        return self

    def __anext__(self) -> Awaitable[_T]:
        return self._next_item()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._abandon()
