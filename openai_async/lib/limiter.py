"""A client-side rate limiter: requests and tokens per minute, and a cap on calls in flight.

    limit = RateLimit(requests_per_minute=500, tokens_per_minute=200_000, max_in_flight=32)
    client = AsyncOpenAI(rate_limit=limit)

Every call through the client (retries included) first takes a slot and its share of the
rates, waiting when there is none, instead of provoking 429s. One ``RateLimit`` object is one
budget: clients that hold the same object (``with_options`` copies do) share it.

- Rates are token buckets refilled continuously; a bucket holds ``burst_seconds`` worth of its
  rate, so over any window of ``W`` seconds at most ``rate * W / 60 + burst`` is admitted.
- Tokens of a call are estimated from the request (body bytes / 4, plus ``max_tokens`` /
  ``max_completion_tokens`` / ``max_output_tokens`` times ``n``) and corrected by the
  ``usage`` the response reports.
- A 429 halves the rates (they recover by 2 % per successful call) and pauses new calls for
  the server's ``retry-after``, else the reset time of the exhausted limit, else one second.
  When a response says fewer than ``low_remaining`` of a limit is left, new calls are spread
  over the time until it resets.

A ``RateLimit`` belongs to one event loop at a time (the blocking client runs on one).
``clock`` and ``sleep`` replace ``time.monotonic`` and ``asyncio.sleep`` (tests).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, TypeVar

import msgspec

from .._exceptions import APIStatusError
from .._ratelimit import headers_of, parse_rate_limit
from .._retry import retry_after

__all__ = ["RateLimit"]

_T = TypeVar("_T")
Attempt = Callable[[int], Awaitable[Any]]
RetryRun = Callable[[str, Attempt, "int | None"], Awaitable[Any]]

_MIN_FACTOR: Final = 0.1
_RECOVERY: Final = 0.02
_DEFAULT_PAUSE: Final = 1.0
_BYTES_PER_TOKEN: Final = 4


class _Budget(msgspec.Struct):
    """The request fields that bound a call's output tokens (everything else is skipped)."""

    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    max_output_tokens: int | None = None
    n: int | None = None


class _Usage(msgspec.Struct):
    total_tokens: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None


class _UsageOf(msgspec.Struct):
    usage: _Usage | None = None


_BUDGET_DECODER: Final = msgspec.json.Decoder(_Budget)
_USAGE_DECODER: Final = msgspec.json.Decoder(_UsageOf)


def estimate_tokens(data: bytes | None) -> int:
    """Tokens a request body may cost: its bytes / 4 plus the output it allows."""
    if not data:
        return 0
    prompt = len(data) // _BYTES_PER_TOKEN
    try:
        budget = _BUDGET_DECODER.decode(data)
    except msgspec.DecodeError:
        return prompt
    allowed = budget.max_tokens or budget.max_completion_tokens or budget.max_output_tokens or 0
    return prompt + allowed * (budget.n or 1)


def _total(usage: _Usage) -> int | None:
    if usage.total_tokens is not None:
        return usage.total_tokens
    if usage.input_tokens is not None or usage.output_tokens is not None:
        return (usage.input_tokens or 0) + (usage.output_tokens or 0)
    return None


def usage_in(content: bytes) -> tuple[bool, int | None]:
    """(``content`` is JSON, the ``usage`` total it reports if any), in one decode."""
    try:
        decoded = _USAGE_DECODER.decode(content)
    except msgspec.ValidationError:
        return True, None
    except msgspec.DecodeError:
        return False, None
    return True, None if decoded.usage is None else _total(decoded.usage)


def used_tokens(result: object) -> int | None:
    """The ``usage`` total a call's result reports (decoded or raw), if any."""
    usage: object = getattr(result, "usage", None)
    if usage is not None:
        total: object = getattr(usage, "total_tokens", None)
        if isinstance(total, int):
            return total
        if isinstance(usage, Mapping):
            mapping: Mapping[str, object] = usage  # pyright: ignore[reportUnknownVariableType]
            found = mapping.get("total_tokens")
            return found if isinstance(found, int) else None
        return None
    content: object = getattr(result, "_content", None)  # a raw response, body read
    if isinstance(content, bytes):
        return usage_in(content)[1]
    return None


class _Bucket:
    """A token bucket: ``rate`` units per second, holding at most ``capacity``."""

    __slots__ = ("capacity", "level", "rate", "updated")

    def __init__(self, per_minute: float, burst_seconds: float, now: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * burst_seconds)
        self.level = self.capacity
        self.updated = now

    def _level_at(self, when: float, factor: float) -> float:
        return min(self.capacity, self.level + (when - self.updated) * self.rate * factor)

    def available_at(self, amount: float, now: float, factor: float) -> float:
        """The earliest time ``amount`` can be taken (a call larger than the bucket waits
        for a full bucket, then leaves it in debt)."""
        start = max(now, self.updated)
        level = self._level_at(start, factor)
        need = min(amount, self.capacity)
        if level >= need:
            return start
        return start + (need - level) / (self.rate * factor)

    def take(self, amount: float, when: float, factor: float) -> None:
        self.level = self._level_at(when, factor) - amount
        self.updated = when

    def give_back(self, amount: float) -> None:
        self.level = min(self.capacity, self.level + amount)


