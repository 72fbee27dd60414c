"""The blocking realtime twin: ``with client.realtime.connect(...) as conn`` on the portal."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from openai_async import OpenAI
from openai_async.lib.realtime import (
    RealtimeConnection,
    RealtimeConnectionClosed,
    RealtimeProtocolError,
    ReconnectAttempt,
    ReconnectOptions,
)
from openai_async.testing import FakeOpenAI
from openai_async.types.realtime.response_text_delta_event import ResponseTextDeltaEvent
from openai_async.types.realtime.session_created_event import SessionCreatedEvent
from tests.server import TestServer

Script = Callable[[web.WebSocketResponse, list[Any]], Awaitable[None]]


def ws_handler(script: Script, received: list[Any]) -> Callable[..., Awaitable[Any]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await script(ws, received)
        if not ws.closed:
            await ws.close()
        return ws

    return handler


async def no_wait(seconds: float) -> None:
    return None


def test_blocking_round_trip_against_the_fake() -> None:
    with FakeOpenAI() as fake, OpenAI(api_key="sk-fake", base_url=fake.url) as client:
        with client.realtime.connect(model="gpt-realtime") as conn:
            assert isinstance(conn, RealtimeConnection)
            assert isinstance(conn.recv(), SessionCreatedEvent)
            conn.session.update(session={"type": "realtime", "instructions": "echo"})
            conn.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "from a thread"}],
                }
            )
            conn.response.create()
            text = ""
            for event in conn:
                if isinstance(event, ResponseTextDeltaEvent):
                    text += event.delta
                if event.type == "response.done":
                    break
            assert conn.close() == []
            assert conn.closed
        assert text == "You said: from a thread"
        assert fake.requests[-1].query["model"] == "gpt-realtime"


def test_blocking_responses_websocket_mode() -> None:
    with FakeOpenAI() as fake, OpenAI(api_key="sk-fake", base_url=fake.url) as client:
        fake.responses.reply("blocking lane")
        with client.responses.connect() as conn:
            conn.response.create(model="gpt-4o", input="hi")
            text = ""
            for event in conn:
                if event.type == "response.output_text.delta":
                    text += event.delta  # type: ignore[union-attr]
                if event.type == "response.completed":
                    break
        assert text == "blocking lane"


def test_blocking_send_bytes_and_close_code(sync_server: TestServer) -> None:
    received: list[Any] = []
    close: dict[str, Any] = {}

    async def script(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await ws.send_str(json.dumps({"type": "hello.there", "n": 1}))
        while True:
            msg = await ws.receive()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                close["code"], close["reason"] = ws.close_code, msg.extra
                return
            got.append(json.loads(msg.data))

    sync_server.add(ws_handler(script, received))
    with OpenAI(api_key="sk-test", base_url=sync_server.url + "/v1") as client:
        with client.realtime.connect(model="m") as conn:
            conn.input_audio_buffer.append(audio="UklGRg==")
            conn.input_audio_buffer.commit(event_id="c1")
            conn.conversation.item.truncate(item_id="i", content_index=0, audio_end_ms=10)
            conn.output_audio_buffer.clear()
            conn.response.cancel()
            conn.send('{"type": "raw.text"}')
            unknown = conn.recv()
            assert unknown.type == "hello.there"
            conn.close(code=4002, reason="done here")
        assert received == [
            {"type": "input_audio_buffer.append", "audio": "UklGRg=="},
            {"type": "input_audio_buffer.commit", "event_id": "c1"},
            {
                "type": "conversation.item.truncate",
                "item_id": "i",
                "content_index": 0,
                "audio_end_ms": 10,
            },
            {"type": "output_audio_buffer.clear"},
            {"type": "response.cancel"},
            {"type": "raw.text"},
        ]
        assert close == {"code": 4002, "reason": "done here"}


def test_blocking_reconnect_runs_the_callback_on_the_portal(sync_server: TestServer) -> None:
    async def drop(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await ws.close(code=1012, message=b"restart")

    async def resume(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await ws.send_str(json.dumps({"type": "resumed"}))
        await ws.close(code=1000)

    sync_server.add(ws_handler(drop, []))
    sync_server.add(ws_handler(resume, []))
    threads: list[str] = []

    def on_reconnecting(info: ReconnectAttempt) -> None:
        threads.append(threading.current_thread().name)
        info.headers["X-Attempt"] = str(info.attempt)

    client = OpenAI(api_key="sk-test", base_url=sync_server.url + "/v1")
    manager = client.realtime.connect(
        model="m", reconnect=ReconnectOptions(sleep=no_wait), on_reconnecting=on_reconnecting
    )
    with client, manager as conn:
        kinds = [event.type for event in conn]
        assert conn.reconnects == 1
        with pytest.raises(RealtimeConnectionClosed):
            conn.recv()
    assert kinds == ["resumed"]
    assert threads == ["openai_async-portal"]
    assert sync_server.requests[1].headers["X-Attempt"] == "1"


def test_blocking_client_takes_websocket_base_url() -> None:
    with FakeOpenAI() as fake:
        ws_url = fake.url.replace("http://", "ws://")
        with OpenAI(
            api_key="sk-fake", base_url="http://unused.invalid/v1", websocket_base_url=ws_url
        ) as client:
            assert client.websocket_base_url == ws_url
            with client.realtime.connect(model="gpt-realtime") as conn:
                assert isinstance(conn.recv(), SessionCreatedEvent)
        assert fake.requests[-1].path.endswith("/realtime")


def burst_script(count: int, tail: list[str]) -> Script:
    """On the client's first message, sends ``count`` delta events and then the ``tail`` frames
    in one go; then waits for the client to close."""

    async def script(ws: web.WebSocketResponse, got: list[Any]) -> None:
        got.append(json.loads((await ws.receive()).data))
        for i in range(count):
            await ws.send_str(json.dumps({"type": "response.output_text.delta", "delta": str(i)}))
        for frame in tail:
            await ws.send_str(frame)
        await ws.receive()

    return script


@contextmanager
def connected(server: TestServer) -> Iterator[RealtimeConnection]:
    with (
        OpenAI(api_key="sk-test", base_url=server.url + "/v1") as client,
        client.realtime.connect(model="m") as conn,
    ):
        yield conn


def buffered(conn: RealtimeConnection, frames: int) -> None:
    """Wait until the portal loop holds ``frames`` received frames (nothing read yet)."""
    deadline = time.monotonic() + 10
    while len(conn.websocket._reader._buffer) < frames:  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_blocking_iteration_moves_received_events_in_batches(sync_server: TestServer) -> None:
    received: list[Any] = []
    sync_server.add(ws_handler(burst_script(300, ['{"type": "response.done"}']), received))
    hops = 0
    with connected(sync_server) as conn:
        real = conn._async.next_batch

        async def counted() -> list[Any]:
            nonlocal hops
            hops += 1
            return await real()

        conn._async.next_batch = counted  # type: ignore[method-assign]
        conn.response.create()
        buffered(conn, 301)
        deltas: list[str] = []
        for event in conn:
            if event.type == "response.done":
                break
            assert isinstance(event, ResponseTextDeltaEvent)
            deltas.append(event.delta)
    assert deltas == [str(i) for i in range(300)]
    assert hops == 1
    assert received == [{"type": "response.create"}]


def test_blocking_events_left_in_a_batch_are_kept_for_the_next_read(
    sync_server: TestServer,
) -> None:
    sync_server.add(ws_handler(burst_script(10, ['{"type": "response.done"}']), []))
    with connected(sync_server) as conn:
        conn.response.create()
        buffered(conn, 11)
        first = [event.delta for event in itertools.islice(conn, 3)]  # type: ignore[union-attr]
        fourth = conn.recv()
        rest: list[str] = []
        for event in conn:
            rest.append(event.type)
            if event.type == "response.done":
                break
    assert first == ["0", "1", "2"]
    assert fourth.delta == "3"  # type: ignore[union-attr]
    assert rest == ["response.output_text.delta"] * 6 + ["response.done"]


def test_blocking_bad_frame_in_a_batch_raises_after_the_events_before_it(
    sync_server: TestServer,
) -> None:
    sync_server.add(ws_handler(burst_script(5, ["not json at all"]), []))
    got: list[str] = []
    with connected(sync_server) as conn:
        conn.response.create()
        buffered(conn, 6)
        with pytest.raises(RealtimeProtocolError, match="non-JSON frame"):
            for event in conn:
                assert isinstance(event, ResponseTextDeltaEvent)
                got.append(event.delta)
    assert got == ["0", "1", "2", "3", "4"]
