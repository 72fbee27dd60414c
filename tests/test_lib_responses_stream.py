"""``client.responses.stream(...)``: the API's events in order, text and argument snapshots,
the final response with ``output_text``, errors, closing; async and blocking."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from openai_async import APIError, AsyncOpenAI, OpenAI
from openai_async.lib.tools import function_tool
from openai_async.testing import FakeOpenAI
from tests.sync_helpers import acquired as sync_acquired

pytest_plugins = ["tests.fake_client"]


class Answer(msgspec.Struct):
    value: int


def lookup(key: str) -> str:
    """Look a key up."""
    return key


def acquired(client: AsyncOpenAI) -> int:
    session = client._store.current()  # pyright: ignore[reportPrivateUsage]
    assert session is not None and session.connector is not None
    return len(session.connector._acquired)  # pyright: ignore[reportPrivateUsage]


async def test_text_events_snapshots_and_final_response(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake.responses.reply("Bonjour tout le monde")
    texts: list[tuple[str, str]] = []
    async with client.responses.stream(model="gpt-4o", input="greet") as stream:
        stream.on("content", lambda delta, snapshot: texts.append((delta, snapshot)))
        events = [event async for event in stream]
        final = await stream.get_final_response()
    body = fake.last_request.json()
    assert body["stream"] is True and body["input"] == "greet"
    types = [event.type for event in events]
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert types[-3:] == [
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    snapshots = [e.snapshot for e in events if e.type == "response.output_text.delta"]
    assert snapshots == ["Bonjour", "Bonjour tout", "Bonjour tout le", "Bonjour tout le monde"]
    assert texts[-1] == (" monde", "Bonjour tout le monde")
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert final.output_text == "Bonjour tout le monde"
    assert final.status == "completed" and final.id.startswith("resp_")
    assert stream.current_response_snapshot is not None
    assert acquired(client) == 0


async def test_function_argument_snapshots_and_parsed_arguments(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake.responses.tool_call("lookup", {"key": "a-rather-long-key-value"})
    async with client.responses.stream(
        model="gpt-4o", input="find", tools=[function_tool(lookup)]
    ) as stream:
        events = [event async for event in stream]
        final = await stream.get_final_response()
    sent = fake.last_request.json()["tools"]
    assert sent[0]["name"] == "lookup" and sent[0]["strict"] is True
    deltas = [e for e in events if e.type == "response.function_call_arguments.delta"]
    assert len(deltas) > 1
    assert deltas[-1].snapshot == '{"key": "a-rather-long-key-value"}'
    assert "".join(e.delta for e in deltas) == deltas[-1].snapshot
    item: Any = final.output[0]
    assert item.name == "lookup" and item.parsed_arguments.key == "a-rather-long-key-value"
    assert final.output_text == ""


async def test_text_format_parses_the_done_text(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.responses.reply('{"value": 42}')
    async with client.responses.stream(
        model="gpt-4o", input="number", text_format=Answer
    ) as stream:
        done = [e async for e in stream if e.type == "response.output_text.done"]
        final = await stream.get_final_response()
    assert done[0].parsed == Answer(value=42)
    assert final.output_parsed == Answer(value=42)
    assert fake.last_request.json()["text"]["format"]["name"] == "Answer"


async def test_error_event_raises_after_the_events_before_it(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake.faults.add("POST /responses", "error_event", at=4)
    seen: list[str] = []
    async with client.responses.stream(model="gpt-4o", input="hi") as stream:
        with pytest.raises(APIError, match="error while streaming"):
            async for event in stream:
                seen.append(event.type)
        with pytest.raises(RuntimeError, match="final response"):
            stream.state.final_response()
    assert len(seen) == 4 and seen[0] == "response.created"
    assert acquired(client) == 0


async def test_leaving_early_drops_the_connection(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.responses.reply(" ".join(f"w{i}" for i in range(300)))
    async with client.responses.stream(model="gpt-4o", input="long") as stream:
        async for event in stream:
            if event.type == "response.output_text.delta":
                break
    assert stream.closed and acquired(client) == 0


def test_blocking_stream() -> None:
    with FakeOpenAI() as fake:
        client = OpenAI(base_url=fake.url, api_key="test")
        try:
            fake.responses.reply("hello sync world")
            with client.responses.stream(model="gpt-4o", input="x") as stream:
                snapshots = [e.snapshot for e in stream if e.type == "response.output_text.delta"]
                final = stream.get_final_response()
            assert snapshots == ["hello", "hello sync", "hello sync world"]
            assert final.output_text == "hello sync world"
            fake.responses.reply(" ".join(f"w{i}" for i in range(300)))
            with client.responses.stream(model="gpt-4o", input="y") as stream:
                for event in stream:
                    if event.type == "response.output_text.delta":
                        break
            assert sync_acquired(client) == 0
        finally:
            client.close()
