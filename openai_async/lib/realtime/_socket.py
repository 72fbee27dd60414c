# pyright: reportPrivateUsage=false
"""One WebSocket to the API: opened on the client's aiohttp session, events decoded on the way
in, messages encoded on the way out, and a reconnect when the server drops it abnormally.

Receiving drives everything: ``recv()`` (or ``async for``) reads the next frame, and when the
socket closes with one of ``ABNORMAL_CLOSE_CODES`` it reconnects there (backoff, then the
``on_reconnecting`` callback, then a new handshake) before reading on. Messages sent while the
socket is down wait in a bounded queue and go out first, once, on the next connection.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, cast

import aiohttp
import msgspec

from ..._decode import decoder_for, lenient_decode
from ..._exceptions import APIConnectionError, APIStatusError, APITimeoutError, make_status_error
from ..._logging import logger
from ..._types import NOT_GIVEN
from ._errors import (
    RealtimeConnectionClosed,
    RealtimeProtocolError,
    ReconnectAbortedError,
)
from ._queue import SendQueue
from ._reconnect import ABNORMAL_CLOSE_CODES, OnReconnecting, ReconnectAttempt, ReconnectOptions

if TYPE_CHECKING:
    from ..._client import AsyncOpenAI

__all__ = ["BaseAsyncConnection", "encode_event"]

EventT = TypeVar("EventT")

_ENCODER: Final = msgspec.json.Encoder()
_TEXT: Final = aiohttp.WSMsgType.TEXT
_BINARY: Final = aiohttp.WSMsgType.BINARY
_CLOSE: Final = aiohttp.WSMsgType.CLOSE
_CLOSING: Final = aiohttp.WSMsgType.CLOSING
_ERROR: Final = aiohttp.WSMsgType.ERROR
_NORMAL: Final = 1000
_NO_STATUS: Final = 1005
_DROPPED: Final = 1006
_CLOSED: Final[Any] = object()
_SEND_FAILURES: Final = (ConnectionError, aiohttp.ClientConnectionError)


def encode_event(event: object) -> bytes:
    """JSON bytes of a client event: a mapping (top-level ``NOT_GIVEN`` dropped), a Struct,
    or already encoded JSON (``str`` / ``bytes``)."""
    if isinstance(event, bytes):
        return event
    if isinstance(event, str):
        return event.encode()
    if isinstance(event, Mapping):
        items: Mapping[str, object] = event  # type: ignore[assignment]
        return _ENCODER.encode({k: v for k, v in items.items() if v is not NOT_GIVEN})
    return _ENCODER.encode(event)


def _data_frame_waiting(ws: aiohttp.ClientWebSocketResponse[bool]) -> bool:
    """Whether ``ws.receive()`` would return a text or binary frame without waiting.

    It peeks at aiohttp's reader buffer (entries are ``(message, size)``); where that internal
    looks different, the answer is False and the blocking twin simply takes one event per hop.
    """
    reader: object = getattr(ws, "_reader", None)
    buffer: object = getattr(reader, "_buffer", None)
    if not isinstance(buffer, deque) or not buffer:
        return False
    entry = cast("object", buffer[0])
    if not isinstance(entry, tuple) or len(cast("tuple[object, ...]", entry)) != 2:
        return False
    message = cast("tuple[object, object]", entry)[0]
    return getattr(message, "type", None) in (_TEXT, _BINARY)


def _retryable(status: int) -> bool:
    return status in (408, 409, 429) or status >= 500


class BaseAsyncConnection(Generic[EventT]):
    """A realtime WebSocket yielding ``EventT``s. Built by ``connect()``; use it inside
    ``async with``, or call ``close()``.

    ``url``, ``query`` and ``headers`` are what each handshake uses (``on_reconnecting`` may
    change the last two); ``reconnects`` counts successful reconnects.
    """

    def __init__(
        self,
        client: AsyncOpenAI,
        *,
        url: str,
        query: dict[str, object],
        headers: dict[str, str],
        event_type: Any,
        reconnect: ReconnectOptions | None,
        on_reconnecting: OnReconnecting | None,
        send_queue_size: int,
        heartbeat: float | None,
        max_message_size: int,
        open_timeout: float | None,
    ) -> None:
        self._client = client
        self.url = url
        self.query = query
        self.headers = headers
        self.reconnects = 0
        self._event_type = event_type
        self._decode: Callable[[Any], Any] = decoder_for(event_type)
        self._reconnect = reconnect
        self._on_reconnecting = on_reconnecting
        self._queue = SendQueue(send_queue_size)
        self._heartbeat = heartbeat
        self._max_message_size = max_message_size
        self._open_timeout = open_timeout
        self._ws: aiohttp.ClientWebSocketResponse[bool] | None = None
        self._held_error: Exception | None = None  # met after a batch's first event
        self._closed: RealtimeConnectionClosed | None = None
        self._clean = False

    # -- state ---------------------------------------------------------------------------------

    @property
    def websocket(self) -> aiohttp.ClientWebSocketResponse[bool] | None:
        """The current aiohttp WebSocket (``None`` while reconnecting or once closed)."""
        return self._ws

    @property
    def closed(self) -> bool:
        """Whether the connection is closed for good (no reconnect will follow)."""
        return self._closed is not None

    @property
    def unsent(self) -> list[object]:
        """Messages sent while disconnected that have not gone out yet, oldest first."""
        return self._queue.events()

    # -- opening -------------------------------------------------------------------------------

    async def open(self) -> None:
        """The first handshake; errors are raised as they are (no reconnect)."""
        self._ws = await self._handshake()

    def _handshake_url(self) -> str:
        from ..._request import encode_query

        query = encode_query(self.query)
        return f"{self.url}?{query}" if query else self.url

    async def _handshake(self) -> aiohttp.ClientWebSocketResponse[bool]:
        client = self._client
        headers = dict(self.headers)
        if client._auth_provider is not None:
            headers[client._auth_header] = await client._provided_auth()
        session = await client._store.get()
        opening = session.ws_connect(
            self._handshake_url(),
            headers=headers,
            proxy=client._proxy,
            heartbeat=self._heartbeat,
            max_msg_size=self._max_message_size,
        )
        try:
            return await asyncio.wait_for(opening, self._open_timeout)
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status >= 400:
                raise make_status_error(exc.status, exc.headers or {}, b"") from exc
            raise APIConnectionError(f"WebSocket handshake failed: {exc.message}") from exc
        except asyncio.TimeoutError as exc:
            raise APITimeoutError() from exc
        except aiohttp.ClientError as exc:
            raise APIConnectionError(f"Connection error: {type(exc).__name__}: {exc}") from exc

    # -- receiving -----------------------------------------------------------------------------

    async def recv(self) -> EventT:
        """The next server event. Raises ``RealtimeConnectionClosed`` once closed for good."""
        event = await self._next()
        if event is _CLOSED:
            assert self._closed is not None
            raise self._closed
        result: EventT = event
        return result

    def __aiter__(self) -> BaseAsyncConnection[EventT]:
        return self

    async def __anext__(self) -> EventT:
        """The next event; the loop ends on a normal close and raises after an abnormal one
        that could not be recovered."""
        event = await self._next()
        if event is _CLOSED:
            assert self._closed is not None
            if self._clean:
                raise StopAsyncIteration
            raise self._closed
        result: EventT = event
        return result

    async def next_or_none(self) -> EventT | None:
        """The next event, or ``None`` after a normal close (what the blocking twin iterates
        with); raises like ``async for`` after an abnormal one."""
        event = await self._next()
        if event is _CLOSED:
            assert self._closed is not None
            if self._clean:
                return None
            raise self._closed
        result: EventT = event
        return result

    async def next_batch(self, max_items: int = 1024) -> list[EventT]:
        """The next event (waiting for it) and every further one already received, up to
        ``max_items``: what the blocking twin moves per portal hop. ``[]`` after a normal close;
        an error met after the first event is raised by the next call, so no event is lost."""
        first = await self.next_or_none()
        if first is None:
            return []
        batch = [first]
        try:
            while len(batch) < max_items and (ws := self._ws) and _data_frame_waiting(ws):
                event = await self.next_or_none()
                if event is None:
                    break
                batch.append(event)
        except Exception as exc:
            self._held_error = exc
        return batch

    async def _next(self) -> Any:
        if (held := self._held_error) is not None:
            self._held_error = None
            raise held
        while True:
            ws = self._ws
            if ws is None:
                if self._closed is None:
                    self._finish(_DROPPED, "")
                return _CLOSED
            msg = await ws.receive()
            kind = msg.type
            if kind is _TEXT:
                return self._decode_text(msg.data)
            if kind is _BINARY:
                return self._decode_bytes(msg.data)
            if kind is _CLOSING:
                continue
            await self._dropped(ws, kind, msg.data, msg.extra)

    def _decode_text(self, data: str) -> Any:
        try:
            return self._decode(data)
        except msgspec.ValidationError:
            return lenient_decode(self._event_type, data.encode())
        except msgspec.DecodeError as exc:
            raise RealtimeProtocolError(
                f"the server sent a non-JSON frame: {data[:200]!r}"
            ) from exc

    def _decode_bytes(self, data: bytes) -> Any:
        try:
            return self._decode(data)
        except msgspec.ValidationError:
            return lenient_decode(self._event_type, data)
        except msgspec.DecodeError as exc:
            raise RealtimeProtocolError(
                f"the server sent a non-JSON frame: {data[:200]!r}"
            ) from exc

    async def _dropped(
        self, ws: aiohttp.ClientWebSocketResponse[bool], kind: object, data: object, extra: object
    ) -> None:
        """The socket closed (``kind`` is CLOSE, CLOSED or ERROR): reconnect or finish."""
        if kind is _CLOSE:
            code = data if isinstance(data, int) and data else _NO_STATUS
            reason = str(extra or "")
        elif kind is _ERROR:
            code = ws.close_code or _DROPPED
            reason = str(data)
        else:  # closed without a close frame: the connection was cut
            code, reason = _DROPPED, ""
        if self._ws is ws:
            self._ws = None
        if not ws.closed:
            await ws.close()
        if self._closed is not None:
            return
        if self._reconnect is None or code not in ABNORMAL_CLOSE_CODES:
            self._finish(code, reason)
            return
        logger.info("realtime connection dropped (code %d); reconnecting", code)
        await self._reconnect_after(self._reconnect, code, reason)

    def _finish(self, code: int, reason: str, attempts: int = 0) -> None:
        self._clean = code == _NORMAL and not len(self._queue)
        self._closed = RealtimeConnectionClosed(
            code, reason, unsent=self._queue.events(), attempts=attempts
        )

    # -- reconnecting --------------------------------------------------------------------------

    async def _reconnect_after(self, options: ReconnectOptions, code: int, reason: str) -> None:
        last_error: APIConnectionError | APIStatusError | None = None
        for attempt in range(1, options.max_attempts + 1):
            info = ReconnectAttempt(
                attempt=attempt,
                close_code=code,
                reason=reason,
                delay=options.delay(attempt),
                query=self.query,
                headers=self.headers,
            )
            if not await self._ask_callback(info):
                self._clean = False
                self._closed = ReconnectAbortedError(
                    code, reason, unsent=self._queue.events(), attempts=attempt - 1
                )
                return
            await options.sleep(info.delay)
            if self._closed is not None:  # closed by the caller meanwhile
                return
            try:
                ws = await self._handshake()
            except APIStatusError as exc:
                if not _retryable(exc.status_code):
                    self._finish(code, reason, attempt)
                    raise
                last_error = exc
                continue
            except APIConnectionError as exc:
                last_error = exc
                continue
            await self._adopt(ws)
            return
        self._finish(code, reason, options.max_attempts)
        if self._closed is not None:
            self._closed.__cause__ = last_error

    async def _ask_callback(self, info: ReconnectAttempt) -> bool:
        callback = self._on_reconnecting
        if callback is not None:
            result = callback(info)
            if inspect.isawaitable(result):
                result = await result
            if result is False:
                info.abort()
        return not info.aborted

    async def _adopt(self, ws: aiohttp.ClientWebSocketResponse[bool]) -> None:
        """Send the queued messages on the new socket, then make it current.

        Sends made meanwhile are queued too, so the order holds. If the new socket fails while
        flushing, what is left stays queued for the next one.
        """
        if self._closed is not None:
            await ws.close()
            return
        queue = self._queue
        try:
            while len(queue):
                await ws.send_frame(queue.peek(), _TEXT)
                queue.pop()
        except _SEND_FAILURES:
            pass
        self._ws = ws
        self.reconnects += 1
        logger.info("realtime connection re-established (reconnect %d)", self.reconnects)

    # -- sending -------------------------------------------------------------------------------

    async def send(self, event: object) -> None:
        """Send a client event: a dict, a generated event Struct, or JSON text.

        While the connection is down (reconnecting) the message is queued and goes out first
        on the next connection; a full queue raises ``SendQueueFullError``.
        """
        await self._send(encode_event(event), event)

    async def _send(self, data: bytes, event: object) -> None:
        ws = self._ws
        if ws is not None and not ws.closed:
            try:
                await ws.send_frame(data, _TEXT)
                return
            except _SEND_FAILURES:
                pass  # the socket is going down: keep the message for the next one
        self._hold(data, event, ws)

    def _hold(
        self, data: bytes, event: object, ws: aiohttp.ClientWebSocketResponse[bool] | None
    ) -> None:
        closed = self._closed
        if closed is not None:
            raise RealtimeConnectionClosed(
                closed.code, closed.reason, message="the realtime connection is closed"
            )
        if self._reconnect is None:
            code = ws.close_code if ws is not None and ws.close_code else _DROPPED
            raise RealtimeConnectionClosed(
                code, message="the realtime connection is down and reconnect is off"
            )
        self._queue.put(data, event)

    # -- closing -------------------------------------------------------------------------------

    async def close(self, *, code: int = _NORMAL, reason: str = "") -> list[object]:
        """Close the connection (no reconnect follows) and return the messages still queued
        from a disconnected spell, which will never be sent (also logged as a warning)."""
        unsent = self._queue.clear()
        if unsent:
            logger.warning("realtime connection closed with %d unsent message(s)", len(unsent))
        if self._closed is None:
            self._clean = True
            self._closed = RealtimeConnectionClosed(code, reason, unsent=unsent)
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            await ws.close(code=code, message=reason.encode())
        return unsent
