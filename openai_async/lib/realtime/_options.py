"""The keyword arguments of ``connect()`` (a ``TypedDict``, so the mixins import cheaply)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from ..._types import Headers, Query
    from ._reconnect import OnReconnecting, ReconnectOptions

__all__ = ["ConnectKwargs"]


class ConnectKwargs(TypedDict, total=False):
    """Options of ``client.realtime.connect()`` and ``client.responses.connect()``.

    - ``extra_query`` / ``extra_headers``: added to the handshake.
    - ``reconnect``: ``ReconnectOptions``, ``True`` (the defaults) or ``False`` (off).
    - ``on_reconnecting``: called before each reconnect attempt with a ``ReconnectAttempt``.
    - ``send_queue_size``: how many messages may wait while disconnected (default 1024).
    - ``heartbeat``: seconds between pings that detect a dead connection (default 20;
      ``None``: off).
    - ``max_message_size``: the largest frame accepted, in bytes (default 64 MiB).
    - ``open_timeout``: seconds a handshake may take (default: the client's total timeout).
    """

    extra_query: Query | None
    extra_headers: Headers | None
    reconnect: ReconnectOptions | bool
    on_reconnecting: OnReconnecting | None
    send_queue_size: int
    heartbeat: float | None
    max_message_size: int
    open_timeout: float | None
