"""What the chat and Responses stream helpers share: listeners, the async stream over a state,
its blocking face, and the ``async with`` / ``with`` managers that open them.

A state turns each raw item (a chunk, a Responses event) into helper events:
``state.handle(item, events)``. ``AsyncHelperStream.next_batch()`` hands over the events of
every item already received in one await; the blocking ``HelperStream`` pulls those batches
across the portal. Listeners registered with ``on()`` run in the consuming thread.
"""

from __future__ import annotations

import inspect
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from typing_extensions import Self

from ..._closing import AsyncClosing, Closing

if TYPE_CHECKING:
    from ..._streaming import AsyncStream
    from ..._sync._portal import PortalThread

__all__ = [
    "AsyncHelperStream",
    "AsyncStreamManager",
    "HelperStream",
    "Listeners",
    "StreamManager",
    "StreamState",
]

EventT = TypeVar("EventT")
AsyncStreamT = TypeVar("AsyncStreamT", bound="AsyncHelperStream[Any]")
SyncStreamT = TypeVar("SyncStreamT", bound="HelperStream[Any]")


class StreamState(Protocol):
    def handle(self, item: Any, events: list[Any], /) -> None: ...


class Listeners:
    """Callbacks by event type: ``fn(event)``; ``"content"`` is ``fn(delta, snapshot)`` for
    text delta events, and ``"end"`` is ``fn()`` once the stream is read through."""

    __slots__ = ("_by_type", "_text_delta")

    def __init__(self, text_delta: str) -> None:
        self._by_type: dict[str, list[Callable[..., Any]]] = {}
        self._text_delta = text_delta

    def add(self, event_type: str, fn: Callable[..., Any]) -> None:
        self._by_type.setdefault(event_type, []).append(fn)

    def __bool__(self) -> bool:
        return bool(self._by_type)

    def calls(self, event: Any) -> Iterator[Any]:
        """Run the listeners of ``event``; yields what each returned (awaitables included)."""
        by_type = self._by_type
        kind: str = event.type
        for fn in by_type.get(kind, ()):
            yield fn(event)
        if kind == self._text_delta:
            for fn in by_type.get("content", ()):
                yield fn(event.delta, event.snapshot)

    def end_calls(self) -> Iterator[Any]:
        for fn in self._by_type.get("end", ()):
            yield fn()


async def _run_async(results: Iterator[Any]) -> None:
    for result in results:
        if inspect.isawaitable(result):
            await result


def _run_sync(results: Iterator[Any]) -> None:
    for result in results:
        if inspect.isawaitable(result):
            close = getattr(result, "close", None)
            if callable(close):
                close()
            raise TypeError("a listener of a blocking stream returned an awaitable")


class AsyncHelperStream(AsyncClosing, Generic[EventT]):
    """``async for event in stream``, ``until_done()``, ``on()``, ``aclose()``."""

    __slots__ = ("_buffer", "_ended", "_listeners", "_raw", "_state")

    _text_delta = ""

    def __init__(self, raw: AsyncStream[Any], state: Any) -> None:
        self._raw = raw
        self._state = state
        self._buffer: deque[EventT] = deque()
        self._listeners = Listeners(self._text_delta)
        self._ended = False

    @property
    def response(self) -> Any:
        """The HTTP response the stream is read from."""
        return self._raw.response

    @property
    def closed(self) -> bool:
        """Whether the connection has been released."""
        return self._raw.closed

    def on(self, event_type: str, fn: Callable[..., Any]) -> Self:
        """Call ``fn`` for each event of ``event_type`` (see ``Listeners``); returns the stream."""
        self._listeners.add(event_type, fn)
        return self

    async def next_batch(self, max_items: int = 4096) -> list[EventT]:
        """Events of every item already received (waiting for one if none); ``[]`` at the end."""
        items = await self._raw.next_batch(max_items)
        events: list[EventT] = []
        handle = self._state.handle
        for item in items:
            handle(item, events)
        return events

    def __aiter__(self) -> AsyncIterator[EventT]:
        return self

    async def __anext__(self) -> EventT:
        buffer = self._buffer
        while not buffer:
            batch = [] if self._ended else await self.next_batch()
            if not batch:
                await self._end()
                raise StopAsyncIteration
            buffer.extend(batch)
        event = buffer.popleft()
        if self._listeners:
            await _run_async(self._listeners.calls(event))
        return event

    async def _end(self) -> None:
        if not self._ended:
            self._ended = True
            await _run_async(self._listeners.end_calls())

    async def until_done(self) -> Self:
        """Read (and dispatch) every remaining event."""
        async for _ in self:
            pass
        return self

    async def aclose(self) -> None:
        """Stop reading; drops the connection unless the stream was read to its end."""
        await self._raw.aclose()

    async def close(self) -> None:
        """Alias of ``aclose()``."""
        await self._raw.aclose()


