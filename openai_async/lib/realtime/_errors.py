"""Errors of realtime (WebSocket) connections."""

from __future__ import annotations

from ..._exceptions import OpenAIError

__all__ = [
    "RealtimeConnectionClosed",
    "RealtimeError",
    "RealtimeProtocolError",
    "ReconnectAbortedError",
    "SendQueueFullError",
]


class RealtimeError(OpenAIError):
    """Base of the errors raised by a realtime connection."""


class RealtimeProtocolError(RealtimeError):
    """The server sent a frame that is not a JSON event."""


class SendQueueFullError(RealtimeError):
    """A message was sent while disconnected and the send queue was already full.

    ``event`` is the message that was refused; ``maxsize`` the queue's capacity.
    """

    def __init__(self, event: object, maxsize: int) -> None:
        super().__init__(
            f"the realtime send queue is full ({maxsize} messages waiting for a reconnect)"
        )
        self.event = event
        self.maxsize = maxsize


class RealtimeConnectionClosed(RealtimeError):
    """The connection is closed and will not reconnect.

    ``code`` and ``reason`` are the WebSocket close code and reason; ``unsent`` the messages
    that were queued while disconnected and never went out; ``attempts`` how many reconnects
    were tried before giving up.
    """

    def __init__(
        self,
        code: int,
        reason: str = "",
        *,
        unsent: list[object] | None = None,
        attempts: int = 0,
        message: str | None = None,
    ) -> None:
        self.code = code
        self.reason = reason
        self.unsent: list[object] = unsent or []
        self.attempts = attempts
        if message is None:
            message = f"the realtime connection closed (code {code}{_reason(reason)})"
            if attempts:
                message += f" and {attempts} reconnect attempt(s) failed"
            if self.unsent:
                message += f"; {len(self.unsent)} queued message(s) were not sent"
        super().__init__(message)


class ReconnectAbortedError(RealtimeConnectionClosed):
    """The ``on_reconnecting`` callback aborted the reconnect."""

    def __init__(
        self, code: int, reason: str = "", *, unsent: list[object] | None = None, attempts: int = 0
    ) -> None:
        super().__init__(
            code,
            reason,
            unsent=unsent,
            attempts=attempts,
            message=f"reconnect aborted by on_reconnecting after close code {code}"
            + _reason(reason),
        )


def _reason(reason: str) -> str:
    return f", {reason!r}" if reason else ""
