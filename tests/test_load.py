"""Load with faults: 10,000 calls at concurrency 1,000, 5 % of answers are 500, 429 or a
dropped connection. Calls are POSTs, which aiohttp never re-sends on its own. Every call is accounted for, none hangs, the server saw no more requests
than the retry policy allows, and no connection stays acquired. Run alone with ``-m load``."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter

import pytest
from aiohttp import web

from openai_async import APIConnectionError, AsyncOpenAI, InternalServerError, RateLimitError
from tests.server import Handler, TestServer

CALLS = 10_000
CONCURRENCY = 1_000
FAULT_RATE = 0.05
MAX_RETRIES = 2


def faulty(rng: random.Random) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        if rng.random() >= FAULT_RATE:
            return web.json_response(await request.json())
        kind = rng.choice(("500", "429", "drop"))
        if kind == "500":
            return web.json_response({"error": {"message": "boom"}}, status=500)
        if kind == "429":
            return web.json_response(
                {"error": {"message": "slow down"}}, status=429, headers={"retry-after-ms": "1"}
            )
        assert request.transport is not None
        request.transport.abort()
        raise asyncio.CancelledError

    return handler


@pytest.mark.load
async def test_ten_thousand_calls_with_faults(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="openai_async")
    server.default = faulty(random.Random(8))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    gate = asyncio.Semaphore(CONCURRENCY)
    outcomes: Counter[str] = Counter()

    async with AsyncOpenAI(
        api_key="sk-load-0123456789", base_url=server.url, max_retries=MAX_RETRIES, _sleep=sleep
    ) as client:

        async def one(n: int) -> None:
            async with gate:
                try:
                    result = await client.post("/load", body={"n": n})
                    assert result == {"n": n}
                    outcomes["ok"] += 1
                except (InternalServerError, RateLimitError, APIConnectionError) as exc:
                    outcomes[type(exc).__name__] += 1

        await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(CALLS))), 120)
        session = client._store.current()
        assert session is not None and session.connector is not None
        assert len(session.connector._acquired) == 0  # pyright: ignore[reportPrivateUsage]

    assert sum(outcomes.values()) == CALLS  # every call accounted for
    assert outcomes["ok"] >= CALLS * 0.99  # 5 % faults, 3 attempts: failures are rare
    attempts = Counter(r.headers["OpenAI-Async-Retry-Count"] for r in server.requests)
    # One first attempt per call; when one never reached the server, say what the client saw.
    lost = Counter(
        r.getMessage().split(" after ", 1)[-1][:100]
        for r in caplog.records
        if r.getMessage().startswith("retrying") and "after status" not in r.getMessage()
    )
    assert attempts["0"] == CALLS, lost.most_common(5)
    assert set(attempts) <= {"0", "1", "2"}  # never past the retry budget
    assert len(server.requests) <= CALLS * (1 + MAX_RETRIES)
    assert len(waits) == attempts["1"] + attempts["2"]  # one wait before each retry
    failures = CALLS - outcomes["ok"]
    assert attempts["2"] >= failures  # a call only fails after its last retry
