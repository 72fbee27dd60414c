"""``client.chat.completions.stream(...)``: typed events, snapshots, final completion, callbacks,
closing; async and blocking, over real sockets against the fake server (and the recording test
server for chunk shapes the fake does not produce: logprobs, a length cut)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from openai_async import AsyncOpenAI, OpenAI
from openai_async.lib.parsing import LengthFinishReasonError
from openai_async.lib.tools import function_tool
from openai_async.testing import FakeOpenAI, ToolCall
from openai_async.types.chat import ChatCompletionMessageParam
from tests.server import TestServer
from tests.sync_helpers import acquired as sync_acquired

pytest_plugins = ["tests.fake_client"]

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "ping"}]


class City(msgspec.Struct):
    name: str
    population: int


def get_weather(city: str, unit: str = "c") -> str:
    """Current weather in a city."""
    return f"sunny in {city}"


def acquired(client: AsyncOpenAI) -> int:
    session = client._store.current()  # pyright: ignore[reportPrivateUsage]
    assert session is not None and session.connector is not None
    return len(session.connector._acquired)  # pyright: ignore[reportPrivateUsage]


async def test_content_events_carry_snapshots_and_the_final_completion(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake.chat.reply("Hello there friend")
    async with client.chat.completions.stream(
        model="gpt-4o", messages=USER, stream_options={"include_usage": True}
    ) as stream:
        events = [event async for event in stream]
        completion = await stream.get_final_completion()
    body = fake.last_request.json()
    assert body["stream"] is True and body["messages"] == USER
    assert body["stream_options"] == {"include_usage": True}
    deltas = [e for e in events if e.type == "content.delta"]
    assert [e.delta for e in deltas] == ["Hello", " there", " friend"]
    assert [e.snapshot for e in deltas] == ["Hello", "Hello there", "Hello there friend"]
    done = [e for e in events if e.type == "content.done"]
    assert len(done) == 1 and done[0].content == "Hello there friend"
    assert events[0].type == "chunk" and events[-1].type == "chunk"
    # the last chunk is the usage-only one, with no choices
    assert events[-1].chunk.choices == [] and events[-1].chunk.usage is not None
    message = completion.choices[0].message
    assert message.content == "Hello there friend" and message.role == "assistant"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.object == "chat.completion"
    assert completion.usage is not None and completion.usage.total_tokens > 0
    assert acquired(client) == 0


async def test_tool_call_argument_events_and_parsed_arguments(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake.chat.tool_calls(
        ToolCall("get_weather", json.dumps({"city": "Paris", "unit": "f"})),
        ToolCall("get_weather", json.dumps({"city": "Oslo", "unit": "c"})),
    )
    tool = function_tool(get_weather)
    async with client.chat.completions.stream(
        model="gpt-4o", messages=USER, tools=[tool]
    ) as stream:
        events = [event async for event in stream]
        completion = await stream.get_final_completion()
    sent = fake.last_request.json()["tools"][0]
    assert sent["type"] == "function" and sent["function"]["strict"] is True
    assert sent["function"]["parameters"]["required"] == ["city", "unit"]
    deltas = [e for e in events if e.type == "tool_calls.function.arguments.delta"]
    assert deltas[0].index == 0 and deltas[-1].index == 1
    first = [e for e in deltas if e.index == 0]
    assert first[-1].arguments == '{"city": "Paris", "unit": "f"}'
    assert "".join(e.arguments_delta for e in first) == first[-1].arguments
    done = [e for e in events if e.type == "tool_calls.function.arguments.done"]
    assert [(e.index, e.parsed_arguments.city) for e in done] == [(0, "Paris"), (1, "Oslo")]
    calls = completion.choices[0].message.tool_calls or []
    assert len(calls) == 2 and all(call.id.startswith("call_") for call in calls)
    assert calls[1].function.parsed_arguments.unit == "c"  # type: ignore[union-attr]  # pyright: ignore[reportAttributeAccessIssue]
    assert completion.choices[0].finish_reason == "tool_calls"


async def test_refusal_events(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.chat.refusal("I cannot help")
    async with client.chat.completions.stream(model="gpt-4o", messages=USER) as stream:
        events = [event async for event in stream]
    snapshots = [e.snapshot for e in events if e.type == "refusal.delta"]
    assert snapshots == ["I", "I cannot", "I cannot help"]
    assert [e.refusal for e in events if e.type == "refusal.done"] == ["I cannot help"]
    assert not [e for e in events if e.type == "content.done"]


async def test_response_format_type_parses_the_content(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake.chat.reply('{"name": "Lyon", "population": 520000}')
    async with client.chat.completions.stream(
        model="gpt-4o", messages=USER, response_format=City
    ) as stream:
        done = [e async for e in stream if e.type == "content.done"]
        completion = await stream.get_final_completion()
    assert done[0].parsed == City(name="Lyon", population=520000)
    assert completion.choices[0].message.parsed == City(name="Lyon", population=520000)
    schema = fake.last_request.json()["response_format"]["json_schema"]
    assert schema["name"] == "City" and schema["strict"] is True


async def test_callbacks_until_done_and_end(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.chat.reply("one two")
    seen: list[tuple[str, str]] = []
    types: list[str] = []
    ended: list[bool] = []

    async def on_done(event: Any) -> None:
        types.append(event.type)

    async with client.chat.completions.stream(model="gpt-4o", messages=USER) as stream:
        stream.on("content", lambda delta, snapshot: seen.append((delta, snapshot)))
        stream.on("content.done", on_done).on("end", lambda: ended.append(True))
        await stream.until_done()
    assert seen == [("one", "one"), (" two", "one two")]
    assert types == ["content.done"] and ended == [True]


async def test_breaking_out_drops_the_connection(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.chat.reply(" ".join(f"word{i}" for i in range(200)))
    async with client.chat.completions.stream(model="gpt-4o", messages=USER) as stream:
        async for event in stream:
            if event.type == "content.delta":
                break
        assert acquired(client) == 1
    assert stream.closed and acquired(client) == 0
    fake.chat.reply("after")
    completion = await client.chat.completions.create(model="gpt-4o", messages=USER)
    assert completion.choices[0].message.content == "after"


async def test_http_error_raises_on_enter(fake: FakeOpenAI) -> None:
    from openai_async import BadRequestError

    async with AsyncOpenAI(base_url=fake.url, api_key="test", max_retries=0) as client:
        fake.faults.add("POST /chat/completions", "status", status=400)
        with pytest.raises(BadRequestError):
            async with client.chat.completions.stream(model="gpt-4o", messages=USER):
                pytest.fail("the block must not run")


def _chunk(choice: dict[str, Any]) -> bytes:
    payload = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [choice],
    }
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def _token(text: str) -> dict[str, Any]:
    return {"token": text, "logprob": -0.5, "bytes": None, "top_logprobs": []}


async def test_logprobs_events(server: TestServer) -> None:
    server.sse(
        [
            _chunk(
                {
                    "index": 0,
                    "delta": {"role": "assistant", "content": "Hi"},
                    "logprobs": {"content": [_token("Hi")], "refusal": None},
                    "finish_reason": None,
                }
            ),
            _chunk(
                {
                    "index": 0,
                    "delta": {"content": " you"},
                    "logprobs": {"content": [_token(" you")], "refusal": None},
                    "finish_reason": "stop",
                }
            ),
            b"data: [DONE]\n\n",
        ]
    )
    async with (
        AsyncOpenAI(base_url=server.url, api_key="k") as client,
        client.chat.completions.stream(model="m", messages=USER, logprobs=True) as stream,
    ):
        events = [e async for e in stream]
        completion = await stream.get_final_completion()
    assert server.last.json()["logprobs"] is True
    deltas = [e for e in events if e.type == "logprobs.content.delta"]
    assert [[t.token for t in e.snapshot] for e in deltas] == [["Hi"], ["Hi", " you"]]
    done = [e for e in events if e.type == "logprobs.content.done"]
    assert [t.token for t in done[0].content] == ["Hi", " you"]
    logprobs = completion.choices[0].logprobs
    assert logprobs is not None and [t.token for t in logprobs.content or []] == ["Hi", " you"]


async def test_length_cut_with_a_response_format_raises(server: TestServer) -> None:
    server.sse(
        [
            _chunk(
                {
                    "index": 0,
                    "delta": {"role": "assistant", "content": '{"name": "Ly'},
                    "finish_reason": "length",
                }
            ),
            b"data: [DONE]\n\n",
        ]
    )
    async with (
        AsyncOpenAI(base_url=server.url, api_key="k") as client,
        client.chat.completions.stream(model="m", messages=USER, response_format=City) as stream,
    ):
        with pytest.raises(LengthFinishReasonError):
            await stream.until_done()


# -- blocking client ---------------------------------------------------------------------------


@pytest.fixture
def sync_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def sync_client(sync_fake: FakeOpenAI) -> Iterator[OpenAI]:
    client = OpenAI(base_url=sync_fake.url, api_key="test")
    try:
        yield client
    finally:
        client.close()


def test_blocking_stream_events_callbacks_and_final(
    sync_fake: FakeOpenAI, sync_client: OpenAI
) -> None:
    sync_fake.chat.reply("alpha beta")
    seen: list[str] = []
    with sync_client.chat.completions.stream(model="gpt-4o", messages=USER) as stream:
        stream.on("content", lambda delta, snapshot: seen.append(snapshot))
        types = [event.type for event in stream]
        completion = stream.get_final_completion()
    assert types.count("content.delta") == 2 and types.count("content.done") == 1
    assert seen == ["alpha", "alpha beta"]
    assert completion.choices[0].message.content == "alpha beta"
    assert sync_fake.last_request.json()["stream"] is True
    assert sync_acquired(sync_client) == 0


def test_blocking_break_drops_the_connection(sync_fake: FakeOpenAI, sync_client: OpenAI) -> None:
    sync_fake.chat.reply(" ".join(f"w{i}" for i in range(300)))
    with sync_client.chat.completions.stream(model="gpt-4o", messages=USER) as stream:
        for event in stream:
            if event.type == "content.delta":
                break
    assert sync_acquired(sync_client) == 0
    sync_fake.chat.reply("next")
    completion = sync_client.chat.completions.create(model="gpt-4o", messages=USER)
    assert completion.choices[0].message.content == "next"


def test_blocking_listener_returning_an_awaitable_is_refused(
    sync_fake: FakeOpenAI, sync_client: OpenAI
) -> None:
    async def listener(event: Any) -> None:
        return None

    with sync_client.chat.completions.stream(model="gpt-4o", messages=USER) as stream:
        stream.on("chunk", listener)
        with pytest.raises(TypeError, match="awaitable"):
            stream.until_done()
