"""Realtime over WebSocket: handshake, client events on the wire, server events decoded, close.

Scripted aiohttp WebSocket handlers on the recording test server stand in for the API; the
fake server's ``/realtime`` and ``/responses`` endpoints cover the end-to-end echo.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from openai_async import AsyncAzureOpenAI, AsyncOpenAI, AuthenticationError
from openai_async._models import UnknownObject
from openai_async.lib.realtime import (
    RealtimeConnectionClosed,
    RealtimeProtocolError,
)
from openai_async.testing import FakeOpenAI
from openai_async.types.realtime.realtime_error_event import RealtimeErrorEvent
from openai_async.types.realtime.response_cancel_event import ResponseCancelEvent
from openai_async.types.realtime.response_text_delta_event import ResponseTextDeltaEvent
from openai_async.types.realtime.session_created_event import SessionCreatedEvent
from tests.server import TestServer

SESSION_CREATED = {
    "type": "session.created",
    "event_id": "event_1",
    "session": {"id": "sess_1", "object": "realtime.session", "type": "realtime"},
}
TEXT_DELTA = {
    "type": "response.output_text.delta",
    "event_id": "event_2",
    "response_id": "resp_1",
    "item_id": "item_1",
    "output_index": 0,
    "content_index": 0,
    "delta": "Hel",
}
ERROR_EVENT = {
    "type": "error",
    "event_id": "event_3",
    "error": {"type": "invalid_request_error", "code": "bad", "message": "nope", "param": None},
}
BRAND_NEW = {"type": "brand.new.event", "event_id": "event_4", "payload": [1, 2]}

Script = Callable[[web.WebSocketResponse, list[Any]], Awaitable[None]]


def ws_handler(script: Script, received: list[Any]) -> Callable[..., Awaitable[Any]]:
    """A one-shot handler: upgrade, then run ``script(ws, received)``."""

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


def client_for(server: TestServer, **options: Any) -> AsyncOpenAI:
    return AsyncOpenAI(api_key="sk-test", base_url=server.url + "/v1", **options)


async def test_events_round_trip_bytes_sent_and_events_received(server: TestServer) -> None:
    received: list[Any] = []

    async def script(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await read_messages(ws, got, 13)
        for event in (SESSION_CREATED, TEXT_DELTA, ERROR_EVENT, BRAND_NEW):
            await ws.send_str(json.dumps(event))
        await ws.close()

    server.add(ws_handler(script, received))
    client = client_for(server, default_headers={"X-App": "demo"})
    manager = client.realtime.connect(
        model="gpt-realtime",
        extra_query={"trace": "on"},
        extra_headers={"X-Extra": "1"},
    )
    async with manager as conn:
        await conn.session.update(session={"type": "realtime", "instructions": "short"})
        await conn.response.create(event_id="evt_a")
        await conn.response.create(response={"instructions": "again"})
        await conn.response.cancel(response_id="resp_9")
        await conn.input_audio_buffer.append(audio="AAAA")
        await conn.input_audio_buffer.commit()
        await conn.input_audio_buffer.clear()
        await conn.conversation.item.create(
            item={"type": "message", "role": "user", "content": []}, previous_item_id="root"
        )
        await conn.conversation.item.retrieve(item_id="item_1")
        await conn.conversation.item.delete(item_id="item_1")
        await conn.conversation.item.truncate(item_id="item_2", content_index=0, audio_end_ms=1500)
        await conn.output_audio_buffer.clear()
        await conn.send(ResponseCancelEvent(response_id="resp_struct"))
        events = [event async for event in conn]

    assert received == [
        {"type": "session.update", "session": {"type": "realtime", "instructions": "short"}},
        {"type": "response.create", "event_id": "evt_a"},
        {"type": "response.create", "response": {"instructions": "again"}},
        {"type": "response.cancel", "response_id": "resp_9"},
        {"type": "input_audio_buffer.append", "audio": "AAAA"},
        {"type": "input_audio_buffer.commit"},
        {"type": "input_audio_buffer.clear"},
        {
            "type": "conversation.item.create",
            "item": {"type": "message", "role": "user", "content": []},
            "previous_item_id": "root",
        },
        {"type": "conversation.item.retrieve", "item_id": "item_1"},
        {"type": "conversation.item.delete", "item_id": "item_1"},
        {
            "type": "conversation.item.truncate",
            "item_id": "item_2",
            "content_index": 0,
            "audio_end_ms": 1500,
        },
        {"type": "output_audio_buffer.clear"},
        {"type": "response.cancel", "response_id": "resp_struct"},
    ]
    created, delta, error, unknown = events
    assert isinstance(created, SessionCreatedEvent)
    assert created.session.id == "sess_1"  # type: ignore[union-attr]
    assert isinstance(delta, ResponseTextDeltaEvent)
    assert delta.delta == "Hel"
    assert isinstance(error, RealtimeErrorEvent)  # yielded, not raised
    assert error.error.message == "nope"
    assert isinstance(unknown, UnknownObject)  # kept, never an error
    assert unknown.type == "brand.new.event"
    assert unknown["payload"] == [1, 2]

    handshake = server.last
    assert handshake.method == "GET"
    assert handshake.path == "/v1/realtime"
    assert dict(handshake.query) == {"model": "gpt-realtime", "trace": "on"}
    assert handshake.headers["Authorization"] == "Bearer sk-test"
    assert handshake.headers["X-App"] == "demo"
    assert handshake.headers["X-Extra"] == "1"
    assert handshake.headers["Upgrade"].lower() == "websocket"
    await client.aclose()


async def test_recv_returns_events_and_raises_after_normal_close(server: TestServer) -> None:
    async def script(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await ws.send_str(json.dumps(SESSION_CREATED))
        await ws.close(code=1000, message=b"done")

    server.add(ws_handler(script, []))
    client = client_for(server)
    async with client.realtime.connect(model="m") as conn:
        first = await conn.recv()
        assert isinstance(first, SessionCreatedEvent)
        with pytest.raises(RealtimeConnectionClosed) as info:
            await conn.recv()
        assert info.value.code == 1000
        assert info.value.reason == "done"
        assert conn.closed
        with pytest.raises(RealtimeConnectionClosed):
            await conn.send({"type": "response.create"})
    await client.aclose()


async def test_abnormal_close_without_reconnect_raises(server: TestServer) -> None:
    async def script(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await ws.send_str(json.dumps(SESSION_CREATED))
        await ws.close(code=1011, message=b"server fault")

    server.add(ws_handler(script, []))
    client = client_for(server)
    async with client.realtime.connect(model="m", reconnect=False) as conn:
        seen: list[Any] = []
        with pytest.raises(RealtimeConnectionClosed) as info:
            async for event in conn:
                seen.append(event)
    assert len(seen) == 1
    assert info.value.code == 1011
    assert info.value.reason == "server fault"
    assert len(server.requests) == 1
    await client.aclose()


async def test_close_sends_code_and_reason(server: TestServer) -> None:
    seen: dict[str, Any] = {}

    async def script(ws: web.WebSocketResponse, got: list[Any]) -> None:
        msg = await ws.receive()
        seen["type"] = msg.type
        seen["code"] = ws.close_code
        seen["extra"] = msg.extra

    server.add(ws_handler(script, []))
    client = client_for(server)
    conn = await client.realtime.connect(model="m").enter()
    unsent = await conn.close(code=4001, reason="bye now")
    assert unsent == []
    assert seen == {"type": aiohttp.WSMsgType.CLOSE, "code": 4001, "extra": "bye now"}
    assert conn.closed
    assert [e async for e in conn] == []
    await client.aclose()


async def test_cancelling_the_consumer_closes_the_socket(server: TestServer) -> None:
    server_saw_close = asyncio.Event()
    first_event = asyncio.Event()

    async def script(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await ws.send_str(json.dumps(SESSION_CREATED))
        msg = await ws.receive()
        got.append(msg.type)
        server_saw_close.set()

    received: list[Any] = []
    server.add(ws_handler(script, received))
    client = client_for(server)

    async def consume() -> None:
        async with client.realtime.connect(model="m") as conn:
            async for _ in conn:
                first_event.set()

    task = asyncio.create_task(consume())
    await first_event.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(server_saw_close.wait(), 5)
    assert received == [aiohttp.WSMsgType.CLOSE]
    await client.aclose()


async def test_handshake_refused_raises_the_status_error(server: TestServer) -> None:
    server.json({"error": {"message": "bad key", "type": "invalid_request_error"}}, status=401)
    client = client_for(server)
    with pytest.raises(AuthenticationError) as info:
        async with client.realtime.connect(model="m"):
            pytest.fail("the connection should not open")
    assert info.value.status_code == 401
    await client.aclose()


async def test_non_json_frame_is_a_protocol_error(server: TestServer) -> None:
    async def script(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await ws.send_str("this is not json")
        await read_messages(ws, got, 1)

    server.add(ws_handler(script, []))
    client = client_for(server)
    async with client.realtime.connect(model="m") as conn:
        with pytest.raises(RealtimeProtocolError, match="non-JSON"):
            await conn.recv()
    await client.aclose()


async def test_websocket_base_url_and_key_provider(server: TestServer) -> None:
    async def script(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await ws.send_str(json.dumps(SESSION_CREATED))

    server.add(ws_handler(script, []))
    calls: list[int] = []

    async def key() -> str:
        calls.append(1)
        return "sk-provided"

    client = AsyncOpenAI(
        api_key=key,
        base_url="http://unused.invalid/v1",
        websocket_base_url=f"ws://127.0.0.1:{server.port}/gateway/",
    )
    async with client.realtime.connect(model="gpt-realtime") as conn:
        assert isinstance(await conn.recv(), SessionCreatedEvent)
    assert server.last.path == "/gateway/realtime"
    assert server.last.headers["Authorization"] == "Bearer sk-provided"
    assert calls == [1]
    copy = client.with_options(max_retries=0)
    assert copy.websocket_base_url == client.websocket_base_url
    await client.aclose()


async def test_azure_handshake(server: TestServer) -> None:
    async def script(ws: web.WebSocketResponse, got: list[Any]) -> None:
        await ws.send_str(json.dumps(SESSION_CREATED))

    server.add(ws_handler(script, []))
    client = AsyncAzureOpenAI(
        api_key="azure-key", azure_endpoint=server.url, api_version="2025-04-01-preview"
    )
    async with client.realtime.connect(model="my-deployment") as conn:
        assert isinstance(await conn.recv(), SessionCreatedEvent)
    handshake = server.last
    assert handshake.path == "/openai/realtime"
    assert dict(handshake.query) == {
        "api-version": "2025-04-01-preview",
        "deployment": "my-deployment",
    }
    assert handshake.headers["api-key"] == "azure-key"
    assert "Authorization" not in handshake.headers
    await client.aclose()


async def test_fake_server_realtime_echo() -> None:
    async with FakeOpenAI() as fake:
        client = AsyncOpenAI(api_key="sk-fake", base_url=fake.url)
        async with client.realtime.connect(model="gpt-realtime") as conn:
            created = await conn.recv()
            assert isinstance(created, SessionCreatedEvent)
            await conn.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "hello realtime"}],
                }
            )
            await conn.response.create()
            await conn.send({"type": "not.a.client.event"})
            text = ""
            kinds: list[str] = []
            async for event in conn:
                kinds.append(event.type)
                if isinstance(event, ResponseTextDeltaEvent):
                    text += event.delta
                if isinstance(event, RealtimeErrorEvent):
                    break
        assert text == "You said: hello realtime"
        assert kinds[:2] == ["conversation.item.added", "conversation.item.done"]
        assert kinds[-2:] == ["response.done", "error"]
        assert fake.requests[-1].route == "GET /realtime"
        assert fake.requests[-1].query["model"] == "gpt-realtime"
        await client.aclose()


async def test_fake_server_responses_websocket_mode() -> None:
    async with FakeOpenAI() as fake:
        fake.responses.reply("Scripted over a socket.")
        client = AsyncOpenAI(api_key="sk-fake", base_url=fake.url)
        async with client.responses.connect() as conn:
            await conn.response.create(model="gpt-4o", input="hi", stream_id="lane_1")
            text = ""
            kinds: list[str] = []
            async for event in conn:
                kinds.append(event.type)
                assert getattr(event, "stream_id", None) == "lane_1"
                if event.type == "response.output_text.delta":
                    text += event.delta  # type: ignore[union-attr]
                if event.type == "response.completed":
                    break
        assert text == "Scripted over a socket."
        assert kinds[0] == "response.created"
        assert fake.requests[-1].path == "/v1/responses"
        await client.aclose()


def test_docs_page_example_runs(tmp_path: Path) -> None:
    page = Path(__file__).resolve().parent.parent / "docs" / "helpers" / "realtime.md"
    first = page.read_text(encoding="utf-8").split("```python\n", 1)[1].split("```", 1)[0]
    script = tmp_path / "realtime_example.py"
    script.write_text(first, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = str(page.parent.parent.parent)
    result = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "You said: Hello, socket\n"
