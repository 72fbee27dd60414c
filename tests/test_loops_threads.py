"""Event loops and threads: one client across loops, garbage collection, trio, the blocking
client under many threads and inside running loops, interpreter exit, and session factories.

Thread counts are compared with a baseline taken by each test (other tests may leave threads).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from openai_async import AsyncOpenAI, OpenAI, OpenAIError
from tests.server import TestServer
from tests.sync_helpers import acquired as sync_acquired

KEY = "sk-loops-threads-0123456789"
ROOT = Path(__file__).resolve().parent.parent


def settled(baseline: int) -> bool:
    for _ in range(400):
        if threading.active_count() <= baseline:
            return True
        time.sleep(0.005)
    return False


async def echo(request: web.Request) -> web.StreamResponse:
    if request.query.get("stream"):
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        for n in range(3):
            await resp.write(b'data: {"n": %d}\n\n' % n)
        await resp.write(b"data: [DONE]\n\n")
        return resp
    return web.json_response({"path": request.path})


def test_one_async_client_on_successive_and_concurrent_loops(sync_server: TestServer) -> None:
    sync_server.default = echo
    client = AsyncOpenAI(api_key=KEY, base_url=sync_server.url)
    sessions: list[aiohttp.ClientSession] = []

    async def burst(tag: str) -> list[object]:
        results = await asyncio.gather(*(client.get(f"/{tag}/{n}") for n in range(20)))
        session = client._store.current()
        assert session is not None
        sessions.append(session)
        return list(results)

    first = asyncio.run(burst("a"))
    in_thread: list[list[object]] = []
    worker = threading.Thread(target=lambda: in_thread.append(asyncio.run(burst("t"))))
    worker.start()
    second = asyncio.run(burst("b"))  # at the same time as the thread's loop
    worker.join(10)
    assert first == [{"path": f"/a/{n}"} for n in range(20)]
    assert second == [{"path": f"/b/{n}"} for n in range(20)]
    assert in_thread == [[{"path": f"/t/{n}"} for n in range(20)]]
    assert len({id(s) for s in sessions}) == 3  # each loop its own pool
    assert all(s.closed for s in sessions)  # pools of finished loops are closed
    asyncio.run(burst("c"))
    assert len(client._store._sessions) == 1  # entries of dead loops were dropped
    assert len(sync_server.requests) == 80


GC_SCRIPT = """
import asyncio, gc
from openai_async import AsyncOpenAI

async def leave_open():
    client = AsyncOpenAI(api_key="sk-gc-0123456789", base_url="{url}")
    await client.get("/one")
    stream = await client.get("/two", stream=True)  # a stream left unread and unclosed
    await stream.__anext__()
    return client

client = asyncio.run(leave_open())
del client
gc.collect()

async def on_a_live_loop():
    client = AsyncOpenAI(api_key="sk-gc-0123456789", base_url="{url}")
    await client.get("/three")
    del client
    gc.collect()
    await asyncio.sleep(0.01)

