"""The fault matrix: every scenario on the async and the blocking client.

Each scenario asserts the outcome (the result, or the exact typed error), how many requests the
server saw, the retry waits asked for (the sleep is injected, nothing really waits), that no
pooled connection stays acquired, that the thread count is back at its baseline once the client
is closed, and that the API key shows up in no log line and no error text (``OPENAI_LOG=debug``
level logging is captured for every scenario).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import pytest
from aiohttp import web

from openai_async import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncOpenAI,
    AuthenticationError,
    ConflictError,
    InsufficientQuotaError,
    InternalServerError,
    OpenAI,
    PoolTimeoutError,
    RateLimitError,
    Timeout,
)
from openai_async._exceptions import StreamIdleTimeoutError
from openai_async.testing import FakeOpenAI
from tests.server import TestServer
from tests.sync_helpers import acquired as sync_acquired

KEY = "sk-fault-matrix-SECRET-4f9a1c7e"
CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "one two three four five"}]}
STREAM = {**CHAT, "stream": True}
Kind = Literal["async", "sync"]
KINDS: list[Kind] = ["async", "sync"]


# -- servers ----------------------------------------------------------------------------------


class ResetServer:
    """Accepts connections, reads the request head, then resets the connection (RST)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port: int = self.sock.getsockname()[1]
        self.requests = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    piece = conn.recv(65536)
                    if not piece:
                        break
                    data += piece
                self.requests += data.count(b"HTTP/1.1\r\n")
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(5)


def refused_url() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there any more


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@dataclass
class Env:
    fake: FakeOpenAI
    rec: TestServer
    reset: ResetServer | None = None

    def count(self, target: str) -> int:
        if target == "fake":
            return len(self.fake.requests)
        if target == "rec":
            return len(self.rec.requests)
        if target == "reset":
            assert self.reset is not None
            return self.reset.requests
        return 0


@pytest.fixture
def env(fake: FakeOpenAI, sync_server: TestServer) -> Iterator[Env]:
    environment = Env(fake, sync_server)
    try:
        yield environment
    finally:
        if environment.reset is not None:
            environment.reset.close()


# -- driving one call on either client ----------------------------------------------------------


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None
    events: list[Any] = field(default_factory=list[Any])
    acquired: int = -1
    sleeps: list[float] = field(default_factory=list[float])


@dataclass
class Call:
    path: str = "/chat/completions"
    body: Any = field(default_factory=lambda: dict(CHAT))
    stream: bool = False
    timeout: Any = None  # None: the client's default
    max_retries: int = 2
    options: dict[str, Any] = field(default_factory=dict[str, Any])

    def kwargs(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"body": self.body, "cast_to": object}
        if self.stream:
            extra["stream"] = True
        if self.timeout is not None:
            extra["timeout"] = self.timeout
        return extra


def _async_acquired(client: AsyncOpenAI) -> int:
    session = client._store.current()
    if session is None or session.connector is None:
        return 0
    return len(session.connector._acquired)  # pyright: ignore[reportPrivateUsage]


async def _run_async(base_url: str, call: Call, out: Outcome) -> None:
    async def sleep(seconds: float) -> None:
        out.sleeps.append(seconds)

    async with AsyncOpenAI(
        api_key=KEY, base_url=base_url, max_retries=call.max_retries, _sleep=sleep, **call.options
    ) as client:
        try:
            result = await client.post(call.path, **call.kwargs())
            if call.stream:
                async for event in result:
                    out.events.append(event)
                result = out.events
            out.value = result
        except Exception as exc:
            out.error = exc
        out.acquired = _async_acquired(client)


def _run_sync(base_url: str, call: Call, out: Outcome) -> None:
    async def sleep(seconds: float) -> None:
        out.sleeps.append(seconds)

    with OpenAI(
        api_key=KEY, base_url=base_url, max_retries=call.max_retries, _sleep=sleep, **call.options
    ) as client:
        try:
            result = client.post(call.path, **call.kwargs())
            if call.stream:
                for event in result:
                    out.events.append(event)
                result = out.events
            out.value = result
        except Exception as exc:
            out.error = exc
        out.acquired = sync_acquired(client)


