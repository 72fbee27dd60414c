"""The tool runner over real sockets: rounds, tool messages sent back, concurrency, errors fed
back to the model, forced tool choice, the round limit, callbacks, streaming, blocking client."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from openai_async import AsyncOpenAI, OpenAI
from openai_async.lib.tool_runner import ToolRoundLimitError
from openai_async.lib.tools import function_tool
from openai_async.testing import Answer, FakeOpenAI, ToolCall
from openai_async.types.chat import ChatCompletionMessageParam

pytest_plugins = ["tests.fake_client"]

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "weather in Paris?"}]


def get_weather(city: str, unit: str = "c") -> dict[str, Any]:
    """Current weather in a city."""
    return {"city": city, "temp": 21, "unit": unit}


async def get_time(zone: str) -> str:
    """Current time in a zone."""
    return f"12:00 in {zone}"


def explode(reason: str) -> str:
    """Always fails."""
    raise RuntimeError(f"broken: {reason}")


def _tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


async def test_runs_tools_and_sends_results_back(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.chat.tool_call("get_weather", {"city": "Paris", "unit": "c"}, call_id="call_1")
    runner = client.chat.completions.run_tools(
        model="gpt-4o", messages=USER, tools=[function_tool(get_weather)]
    )
    assert await runner.final_content() == (
        'The tool returned: {"city":"Paris","temp":21,"unit":"c"}'
    )
    first, second = (r.json() for r in fake.requests_to("POST /chat/completions"))
    assert first["tools"][0]["function"]["name"] == "get_weather"
    assert first["tools"][0]["function"]["strict"] is True
    assert first["messages"] == USER
    assert second["messages"][1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris", "unit": "c"}'},
            }
        ],
    }
    assert _tool_messages(second) == [
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": '{"city":"Paris","temp":21,"unit":"c"}',
        }
    ]
    assert [m["role"] for m in runner.all_messages] == ["user", "assistant", "tool", "assistant"]
    usage = runner.total_usage
    assert usage is not None
    assert usage.total_tokens == sum(c.usage.total_tokens for c in runner.completions if c.usage)
    assert len(runner.completions) == 2
    message = await runner.final_message()
    assert message.content is not None and message.content.startswith("The tool returned")


async def test_calls_of_one_turn_run_concurrently(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    first_started = asyncio.Event()
    second_started = asyncio.Event()

    async def first(label: str) -> str:
        """First."""
        first_started.set()
        await asyncio.wait_for(second_started.wait(), 5)
        return f"first {label}"

    async def second(label: str) -> str:
        """Second."""
        second_started.set()
        await asyncio.wait_for(first_started.wait(), 5)
        return f"second {label}"

    fake.chat.tool_calls(
        ToolCall("first", '{"label": "a"}', "call_a"),
        ToolCall("second", '{"label": "b"}', "call_b"),
    )
    runner = client.chat.completions.run_tools(
        model="gpt-4o", messages=USER, tools=[function_tool(first), function_tool(second)]
    )
    await runner.until_done()
    tool_messages = _tool_messages(fake.last_request.json())
    assert [(m["tool_call_id"], m["content"]) for m in tool_messages] == [
        ("call_a", "first a"),
        ("call_b", "second b"),
    ]


async def test_bad_arguments_and_exceptions_go_back_to_the_model(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake.chat.tool_calls(
        ToolCall("get_weather", '{"city": 42}', "call_bad"),
        ToolCall("explode", '{"reason": "disk"}', "call_boom"),
        ToolCall("missing", "{}", "call_missing"),
    )
    fake.chat.tool_call("get_weather", {"city": "Rome", "unit": "c"}, call_id="call_ok")
    runner = client.chat.completions.run_tools(
        model="gpt-4o", messages=USER, tools=[function_tool(get_weather), function_tool(explode)]
    )
    await runner.until_done()
    requests = [r.json() for r in fake.requests_to("POST /chat/completions")]
    assert len(requests) == 3
    bad, boom, missing = _tool_messages(requests[1])
    assert (
        bad["tool_call_id"] == "call_bad" and "invalid arguments for get_weather" in bad["content"]
    )
    assert "Expected `str`" in bad["content"]
    assert boom["content"] == "Error: RuntimeError: broken: disk"
    assert missing["content"] == "Error: there is no tool named 'missing'."
    assert _tool_messages(requests[2])[-1]["content"] == ('{"city":"Rome","temp":21,"unit":"c"}')
    assert await runner.final_content() == (
        'The tool returned: {"city":"Rome","temp":21,"unit":"c"}'
    )


async def test_forced_tool_choice_returns_after_the_call(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake.chat.tool_call("get_time", {"zone": "UTC"}, call_id="call_t")
    runner = client.chat.completions.run_tools(
        model="gpt-4o",
        messages=USER,
        tools=[function_tool(get_time), function_tool(get_weather)],
        tool_choice={"type": "function", "function": {"name": "get_time"}},
    )
    await runner.until_done()
    assert len(fake.requests_to("POST /chat/completions")) == 1
    assert fake.last_request.json()["tool_choice"] == {
        "type": "function",
        "function": {"name": "get_time"},
    }
    assert runner.all_messages[-1] == {
        "role": "tool",
        "tool_call_id": "call_t",
        "content": "12:00 in UTC",
    }
    assert await runner.final_content() is None


async def test_round_limit_raises(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.chat.always(lambda _body: Answer(tool_calls=[ToolCall("get_time", '{"zone": "X"}')]))
    runner = client.chat.completions.run_tools(
        model="gpt-4o", messages=USER, tools=[function_tool(get_time)], max_rounds=3
    )
    with pytest.raises(ToolRoundLimitError) as caught:
        await runner.final_content()
    assert caught.value.max_rounds == 3
    assert len(fake.requests_to("POST /chat/completions")) == 3
    assert len(_tool_messages({"messages": runner.all_messages})) == 3


async def test_callbacks_see_messages_and_calls(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.chat.tool_call("get_time", {"zone": "CET"}, call_id="call_c")
    messages: list[str] = []
    calls: list[tuple[str, Any]] = []

    async def on_tool_call(call: Any) -> None:
        calls.append((call.function.name, call.function.parsed_arguments.zone))

    runner = client.chat.completions.run_tools(
        model="gpt-4o",
        messages=USER,
        tools=[function_tool(get_time)],
        on_message=lambda m: messages.append(m["role"]),
        on_tool_call=on_tool_call,
    )
    await runner.until_done()
    assert messages == ["assistant", "tool", "assistant"]
    assert calls == [("get_time", "CET")]


async def test_iteration_yields_each_round(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.chat.tool_call("get_time", {"zone": "PST"})
    runner = client.chat.completions.run_tools(
        model="gpt-4o", messages=USER, tools=[function_tool(get_time)]
    )
    rounds = [completion.choices[0].finish_reason async for completion in runner]
    assert rounds == ["tool_calls", "stop"]


async def test_streaming_runner(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.chat.tool_call("get_time", {"zone": "JST"}, call_id="call_s")
    runner = client.chat.completions.run_tools(
        model="gpt-4o", messages=USER, tools=[function_tool(get_time)], stream=True
    )
    events = [event async for event in runner]
    done = [e for e in events if e.type == "tool_calls.function.arguments.done"]
    assert done[0].parsed_arguments.zone == "JST"
    text = [e.snapshot for e in events if e.type == "content.delta"][-1]
    assert text == "The tool returned: 12:00 in JST"
    assert await runner.final_content() == text
    requests = [r.json() for r in fake.requests_to("POST /chat/completions")]
    assert all(body["stream"] is True for body in requests)
    assert _tool_messages(requests[1])[0]["content"] == "12:00 in JST"


async def test_tools_need_a_function() -> None:
    async with AsyncOpenAI(base_url="http://127.0.0.1:9", api_key="k") as client:
        with pytest.raises(TypeError, match="function_tool"):
            client.chat.completions.run_tools(
                model="m",
                messages=USER,
                tools=[{"type": "function"}],  # type: ignore[list-item]
            )


# -- blocking client ---------------------------------------------------------------------------


@pytest.fixture
def sync_pair() -> Iterator[tuple[FakeOpenAI, OpenAI]]:
    with FakeOpenAI() as fake:
        client = OpenAI(base_url=fake.url, api_key="test")
        try:
            yield fake, client
        finally:
            client.close()


def test_blocking_runner_calls_plain_functions_off_the_portal(
    sync_pair: tuple[FakeOpenAI, OpenAI],
) -> None:
    fake, client = sync_pair
    threads: list[str] = []

    def where(place: str) -> str:
        """Where the call ran."""
        threads.append(threading.current_thread().name)
        return f"at {place}"

    def on_message(message: dict[str, Any]) -> None:
        # runs in a worker thread, so the blocking client may be used here
        if message["role"] == "tool":
            client.models.list()

    fake.chat.tool_call("where", {"place": "home"}, call_id="call_w")
    runner = client.chat.completions.run_tools(
        model="gpt-4o", messages=USER, tools=[function_tool(where)], on_message=on_message
    )
    assert runner.final_content() == "The tool returned: at home"
    assert threads and threads[0] != "openai_async-portal"
    assert len(fake.requests_to("GET /models")) == 1
    body = fake.requests_to("POST /chat/completions")[-1].json()
    assert json.dumps(_tool_messages(body)) == json.dumps(
        [{"role": "tool", "tool_call_id": "call_w", "content": "at home"}]
    )
    assert [m["role"] for m in runner.all_messages] == ["user", "assistant", "tool", "assistant"]


def test_blocking_streaming_runner(sync_pair: tuple[FakeOpenAI, OpenAI]) -> None:
    fake, client = sync_pair
    fake.chat.tool_call("get_weather", {"city": "Oslo", "unit": "c"})
    runner = client.chat.completions.run_tools(
        model="gpt-4o", messages=USER, tools=[function_tool(get_weather)], stream=True
    )
    types = [event.type for event in runner]
    assert types.count("tool_calls.function.arguments.done") == 1
    assert types.count("content.done") == 1
    assert runner.final_content() == 'The tool returned: {"city":"Oslo","temp":21,"unit":"c"}'
    assert runner.total_usage is None  # streams without include_usage carry none
