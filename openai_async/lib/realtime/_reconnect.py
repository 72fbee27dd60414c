"""When and how a dropped realtime connection reconnects: options, backoff, callback data."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final, TypeAlias, Union

__all__ = ["ABNORMAL_CLOSE_CODES", "OnReconnecting", "ReconnectAttempt", "ReconnectOptions"]

ABNORMAL_CLOSE_CODES: Final = frozenset({1001, 1005, 1006, 1011, 1012, 1013, 1015})
"""Close codes after which the connection reconnects (going away, no status, dropped,
server error, service restart, try again later, TLS failure)."""

Sleep: TypeAlias = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class ReconnectOptions:
    """Reconnect policy: up to ``max_attempts`` tries per drop, waiting ``initial_delay``
    seconds before the first, doubling up to ``max_delay``; each wait is shortened by up to
    ``jitter`` (a fraction). ``sleep`` is how waits happen (tests inject a fake)."""

    max_attempts: int = 5
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25
    sleep: Sleep = field(default=asyncio.sleep, repr=False, compare=False)

    def delay(self, attempt: int) -> float:
        """Seconds to wait before reconnect attempt ``attempt`` (1-based)."""
        base = min(self.max_delay, self.initial_delay * 2.0 ** (attempt - 1))
        if self.jitter:
            base *= 1.0 - self.jitter * random.random()
        return base


class ReconnectAttempt:
    """What ``on_reconnecting`` receives before each reconnect attempt.

    ``query`` and ``headers`` are the connection's own: changes apply to this attempt and the
    ones after it. ``abort()`` stops reconnecting; the connection then closes with
    ``ReconnectAbortedError``.
    """

    __slots__ = ("_aborted", "attempt", "close_code", "delay", "headers", "query", "reason")

    def __init__(
        self,
        *,
        attempt: int,
        close_code: int,
        reason: str,
        delay: float,
        query: dict[str, object],
        headers: dict[str, str],
    ) -> None:
        self.attempt = attempt
        self.close_code = close_code
        self.reason = reason
        self.delay = delay
        self.query = query
        self.headers = headers
        self._aborted = False

    def abort(self) -> None:
        """Give up: do not reconnect."""
        self._aborted = True

    @property
    def aborted(self) -> bool:
        return self._aborted


OnReconnecting: TypeAlias = Callable[[ReconnectAttempt], Union[Awaitable[object], object]]
"""``on_reconnecting(attempt)``, plain or async; returning ``False`` aborts like ``abort()``."""
