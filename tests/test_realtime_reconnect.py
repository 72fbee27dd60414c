"""Realtime reconnect: abnormal close codes, backoff, ``on_reconnecting``, the send queue.

Waits go through an injected ``sleep`` that records the delays, so nothing really sleeps.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from openai_async import AsyncOpenAI, AuthenticationError, InternalServerError
from openai_async.lib.realtime import (
    ABNORMAL_CLOSE_CODES,
    AsyncRealtimeConnection,
    RealtimeConnectionClosed,
    ReconnectAbortedError,
    ReconnectAttempt,
    ReconnectOptions,
    SendQueueFullError,
)
from tests.server import TestServer

Script = Callable[[web.WebSocketResponse, list[Any]], Awaitable[None]]


def event(name: str) -> dict[str, Any]:
    return {"type": name, "event_id": f"ev_{name}"}


def ws_handler(script: Script, received: list[Any]) -> Callable[..., Awaitable[Any]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await script(ws, received)
        if not ws.closed:
            await ws.close()
        return ws

    return handler


async def read_messages(ws: web.WebSocketResponse, received: list[Any], count: int) -> None:
    while len(received) < count:
        msg = await ws.receive()
        if msg.type is not aiohttp.WSMsgType.TEXT:
            return
        received.append(json.loads(msg.data))


def close_with(code: int, *, first: dict[str, Any] | None = None, read: int = 0) -> Script:
    async def script(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await read_messages(ws, got, read)
        if first is not None:
            await ws.send_str(json.dumps(first))
        await ws.close(code=code, message=b"going")

    return script


def send_then_close(*events: dict[str, Any], read: int = 0) -> Script:
    async def script(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await read_messages(ws, got, read)
        for item in events:
            await ws.send_str(json.dumps(item))
        await ws.close(code=1000)

    return script


class Clock:
    """The injected sleep: records each delay instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    def options(self, **overrides: Any) -> ReconnectOptions:
        values: dict[str, Any] = {"initial_delay": 0.1, "max_delay": 0.25, "jitter": 0.0}
        values.update(overrides)
        return ReconnectOptions(sleep=self.sleep, **values)


def client_for(server: TestServer) -> AsyncOpenAI:
    return AsyncOpenAI(api_key="sk-test", base_url=server.url + "/v1")


async def test_drop_reconnects_and_delivers_queued_messages_once(server: TestServer) -> None:
    first: list[Any] = []
    second: list[Any] = []
    server.add(ws_handler(close_with(1011, first=event("one"), read=1), first))
    server.add(ws_handler(send_then_close(event("two"), read=2), second))
    clock = Clock()
    attempts: list[tuple[int, int, str, float]] = []
    conn_box: list[AsyncRealtimeConnection] = []

    async def on_reconnecting(info: ReconnectAttempt) -> None:
        attempts.append((info.attempt, info.close_code, info.reason, info.delay))
        info.query["resume"] = "sess_1"
        info.headers["X-Resume-Token"] = "tok"
        conn = conn_box[0]
        await conn.send({"type": "input_audio_buffer.commit"})  # queued: the socket is down
        await conn.response.create()
        assert conn.unsent == [
            {"type": "input_audio_buffer.commit"},
            {"type": "response.create"},
        ]

    client = client_for(server)
    manager = client.realtime.connect(
        model="m", reconnect=clock.options(), on_reconnecting=on_reconnecting
    )
    async with manager as conn:
        conn_box.append(conn)
        await conn.session.update(session={"type": "realtime"})
        kinds = [e.type async for e in conn]
        assert conn.reconnects == 1
        assert conn.unsent == []

    assert kinds == ["one", "two"]
    assert first == [{"type": "session.update", "session": {"type": "realtime"}}]
    assert second == [{"type": "input_audio_buffer.commit"}, {"type": "response.create"}]
    assert attempts == [(1, 1011, "going", 0.1)]
    assert clock.delays == [0.1]
    assert len(server.requests) == 2
    again = server.requests[1]
    assert dict(again.query) == {"model": "m", "resume": "sess_1"}
    assert again.headers["X-Resume-Token"] == "tok"
    assert again.headers["Authorization"] == "Bearer sk-test"
    await client.aclose()


async def test_backoff_doubles_up_to_the_cap_and_retries_failed_handshakes(
    server: TestServer,
) -> None:
    server.add(ws_handler(close_with(1012), []))
    server.json({"error": {"message": "busy", "type": "server_error"}}, status=503, times=3)
    server.add(ws_handler(send_then_close(event("back")), []))
    clock = Clock()
    client = client_for(server)
    async with client.realtime.connect(model="m", reconnect=clock.options()) as conn:
        kinds = [e.type async for e in conn]
    assert kinds == ["back"]
    assert clock.delays == [0.1, 0.2, 0.25, 0.25]
    assert len(server.requests) == 5
    await client.aclose()


async def test_gives_up_after_max_attempts_reporting_unsent(server: TestServer) -> None:
    server.add(ws_handler(close_with(1013), []))
    server.json({"error": {"message": "busy", "type": "server_error"}}, status=500, times=2)
    clock = Clock()
    client = client_for(server)
    box: list[AsyncRealtimeConnection] = []

    async def queue_one(info: ReconnectAttempt) -> None:
        if info.attempt == 1:
            await box[0].input_audio_buffer.clear()

    manager = client.realtime.connect(
        model="m", reconnect=clock.options(max_attempts=2), on_reconnecting=queue_one
    )
    async with manager as conn:
        box.append(conn)
        with pytest.raises(RealtimeConnectionClosed) as info:
            async for _ in conn:
                pass
    assert info.value.code == 1013
    assert info.value.attempts == 2
    assert info.value.unsent == [{"type": "input_audio_buffer.clear"}]
    assert isinstance(info.value.__cause__, InternalServerError)
    assert len(server.requests) == 3
    await client.aclose()


