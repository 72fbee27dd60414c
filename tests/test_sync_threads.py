"""The blocking client's portal thread: lazy start, shutdown, sharing, concurrency, exit."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aiohttp import web

from openai_async import APIConnectionError, OpenAI
from tests.server import TestServer
from tests.sync_helpers import acquired

KEY = "sk-threads-test"


def portal_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "openai_async-portal"]


def test_portal_starts_on_first_call_and_close_restores_thread_count(
    sync_server: TestServer,
) -> None:
    baseline = threading.active_count()
    client = OpenAI(api_key=KEY, base_url=sync_server.url)
    assert threading.active_count() == baseline  # nothing started by the constructor
    sync_server.json({"object": "list", "data": []})

    assert client.get("/models", cast_to=object) == {"object": "list", "data": []}
    assert threading.active_count() == baseline + 1
    assert len(portal_threads()) == 1
    assert sync_server.last.method == "GET"
    assert sync_server.last.path == "/models"
    assert sync_server.last.headers["Authorization"] == f"Bearer {KEY}"

    client.close()
    assert threading.active_count() == baseline
    assert portal_threads() == []


def test_with_block_stops_the_thread(sync_server: TestServer) -> None:
    baseline = threading.active_count()
    sync_server.json({"id": "m1"})
    with OpenAI(api_key=KEY, base_url=sync_server.url) as client:
        assert client.get("/models/m1", cast_to=object) == {"id": "m1"}
        assert threading.active_count() == baseline + 1
    assert threading.active_count() == baseline


def test_copies_share_one_thread_and_one_pool(sync_server: TestServer) -> None:
    baseline = threading.active_count()
    sync_server.json({"n": 1})
    sync_server.json({"n": 2})
    client = OpenAI(api_key=KEY, base_url=sync_server.url)
    copy = client.with_options(max_retries=0, default_headers={"X-Copy": "yes"})
    try:
        assert client.get("/a", cast_to=object) == {"n": 1}
        assert copy.get("/b", cast_to=object) == {"n": 2}
        assert threading.active_count() == baseline + 1
        assert sync_server.accepts == 1  # the copy reused the pooled keep-alive connection
        assert "X-Copy" not in sync_server.requests[0].headers
        assert sync_server.requests[1].headers["X-Copy"] == "yes"
    finally:
        client.close()
    assert threading.active_count() == baseline


def test_32_threads_times_20_calls_on_one_client(sync_server: TestServer) -> None:
    async def echo(request: web.Request) -> web.StreamResponse:
        data = await request.json()
        return web.json_response({"echo": data["n"], "path": request.path})

    sync_server.default = echo
    baseline = threading.active_count()
    client = OpenAI(api_key=KEY, base_url=sync_server.url)

    def worker(thread_no: int) -> list[object]:
        return [
            client.post(f"/echo/{thread_no}", cast_to=object, body={"n": thread_no * 100 + i})
            for i in range(20)
        ]

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(worker, range(32)))
    for thread_no, answers in enumerate(results):
        assert answers == [
            {"echo": thread_no * 100 + i, "path": f"/echo/{thread_no}"} for i in range(20)
        ]
    assert len(sync_server.requests) == 32 * 20
    assert len(portal_threads()) == 1
    client.close()
    assert threading.active_count() == baseline


def test_blocking_call_inside_a_running_event_loop(sync_server: TestServer) -> None:
    sync_server.json({"from": "notebook"})
    client = OpenAI(api_key=KEY, base_url=sync_server.url)

    async def notebook_cell() -> object:
        # A notebook cell: an event loop already runs in this thread.
        return client.get("/models", cast_to=object)

    try:
        assert asyncio.run(notebook_cell()) == {"from": "notebook"}
    finally:
        client.close()
    assert sync_server.last.path == "/models"


def test_garbage_collected_client_stops_its_thread(sync_server: TestServer) -> None:
    baseline = threading.active_count()
    sync_server.json({"ok": True})
    client = OpenAI(api_key=KEY, base_url=sync_server.url)
    assert client.get("/ping", cast_to=object) == {"ok": True}
    assert threading.active_count() == baseline + 1
    del client
    gc.collect()
    assert threading.active_count() == baseline
    assert portal_threads() == []


def test_closed_client_restarts_on_next_call(sync_server: TestServer) -> None:
    baseline = threading.active_count()
    sync_server.json({"n": 1})
    sync_server.json({"n": 2})
    client = OpenAI(api_key=KEY, base_url=sync_server.url)
    assert client.get("/a", cast_to=object) == {"n": 1}
    client.close()
    assert threading.active_count() == baseline
    try:
        assert client.get("/b", cast_to=object) == {"n": 2}
    finally:
        client.close()
    assert threading.active_count() == baseline
    assert [r.path for r in sync_server.requests] == ["/a", "/b"]


def test_close_ends_calls_still_running_in_other_threads(sync_server: TestServer) -> None:
    started = threading.Event()

    async def never_answers(request: web.Request) -> web.StreamResponse:
        started.set()
        await asyncio.sleep(30)  # cancelled when the client drops the connection
        return web.json_response({})

    sync_server.add(never_answers)
    baseline = threading.active_count()
    client = OpenAI(api_key=KEY, base_url=sync_server.url)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            client.get("/hang", cast_to=object)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    assert started.wait(10)
    client.close()
    worker.join(10)
    assert not worker.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], APIConnectionError)
    assert threading.active_count() == baseline


def test_ctrl_c_while_waiting_cancels_the_request(sync_server: TestServer) -> None:
    started = threading.Event()
    handler_cancelled = threading.Event()

    async def slow(request: web.Request) -> web.StreamResponse:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            handler_cancelled.set()
            raise
        return web.json_response({})

    def press_ctrl_c() -> None:
        if started.wait(10):
            main_thread_id = threading.main_thread().ident
            assert main_thread_id is not None
            signal.pthread_kill(main_thread_id, signal.SIGINT)

    sync_server.add(slow)
    sync_server.json({"after": "interrupt"})
    assert threading.current_thread() is threading.main_thread()
    with OpenAI(api_key=KEY, base_url=sync_server.url) as client:
        helper = threading.Thread(target=press_ctrl_c)
        helper.start()
        with pytest.raises(KeyboardInterrupt):
            client.get("/slow", cast_to=object)
        helper.join(10)
        assert handler_cancelled.wait(10)  # the request was cancelled: its connection dropped
        assert acquired(client) == 0
        assert client.get("/next", cast_to=object) == {"after": "interrupt"}


def test_unclosed_client_lets_the_interpreter_exit(sync_server: TestServer) -> None:
    sync_server.json({"data": "from-subprocess"})
    script = textwrap.dedent(
        f"""
        from openai_async import APIConnectionError, OpenAI
        client = OpenAI(api_key="{KEY}", base_url="{sync_server.url}")
        print(client.get("/models", cast_to=object))
        """
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("OPENAI_LOG", None)
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'data': 'from-subprocess'}"
    assert done.stderr == ""
    assert sync_server.last.path == "/models"