class HelperStream(Closing, Generic[EventT]):
    """The blocking face of an ``AsyncHelperStream``: events cross the portal in batches.

    Listeners run in the iterating thread. Leaving a ``for`` loop early closes the stream.
    """

    __slots__ = ("_async", "_buffer", "_ended", "_index", "_listeners", "_portal")

    def __init__(self, async_stream: AsyncHelperStream[EventT], portal: PortalThread) -> None:
        self._async = async_stream
        self._portal = portal
        self._buffer: list[EventT] = []
        self._index = 0
        self._listeners = Listeners(async_stream._text_delta)  # pyright: ignore[reportPrivateUsage]
        self._ended = False

    @property
    def response(self) -> Any:
        """The HTTP response the stream is read from."""
        return self._async.response

    def on(self, event_type: str, fn: Callable[..., Any]) -> Self:
        """Call ``fn`` for each event of ``event_type`` (see ``Listeners``); returns the stream."""
        self._listeners.add(event_type, fn)
        return self

    def __iter__(self) -> Iterator[EventT]:
        try:
            while True:
                try:
                    event = next(self)
                except StopIteration:
                    return
                yield event
        finally:
            self.close()

    def __next__(self) -> EventT:
        if self._index >= len(self._buffer):
            batch: list[EventT] = []
            while not batch and not self._ended:
                batch = self._portal.run(self._async.next_batch)
                if not batch:
                    self._finish()
            if not batch:
                raise StopIteration
            self._buffer = batch
            self._index = 0
        event = self._buffer[self._index]
        self._index += 1
        if self._listeners:
            _run_sync(self._listeners.calls(event))
        return event

    def _finish(self) -> None:
        if not self._ended:
            self._ended = True
            _run_sync(self._listeners.end_calls())

    def until_done(self) -> Self:
        """Read (and dispatch) every remaining event."""
        for _ in self:
            pass
        return self

    def close(self) -> None:
        """Release the connection; safe to call more than once."""
        self._buffer = []
        self._index = 0
        if not self._async.closed:
            self._portal.run(self._async.aclose)


class AsyncStreamManager(Generic[AsyncStreamT]):
    """``async with`` sends the request, yields the stream, and closes it on exit."""

    __slots__ = ("_open", "_stream")

    def __init__(self, open_stream: Callable[[], Awaitable[AsyncStreamT]]) -> None:
        self._open = open_stream
        self._stream: AsyncStreamT | None = None

    async def __aenter__(self) -> AsyncStreamT:
        self._stream = await self._open()
        return self._stream

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.aclose()


class StreamManager(Generic[SyncStreamT]):
    """``with`` sends the request on the portal, yields the stream, and closes it on exit."""

    __slots__ = ("_open", "_stream")

    def __init__(self, open_stream: Callable[[], SyncStreamT]) -> None:
        self._open = open_stream
        self._stream: SyncStreamT | None = None

    def __enter__(self) -> SyncStreamT:
        self._stream = self._open()
        return self._stream

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()
