"""The stream idle timeout: a limit on the time between parsed events, pings do not count."""

from __future__ import annotations

import asyncio
import threading

import pytest
from aiohttp import web

from openai_async import APITimeoutError, AsyncOpenAI, OpenAI, Timeout
from openai_async._exceptions import StreamIdleTimeoutError
from tests.server import TestServer
from tests.sync_helpers import acquired as sync_acquired

KEY = "sk-idle-timeout-0123456789"
BODY = {"model": "gpt-4o", "messages": [], "stream": True}


def events_then_pings(server: TestServer, events: int, gone: threading.Event) -> None:
    """Answer with ``events`` events, then only comments and empty keep-alive lines."""

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        try:
            for n in range(events):
                await resp.write(b'data: {"n": %d}\n\n' % n)
            for _ in range(1000):
                await resp.write(b": ping\n\n\n")
                await asyncio.sleep(0.01)
        except (asyncio.CancelledError, ConnectionResetError):
            gone.set()
            raise
        return resp

    server.add(handler)


def steady_events(server: TestServer, count: int, gap: float) -> None:
    """``count`` events ``gap`` seconds apart, with pings in between, then ``[DONE]``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        for n in range(count):
            await resp.write(b'data: {"n": %d}\n\n: ping\n\n' % n)
            await asyncio.sleep(gap)
        await resp.write(b"data: [DONE]\n\n")
        return resp

    server.add(handler)


def acquired(client: AsyncOpenAI) -> int:
    session = client._store.current()
    assert session is not None and session.connector is not None
    return len(session.connector._acquired)  # pyright: ignore[reportPrivateUsage]


async def test_silent_stream_raises_after_the_events_and_closes_the_socket(
    server: TestServer,
) -> None:
    gone = threading.Event()
    events_then_pings(server, 2, gone)
    received: list[object] = []
    async with AsyncOpenAI(api_key=KEY, base_url=server.url, stream_idle_timeout=0.1) as client:
        stream = await client.post("/chat/completions", body=BODY, stream=True)
        with pytest.raises(StreamIdleTimeoutError) as caught:
            async for event in stream:
                received.append(event)
        assert stream.closed
        assert acquired(client) == 0
    assert received == [{"n": 0}, {"n": 1}]
    error = caught.value
    assert isinstance(error, APITimeoutError)
    assert error.idle_timeout == 0.1
    assert "no event for 0.1 s" in str(error) and "stream_idle_timeout" in str(error)
    for _ in range(200):
        if gone.is_set():
            break
        await asyncio.sleep(0.005)
    assert gone.is_set()  # the server saw the connection dropped
    assert len(server.requests) == 1  # a stream already handed over is not retried


async def test_per_call_timeout_sets_the_limit_over_the_client_default(server: TestServer) -> None:
    gone = threading.Event()
    events_then_pings(server, 0, gone)
    async with AsyncOpenAI(api_key=KEY, base_url=server.url) as client:
        assert client._timeout.stream_idle == 120.0  # the default
        stream = await client.post(
            "/chat/completions", body=BODY, stream=True, timeout=Timeout(stream_idle=0.05)
        )
        with pytest.raises(StreamIdleTimeoutError) as caught:
            await stream.__anext__()
    assert caught.value.idle_timeout == 0.05


async def test_events_reset_the_clock(server: TestServer) -> None:
    steady_events(server, 12, 0.02)  # 240 ms in all, 20 ms between events: under a 100 ms limit
    async with AsyncOpenAI(api_key=KEY, base_url=server.url, stream_idle_timeout=0.1) as client:
        stream = await client.post("/chat/completions", body=BODY, stream=True)
        assert [event async for event in stream] == [{"n": n} for n in range(12)]
        assert acquired(client) == 0


async def test_none_disables_the_limit(server: TestServer) -> None:
    steady_events(server, 3, 0.04)
    async with AsyncOpenAI(api_key=KEY, base_url=server.url, stream_idle_timeout=0.01) as client:
        stream = await client.post(
            "/chat/completions", body=BODY, stream=True, timeout=Timeout(stream_idle=None)
        )
        assert [event async for event in stream] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_numbers_keep_the_client_limit_and_copies_keep_it() -> None:
    client = AsyncOpenAI(api_key=KEY, base_url="http://x", stream_idle_timeout=7)
    assert client._timeout.stream_idle == 7
    assert client.with_options(max_retries=0)._timeout.stream_idle == 7
    assert client.with_options(timeout=30.0)._timeout.stream_idle == 7
    assert client.with_options(stream_idle_timeout=None)._timeout.stream_idle is None


def test_blocking_client_raises_the_same_error(sync_server: TestServer) -> None:
    gone = threading.Event()
    events_then_pings(sync_server, 3, gone)
    received: list[object] = []
    with OpenAI(api_key=KEY, base_url=sync_server.url, stream_idle_timeout=0.1) as client:
        stream = client.post("/chat/completions", body=BODY, stream=True)
        with pytest.raises(StreamIdleTimeoutError):
            for event in stream:
                received.append(event)
        assert sync_acquired(client) == 0
    assert received == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert gone.wait(5)
