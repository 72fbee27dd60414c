"""Per-attempt time limits: the total covers the body read; the pool wait has its own error."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from openai_async import APITimeoutError, AsyncOpenAI, PoolTimeoutError, Timeout
from openai_async._client import _as_timeout, _client_timeout
from tests.server import TestServer

KEY = "sk-test-timeouts-0123456789"


async def test_trickling_body_times_out_within_the_total(server: TestServer) -> None:
    written: list[int] = []

    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "40"})
        await response.prepare(request)
        for _ in range(40):
            await response.write(b" ")
            written.append(1)
            await asyncio.sleep(0.02)
        return response

    server.add(slow)
    async with AsyncOpenAI(api_key=KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(APITimeoutError) as caught:
            await client.get("/slow", timeout=0.15)
        session = client._store.current()
        assert session is not None and session.connector is not None
        assert len(session.connector._acquired) == 0
    assert 0 < len(written) < 40  # failed mid-body, long before the whole body arrived
    assert isinstance(caught.value.__cause__, asyncio.TimeoutError)


async def test_timeouts_are_retried(server: TestServer) -> None:
    gate = asyncio.Event()

    async def stall(request: web.Request) -> web.StreamResponse:
        await gate.wait()
        return web.json_response({})

    async def no_sleep(_: float) -> None:
        return None

    server.add(stall)
    server.json({"second": True})
    client = AsyncOpenAI(api_key=KEY, base_url=server.url, max_retries=1, _sleep=no_sleep)
    async with client:
        assert await client.get("/stall", timeout=Timeout(total=0.05)) == {"second": True}
    gate.set()
    assert [r.headers["OpenAI-Async-Retry-Count"] for r in server.requests] == ["0", "1"]


async def test_waiting_for_a_pooled_connection_has_its_own_error(server: TestServer) -> None:
    release = asyncio.Event()

    holding = asyncio.Event()

    async def hold(request: web.Request) -> web.StreamResponse:
        holding.set()
        await release.wait()
        return web.json_response({"held": True})

    server.add(hold)
    client = AsyncOpenAI(api_key=KEY, base_url=server.url, connection_limit=1, max_retries=0)
    async with client:
        holder = asyncio.create_task(client.get("/hold"))
        await holding.wait()
        with pytest.raises(PoolTimeoutError) as caught:
            await client.get("/starved", timeout=Timeout(total=5, pool=0.05, connect=0.05))
        release.set()
        assert await holder == {"held": True}
    assert caught.value.pool_size == 1
    assert "1 connections" in caught.value.message
    assert isinstance(caught.value, APITimeoutError)
    assert len(server.requests) == 1


def test_timeout_conversion() -> None:
    default = _client_timeout(Timeout(total=600, connect=5), False)
    assert (default.total, default.sock_connect, default.connect) == (600, 5, 35)
    streamed = _client_timeout(Timeout(total=600, connect=5), True)
    assert (streamed.total, streamed.sock_read) == (None, 600)
    assert _as_timeout(2.0) == Timeout(total=2.0, connect=2.0, pool=2.0)
    assert _as_timeout(None) == Timeout(total=None, connect=None, read=None, pool=None)
    client = AsyncOpenAI(api_key=KEY, base_url="http://x")
    assert client._timeout == Timeout(total=600.0, connect=5.0)
