"""Chat completions and the Responses API on the fake server: scripted answers, default echo,
and the real SSE event order, driven with a plain aiohttp session."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from openai_async.testing import Answer, FakeOpenAI, ToolCall

USER = [{"role": "user", "content": "What is the weather?"}]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def parse_sse(raw: bytes) -> list[tuple[str | None, str]]:
    """(event name, data) per SSE event."""
    events: list[tuple[str | None, str]] = []
    for block in raw.decode().split("\n\n"):
        if not block:
            continue
        name: str | None = None
        data = ""
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
        events.append((name, data))
    return events


async def post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    async with http.post(url, json=body) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def post_stream(
    http: aiohttp.ClientSession, url: str, body: dict[str, Any]
) -> list[tuple[str | None, str]]:
    async with http.post(url, json=body) as resp:
        assert resp.status == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        assert resp.headers["x-request-id"].startswith("req_")
        return parse_sse(await resp.read())


# -- chat completions -------------------------------------------------------------------------


async def test_default_answer_echoes_the_last_user_message(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    data = await post(
        http, f"{fake.url}/chat/completions", {"model": "gpt-4o-mini", "messages": USER}
    )
    assert data["object"] == "chat.completion"
    assert data["id"].startswith("chatcmpl-")
    assert data["model"] == "gpt-4o-mini"
    choice = data["choices"][0]
    assert choice["message"] == {
        "role": "assistant",
        "content": "You said: What is the weather?",
        "refusal": None,
        "annotations": [],
    }
    assert choice["finish_reason"] == "stop"
    usage = data["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


async def test_scripted_reply_tool_call_refusal_and_function(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.chat.reply("Sunny.")
    fake.chat.tool_call("get_weather", {"city": "Paris"}, call_id="call_1")
    fake.chat.refusal("I can't help with that.")
    fake.chat.respond(lambda req: f"{len(req['messages'])} messages")
    url = f"{fake.url}/chat/completions"
    body = {"model": "gpt-4o", "messages": USER}
    replies = [await post(http, url, body) for _ in range(5)]
    messages = [r["choices"][0]["message"] for r in replies]
    assert messages[0]["content"] == "Sunny."
    assert messages[1]["content"] is None
    assert messages[1]["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
    ]
    assert replies[1]["choices"][0]["finish_reason"] == "tool_calls"
    assert messages[2]["refusal"] == "I can't help with that." and messages[2]["content"] is None
    assert messages[3]["content"] == "1 messages"
    assert messages[4]["content"] == "You said: What is the weather?"  # back to the default


async def test_default_answer_reports_a_tool_result(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    messages = [
        *USER,
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c", "content": "22C"},
    ]
    data = await post(http, f"{fake.url}/chat/completions", {"model": "m", "messages": messages})
    assert data["choices"][0]["message"]["content"] == "The tool returned: 22C"


async def test_always_replaces_the_default_and_n_repeats_choices(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.chat.always(lambda req: Answer(text=req["model"].upper()))
    data = await post(
        http, f"{fake.url}/chat/completions", {"model": "abc", "messages": USER, "n": 2}
    )
    assert [c["message"]["content"] for c in data["choices"]] == ["ABC", "ABC"]
    assert [c["index"] for c in data["choices"]] == [0, 1]


async def test_stream_sends_role_deltas_finish_usage_then_done(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.chat.reply("Hello there, friend")
    body = {
        "model": "gpt-4o",
        "messages": USER,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    events = await post_stream(http, f"{fake.url}/chat/completions", body)
    assert events[-1] == (None, "[DONE]")
    chunks = [json.loads(data) for _, data in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    contents = [c["choices"][0]["delta"]["content"] for c in chunks[1:-2]]
    assert len(contents) == 3 and "".join(contents) == "Hello there, friend"
    assert chunks[-2]["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] > 0


async def test_stream_without_usage_has_no_usage_field(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    events = await post_stream(
        http, f"{fake.url}/chat/completions", {"model": "m", "messages": USER, "stream": True}
    )
    chunks = [json.loads(data) for _, data in events[:-1]]
    assert all("usage" not in c for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


async def test_stream_tool_call_arguments_arrive_in_pieces(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.chat.tool_calls(
        ToolCall("lookup", '{"query": "weather in Paris"}', "call_a"), ToolCall("noop")
    )
    events = await post_stream(
        http, f"{fake.url}/chat/completions", {"model": "m", "messages": USER, "stream": True}
    )
    deltas = [json.loads(data)["choices"][0]["delta"] for _, data in events[:-1]]
    calls: dict[int, dict[str, str]] = {}
    for delta in deltas:
        for part in delta.get("tool_calls", []):
            entry = calls.setdefault(part["index"], {"arguments": ""})
            if "id" in part:
                entry.update(id=part["id"], name=part["function"]["name"])
            entry["arguments"] += part["function"]["arguments"]
    assert calls[0] == {
        "id": "call_a",
        "name": "lookup",
        "arguments": '{"query": "weather in Paris"}',
    }
    assert calls[1]["name"] == "noop" and calls[1]["id"].startswith("call_")
    assert sum(1 for d in deltas if "tool_calls" in d) > 3
    assert json.loads(events[-2][1])["choices"][0]["finish_reason"] == "tool_calls"


async def test_stream_refusal_deltas(fake: FakeOpenAI, http: aiohttp.ClientSession) -> None:
    fake.chat.refusal("No can do")
    events = await post_stream(
        http, f"{fake.url}/chat/completions", {"model": "m", "messages": USER, "stream": True}
    )
    deltas = [json.loads(data)["choices"][0]["delta"] for _, data in events[:-2]]
    assert deltas[0]["content"] is None
    assert "".join(d["refusal"] for d in deltas[1:]) == "No can do"


# -- responses --------------------------------------------------------------------------------


async def test_response_object_for_text_input(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    data = await post(
        http,
        f"{fake.url}/responses",
        {"model": "gpt-4.1", "input": "Hi", "instructions": "Be brief"},
    )
    assert data["object"] == "response" and data["id"].startswith("resp_")
    assert data["status"] == "completed" and data["instructions"] == "Be brief"
    [item] = data["output"]
    assert (
        item["type"] == "message" and item["role"] == "assistant" and item["status"] == "completed"
    )
    assert item["content"] == [
        {"type": "output_text", "text": "You said: Hi", "annotations": [], "logprobs": []}
    ]
    assert (
        data["usage"]["total_tokens"]
        == data["usage"]["input_tokens"] + data["usage"]["output_tokens"]
    )
    async with http.get(f"{fake.url}/responses/{data['id']}") as resp:
        assert await resp.json() == data
    async with http.delete(f"{fake.url}/responses/{data['id']}") as resp:
        assert await resp.json() == {
            "id": data["id"],
            "object": "response.deleted",
            "deleted": True,
        }
    async with http.get(f"{fake.url}/responses/{data['id']}") as resp:
        assert resp.status == 404


async def test_response_function_call_and_its_output(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.responses.tool_call("get_weather", '{"city":"Oslo"}', call_id="call_9")
    first = await post(
        http,
        f"{fake.url}/responses",
        {"model": "m", "input": [{"role": "user", "content": "Weather?"}]},
    )
    [call] = first["output"]
    assert {k: call[k] for k in ("type", "call_id", "name", "arguments", "status")} == {
        "type": "function_call",
        "call_id": "call_9",
        "name": "get_weather",
        "arguments": '{"city":"Oslo"}',
        "status": "completed",
    }
    follow = {
        "model": "m",
        "previous_response_id": first["id"],
        "input": [{"type": "function_call_output", "call_id": "call_9", "output": "-3C"}],
    }
    second = await post(http, f"{fake.url}/responses", follow)
    assert second["previous_response_id"] == first["id"]
    assert second["output"][0]["content"][0]["text"] == "The tool returned: -3C"


async def test_response_stream_event_sequence(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.responses.reply("Two words")
    events = await post_stream(
        http, f"{fake.url}/responses", {"model": "m", "input": "x", "stream": True}
    )
    names = [name for name, _ in events]
    assert names == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    payloads = [json.loads(data) for _, data in events]
    assert [p["sequence_number"] for p in payloads] == list(range(len(payloads)))
    assert all(p["type"] == name for p, name in zip(payloads, names, strict=True))
    assert payloads[0]["response"]["status"] == "in_progress"
    assert "".join(p["delta"] for p in payloads[4:6]) == "Two words"
    assert payloads[6]["text"] == "Two words"
    assert payloads[-1]["response"]["status"] == "completed"
    assert payloads[-1]["response"]["output"][0]["content"][0]["text"] == "Two words"


async def test_response_stream_function_call_events(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.responses.tool_call("search", {"q": "a long query string"})
    events = await post_stream(
        http, f"{fake.url}/responses", {"model": "m", "input": "x", "stream": True}
    )
    payloads = [json.loads(data) for _, data in events]
    names = [p["type"] for p in payloads]
    assert names[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert names[-3:] == [
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    deltas = [p["delta"] for p in payloads if p["type"] == "response.function_call_arguments.delta"]
    assert len(deltas) > 1 and "".join(deltas) == '{"q": "a long query string"}'
    assert payloads[2]["item"]["arguments"] == ""
    assert payloads[-3]["name"] == "search"


async def test_scripted_finish_reason_in_object_and_stream(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.chat.reply("cut sho", finish_reason="length")
    fake.chat.reply("cut sho", finish_reason="length")
    body = {"model": "gpt-4o-mini", "messages": USER}
    data = await post(http, f"{fake.url}/chat/completions", body)
    assert data["choices"][0]["finish_reason"] == "length"
    assert data["choices"][0]["message"]["content"] == "cut sho"
    async with http.post(f"{fake.url}/chat/completions", json={**body, "stream": True}) as resp:
        events = parse_sse(await resp.read())
    chunks = [json.loads(data) for _, data in events if data != "[DONE]"]
    assert [c["choices"][0]["finish_reason"] for c in chunks][-1] == "length"


async def test_logprobs_when_asked_for(fake: FakeOpenAI, http: aiohttp.ClientSession) -> None:
    fake.chat.reply("two words")
    fake.chat.reply("two words")
    body = {"model": "gpt-4o-mini", "messages": USER, "logprobs": True, "top_logprobs": 2}
    data = await post(http, f"{fake.url}/chat/completions", body)
    content = data["choices"][0]["logprobs"]["content"]
    assert [entry["token"] for entry in content] == ["two", " words"]
    assert all(len(entry["top_logprobs"]) == 2 for entry in content)
    assert all(entry["logprob"] < 0 for entry in content)
    async with http.post(f"{fake.url}/chat/completions", json={**body, "stream": True}) as resp:
        events = parse_sse(await resp.read())
    chunks = [json.loads(data) for _, data in events if data != "[DONE]"]
    streamed = [
        entry["token"]
        for chunk in chunks
        for choice in chunk["choices"]
        if choice["logprobs"]
        for entry in choice["logprobs"]["content"]
    ]
    assert streamed == ["two", " words"]


async def test_logprobs_scripted_without_the_request_asking(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.chat.reply("hi", logprobs=True)
    data = await post(http, f"{fake.url}/chat/completions", {"model": "m", "messages": USER})
    assert [e["token"] for e in data["choices"][0]["logprobs"]["content"]] == ["hi"]
    assert data["choices"][0]["logprobs"]["content"][0]["top_logprobs"] == []
