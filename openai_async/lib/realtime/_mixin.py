# pyright: reportPrivateUsage=false
"""``connect()`` on ``client.realtime`` (async and blocking), joined through
``codegen/extensions.py``. Imports cheaply: the connection code loads on first ``connect()``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from ._options import ConnectKwargs

if TYPE_CHECKING:
    from ..._client import AsyncOpenAI
    from ..._sync._client import OpenAI
    from ._sync import ConnectionManager, RealtimeConnection
    from .connection import AsyncConnectionManager, AsyncRealtimeConnection

__all__ = ["AsyncRealtimeMixin", "RealtimeMixin"]


class AsyncRealtimeMixin:
    """``client.realtime.connect(model=...)``."""

    __slots__ = ()

    _client: AsyncOpenAI

    def connect(
        self, *, model: str, **options: Unpack[ConnectKwargs]
    ) -> AsyncConnectionManager[AsyncRealtimeConnection]:
        """A realtime WebSocket for ``model``: ``async with client.realtime.connect(model=...)
        as conn:``. See ``ConnectKwargs`` for the options (reconnect, send queue, ...)."""
        from .connection import ConnectOptions, open_realtime

        return open_realtime(self._client, model, ConnectOptions(**options))


class RealtimeMixin:
    """``client.realtime.connect(model=...)`` on the blocking client."""

    __slots__ = ()

    _client: OpenAI
    _async: Any

    def connect(
        self, *, model: str, **options: Unpack[ConnectKwargs]
    ) -> ConnectionManager[AsyncRealtimeConnection, RealtimeConnection]:
        """A realtime WebSocket for ``model``: ``with client.realtime.connect(model=...) as
        conn:``. ``on_reconnecting`` runs on the client's portal thread."""
        from ._sync import ConnectionManager, RealtimeConnection

        return ConnectionManager(
            self._async.connect(model=model, **options), self._client._portal, RealtimeConnection
        )
