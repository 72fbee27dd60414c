"""``RateLimit``: in-flight cap, request and token rates, usage correction and slow-downs,
driven against the fake server on a virtual clock (no real waiting)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from openai_async import AsyncOpenAI, OpenAI
from openai_async.lib.limiter import RateLimit, estimate_tokens
from openai_async.testing import FakeOpenAI
from openai_async.types.chat import ChatCompletionMessageParam

MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hello there"}]


class VirtualTime:
    """A clock that only moves when every sleeper before it has been woken, in order."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        if delay <= 0:
            await asyncio.sleep(0)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + delay, next(self._order), waiter))
        await waiter

    async def drive(self) -> None:
        """Wake sleepers one wake-up time at a time, letting real I/O run in between."""
        while True:
            await asyncio.sleep(0.001)
            if not self._sleepers:
                continue
            when = self._sleepers[0][0]
            self.now = max(self.now, when)
            while self._sleepers and self._sleepers[0][0] <= self.now:
                waiter = heapq.heappop(self._sleepers)[2]
                if not waiter.done():
                    waiter.set_result(None)


class CountingFake(FakeOpenAI):
    """The fake server, holding each request a moment and counting how many overlap."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.active = 0
        self.most_active = 0

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            await asyncio.sleep(0.002)
            return await super()._handle(request)
        finally:
            self.active -= 1


@pytest.fixture
async def fake() -> AsyncIterator[CountingFake]:
    async with CountingFake() as server:
        yield server


@pytest.fixture
async def vt() -> AsyncIterator[VirtualTime]:
    time = VirtualTime()
    driver = asyncio.create_task(time.drive())
    try:
        yield time
    finally:
        driver.cancel()


def _recording_session(vt: VirtualTime, sent: list[float]) -> aiohttp.ClientSession:
    """A session that notes the virtual time at which each request leaves."""
    trace = aiohttp.TraceConfig()

    async def on_start(session: Any, context: Any, params: Any) -> None:
        sent.append(vt.now)

    trace.on_request_start.append(on_start)
    return aiohttp.ClientSession(trace_configs=[trace])


def _most_in_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    best = 0
    for i, start in enumerate(ordered):
        j = i
        while j < len(ordered) and ordered[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


async def _chat(client: AsyncOpenAI, **extra: Any) -> Any:
    return await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, **extra)


async def test_in_flight_cap_and_request_rate_hold_over_every_window(
    fake: CountingFake, vt: VirtualTime
) -> None:
    limit = RateLimit(
        requests_per_minute=600, max_in_flight=3, clock=vt.clock, sleep=vt.sleep
    )  # 10 per second, bursts of 10
    sent: list[float] = []
    session = _recording_session(vt, sent)
    async with AsyncOpenAI(base_url=fake.url, api_key="k", session=session, rate_limit=limit) as c:
        results = await asyncio.gather(*(_chat(c) for _ in range(60)))
    await session.close()

    assert len(results) == 60 and all(r.choices for r in results)
    assert len(fake.requests_to("POST /chat/completions")) == 60
    assert fake.most_active <= 3
    assert limit.in_flight == 0
    # 10 per second plus a burst of 10, over every window
    for window in (0.5, 1.0, 2.0, 3.0):
        assert _most_in_window(sent, window) <= 10 * window + 10
    # and the whole job took at least as long as the rate demands
    assert max(sent) >= (60 - 10) / 10 - 1e-9


async def test_without_a_limit_the_same_job_overlaps(fake: CountingFake) -> None:
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        await asyncio.gather(*(_chat(client) for _ in range(20)))
    assert fake.most_active > 3


async def test_token_rate_waits_for_the_estimate_and_usage_corrects_it(
    fake: CountingFake, vt: VirtualTime
) -> None:
    limit = RateLimit(tokens_per_minute=6_000, clock=vt.clock, sleep=vt.sleep)  # 100 per second
    sent: list[float] = []
    session = _recording_session(vt, sent)
    async with AsyncOpenAI(base_url=fake.url, api_key="k", session=session, rate_limit=limit) as c:
        # estimated > 1000 tokens: the call waits for a full bucket, then leaves it in debt
        first = await _chat(c, max_tokens=1_000)
        second = await _chat(c, max_tokens=1_000)
    await session.close()
    body = fake.requests_to("POST /chat/completions")[0].body
    estimate = estimate_tokens(body)
    assert estimate == len(body) // 4 + 1_000
    assert sent[0] == 0.0
    # the first call actually used few tokens: the debt was refunded, so the second call
    # waited only for the bucket to refill, not for the whole estimate
    used = first.usage.total_tokens if first.usage else 0
    assert 0 < used < 100
    assert second.choices
    # after the refund the bucket lacked only what was used: refilled at 100 tokens/s
    assert sent[1] == pytest.approx(used / 100)
    assert sent[1] < estimate / 100


async def test_a_429_pauses_and_slows_down(fake: CountingFake, vt: VirtualTime) -> None:
    limit = RateLimit(requests_per_minute=6_000, clock=vt.clock, sleep=vt.sleep)
    sent: list[float] = []
    session = _recording_session(vt, sent)
    fake.faults.add("POST /chat/completions", "status", status=429, retry_after_ms=2_000)
    async with AsyncOpenAI(
        base_url=fake.url, api_key="k", session=session, rate_limit=limit, _sleep=vt.sleep
    ) as client:
        completion = await _chat(client)
        assert limit.slowdown == pytest.approx(0.52)  # halved, then one success recovered 2 %
        await _chat(client)
    await session.close()
    assert completion.choices
    assert sent[0] == 0.0
    assert sent[1] >= 2.0  # the retry after the server's retry-after
    assert sent[2] >= 2.0  # a new call also waited out the pause
    assert 2.0 in vt.slept


async def test_a_low_remaining_header_spreads_the_next_calls(
    fake: CountingFake, vt: VirtualTime
) -> None:
    fake.rate_limits.requests = 20  # 5 % of 20: one left counts as low
    fake.rate_limits.used_requests = 18
    limit = RateLimit(clock=vt.clock, sleep=vt.sleep)
    sent: list[float] = []
    session = _recording_session(vt, sent)
    async with AsyncOpenAI(base_url=fake.url, api_key="k", session=session, rate_limit=limit) as c:
        await _chat(c)  # the answer says 1 request left, window resets in 57 s
        assert limit.paused_for == pytest.approx(57.0 / 2)
        await _chat(c)
    await session.close()
    assert sent == [0.0, pytest.approx(28.5)]


async def test_copies_share_the_budget_unless_given_their_own(fake: CountingFake) -> None:
    limit = RateLimit(max_in_flight=2)
    async with AsyncOpenAI(base_url=fake.url, api_key="k", rate_limit=limit) as client:
        copy = client.with_options(timeout=30)
        assert copy._limiter is limit
        assert client.with_options(rate_limit=None)._limiter is None
        own = RateLimit(max_in_flight=5)
        assert client.with_options(rate_limit=own)._limiter is own
        await asyncio.gather(*(_chat(client) for _ in range(5)), *(_chat(copy) for _ in range(5)))
    assert fake.most_active <= 2


async def test_cancelled_waiters_give_their_slot_back(fake: CountingFake) -> None:
    limit = RateLimit(max_in_flight=1)
    await limit.acquire()
    waiting = asyncio.create_task(limit.acquire())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    limit.release()
    assert limit.in_flight == 0
    async with AsyncOpenAI(base_url=fake.url, api_key="k", rate_limit=limit) as client:
        assert (await _chat(client)).choices


def test_failed_calls_release_their_slot() -> None:
    async def scenario() -> None:
        limit = RateLimit(max_in_flight=1)
        async with FakeOpenAI() as server:
            server.faults.add("POST /chat/completions", "status", status=400)
            async with AsyncOpenAI(base_url=server.url, api_key="k", rate_limit=limit) as c:
                with pytest.raises(Exception, match="rejected"):
                    await _chat(c)
                assert limit.in_flight == 0
                assert (await _chat(c)).choices

    asyncio.run(scenario())


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="requests_per_minute"):
        RateLimit(requests_per_minute=0)
    with pytest.raises(ValueError, match="max_in_flight"):
        RateLimit(max_in_flight=-1)


def test_estimates() -> None:
    assert estimate_tokens(None) == 0
    assert estimate_tokens(b'{"max_completion_tokens": 10, "n": 3}') == 9 + 30
    assert estimate_tokens(b"not json at all!") == 4


@pytest.fixture
def fake_thread() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def test_blocking_client_takes_the_option(fake_thread: FakeOpenAI) -> None:
    limit = RateLimit(requests_per_minute=60_000, max_in_flight=1)
    with OpenAI(base_url=fake_thread.url, api_key="k", rate_limit=limit) as client:
        answer = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        assert answer.choices
        assert client.with_options(timeout=5)._async_client._limiter is limit
    assert limit.in_flight == 0
