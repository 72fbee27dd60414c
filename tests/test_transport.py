"""One pooled session per event loop: reuse, sharing, loop changes, release and clean-up."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest
from aiohttp import web

from openai_async import AsyncOpenAI, NewestFirstConnector, OpenAI
from openai_async import _transport as transport
from tests.server import Handler, TestServer

KEY = "sk-test-transport-0123456789"


def acquired(client: AsyncOpenAI) -> int:
    session = client._store.current()
    assert session is not None and session.connector is not None
    return len(session.connector._acquired)


async def test_calls_reuse_one_connection(server: TestServer) -> None:
    server.json({}, times=5)
    async with AsyncOpenAI(api_key=KEY, base_url=server.url) as client:
        for _ in range(5):
            await client.post("/again", body={"x": 1})
        assert acquired(client) == 0
        session = client._store.current()
        assert session is not None and session.connector is not None
        assert session.connector.limit == 1000
    assert server.accepts == 1


async def test_concurrent_calls_share_the_session(server: TestServer) -> None:
    server.json({"ok": True}, times=20)
    async with AsyncOpenAI(api_key=KEY, base_url=server.url, connection_limit=4) as client:
        results = await asyncio.gather(*(client.get("/c") for _ in range(20)))
        assert results == [{"ok": True}] * 20
        assert acquired(client) == 0
    assert server.accepts <= 4


async def test_aclose_closes_owned_session_and_a_new_one_is_made_on_next_use(
    server: TestServer,
) -> None:
    server.json({}, times=2)
    client = AsyncOpenAI(api_key=KEY, base_url=server.url)
    await client.get("/one")
    first = client._store.current()
    await client.aclose()
    assert first is not None and first.closed
    await client.get("/two")
    second = client._store.current()
    assert second is not None and second is not first and not second.closed
    await client.aclose()


async def test_cancelling_a_call_releases_its_connection(server: TestServer) -> None:
    started = asyncio.Event()

    async def hang(request: web.Request) -> web.StreamResponse:
        started.set()
        await asyncio.sleep(10)
        return web.json_response({})

    server.add(hang)
    async with AsyncOpenAI(api_key=KEY, base_url=server.url, max_retries=0) as client:
        task = asyncio.create_task(client.get("/hang"))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert acquired(client) == 0


def _serve_once_in_new_loop(client: AsyncOpenAI, tag: str) -> object:
    async def run() -> object:
        srv = await TestServer().start()
        try:
            srv.json({"tag": tag})
            return await client.with_options(base_url=srv.url).get("/loop")
        finally:
            await srv.stop()

    return asyncio.run(run())


def test_two_asyncio_runs_and_a_thread_each_get_a_working_session(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = AsyncOpenAI(api_key=KEY, base_url="http://placeholder")
    with caplog.at_level(logging.WARNING, logger="asyncio"):
        assert _serve_once_in_new_loop(client, "a") == {"tag": "a"}
        first = next(iter(client._store._sessions.values()))
        assert first.closed  # closed by the loop's shutdown, on that loop
        assert _serve_once_in_new_loop(client, "b") == {"tag": "b"}
        results: list[object] = []
        thread = threading.Thread(
            target=lambda: results.append(_serve_once_in_new_loop(client, "c"))
        )
        thread.start()
        thread.join(10)
        assert results == [{"tag": "c"}]
    assert first not in client._store._sessions.values()
    assert not [r for r in caplog.records if "Unclosed" in r.getMessage()]


def test_unclosed_client_collected_logs_nothing_worse_than_resource_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def use_and_drop() -> None:
        srv = await TestServer().start()
        try:
            srv.json({}, times=1)
            client = AsyncOpenAI(api_key=KEY, base_url=srv.url)
            await client.get("/leak")
            del client
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                gc.collect()
            await asyncio.sleep(0)
        finally:
            await srv.stop()

    with caplog.at_level(logging.DEBUG):
        asyncio.run(use_and_drop())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_close_is_the_official_spelling_of_aclose(server: TestServer) -> None:
    server.json({"ok": True})
    client = AsyncOpenAI(api_key="sk-close", base_url=server.url)
    assert await client.get("/x") == {"ok": True}
    await client.close()
    assert server.accepts == 1
    server.json({"ok": True})
    assert await client.get("/x") == {"ok": True}  # a closed client opens a fresh pool
    await client.close()
    assert server.accepts == 2


def _peer_port_handler(burst: int) -> tuple[list[int], Handler]:
    """A handler answering with the client's port; the first ``burst`` requests wait for each
    other, so a burst of that many concurrent calls needs that many connections."""
    ports: list[int] = []
    arrived = asyncio.Event()

    async def answer(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        port = int(request.transport.get_extra_info("peername")[1])
        ports.append(port)
        if len(ports) <= burst:
            if len(ports) == burst:
                arrived.set()
            await arrived.wait()
        return web.json_response({"port": port})

    return ports, answer


def idle_connections(client: AsyncOpenAI) -> int:
    session = client._store.current()
    assert session is not None and isinstance(session.connector, NewestFirstConnector)
    return sum(len(idle) for idle in session.connector._conns.values())


async def test_after_a_burst_sequential_calls_stay_on_the_newest_connection(
    server: TestServer,
) -> None:
    ports, answer = _peer_port_handler(burst=8)
    server.default = answer
    async with AsyncOpenAI(api_key=KEY, base_url=server.url) as client:
        burst = await asyncio.gather(*(client.get("/burst") for _ in range(8)))
        assert len({r["port"] for r in burst}) == 8
        assert idle_connections(client) == 8
        after = [(await client.get("/next"))["port"] for _ in range(20)]
    # One of the burst's connections, the same one every time; aiohttp's own pool order
    # (oldest first) would have cycled through all eight.
    assert after == [after[0]] * 20
    assert after[0] in {r["port"] for r in burst}
    assert ports[8:] == after
    assert server.accepts == 8


async def test_connections_left_by_a_burst_idle_out_under_steady_traffic(
    server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "DEFAULT_KEEPALIVE", 0.4)
    ports, answer = _peer_port_handler(burst=8)
    server.default = answer
    async with AsyncOpenAI(api_key=KEY, base_url=server.url) as client:
        await asyncio.gather(*(client.get("/burst") for _ in range(8)))
        # One call every 40 ms: oldest-first reuse would touch each of the eight every 320 ms,
        # inside the 400 ms keep-alive, and keep them all open.
        deadline = asyncio.get_running_loop().time() + 10
        while idle_connections(client) > 1:
            assert asyncio.get_running_loop().time() < deadline, "the pool never shrank"
            await client.get("/steady")
            await asyncio.sleep(0.04)
        await client.get("/still-works")
    assert server.accepts == 8
    assert len(set(ports[8:])) == 1


def test_a_session_factory_built_on_newest_first_keeps_that_order_on_the_blocking_client(
    sync_server: TestServer,
) -> None:
    ports, answer = _peer_port_handler(burst=4)
    sync_server.default = answer
    made: list[aiohttp.ClientSession] = []

    def make_session() -> aiohttp.ClientSession:
        made.append(aiohttp.ClientSession(connector=NewestFirstConnector(limit=10)))
        return made[-1]

    with (
        OpenAI(api_key=KEY, base_url=sync_server.url, session_factory=make_session) as client,
        ThreadPoolExecutor(4) as pool,
    ):
        burst = list(pool.map(lambda _: client.get("/burst"), range(4)))
        after = [client.get("/next")["port"] for _ in range(10)]
    assert len({r["port"] for r in burst}) == 4
    assert after == [after[0]] * 10
    assert ports[4:] == after
    assert len(made) == 1 and made[0].closed
