"""Which failures are retried, how long to wait, and the tenacity loop that does it."""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Final, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ._constants import INITIAL_RETRY_DELAY, MAX_BACKOFF_DELAY
from ._exceptions import APIConnectionError, APIStatusError, InsufficientQuotaError
from ._logging import logger

__all__ = ["RetryPolicy", "Sleep", "backoff_delay", "retry_after"]

Sleep = Callable[[float], Awaitable[None]]
_T = TypeVar("_T")

_RETRY_STATUSES: Final = frozenset({408, 409, 429})


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms``, then ``retry-after``), if any."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return float(value) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.timestamp() - (time.time() if now is None else now)


def backoff_delay(retries_done: int) -> float:
    """Exponential backoff with jitter for the ``retries_done``-th retry (0-based)."""
    base = min(INITIAL_RETRY_DELAY * 2.0**retries_done, MAX_BACKOFF_DELAY)
    return base * (1.0 - 0.25 * random.random())


def _status_retryable(exc: APIStatusError) -> bool:
    if isinstance(exc, InsufficientQuotaError):
        return False
    override = exc.headers.get("x-should-retry")
    if override == "true":
        return True
    if override == "false":
        return False
    return exc.status_code in _RETRY_STATUSES or exc.status_code >= 500


class RetryPolicy:
    """Built once per client: the retry budget, the Retry-After cap and the sleep function."""

    __slots__ = ("max_delay", "max_retries", "sleep")

    def __init__(self, max_retries: int, max_delay: float, sleep: Sleep | None) -> None:
        self.max_retries = max_retries
        self.max_delay = max_delay
        self.sleep: Sleep = sleep if sleep is not None else asyncio.sleep

    def should_retry(self, exc: BaseException) -> bool:
        """True when ``exc`` is worth another attempt (budget aside)."""
        if isinstance(exc, APIConnectionError):
            return True
        if not isinstance(exc, APIStatusError) or not _status_retryable(exc):
            return False
        asked = retry_after(exc.headers)
        if asked is not None and asked > self.max_delay:
            logger.info(
                "not retrying: the server asked to wait %.1f s, above the %.1f s cap",
                asked,
                self.max_delay,
            )
            return False
        return True

    def delay(self, exc: BaseException | None, retries_done: int) -> float:
        """Seconds to wait before the next attempt after ``exc``."""
        if isinstance(exc, APIStatusError):
            asked = retry_after(exc.headers)
            if asked is not None and 0.0 <= asked <= self.max_delay:
                return asked
        return backoff_delay(retries_done)

    async def run(
        self, label: str, attempt: Callable[[int], Awaitable[_T]], budget: int | None = None
    ) -> _T:
        """``await attempt(retries_taken)`` until it succeeds or may not be retried.

        The first attempt runs directly (the common case costs nothing extra); after a
        retryable failure, a tenacity loop waits and drives the remaining attempts.
        """
        budget = self.max_retries if budget is None else budget
        try:
            return await attempt(0)
        except Exception as exc:
            if budget <= 0 or not self.should_retry(exc):
                raise
            first = exc
        wait = self.delay(first, 0)
        _log_retry(label, wait, 1, budget, first)
        await self.sleep(wait)

        def log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            delay = state.next_action.sleep if state.next_action is not None else 0.0
            _log_retry(label, delay, state.attempt_number + 1, budget, exc)

        def wait_for(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome is not None else None
            return self.delay(exc, state.attempt_number)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(budget),
            wait=wait_for,
            retry=retry_if_exception(self.should_retry),
            sleep=self.sleep,
            before_sleep=log_retry,
            reraise=True,
        )
        async for try_ in retrying:
            with try_:
                return await attempt(try_.retry_state.attempt_number)
        raise AssertionError("unreachable: tenacity returns or re-raises")


def _log_retry(label: str, wait: float, retry: int, budget: int, exc: BaseException | None) -> None:
    logger.info(
        "retrying %s in %.3f s (retry %d of %d) after %s",
        label,
        wait,
        retry,
        budget,
        _describe(exc),
    )


def _describe(exc: BaseException | None) -> str:
    """``status 503``, or the error's type with the transport error under it:
    ``APIConnectionError (ServerDisconnectedError)`` (a type name only, never a message)."""
    if isinstance(exc, APIStatusError):
        return f"status {exc.status_code}"
    cause = exc.__cause__ if exc is not None else None
    if cause is None:
        return type(exc).__name__
    return f"{type(exc).__name__} ({type(cause).__name__})"
