# pyright: reportPrivateUsage=false
"""The blocking twin: ``with client.realtime.connect(model=...) as conn:``.

The async connection lives on the blocking client's portal loop (where its aiohttp session
is); every blocking method is one portal call of the async one. ``on_reconnecting`` runs on
the portal thread.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..._types import NOT_GIVEN, NotGiven
from ...types.realtime import RealtimeServerEvent
from ...types.responses import ResponsesServerEvent
from ._senders import ItemParam, ResponseParam, SessionParam, event
from ._socket import BaseAsyncConnection

if TYPE_CHECKING:
    import aiohttp

    from ..._sync._portal import PortalThread
    from .connection import (
        AsyncConnectionManager,
        AsyncRealtimeConnection,
        AsyncResponsesConnection,
    )

__all__ = ["ConnectionManager", "RealtimeConnection", "ResponsesConnection"]

EventT = TypeVar("EventT")
AsyncConnT = TypeVar("AsyncConnT", bound=BaseAsyncConnection[Any])
ConnT = TypeVar("ConnT")

Send = Callable[[dict[str, object]], None]


async def _send(connection: BaseAsyncConnection[Any], message: object) -> None:
    await connection.send(message)


async def _close(connection: BaseAsyncConnection[Any], code: int, reason: str) -> list[object]:
    return await connection.close(code=code, reason=reason)


class BaseConnection(Generic[EventT]):
    """Blocking face of a ``BaseAsyncConnection``: ``send``, ``recv``, ``for``, ``close``."""

    def __init__(self, connection: BaseAsyncConnection[EventT], portal: PortalThread) -> None:
        self._async = connection
        self._portal = portal
        # Events a batch brought that the caller has not taken yet (a ``for`` left early).
        self._pending: deque[EventT] = deque()

    @property
    def websocket(self) -> aiohttp.ClientWebSocketResponse[bool] | None:
        """The current aiohttp WebSocket (it belongs to the portal's event loop)."""
        return self._async.websocket

    @property
    def closed(self) -> bool:
        return self._async.closed

    @property
    def unsent(self) -> list[object]:
        return self._async.unsent

    @property
    def reconnects(self) -> int:
        return self._async.reconnects

    @property
    def query(self) -> dict[str, object]:
        return self._async.query

    @property
    def headers(self) -> dict[str, str]:
        return self._async.headers

    def send(self, event: object) -> None:
        """Send a client event (dict, event Struct or JSON text); queued while reconnecting."""
        self._portal.run(_send, self._async, event)

    def recv(self) -> EventT:
        """The next server event (waits); ``RealtimeConnectionClosed`` once closed."""
        if self._pending:
            return self._pending.popleft()
        return self._portal.run(self._async.recv)

    def __iter__(self) -> Iterator[EventT]:
        # One portal hop per batch: every event already received comes back with the first.
        # Events stay in ``_pending`` until yielded, so leaving the loop early loses none.
        pending = self._pending
        next_batch = self._async.next_batch
        run = self._portal.run
        while True:
            while pending:
                yield pending.popleft()
            batch = run(next_batch)
            if not batch:
                return
            pending.extend(batch)

    def close(self, *, code: int = 1000, reason: str = "") -> list[object]:
        """Close; returns the queued messages that were never sent."""
        return self._portal.run(_close, self._async, code, reason)


class _Sender:
    __slots__ = ("_send",)

    def __init__(self, send: Send) -> None:
        self._send = send


class Session(_Sender):
    """``conn.session``."""

    __slots__ = ()

    def update(self, *, session: SessionParam, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``session.update``."""
        self._send(event("session.update", event_id, session=session))


class RealtimeResponse(_Sender):
    """``conn.response``."""

    __slots__ = ()

    def create(
        self,
        *,
        response: ResponseParam | NotGiven = NOT_GIVEN,
        event_id: str | NotGiven = NOT_GIVEN,
    ) -> None:
        """Send ``response.create``."""
        self._send(event("response.create", event_id, response=response))

    def cancel(
        self, *, response_id: str | NotGiven = NOT_GIVEN, event_id: str | NotGiven = NOT_GIVEN
    ) -> None:
        """Send ``response.cancel``."""
        self._send(event("response.cancel", event_id, response_id=response_id))


class InputAudioBuffer(_Sender):
    """``conn.input_audio_buffer``."""

    __slots__ = ()

    def append(self, *, audio: str, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``input_audio_buffer.append`` (``audio``: base64-encoded bytes)."""
        self._send(event("input_audio_buffer.append", event_id, audio=audio))

    def commit(self, *, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``input_audio_buffer.commit``."""
        self._send(event("input_audio_buffer.commit", event_id))

    def clear(self, *, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``input_audio_buffer.clear``."""
        self._send(event("input_audio_buffer.clear", event_id))


class OutputAudioBuffer(_Sender):
    """``conn.output_audio_buffer``."""

    __slots__ = ()

    def clear(self, *, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``output_audio_buffer.clear``."""
        self._send(event("output_audio_buffer.clear", event_id))


class ConversationItem(_Sender):
    """``conn.conversation.item``."""

    __slots__ = ()

    def create(
        self,
        *,
        item: ItemParam,
        previous_item_id: str | NotGiven = NOT_GIVEN,
        event_id: str | NotGiven = NOT_GIVEN,
    ) -> None:
        """Send ``conversation.item.create``."""
        self._send(
            event(
                "conversation.item.create", event_id, item=item, previous_item_id=previous_item_id
            )
        )

    def retrieve(self, *, item_id: str, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``conversation.item.retrieve``."""
        self._send(event("conversation.item.retrieve", event_id, item_id=item_id))

    def delete(self, *, item_id: str, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``conversation.item.delete``."""
        self._send(event("conversation.item.delete", event_id, item_id=item_id))

    def truncate(
        self,
        *,
        item_id: str,
        content_index: int,
        audio_end_ms: int,
        event_id: str | NotGiven = NOT_GIVEN,
    ) -> None:
        """Send ``conversation.item.truncate``."""
        self._send(
            event(
                "conversation.item.truncate",
                event_id,
                item_id=item_id,
                content_index=content_index,
                audio_end_ms=audio_end_ms,
            )
        )


class Conversation:
    """``conn.conversation``."""

    __slots__ = ("item",)

    def __init__(self, send: Send) -> None:
        self.item = ConversationItem(send)


class ResponsesResponse(_Sender):
    """``conn.response`` of a Responses WebSocket connection."""

    __slots__ = ()

    def create(self, *, stream_id: str | NotGiven = NOT_GIVEN, **params: Any) -> None:
        """Send ``response.create`` (the arguments of ``responses.create``, plus
        ``stream_id``)."""
        self._send(event("response.create", NOT_GIVEN, stream_id=stream_id, **params))


class RealtimeConnection(BaseConnection[RealtimeServerEvent]):
    """Blocking realtime connection (see ``AsyncRealtimeConnection``)."""

    def __init__(self, connection: AsyncRealtimeConnection, portal: PortalThread) -> None:
        super().__init__(connection, portal)
        send = self.send
        self.session = Session(send)
        self.response = RealtimeResponse(send)
        self.input_audio_buffer = InputAudioBuffer(send)
        self.output_audio_buffer = OutputAudioBuffer(send)
        self.conversation = Conversation(send)


class ResponsesConnection(BaseConnection[ResponsesServerEvent]):
    """Blocking Responses WebSocket connection (see ``AsyncResponsesConnection``)."""

    def __init__(self, connection: AsyncResponsesConnection, portal: PortalThread) -> None:
        super().__init__(connection, portal)
        self.response = ResponsesResponse(self.send)


class ConnectionManager(Generic[AsyncConnT, ConnT]):
    """``with manager as conn`` (or ``conn = manager.enter()``); leaving closes it."""

    __slots__ = ("_async", "_portal", "_wrap")

    def __init__(
        self,
        async_manager: AsyncConnectionManager[AsyncConnT],
        portal: PortalThread,
        wrap: Callable[[AsyncConnT, PortalThread], ConnT],
    ) -> None:
        self._async = async_manager
        self._portal = portal
        self._wrap = wrap

    def enter(self) -> ConnT:
        return self._wrap(self._portal.run(self._async.enter), self._portal)

    def __enter__(self) -> ConnT:
        return self.enter()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._portal.run(self._async.__aexit__, None, None, None)
