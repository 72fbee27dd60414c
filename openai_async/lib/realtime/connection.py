# pyright: reportPrivateUsage=false
"""``client.realtime.connect()`` and ``client.responses.connect()``: WebSocket connections.

The URL is the client's ``websocket_base_url``, else its ``base_url`` with a ``ws``/``wss``
scheme, plus ``/realtime`` or ``/responses``. The handshake carries the client's headers
(authentication included, Azure's ``api-key`` too) and query (``model``; on Azure
``api-version`` and ``deployment``).
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from ..._request import merge_headers
from ...types.realtime import RealtimeServerEvent
from ...types.responses import ResponsesServerEvent
from ._reconnect import OnReconnecting, ReconnectOptions
from ._senders import (
    AsyncConversation,
    AsyncInputAudioBuffer,
    AsyncOutputAudioBuffer,
    AsyncRealtimeResponse,
    AsyncResponsesResponse,
    AsyncSession,
)
from ._socket import BaseAsyncConnection

if TYPE_CHECKING:
    from ..._client import AsyncOpenAI
    from ..._types import Headers, Query

__all__ = [
    "AsyncConnectionManager",
    "AsyncRealtimeConnection",
    "AsyncResponsesConnection",
    "ConnectOptions",
    "open_realtime",
    "open_responses",
    "websocket_base",
]

ConnT = TypeVar("ConnT", bound=BaseAsyncConnection[Any])

DEFAULT_SEND_QUEUE_SIZE: Final = 1024
DEFAULT_HEARTBEAT: Final = 20.0
DEFAULT_MAX_MESSAGE_SIZE: Final = 64 * 1024 * 1024


class AsyncRealtimeConnection(BaseAsyncConnection[RealtimeServerEvent]):
    """A realtime API connection: ``session``, ``response``, ``input_audio_buffer``,
    ``conversation.item`` and ``output_audio_buffer`` send client events; ``recv()`` and
    ``async for`` give server events (``error`` events included, as events)."""

    def __init__(self, client: AsyncOpenAI, **options: Any) -> None:
        super().__init__(client, event_type=RealtimeServerEvent, **options)
        send = self.send
        self.session = AsyncSession(send)
        self.response = AsyncRealtimeResponse(send)
        self.input_audio_buffer = AsyncInputAudioBuffer(send)
        self.output_audio_buffer = AsyncOutputAudioBuffer(send)
        self.conversation = AsyncConversation(send)


class AsyncResponsesConnection(BaseAsyncConnection[ResponsesServerEvent]):
    """A Responses API WebSocket: ``response.create(...)`` starts a response; its stream
    events arrive through ``recv()`` / ``async for``."""

    def __init__(self, client: AsyncOpenAI, **options: Any) -> None:
        super().__init__(client, event_type=ResponsesServerEvent, **options)
        self.response = AsyncResponsesResponse(self.send)


class AsyncConnectionManager(Generic[ConnT]):
    """``async with manager as conn`` (or ``conn = await manager.enter()``) opens the
    connection; leaving the block closes it."""

    __slots__ = ("_connection", "_factory")

    def __init__(self, factory: Callable[[], ConnT]) -> None:
        self._factory = factory
        self._connection: ConnT | None = None

    async def enter(self) -> ConnT:
        connection = self._factory()
        await connection.open()
        self._connection = connection
        return connection

    async def __aenter__(self) -> ConnT:
        return await self.enter()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()


class ConnectOptions:
    """The keyword arguments ``connect()`` shares between its two forms."""

    __slots__ = (
        "extra_headers",
        "extra_query",
        "heartbeat",
        "max_message_size",
        "on_reconnecting",
        "open_timeout",
        "reconnect",
        "send_queue_size",
    )

    def __init__(
        self,
        *,
        extra_query: Query | None = None,
        extra_headers: Headers | None = None,
        reconnect: ReconnectOptions | bool = True,
        on_reconnecting: OnReconnecting | None = None,
        send_queue_size: int = DEFAULT_SEND_QUEUE_SIZE,
        heartbeat: float | None = DEFAULT_HEARTBEAT,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        open_timeout: float | None = None,
    ) -> None:
        self.extra_query = extra_query
        self.extra_headers = extra_headers
        self.reconnect = reconnect
        self.on_reconnecting = on_reconnecting
        self.send_queue_size = send_queue_size
        self.heartbeat = heartbeat
        self.max_message_size = max_message_size
        self.open_timeout = open_timeout

    def connection_kwargs(self, client: AsyncOpenAI) -> dict[str, Any]:
        reconnect = self.reconnect
        if reconnect is True:
            reconnect = ReconnectOptions()
        timeout = self.open_timeout
        if timeout is None:
            timeout = client._timeout.total
        return {
            "reconnect": reconnect or None,
            "on_reconnecting": self.on_reconnecting,
            "send_queue_size": self.send_queue_size,
            "heartbeat": self.heartbeat,
            "max_message_size": self.max_message_size,
            "open_timeout": timeout,
        }


def websocket_base(client: AsyncOpenAI) -> str:
    """``websocket_base_url``, else ``base_url`` (on Azure: the endpoint's ``/openai``) with
    a ``ws``/``wss`` scheme."""
    explicit: str | None = getattr(client, "websocket_base_url", None)
    if explicit:
        return explicit.rstrip("/")
    base = client.base_url
    endpoint: str | None = getattr(client, "azure_endpoint", None)
    if _is_azure(client) and endpoint:
        base = f"{endpoint.rstrip('/')}/openai"
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :]
    if base.startswith("http://"):
        return "ws://" + base[len("http://") :]
    return base


def _is_azure(client: AsyncOpenAI) -> bool:
    from ..._client import AsyncAzureOpenAI

    return isinstance(client, AsyncAzureOpenAI)


def _headers(client: AsyncOpenAI, extra: Headers | None) -> dict[str, str]:
    headers = {k: v for k, v in client._static_headers.items() if k.lower() != "accept"}
    merge_headers(headers, extra)
    return headers


def _query(client: AsyncOpenAI, model: str | None, extra: Query | None) -> dict[str, object]:
    query: dict[str, object] = dict(client.default_query)
    if model is not None:
        if _is_azure(client):
            deployment: str | None = getattr(client, "azure_deployment", None)
            query["deployment"] = deployment or model
        else:
            query["model"] = model
    if extra:
        query.update(extra)
    return query


def open_realtime(
    client: AsyncOpenAI, model: str, options: ConnectOptions
) -> AsyncConnectionManager[AsyncRealtimeConnection]:
    """The manager of a ``/realtime`` connection for ``model``."""
    return _manager(client, AsyncRealtimeConnection, "/realtime", model, options)


def open_responses(
    client: AsyncOpenAI, options: ConnectOptions
) -> AsyncConnectionManager[AsyncResponsesConnection]:
    """The manager of a ``/responses`` WebSocket connection."""
    return _manager(client, AsyncResponsesConnection, "/responses", None, options)


def _manager(
    client: AsyncOpenAI,
    kind: Callable[..., ConnT],
    path: str,
    model: str | None,
    options: ConnectOptions,
) -> AsyncConnectionManager[ConnT]:
    """A manager that builds a ``kind`` connection to ``path`` when entered."""

    def build() -> ConnT:
        return kind(
            client,
            url=websocket_base(client) + path,
            query=_query(client, model, options.extra_query),
            headers=_headers(client, options.extra_headers),
            **options.connection_kwargs(client),
        )

    return AsyncConnectionManager(build)