asyncio.run(on_a_live_loop())
gc.collect()
print("done")
"""


def run_script(
    script: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(extra_env or {})}
    env.pop("OPENAI_LOG", None)
    return subprocess.run(
        [sys.executable, "-X", "dev", "-W", "ignore::ResourceWarning", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )


def test_dropping_unclosed_clients_logs_nothing(sync_server: TestServer) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        if request.path == "/two":
            return await echo_stream(request)
        return web.json_response({"ok": True})

    sync_server.default = handler
    done = run_script(GC_SCRIPT.replace("{url}", sync_server.url))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "done"
    assert "Event loop is closed" not in done.stderr
    assert "Task exception was never retrieved" not in done.stderr
    assert "Traceback" not in done.stderr
    assert [r.path for r in sync_server.requests] == ["/one", "/two", "/three"]


async def echo_stream(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await resp.prepare(request)
    for n in range(3):
        await resp.write(b'data: {"n": %d}\n\n' % n)
    await resp.write(b"data: [DONE]\n\n")
    return resp


def test_under_trio_the_first_call_says_aiohttp_needs_asyncio() -> None:
    trio = pytest.importorskip("trio")
    client = AsyncOpenAI(api_key=KEY, base_url="http://127.0.0.1:9")
    caught: list[BaseException] = []

    async def main() -> None:
        try:
            await client.get("/models")
        except OpenAIError as exc:
            caught.append(exc)

    trio.run(main)
    assert len(caught) == 1 and type(caught[0]) is OpenAIError
    assert "asyncio" in str(caught[0]) and "aiohttp" in str(caught[0]) and "trio" in str(caught[0])


def test_blocking_client_32_threads_by_20_calls_with_streams(sync_server: TestServer) -> None:
    sync_server.default = echo
    baseline = threading.active_count()
    client = OpenAI(api_key=KEY, base_url=sync_server.url)

    def worker(no: int) -> list[object]:
        answers: list[object] = []
        for i in range(20):
            if i % 5 == 4:
                stream = client.get(f"/s/{no}/{i}", query={"stream": 1}, stream=True)
                answers.append(list(stream))
            else:
                answers.append(client.get(f"/w/{no}/{i}"))
        return answers

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(worker, range(32)))
    for no, answers in enumerate(results):
        for i, answer in enumerate(answers):
            expected: object = (
                [{"n": 0}, {"n": 1}, {"n": 2}] if i % 5 == 4 else {"path": f"/w/{no}/{i}"}
            )
            assert answer == expected
    assert len(sync_server.requests) == 640
    assert sync_acquired(client) == 0
    client.close()
    assert settled(baseline)


def test_blocking_calls_and_streams_inside_a_running_loop(sync_server: TestServer) -> None:
    sync_server.default = echo
    baseline = threading.active_count()

    async def notebook_cell() -> tuple[object, list[Any]]:
        with OpenAI(api_key=KEY, base_url=sync_server.url) as client:
            one = client.get("/cell")
            events = list(client.get("/cell", query={"stream": 1}, stream=True))
            return one, events

    assert asyncio.run(notebook_cell()) == ({"path": "/cell"}, [{"n": 0}, {"n": 1}, {"n": 2}])
    assert settled(baseline)


EXIT_SCRIPT = """
from openai_async import OpenAI
client = OpenAI(api_key="sk-exit-0123456789", base_url="{url}")
print(client.get("/models"))
stream = client.get("/models", query={{"stream": 1}}, stream=True)
print(next(iter(stream)))
"""


def test_interpreter_exit_with_an_unclosed_client_and_stream(sync_server: TestServer) -> None:
    sync_server.default = echo
    done = run_script(textwrap.dedent(EXIT_SCRIPT).format(url=sync_server.url))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["{'path': '/models'}", "{'n': 0}"]
    assert done.stderr == ""


def _factory(made: list[tuple[str, aiohttp.ClientSession]]) -> Any:
    def factory() -> aiohttp.ClientSession:
        session = aiohttp.ClientSession(
            headers={"X-From-Factory": "yes"}, connector=aiohttp.TCPConnector(limit=3)
        )
        made.append((threading.current_thread().name, session))
        return session

    return factory


async def test_session_factory_on_the_async_client(server: TestServer) -> None:
    server.json({"ok": True}, times=2)
    made: list[tuple[str, aiohttp.ClientSession]] = []
    async with AsyncOpenAI(
        api_key=KEY, base_url=server.url, session_factory=_factory(made)
    ) as client:
        assert await client.get("/a") == {"ok": True}
        assert await client.get("/b") == {"ok": True}
        assert client._store.pool_size == 3
    assert len(made) == 1 and made[0][1].closed  # one per loop, closed with the client
    assert [r.headers["X-From-Factory"] for r in server.requests] == ["yes", "yes"]
    assert server.requests[0].headers["Authorization"] == f"Bearer {KEY}"


def test_session_factory_on_the_blocking_client_runs_in_its_loop(sync_server: TestServer) -> None:
    sync_server.json({"ok": True}, times=2)
    made: list[tuple[str, aiohttp.ClientSession]] = []
    baseline = threading.active_count()
    with OpenAI(api_key=KEY, base_url=sync_server.url, session_factory=_factory(made)) as client:
        assert client.get("/a") == {"ok": True}
        assert client.with_options(max_retries=0).get("/b") == {"ok": True}
    assert [name for name, _ in made] == ["openai_async-portal"]
    assert made[0][1].closed
    assert [r.headers["X-From-Factory"] for r in sync_server.requests] == ["yes", "yes"]
    assert settled(baseline)


def test_blocking_client_refuses_loop_bound_session_and_connector() -> None:
    async def build() -> list[str]:
        messages: list[str] = []
        session = aiohttp.ClientSession()
        connector = aiohttp.TCPConnector()
        choices: list[dict[str, Any]] = [{"session": session}, {"connector": connector}]
        for options in choices:
            with pytest.raises(OpenAIError) as caught:
                OpenAI(api_key=KEY, base_url="http://x", **options)
            messages.append(str(caught.value))
        await session.close()
        await connector.close()
        return messages

    messages = asyncio.run(build())
    assert "session=" in messages[0] and "connector=" in messages[1]
    assert all("session_factory" in m for m in messages)


def test_factory_returning_something_else_is_a_type_error() -> None:
    async def call() -> None:
        client = AsyncOpenAI(
            api_key=KEY,
            base_url="http://x",
            session_factory=lambda: "not a session",  # type: ignore[arg-type,return-value]
        )
        await client.get("/x")

    with pytest.raises(TypeError, match=r"aiohttp\.ClientSession"):
        asyncio.run(call())