def drive(kind: Kind, base_url: str, call: Call) -> Outcome:
    out = Outcome()
    if kind == "async":
        asyncio.run(_run_async(base_url, call, out))
    else:
        _run_sync(base_url, call, out)
    return out


def check_secrets(out: Outcome, caplog: pytest.LogCaptureFixture) -> None:
    assert KEY not in caplog.text
    if out.error is not None:
        assert KEY not in str(out.error) and KEY not in repr(out.error)
        assert KEY not in repr(getattr(out.error, "body", None))


# -- the table of scenarios ----------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    setup: Callable[[Env], str]  # scripts the fault, returns the base URL to call
    call: Call
    error: type[BaseException] | None  # the exact type expected, None for a result
    requests: int
    target: str = "fake"
    sleeps: Callable[[list[float]], bool] = lambda sleeps: True
    check: Callable[[Outcome, Env], None] = lambda out, env: None


def _fault(**fault: Any) -> Callable[[Env], str]:
    def setup(env: Env) -> str:
        env.fake.faults.add("POST /chat/completions", **fault)
        return env.fake.url

    return setup


def _reset(env: Env) -> str:
    env.reset = ResetServer()
    return env.reset.url


def _rec(*script: Callable[[TestServer], None]) -> Callable[[Env], str]:
    def setup(env: Env) -> str:
        for step in script:
            step(env.rec)
        return env.rec.url

    return setup