async def test_callback_abort_stops_reconnecting(server: TestServer) -> None:
    server.add(ws_handler(close_with(1001, first=event("hello")), []))
    clock = Clock()
    box: list[AsyncRealtimeConnection] = []

    async def abort(info: ReconnectAttempt) -> None:
        await box[0].send({"type": "response.create"})
        info.abort()

    client = client_for(server)
    async with client.realtime.connect(
        model="m", reconnect=clock.options(), on_reconnecting=abort
    ) as conn:
        box.append(conn)
        assert (await conn.recv()).type == "hello"
        with pytest.raises(ReconnectAbortedError) as info:
            await conn.recv()
        assert conn.closed
    assert info.value.code == 1001
    assert info.value.unsent == [{"type": "response.create"}]
    assert clock.delays == []
    assert len(server.requests) == 1
    await client.aclose()


async def test_callback_returning_false_aborts(server: TestServer) -> None:
    server.add(ws_handler(close_with(1011), []))
    client = client_for(server)
    async with client.realtime.connect(
        model="m", reconnect=Clock().options(), on_reconnecting=lambda info: False
    ) as conn:
        with pytest.raises(ReconnectAbortedError):
            await conn.recv()
    await client.aclose()


async def test_full_send_queue_raises_a_typed_error(server: TestServer) -> None:
    server.add(ws_handler(close_with(1011), []))
    box: list[AsyncRealtimeConnection] = []
    errors: list[SendQueueFullError] = []

    async def fill(info: ReconnectAttempt) -> None:
        await box[0].send({"type": "first"})
        try:
            await box[0].send({"type": "second"})
        except SendQueueFullError as exc:
            errors.append(exc)
        info.abort()

    client = client_for(server)
    async with client.realtime.connect(
        model="m", reconnect=Clock().options(), on_reconnecting=fill, send_queue_size=1
    ) as conn:
        box.append(conn)
        with pytest.raises(ReconnectAbortedError) as info:
            await conn.recv()
    assert [(e.event, e.maxsize) for e in errors] == [({"type": "second"}, 1)]
    assert info.value.unsent == [{"type": "first"}]
    await client.aclose()


async def test_closing_with_unsent_messages_reports_them(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.add(ws_handler(close_with(1011), []))
    box: list[AsyncRealtimeConnection] = []
    returned: list[list[object]] = []

    async def queue_then_close(info: ReconnectAttempt) -> None:
        await box[0].response.create()
        returned.append(await box[0].close())

    client = client_for(server)
    caplog.set_level(logging.WARNING, logger="openai_async")
    async with client.realtime.connect(
        model="m", reconnect=Clock().options(), on_reconnecting=queue_then_close
    ) as conn:
        box.append(conn)
        assert [e async for e in conn] == []  # closed by the caller: the loop just ends
    assert returned == [[{"type": "response.create"}]]
    assert "1 unsent message" in caplog.text
    assert len(server.requests) == 1
    await client.aclose()


@pytest.mark.parametrize("code", [1000, 1008, 4000])
async def test_other_close_codes_do_not_reconnect(server: TestServer, code: int) -> None:
    assert code not in ABNORMAL_CLOSE_CODES
    server.add(ws_handler(close_with(code), []))
    client = client_for(server)
    async with client.realtime.connect(model="m", reconnect=Clock().options()) as conn:
        with pytest.raises(RealtimeConnectionClosed) as info:
            await conn.recv()
    assert info.value.code == code
    assert len(server.requests) == 1
    await client.aclose()


async def test_cut_connection_counts_as_1006_and_reconnects(server: TestServer) -> None:
    async def cut(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await read_messages(ws, got, 1)
        transport = ws._req.transport if ws._req is not None else None  # pyright: ignore[reportPrivateUsage]
        assert transport is not None
        transport.abort()

    first: list[Any] = []
    server.add(ws_handler(cut, first))
    server.add(ws_handler(send_then_close(event("resumed")), []))
    codes: list[int] = []
    client = client_for(server)
    async with client.realtime.connect(
        model="m",
        reconnect=Clock().options(),
        on_reconnecting=lambda info: codes.append(info.close_code),
    ) as conn:
        await conn.input_audio_buffer.commit()
        kinds = [e.type async for e in conn]
    assert first == [{"type": "input_audio_buffer.commit"}]
    assert codes == [1006]
    assert kinds == ["resumed"]
    await client.aclose()


async def test_auth_failure_while_reconnecting_is_raised(server: TestServer) -> None:
    server.add(ws_handler(close_with(1011), []))
    server.json({"error": {"message": "revoked", "type": "invalid_request_error"}}, status=401)
    clock = Clock()
    client = client_for(server)
    async with client.realtime.connect(model="m", reconnect=clock.options()) as conn:
        with pytest.raises(AuthenticationError):
            await conn.recv()
        assert conn.closed
    assert clock.delays == [0.1]
    assert len(server.requests) == 2
    await client.aclose()


def test_default_backoff_is_jittered_within_bounds() -> None:
    options = ReconnectOptions()
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (5, 8.0), (9, 8.0)]:
        delay = options.delay(attempt)
        assert ceiling * 0.75 <= delay <= ceiling
