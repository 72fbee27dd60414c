"""Fault injection on the fake server: statuses with every Retry-After form, stalls, trickles,
dropped connections, malformed JSON and SSE, and in-band stream errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import aiohttp
import pytest

from openai_async.testing import FakeOpenAI

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "one two three four five"}]}
STREAM = {**CHAT, "stream": True}


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def chat(
    http: aiohttp.ClientSession, fake: FakeOpenAI, body: dict[str, Any] = CHAT
) -> tuple[int, Any, bytes]:
    async with http.post(f"{fake.url}/chat/completions", json=body) as resp:
        return resp.status, resp.headers, await resp.read()


async def test_429_with_retry_after_ms_then_success(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fault = fake.faults.add(
        "POST /chat/completions", "status", status=429, retry_after_ms=25, times=2
    )
    results = [await chat(http, fake) for _ in range(3)]
    assert [status for status, _, _ in results] == [429, 429, 200]
    headers, body = results[0][1], json.loads(results[0][2])
    assert headers["retry-after-ms"] == "25"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-request-id"].startswith("req_")
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert fault.hits == 2 and fake.faults.pending == []
    assert len(fake.requests) == 3  # rejected requests are recorded too


async def test_retry_after_seconds_and_http_date(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.faults.add("POST /chat/completions", "status", status=429, retry_after=2)
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    fake.faults.add(
        "POST /chat/completions",
        "status",
        status=503,
        retry_after_date=when,
        headers={"x-should-retry": "true"},
    )
    _, first, _ = await chat(http, fake)
    status, second, body = await chat(http, fake)
    assert first["retry-after"] == "2"
    assert status == 503 and second["retry-after"] == "Wed, 02 Jan 2030 03:04:05 GMT"
    assert second["x-should-retry"] == "true"
    assert json.loads(body)["error"]["type"] == "server_error"


async def test_quota_error_custom_body_and_route_scoping(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.faults.add("GET /models", "status", status=500)
    fake.faults.add("POST /v1/chat/completions", "status", error="insufficient_quota")
    fake.faults.add(
        "POST /chat/completions",
        "status",
        status=400,
        body={"error": {"message": "custom", "type": "x", "param": "p", "code": None}},
    )
    status, _, body = await chat(http, fake)
    assert status == 429 and json.loads(body)["error"]["type"] == "insufficient_quota"
    status, _, body = await chat(http, fake)
    assert status == 400 and json.loads(body)["error"]["message"] == "custom"
    async with http.get(f"{fake.url}/models") as resp:
        assert resp.status == 500
    async with http.get(f"{fake.url}/models/gpt-4o") as resp:
        assert resp.status == 200


async def test_status_fault_does_not_run_the_handler(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.chat.reply("kept for the next call")
    fake.faults.add("*", "status", status=500)
    assert (await chat(http, fake))[0] == 500
    status, _, body = await chat(http, fake)
    assert (
        status == 200
        and json.loads(body)["choices"][0]["message"]["content"] == "kept for the next call"
    )


async def test_stall_before_headers_times_out_a_short_client(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.faults.add("POST /chat/completions", "stall", delay=5.0)
    with pytest.raises(TimeoutError):
        await http.post(
            f"{fake.url}/chat/completions", json=CHAT, timeout=aiohttp.ClientTimeout(total=0.02)
        )
    assert (await chat(http, fake))[0] == 200


async def test_stall_after_headers_delays_only_the_body(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.faults.add("POST /chat/completions", "stall", delay=5.0, stage="body")
    resp = await http.post(
        f"{fake.url}/chat/completions", json=CHAT, timeout=aiohttp.ClientTimeout(sock_read=0.02)
    )
    assert resp.status == 200  # headers arrived
    with pytest.raises(TimeoutError):
        await resp.read()
    resp.release()


async def test_short_stall_still_answers(fake: FakeOpenAI, http: aiohttp.ClientSession) -> None:
    fault = fake.faults.add("POST /chat/completions", "stall", delay=0.005)
    status, _, body = await chat(http, fake)
    assert status == 200 and json.loads(body)["object"] == "chat.completion"
    assert fault.hits == 1


async def test_trickle_sends_the_body_in_small_pieces(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.faults.add("POST /chat/completions", "trickle", chunk_size=40, interval=0.002)
    async with http.post(f"{fake.url}/chat/completions", json=CHAT) as resp:
        pieces = [piece async for piece in resp.content.iter_any()]
    body = b"".join(pieces)
    assert len(pieces) > 3
    assert json.loads(body)["object"] == "chat.completion"


async def test_drop_cuts_a_json_body(fake: FakeOpenAI, http: aiohttp.ClientSession) -> None:
    fake.faults.add("POST /chat/completions", "drop", at=30)
    async with http.post(f"{fake.url}/chat/completions", json=CHAT) as resp:
        assert resp.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()
    assert (await chat(http, fake))[0] == 200  # the server keeps serving


async def test_drop_cuts_a_stream_after_some_events(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.faults.add("POST /chat/completions", "drop", at=2)
    received: list[bytes] = []
    async with http.post(f"{fake.url}/chat/completions", json=STREAM) as resp:
        with pytest.raises(aiohttp.ClientPayloadError):
            async for line in resp.content:
                received.append(line)
    events = [line for line in received if line.startswith(b"data: ")]
    assert len(events) == 2 and b"[DONE]" not in b"".join(received)


async def test_malformed_json_is_a_cut_body_with_status_200(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.faults.add("POST /chat/completions", "malformed_json")
    status, headers, body = await chat(http, fake)
    assert status == 200 and headers["content-type"] == "application/json"
    assert body.startswith(b'{"id":"chatcmpl-')
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


async def test_malformed_sse_breaks_one_event(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.faults.add("POST /chat/completions", "malformed_sse", at=1)
    _, _, body = await chat(http, fake, STREAM)
    datas = [block[6:] for block in body.decode().split("\n\n") if block]
    assert datas[-1] == "[DONE]"
    json.loads(datas[0])
    with pytest.raises(json.JSONDecodeError):
        json.loads(datas[1])


async def test_error_event_mid_chat_stream(fake: FakeOpenAI, http: aiohttp.ClientSession) -> None:
    fake.faults.add("POST /chat/completions", "error_event", at=2)
    _, _, body = await chat(http, fake, STREAM)
    datas = [json.loads(block[6:]) for block in body.decode().split("\n\n") if block]
    assert len(datas) == 3
    assert datas[-1] == {
        "error": {
            "message": "The server had an error while streaming.",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }


async def test_error_event_mid_responses_stream(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.faults.add("POST /responses", "error_event", at=3)
    async with http.post(
        f"{fake.url}/responses", json={"model": "m", "input": "hi", "stream": True}
    ) as resp:
        blocks = [b for b in (await resp.read()).decode().split("\n\n") if b]
    assert len(blocks) == 4
    name, data = blocks[-1].split("\n")
    assert name == "event: error"
    error = json.loads(data[6:])
    assert (
        error["type"] == "error"
        and error["code"] == "server_error"
        and error["sequence_number"] == 3
    )
