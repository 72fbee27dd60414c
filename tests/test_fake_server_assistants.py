"""Assistants, threads, messages and runs on the fake server: polling to completion, the
requires_action tool-call flow, and run event streams."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from openai_async.testing import FakeOpenAI

BETA = {"OpenAI-Beta": "assistants=v2"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(polls=2) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=BETA) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, method: str, url: str, status: int = 200, **kw: Any
) -> Any:
    async with http.request(method, url, **kw) as resp:
        assert resp.status == status, await resp.text()
        return await resp.json()


async def setup(http: aiohttp.ClientSession, fake: FakeOpenAI) -> tuple[str, str]:
    assistant = await call(
        http, "POST", f"{fake.url}/assistants", json={"model": "gpt-4o", "name": "helper"}
    )
    thread = await call(
        http,
        "POST",
        f"{fake.url}/threads",
        json={"messages": [{"role": "user", "content": "Weather in Rome?"}]},
    )
    return assistant["id"], thread["id"]


def events_of(raw: bytes) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for block in raw.decode().split("\n\n"):
        if block:
            name, data = block.split("\n")
            out.append((name.removeprefix("event: "), data.removeprefix("data: ")))
    return out


async def test_beta_header_is_required(fake: FakeOpenAI) -> None:
    async with aiohttp.ClientSession() as plain:
        error = await call(plain, "POST", f"{fake.url}/threads", status=400, json={})
    assert error["error"]["param"] == "OpenAI-Beta"


async def test_run_polls_to_completion_and_adds_the_answer(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    assistant_id, thread_id = await setup(http, fake)
    run = await call(
        http, "POST", f"{fake.url}/threads/{thread_id}/runs", json={"assistant_id": assistant_id}
    )
    assert (run["object"], run["status"], run["model"]) == ("thread.run", "queued", "gpt-4o")
    url = f"{fake.url}/threads/{thread_id}/runs/{run['id']}"
    polled = [await call(http, "GET", url) for _ in range(2)]
    assert [p["status"] for p in polled] == ["in_progress", "completed"]
    assert polled[-1]["usage"]["total_tokens"] > 0
    messages = await call(http, "GET", f"{fake.url}/threads/{thread_id}/messages")
    newest = messages["data"][0]
    assert newest["role"] == "assistant" and newest["run_id"] == run["id"]
    assert newest["content"] == [
        {"type": "text", "text": {"value": "You said: Weather in Rome?", "annotations": []}}
    ]
    steps = await call(http, "GET", f"{url}/steps")
    assert [s["type"] for s in steps["data"]] == ["message_creation"]
    assert steps["data"][0]["step_details"]["message_creation"]["message_id"] == newest["id"]


async def test_requires_action_then_submit_tool_outputs(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.runs.tool_call("get_weather", {"city": "Rome"}, call_id="call_w")
    assistant_id, thread_id = await setup(http, fake)
    run = await call(
        http, "POST", f"{fake.url}/threads/{thread_id}/runs", json={"assistant_id": assistant_id}
    )
    url = f"{fake.url}/threads/{thread_id}/runs/{run['id']}"
    run = [await call(http, "GET", url) for _ in range(2)][-1]
    assert run["status"] == "requires_action"
    assert run["required_action"]["submit_tool_outputs"]["tool_calls"] == [
        {
            "id": "call_w",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'},
        }
    ]
    wrong = await call(
        http,
        "POST",
        f"{url}/submit_tool_outputs",
        status=400,
        json={"tool_outputs": [{"tool_call_id": "x", "output": "1"}]},
    )
    assert wrong["error"]["param"] == "tool_outputs"
    run = await call(
        http,
        "POST",
        f"{url}/submit_tool_outputs",
        json={"tool_outputs": [{"tool_call_id": "call_w", "output": "24C"}]},
    )
    assert run["status"] == "queued" and run["required_action"] is None
    run = [await call(http, "GET", url) for _ in range(2)][-1]
    assert run["status"] == "completed"
    messages = await call(
        http, "GET", f"{fake.url}/threads/{thread_id}/messages?run_id={run['id']}"
    )
    assert messages["data"][0]["content"][0]["text"]["value"] == "The tool returned: 24C"
    steps = (await call(http, "GET", f"{url}/steps?order=asc"))["data"]
    assert [s["type"] for s in steps] == ["tool_calls", "message_creation"]
    assert steps[0]["step_details"]["tool_calls"][0]["function"]["output"] == "24C"


async def test_streamed_run_event_order(fake: FakeOpenAI, http: aiohttp.ClientSession) -> None:
    fake.runs.reply("Sunny and warm")
    assistant_id, thread_id = await setup(http, fake)
    async with http.post(
        f"{fake.url}/threads/{thread_id}/runs", json={"assistant_id": assistant_id, "stream": True}
    ) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        events = events_of(await resp.read())
    names = [name for name, _ in events]
    assert names == [
        "thread.run.created",
        "thread.run.queued",
        "thread.run.in_progress",
        "thread.run.step.created",
        "thread.run.step.in_progress",
        "thread.message.created",
        "thread.message.in_progress",
        "thread.message.delta",
        "thread.message.delta",
        "thread.message.delta",
        "thread.message.completed",
        "thread.run.step.completed",
        "thread.run.completed",
        "done",
    ]
    assert events[-1][1] == "[DONE]"
    deltas = [
        json.loads(data)["delta"]["content"][0]["text"]["value"]
        for name, data in events
        if name == "thread.message.delta"
    ]
    assert "".join(deltas) == "Sunny and warm"
    assert json.loads(events[0][1])["status"] == "queued"
    assert json.loads(events[-2][1])["status"] == "completed"


async def test_streamed_tool_round_trip(fake: FakeOpenAI, http: aiohttp.ClientSession) -> None:
    fake.runs.tool_call("lookup", "{}", call_id="call_l")
    assistant = await call(http, "POST", f"{fake.url}/assistants", json={"model": "gpt-4o"})
    body = {
        "assistant_id": assistant["id"],
        "stream": True,
        "thread": {"messages": [{"role": "user", "content": "hi"}]},
    }
    async with http.post(f"{fake.url}/threads/runs", json=body) as resp:
        events = events_of(await resp.read())
    assert [n for n, _ in events][-3:] == [
        "thread.run.step.delta",
        "thread.run.requires_action",
        "done",
    ]
    run = json.loads(events[-2][1])
    url = f"{fake.url}/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs"
    out = {"tool_outputs": [{"tool_call_id": "call_l", "output": "found"}], "stream": True}
    async with http.post(url, json=out) as resp:
        events = events_of(await resp.read())
    names = [n for n, _ in events]
    assert names[:2] == ["thread.run.queued", "thread.run.in_progress"]
    assert names[-2:] == ["thread.run.completed", "done"]
    final = json.loads(events[-2][1])
    assert final["status"] == "completed"


async def test_cancel_and_not_found(fake: FakeOpenAI, http: aiohttp.ClientSession) -> None:
    assistant_id, thread_id = await setup(http, fake)
    run = await call(
        http, "POST", f"{fake.url}/threads/{thread_id}/runs", json={"assistant_id": assistant_id}
    )
    url = f"{fake.url}/threads/{thread_id}/runs/{run['id']}"
    assert (await call(http, "POST", f"{url}/cancel"))["status"] == "cancelling"
    assert (await call(http, "GET", url))["status"] == "cancelled"
    await call(http, "POST", f"{url}/cancel", status=400)
    missing = await call(
        http,
        "POST",
        f"{fake.url}/threads/{thread_id}/runs",
        status=404,
        json={"assistant_id": "asst_x"},
    )
    assert missing["error"]["param"] == "assistant_id"
    deleted = await call(http, "DELETE", f"{fake.url}/threads/{thread_id}")
    assert deleted == {"id": thread_id, "object": "thread.deleted", "deleted": True}
