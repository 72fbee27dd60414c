"""The blocking realtime twin: ``with client.realtime.connect(...) as conn`` on the portal."""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from openai_async import OpenAI
from openai_async.lib.realtime import (
    RealtimeConnection,
    RealtimeConnectionClosed,
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