def _events_then_pings(events: int) -> Callable[[TestServer], None]:
    """A stream that sends ``events`` events, then only ping comments (until cut)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        for n in range(events):
            await resp.write(b'data: {"n": %d}\n\n' % n)
        for _ in range(500):
            await resp.write(b": ping\n\n")
            await asyncio.sleep(0.01)
        return resp

    return lambda server: server.add(handler)


def _redirect_307(server: TestServer) -> None:
    async def moved(request: web.Request) -> web.StreamResponse:
        return web.Response(status=307, headers={"Location": "/chat/moved"})

    server.add(moved)
    server.json({"id": "chatcmpl-moved", "object": "chat.completion"})


def _html_502(server: TestServer) -> None:
    page = b"<html><head><title>502</title></head><body><h1>502 Bad Gateway</h1></body></html>"
    server.raw(page, status=502, headers={"content-type": "text/html"}, times=3)


def _bad_json(server: TestServer) -> None:
    server.raw(b'{"id": "x",, "object"}', headers={"content-type": "application/json"})


def _garbage_sse(server: TestServer) -> None:
    server.sse(
        [
            b"this line has no colon\n",
            b"retry: soon\nevent\n: a comment\nid: 7\n",
            b'data: {"n": 1}\n\n',
            b"unknown-field: x\n\ndata:",
            b' {"n": 2}\r\n\r\n',
            b"data: [DONE]\n\n",
        ]
    )


def _ok_chat(out: Outcome, env: Env) -> None:
    assert out.value["object"] == "chat.completion"
    assert out.value["choices"][0]["message"]["role"] == "assistant"


def _stream_of_chunks(out: Outcome, env: Env) -> None:
    assert out.events and all(e["object"] == "chat.completion.chunk" for e in out.events)


def _in_range(low: float, high: float) -> Callable[[list[float]], bool]:
    return lambda sleeps: len(sleeps) == 1 and low <= sleeps[0] <= high


def _date_in(seconds: int) -> Callable[[Env], str]:
    def setup(env: Env) -> str:
        when = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        env.fake.faults.add("POST /chat/completions", "status", status=429, retry_after_date=when)
        return env.fake.url

    return setup


def _expect_events(count: int) -> Callable[[Outcome, Env], None]:
    def check(out: Outcome, env: Env) -> None:
        assert len(out.events) == count

    return check


def _message_has(*parts: str) -> Callable[[Outcome, Env], None]:
    def check(out: Outcome, env: Env) -> None:
        assert out.error is not None
        for part in parts:
            assert part in str(out.error)

    return check


def _redirected(out: Outcome, env: Env) -> None:
    assert out.value == {"id": "chatcmpl-moved", "object": "chat.completion"}
    first, second = env.rec.requests
    assert (first.method, first.path, second.method, second.path) == (
        "POST",
        "/chat/completions",
        "POST",
        "/chat/moved",
    )
    assert second.body == first.body and second.json() == CHAT  # the body is sent again
    assert second.headers["Authorization"] == f"Bearer {KEY}"  # same origin: kept


SCENARIOS = [
    Scenario(
        "connection_refused",
        lambda env: refused_url(),
        Call(max_retries=1),
        APIConnectionError,
        0,
        target="none",
        sleeps=lambda s: len(s) == 1,
    ),
    Scenario(
        "reset_before_headers",
        _reset,
        Call(max_retries=2),
        APIConnectionError,
        3,
        target="reset",
        sleeps=lambda s: len(s) == 2,
    ),
    Scenario(
        "reset_mid_body_then_ok",
        _fault(kind="drop", at=30),
        Call(max_retries=1),
        None,
        2,
        sleeps=lambda s: len(s) == 1,
        check=_ok_chat,
    ),
    Scenario(
        "reset_mid_body_every_time",
        _fault(kind="drop", at=30, times=5),
        Call(max_retries=1),
        APIConnectionError,
        2,
    ),
    Scenario(
        "reset_mid_stream",
        _fault(kind="drop", at=2),
        Call(body=STREAM, stream=True),
        APIConnectionError,
        1,
        check=_expect_events(2),
    ),
    Scenario(
        "stall_before_headers",
        _fault(kind="stall", delay=5.0),
        Call(timeout=Timeout(total=0.2), max_retries=0),
        APITimeoutError,
        1,
    ),
    Scenario(
        "stall_after_headers",
        _fault(kind="stall", delay=5.0, stage="body"),
        Call(timeout=Timeout(total=0.2), max_retries=0),
        APITimeoutError,
        1,
    ),
    Scenario(
        "stall_after_stream_headers",
        _fault(kind="stall", delay=5.0, stage="body"),
        Call(body=STREAM, stream=True, timeout=Timeout(stream_idle=0.2), max_retries=0),
        StreamIdleTimeoutError,
        1,
        check=_message_has("0.2 s"),
    ),
    Scenario(
        "stall_mid_stream_with_pings",
        _rec(_events_then_pings(2)),
        Call(body=STREAM, stream=True, timeout=Timeout(stream_idle=0.15)),
        StreamIdleTimeoutError,
        1,
        target="rec",
        check=_expect_events(2),
    ),
    Scenario(
        "trickle_past_timeout",
        _fault(kind="trickle", chunk_size=1, interval=0.02),
        Call(timeout=0.2, max_retries=0),
        APITimeoutError,
        1,
    ),
    Scenario(
        "malformed_json_200", _rec(_bad_json), Call(), APIResponseValidationError, 1, target="rec"
    ),
    Scenario(
        "truncated_json", _fault(kind="malformed_json"), Call(), APIResponseValidationError, 1
    ),
    Scenario(
        "html_502",
        _rec(_html_502),
        Call(),
        InternalServerError,
        3,
        target="rec",
        sleeps=lambda s: len(s) == 2,
        check=_message_has("502 Bad Gateway"),
    ),
    Scenario(
        "malformed_sse_lines_ignored",
        _rec(_garbage_sse),
        Call(body=STREAM, stream=True),
        None,
        1,
        target="rec",
        check=lambda out, env: out.value == [{"n": 1}, {"n": 2}],
    ),
    Scenario(
        "broken_json_event",
        _fault(kind="malformed_sse", at=1),
        Call(body=STREAM, stream=True),
        APIResponseValidationError,
        1,
        check=_expect_events(1),
    ),
    Scenario(
        "error_event_mid_stream",
        _fault(kind="error_event", at=2),
        Call(body=STREAM, stream=True),
        APIError,
        1,
        check=_expect_events(2),
    ),
    Scenario(
        "429_retry_after_ms",
        _fault(kind="status", status=429, retry_after_ms=20),
        Call(),
        None,
        2,
        sleeps=lambda s: s == [0.02],
        check=_ok_chat,
    ),
    Scenario(
        "429_retry_after_seconds",
        _fault(kind="status", status=429, retry_after=3),
        Call(),
        None,
        2,
        sleeps=lambda s: s == [3.0],
        check=_ok_chat,
    ),
    Scenario(
        "429_retry_after_http_date",
        _date_in(5),
        Call(),
        None,
        2,
        sleeps=_in_range(3.0, 5.0),
        check=_ok_chat,
    ),
    Scenario(
        "429_retry_after_121_s",
        _fault(kind="status", status=429, retry_after=121),
        Call(),
        RateLimitError,
        1,
        sleeps=lambda s: s == [],
    ),
    Scenario(
        "429_insufficient_quota",
        _fault(kind="status", error="insufficient_quota"),
        Call(),
        InsufficientQuotaError,
        1,
        sleeps=lambda s: s == [],
    ),
    Scenario(
        "500_then_200",
        _fault(kind="status", status=500),
        Call(),
        None,
        2,
        sleeps=_in_range(0.375, 0.5),
        check=_ok_chat,
    ),
    Scenario(
        "500_every_time",
        _fault(kind="status", status=500, times=10),
        Call(),
        InternalServerError,
        3,
        sleeps=lambda s: len(s) == 2,
    ),
    Scenario(
        "500_x_should_retry_false",
        _fault(kind="status", status=500, headers={"x-should-retry": "false"}),
        Call(),
        InternalServerError,
        1,
        sleeps=lambda s: s == [],
    ),
    Scenario("409_retried", _fault(kind="status", status=409), Call(), None, 2, check=_ok_chat),
    Scenario(
        "409_out_of_retries",
        _fault(kind="status", status=409, times=5),
        Call(max_retries=1),
        ConflictError,
        2,
    ),
    Scenario(
        "401_not_retried",
        _fault(kind="status", status=401),
        Call(),
        AuthenticationError,
        1,
        sleeps=lambda s: s == [],
    ),
    Scenario(
        "redirect_307_on_post",
        _rec(_redirect_307),
        Call(),
        None,
        2,
        target="rec",
        check=_redirected,
    ),
    Scenario(
        "stream_ok_after_503",
        _fault(kind="status", status=503),
        Call(body=STREAM, stream=True),
        None,
        2,
        check=_stream_of_chunks,
    ),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_fault(kind: Kind, scenario: Scenario, env: Env, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_async")
    baseline = threading.active_count()
    url = scenario.setup(env)
    if scenario.target == "reset":
        baseline += 1  # the reset server's own thread
    out = drive(kind, url, scenario.call)
    if scenario.error is None:
        assert out.error is None, repr(out.error)
    else:
        assert type(out.error) is scenario.error, repr(out.error)
    assert env.count(scenario.target) == scenario.requests
    assert scenario.sleeps(out.sleeps), out.sleeps
    scenario.check(out, env)
    assert out.acquired == 0
    assert _settled(baseline)
    check_secrets(out, caplog)


def _settled(baseline: int) -> bool:
    """The thread count is back at ``baseline`` (threads finishing may need a moment)."""
    for _ in range(200):
        if threading.active_count() <= baseline:
            return True
        time.sleep(0.005)
    return False


# -- scenarios where the caller acts: pool exhaustion, cancellation, deadlines -------------------


def _hold_until(release: threading.Event, cancelled: threading.Event | None = None) -> Any:
    async def hold(request: web.Request) -> web.StreamResponse:
        try:
            while not release.is_set():  # noqa: ASYNC110  (a thread sets it)
                await asyncio.sleep(0.005)
        except asyncio.CancelledError:
            if cancelled is not None:
                cancelled.set()
            raise
        return web.json_response({"held": True})

    return hold


async def _arrived(server: TestServer, count: int) -> None:
    while len(server.requests) < count:  # noqa: ASYNC110  (another loop appends)
        await asyncio.sleep(0.002)


def _wait_arrived(server: TestServer, count: int) -> None:
    for _ in range(2000):
        if len(server.requests) >= count:
            return
        time.sleep(0.002)
    raise AssertionError("the request never arrived")


STARVED = Timeout(total=5, connect=0.05, pool=0.05)


@pytest.mark.parametrize("kind", KINDS)
def test_pool_exhausted_raises_pool_timeout_naming_the_limit(
    kind: Kind, sync_server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_async")
    release = threading.Event()
    sync_server.add(_hold_until(release))
    baseline = threading.active_count()
    options: dict[str, Any] = {"api_key": KEY, "base_url": sync_server.url}
    options.update(connection_limit=1, max_retries=0)
    out = Outcome()
    if kind == "async":

        async def run() -> None:
            async with AsyncOpenAI(**options) as client:
                holder = asyncio.create_task(client.get("/hold"))
                await _arrived(sync_server, 1)
                try:
                    await client.get("/starved", timeout=STARVED)
                except PoolTimeoutError as exc:
                    out.error = exc
                release.set()
                out.value = await holder
                out.acquired = _async_acquired(client)

        asyncio.run(run())
    else:
        with OpenAI(**options) as client:
            holder = threading.Thread(target=lambda: setattr(out, "value", client.get("/hold")))
            holder.start()
            _wait_arrived(sync_server, 1)
            try:
                client.get("/starved", timeout=STARVED)
            except PoolTimeoutError as exc:
                out.error = exc
            release.set()
            holder.join(10)
            out.acquired = sync_acquired(client)
    assert isinstance(out.error, PoolTimeoutError) and out.error.pool_size == 1
    assert "all 1 connections of the pool are in use" in str(out.error)
    assert "connection_limit" in str(out.error)
    assert out.value == {"held": True}
    assert [r.path for r in sync_server.requests] == ["/hold"]  # the starved call never left
    assert out.acquired == 0
    assert _settled(baseline)
    check_secrets(out, caplog)


@pytest.mark.parametrize("kind", KINDS)
def test_caller_gives_up_mid_request(
    kind: Kind, sync_server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    """async: the caller's task is cancelled; blocking: the client is closed by another thread.
    Either way the request's connection is dropped (the server sees it go)."""
    caplog.set_level(logging.DEBUG, logger="openai_async")
    release, dropped = threading.Event(), threading.Event()
    sync_server.add(_hold_until(release, dropped))
    baseline = threading.active_count()
    out = Outcome()
    if kind == "async":

        async def run() -> None:
            async with AsyncOpenAI(api_key=KEY, base_url=sync_server.url) as client:
                task = asyncio.create_task(client.post("/hang", body=CHAT))
                await _arrived(sync_server, 1)
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError as exc:
                    out.error = exc
                out.acquired = _async_acquired(client)

        asyncio.run(run())
        assert isinstance(out.error, asyncio.CancelledError)
    else:
        client = OpenAI(api_key=KEY, base_url=sync_server.url)

        def call() -> None:
            try:
                client.post("/hang", body=CHAT)
            except Exception as exc:
                out.error = exc

        worker = threading.Thread(target=call)
        worker.start()
        _wait_arrived(sync_server, 1)
        client.close()
        worker.join(10)
        assert type(out.error) is APIConnectionError
        assert "closed" in str(out.error)
        out.acquired = 0  # the pool itself was closed with the client
    assert dropped.wait(5)  # the server saw the connection go away
    release.set()
    assert len(sync_server.requests) == 1
    assert out.acquired == 0
    assert _settled(baseline)
    check_secrets(out, caplog)


