"""Resource-like senders of a realtime connection: ``conn.session.update(...)`` and the like.

Each method builds one client event (a dict; unset arguments are left out) and sends it on the
connection. The blocking twins in ``_sync.py`` mirror these signatures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias, Union

from ..._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ...types.realtime.realtime_session_create_request_param import (
        RealtimeSessionCreateRequestParam,
    )
    from ...types.realtime.realtime_transcription_session_create_request_param import (
        RealtimeTranscriptionSessionCreateRequestParam,
    )

__all__ = [
    "AsyncConversation",
    "AsyncConversationItem",
    "AsyncInputAudioBuffer",
    "AsyncOutputAudioBuffer",
    "AsyncRealtimeResponse",
    "AsyncResponsesResponse",
    "AsyncSession",
    "event",
]

Send: TypeAlias = Callable[[dict[str, object]], Awaitable[None]]
SessionParam: TypeAlias = Union[
    "RealtimeSessionCreateRequestParam", "RealtimeTranscriptionSessionCreateRequestParam"
]
ItemParam: TypeAlias = Mapping[str, Any]
ResponseParam: TypeAlias = Mapping[str, Any]


def event(kind: str, event_id: str | NotGiven, **fields: object) -> dict[str, object]:
    """The client event ``kind`` with the given fields (``NOT_GIVEN`` ones left out)."""
    built: dict[str, object] = {"type": kind}
    if not isinstance(event_id, NotGiven):
        built["event_id"] = event_id
    for name, value in fields.items():
        if value is not NOT_GIVEN:
            built[name] = value
    return built


class _Sender:
    __slots__ = ("_send",)

    def __init__(self, send: Send) -> None:
        self._send = send


class AsyncSession(_Sender):
    """``conn.session``."""

    __slots__ = ()

    async def update(self, *, session: SessionParam, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``session.update``."""
        await self._send(event("session.update", event_id, session=session))


class AsyncRealtimeResponse(_Sender):
    """``conn.response``."""

    __slots__ = ()

    async def create(
        self,
        *,
        response: ResponseParam | NotGiven = NOT_GIVEN,
        event_id: str | NotGiven = NOT_GIVEN,
    ) -> None:
        """Send ``response.create``."""
        await self._send(event("response.create", event_id, response=response))

    async def cancel(
        self, *, response_id: str | NotGiven = NOT_GIVEN, event_id: str | NotGiven = NOT_GIVEN
    ) -> None:
        """Send ``response.cancel``."""
        await self._send(event("response.cancel", event_id, response_id=response_id))


class AsyncInputAudioBuffer(_Sender):
    """``conn.input_audio_buffer``."""

    __slots__ = ()

    async def append(self, *, audio: str, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``input_audio_buffer.append`` (``audio``: base64-encoded bytes)."""
        await self._send(event("input_audio_buffer.append", event_id, audio=audio))

    async def commit(self, *, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``input_audio_buffer.commit``."""
        await self._send(event("input_audio_buffer.commit", event_id))

    async def clear(self, *, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``input_audio_buffer.clear``."""
        await self._send(event("input_audio_buffer.clear", event_id))


class AsyncOutputAudioBuffer(_Sender):
    """``conn.output_audio_buffer``."""

    __slots__ = ()

    async def clear(self, *, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``output_audio_buffer.clear``."""
        await self._send(event("output_audio_buffer.clear", event_id))


class AsyncConversationItem(_Sender):
    """``conn.conversation.item``."""

    __slots__ = ()

    async def create(
        self,
        *,
        item: ItemParam,
        previous_item_id: str | NotGiven = NOT_GIVEN,
        event_id: str | NotGiven = NOT_GIVEN,
    ) -> None:
        """Send ``conversation.item.create``."""
        await self._send(
            event(
                "conversation.item.create", event_id, item=item, previous_item_id=previous_item_id
            )
        )

    async def retrieve(self, *, item_id: str, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``conversation.item.retrieve``."""
        await self._send(event("conversation.item.retrieve", event_id, item_id=item_id))

    async def delete(self, *, item_id: str, event_id: str | NotGiven = NOT_GIVEN) -> None:
        """Send ``conversation.item.delete``."""
        await self._send(event("conversation.item.delete", event_id, item_id=item_id))

    async def truncate(
        self,
        *,
        item_id: str,
        content_index: int,
        audio_end_ms: int,
        event_id: str | NotGiven = NOT_GIVEN,
    ) -> None:
        """Send ``conversation.item.truncate``."""
        await self._send(
            event(
                "conversation.item.truncate",
                event_id,
                item_id=item_id,
                content_index=content_index,
                audio_end_ms=audio_end_ms,
            )
        )


class AsyncConversation:
    """``conn.conversation``."""

    __slots__ = ("item",)

    def __init__(self, send: Send) -> None:
        self.item = AsyncConversationItem(send)


class AsyncResponsesResponse(_Sender):
    """``conn.response`` of a Responses WebSocket connection."""

    __slots__ = ()

    async def create(self, *, stream_id: str | NotGiven = NOT_GIVEN, **params: Any) -> None:
        """Send ``response.create``; the keyword arguments are those of
        ``client.responses.create`` (``stream`` is implied), plus the WebSocket lane
        ``stream_id``."""
        await self._send(event("response.create", NOT_GIVEN, stream_id=stream_id, **params))
