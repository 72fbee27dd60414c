"""Polling long-running objects (runs, vector-store files and batches, videos, files).

One loop serves every poller: fetch the object through the resource's raw-response wrapper
(so the ``openai-poll-after-ms`` header is visible), stop when ``done(obj)`` says so, else wait.
The wait is ``poll_interval_ms`` when the caller gave one, else the server's header, else 1 s.
``max_wait_seconds`` bounds the whole loop: past it, ``PollingTimeoutError`` carries the last
object seen. The sleep is the client's (``AsyncOpenAI(_sleep=...)`` replaces it in tests).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from .._exceptions import OpenAIError
from .._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from .._client import AsyncOpenAI
    from .._response import AsyncAPIResponse
    from .._retry import Sleep

__all__ = [
    "BETA_HEADERS",
    "FILE_DONE",
    "PollingTimeoutError",
    "RUN_DONE",
    "beta_headers",
    "poll_until",
]

_T = TypeVar("_T")

POLL_AFTER_HEADER: Final = "openai-poll-after-ms"
DEFAULT_INTERVAL: Final = 1.0

RUN_DONE: Final = frozenset(
    {"requires_action", "cancelled", "completed", "failed", "expired", "incomplete"}
)
"""Run statuses that end a poll."""
FILE_DONE: Final = frozenset({"processed", "error", "deleted"})
"""``FileObject`` statuses that end ``files.wait_for_processing``."""

BETA_HEADERS: Final = {"OpenAI-Beta": "assistants=v2"}


def beta_headers(extra_headers: Mapping[str, Any] | None) -> dict[str, Any]:
    """The Assistants beta header under the caller's own extra headers."""
    if not extra_headers:
        return dict(BETA_HEADERS)
    return {**BETA_HEADERS, **extra_headers}


class PollingTimeoutError(OpenAIError, Generic[_T]):
    """A poll ran past ``max_wait_seconds``; ``last`` is the last object fetched."""

    def __init__(self, last: _T, waited: float) -> None:
        super().__init__(f"still not done after polling for {waited:.3g} s: {last!r}"[:500])
        self.last = last
        self.waited = waited


def _client_sleep(client: AsyncOpenAI) -> Sleep:
    return client._retry.sleep  # pyright: ignore[reportPrivateUsage]


def _interval(poll_interval_ms: int | NotGiven | None, headers: Mapping[str, str]) -> float:
    if isinstance(poll_interval_ms, int):
        return poll_interval_ms / 1000.0
    value = headers.get(POLL_AFTER_HEADER)
    if value is not None:
        try:
            return max(float(value), 0.0) / 1000.0
        except ValueError:
            pass
    return DEFAULT_INTERVAL


async def poll_until(
    client: AsyncOpenAI,
    fetch: Callable[[], Awaitable[AsyncAPIResponse[_T]]],
    done: Callable[[_T], bool],
    *,
    poll_interval_ms: int | NotGiven | None = NOT_GIVEN,
    max_wait_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> _T:
    """Fetch until ``done(obj)``; see the module docstring for the waits and the deadline."""
    sleep = _client_sleep(client)
    started = clock()
    while True:
        raw = await fetch()
        obj = await raw.parse()
        if done(obj):
            return obj
        delay = _interval(poll_interval_ms, raw.headers)
        if max_wait_seconds is not None:
            waited = clock() - started
            if waited + delay > max_wait_seconds:
                raise PollingTimeoutError(obj, waited)
        await sleep(delay)


def status_in(statuses: frozenset[str]) -> Callable[[Any], bool]:
    """A ``done`` test: the object's ``status`` is one of ``statuses``."""

    def done(obj: Any) -> bool:
        return getattr(obj, "status", None) in statuses

    return done


def status_not(status: str) -> Callable[[Any], bool]:
    """A ``done`` test: the object's ``status`` is no longer ``status``."""

    def done(obj: Any) -> bool:
        return getattr(obj, "status", None) != status

    return done