class RateLimit:
    """Client-side limits for every client holding this object (see the module docstring)."""

    def __init__(
        self,
        *,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        max_in_flight: int | None = None,
        burst_seconds: float = 1.0,
        low_remaining: float = 0.05,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        for name, value in (
            ("requests_per_minute", requests_per_minute),
            ("tokens_per_minute", tokens_per_minute),
            ("max_in_flight", max_in_flight),
        ):
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, got {value!r}")
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.max_in_flight = max_in_flight
        self.low_remaining = low_remaining
        self._clock = clock if clock is not None else time.monotonic
        self._sleep = sleep if sleep is not None else asyncio.sleep
        now = self._clock()
        self._requests = (
            None
            if requests_per_minute is None
            else _Bucket(requests_per_minute, burst_seconds, now)
        )
        self._tokens = (
            None if tokens_per_minute is None else _Bucket(tokens_per_minute, burst_seconds, now)
        )
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._paused_until = now
        self._factor = 1.0

    def __repr__(self) -> str:
        return (
            f"RateLimit(requests_per_minute={self.requests_per_minute!r}, "
            f"tokens_per_minute={self.tokens_per_minute!r}, max_in_flight={self.max_in_flight!r})"
        )

    # -- what it is doing ------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """Calls holding a slot now."""
        return self._in_flight

    @property
    def slowdown(self) -> float:
        """The share of the configured rates in use (1.0, lower after 429s)."""
        return self._factor

    @property
    def paused_for(self) -> float:
        """Seconds before a new call may start because of a 429 or a low remaining limit."""
        return max(0.0, self._paused_until - self._clock())

    # -- slots -------------------------------------------------------------------------------

    async def _enter(self) -> None:
        limit = self.max_in_flight
        if limit is None:
            self._in_flight += 1
            return
        if self._in_flight < limit and not self._waiters:
            self._in_flight += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._leave()  # the slot was handed over just as we were cancelled
            else:
                self._waiters.remove(waiter)
            raise

    def _leave(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes to the waiter
                return
        self._in_flight -= 1

    # -- rates -------------------------------------------------------------------------------

    def _reserve(self, tokens: int) -> float:
        """Book a start time for a call costing ``tokens``; returns it."""
        now = self._clock()
        start = max(now, self._paused_until)
        factor = self._factor
        requests, bucket = self._requests, self._tokens
        if requests is not None:
            start = max(start, requests.available_at(1, now, factor))
        if bucket is not None and tokens:
            start = max(start, bucket.available_at(tokens, now, factor))
        if requests is not None:
            requests.take(1, start, factor)
        if bucket is not None and tokens:
            bucket.take(tokens, start, factor)
        return start

    async def acquire(self, tokens: int = 0) -> None:
        """Wait for a slot and for room in the rates for a call costing ``tokens``.

        Pair every ``acquire`` with a ``release``.
        """
        await self._enter()
        try:
            start = self._reserve(tokens)
            wait = start - self._clock()
            if wait > 0:
                await self._sleep(wait)
        except BaseException:
            self._leave()
            raise

    def release(self, estimated: int = 0, used: int | None = None) -> None:
        """Free the slot; correct the token bucket when the actual ``used`` is known."""
        self._leave()
        if used is not None and self._tokens is not None:
            self._tokens.give_back(estimated - used)

    # -- feedback from responses -------------------------------------------------------------

    def _pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def rate_limited(self, headers: Mapping[str, str]) -> None:
        """A 429 arrived: halve the rates and pause new calls."""
        self._factor = max(_MIN_FACTOR, self._factor / 2)
        pause = retry_after(headers)
        if pause is None or pause < 0:
            info = parse_rate_limit(headers)
            if info.remaining_tokens == 0 and info.reset_tokens:
                pause = info.reset_tokens
            elif info.reset_requests and info.remaining_requests == 0:
                pause = info.reset_requests
            else:
                pause = _DEFAULT_PAUSE
        self._pause(pause)

    def succeeded(self, headers: Mapping[str, str] | None) -> None:
        """A call succeeded: recover the rates; spread calls when a limit runs low."""
        if self._factor < 1.0:
            self._factor = min(1.0, self._factor + _RECOVERY)
        if headers is None or "x-ratelimit-remaining-requests" not in headers:
            return
        info = parse_rate_limit(headers)
        for limit, remaining, reset in (
            (info.limit_requests, info.remaining_requests, info.reset_requests),
            (info.limit_tokens, info.remaining_tokens, info.reset_tokens),
        ):
            if limit is None or remaining is None or reset is None:
                continue
            if remaining <= max(1.0, limit * self.low_remaining):
                self._pause(reset / (remaining + 1))

    # -- the hook in the request pipeline ------------------------------------------------------

    def _observe(self, attempt: Attempt) -> Attempt:
        async def observed(retries_taken: int) -> Any:
            try:
                result = await attempt(retries_taken)
            except APIStatusError as exc:
                if exc.status_code == 429:
                    self.rate_limited(exc.headers)
                raise
            self.succeeded(headers_of(result))
            return result

        return observed

    def wrap(self, run: RetryRun, data: bytes | None) -> RetryRun:
        """``run`` (the retry loop of one call) under this limit: acquire before the first
        attempt, watch every attempt's answer, release and correct the tokens after."""
        estimated = estimate_tokens(data) if self._tokens is not None else 0

        async def limited(label: str, attempt: Attempt, budget: int | None) -> Any:
            await self.acquire(estimated)
            used: int | None = None
            try:
                result = await run(label, self._observe(attempt), budget)
                if self._tokens is not None:
                    used = used_tokens(result)
            finally:
                self.release(estimated, used)
            return result

        return limited