def _slow_events(server: TestServer) -> threading.Event:
    gone = threading.Event()

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        try:
            for n in range(1000):
                await resp.write(b'data: {"n": %d}\n\n' % n)
                await asyncio.sleep(0.01)
        except (asyncio.CancelledError, ConnectionResetError):
            gone.set()
            raise
        return resp

    server.add(handler)
    return gone


@pytest.mark.parametrize("kind", KINDS)
def test_caller_gives_up_mid_stream(
    kind: Kind, sync_server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    """async: the consuming task is cancelled while it waits for an event; blocking: the
    consumer stops iterating and closes the stream. The stream's connection is dropped."""
    caplog.set_level(logging.DEBUG, logger="openai_async")
    gone = _slow_events(sync_server)
    baseline = threading.active_count()
    out = Outcome()
    if kind == "async":

        async def run() -> None:
            async with AsyncOpenAI(api_key=KEY, base_url=sync_server.url) as client:
                stream = await client.post("/chat/completions", body=STREAM, stream=True)

                async def consume() -> None:
                    async for event in stream:
                        out.events.append(event)

                task = asyncio.create_task(consume())
                while len(out.events) < 2:  # noqa: ASYNC110
                    await asyncio.sleep(0.002)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                out.value = stream.closed
                out.acquired = _async_acquired(client)

        asyncio.run(run())
    else:
        with OpenAI(api_key=KEY, base_url=sync_server.url) as client:
            stream = client.post("/chat/completions", body=STREAM, stream=True)
            for event in stream:
                out.events.append(event)
                if len(out.events) == 2:
                    break
            stream.close()
            out.value = True
            out.acquired = sync_acquired(client)
    assert out.events[:2] == [{"n": 0}, {"n": 1}]
    assert out.value is True
    assert out.acquired == 0
    assert gone.wait(5)  # the server saw the stream's connection go away
    assert len(sync_server.requests) == 1
    assert _settled(baseline)
    check_secrets(out, caplog)


@pytest.mark.parametrize("kind", KINDS)
def test_caller_deadline_around_a_call(
    kind: Kind, sync_server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    """async: ``asyncio.timeout`` around the call raises ``TimeoutError`` and frees the
    connection; blocking: the per-call ``timeout=`` raises ``APITimeoutError``."""
    caplog.set_level(logging.DEBUG, logger="openai_async")
    release, dropped = threading.Event(), threading.Event()
    sync_server.add(_hold_until(release, dropped))
    baseline = threading.active_count()
    out = Outcome()
    if kind == "async":

        async def run() -> None:
            async with AsyncOpenAI(api_key=KEY, base_url=sync_server.url) as client:
                try:
                    if sys.version_info >= (3, 11):
                        async with asyncio.timeout(0.1):
                            await client.post("/slow", body=CHAT)
                    else:
                        await asyncio.wait_for(client.post("/slow", body=CHAT), 0.1)
                except asyncio.TimeoutError as exc:
                    out.error = exc
                out.acquired = _async_acquired(client)

        asyncio.run(run())
        assert type(out.error) is asyncio.TimeoutError
    else:
        with OpenAI(api_key=KEY, base_url=sync_server.url, max_retries=0) as client:
            try:
                client.post("/slow", body=CHAT, timeout=0.1)
            except Exception as exc:
                out.error = exc
            out.acquired = sync_acquired(client)
        assert type(out.error) is APITimeoutError
    assert dropped.wait(5)
    release.set()
    assert len(sync_server.requests) == 1
    assert out.acquired == 0
    assert _settled(baseline)
    check_secrets(out, caplog)
