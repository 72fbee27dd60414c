"""Realtime API and Responses WebSocket mode over aiohttp WebSockets.

``client.realtime.connect(model=...)`` and ``client.responses.connect()`` return connection
managers; the names below are importable from here (loaded on first access).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._errors import (
        RealtimeConnectionClosed as RealtimeConnectionClosed,
    )
    from ._errors import (
        RealtimeError as RealtimeError,
    )
    from ._errors import (
        RealtimeProtocolError as RealtimeProtocolError,
    )
    from ._errors import (
        ReconnectAbortedError as ReconnectAbortedError,
    )
    from ._errors import (
        SendQueueFullError as SendQueueFullError,
    )
    from ._options import ConnectKwargs as ConnectKwargs
    from ._reconnect import (
        ABNORMAL_CLOSE_CODES as ABNORMAL_CLOSE_CODES,
    )
    from ._reconnect import (
        ReconnectAttempt as ReconnectAttempt,
    )
    from ._reconnect import (
        ReconnectOptions as ReconnectOptions,
    )
    from ._sync import (
        ConnectionManager as ConnectionManager,
    )
    from ._sync import (
        RealtimeConnection as RealtimeConnection,
    )
    from ._sync import (
        ResponsesConnection as ResponsesConnection,
    )
    from .connection import (
        AsyncConnectionManager as AsyncConnectionManager,
    )
    from .connection import (
        AsyncRealtimeConnection as AsyncRealtimeConnection,
    )
    from .connection import (
        AsyncResponsesConnection as AsyncResponsesConnection,
    )

__all__ = [
    "ABNORMAL_CLOSE_CODES",
    "AsyncConnectionManager",
    "AsyncRealtimeConnection",
    "AsyncResponsesConnection",
    "ConnectKwargs",
    "ConnectionManager",
    "RealtimeConnection",
    "RealtimeConnectionClosed",
    "RealtimeError",
    "RealtimeProtocolError",
    "ReconnectAbortedError",
    "ReconnectAttempt",
    "ReconnectOptions",
    "ResponsesConnection",
    "SendQueueFullError",
]

_WHERE: dict[str, str] = {
    "ABNORMAL_CLOSE_CODES": "._reconnect",
    "AsyncConnectionManager": ".connection",
    "AsyncRealtimeConnection": ".connection",
    "AsyncResponsesConnection": ".connection",
    "ConnectKwargs": "._options",
    "ConnectionManager": "._sync",
    "RealtimeConnection": "._sync",
    "RealtimeConnectionClosed": "._errors",
    "RealtimeError": "._errors",
    "RealtimeProtocolError": "._errors",
    "ReconnectAbortedError": "._errors",
    "ReconnectAttempt": "._reconnect",
    "ReconnectOptions": "._reconnect",
    "ResponsesConnection": "._sync",
    "SendQueueFullError": "._errors",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
