# pyright: reportUnnecessaryTypeIgnoreComment=true
"""Static types of the keywords that ``stream()``, ``parse()`` and ``run_tools()`` pass on.

The ``_check_*`` functions are never run: pyright reads them. Each ``pyright: ignore`` marks a
call that must be rejected; with ``reportUnnecessaryTypeIgnoreComment`` on, a call that pyright
accepts makes its comment unnecessary, which is an error. ``test_pyright_checks_helper_keywords``
runs pyright on this file.
"""

from __future__ import annotations

from openai_async import AsyncOpenAI, OpenAI, function_tool
from openai_async.types.chat import ChatCompletionMessageParam
from tests.typing._pyright import assert_pyright_passes


def _lookup(city: str) -> str:
    return city


async def _check_async(client: AsyncOpenAI) -> None:
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
    async with client.chat.completions.stream(
        model="m", messages=messages, temperature=0.2, max_completion_tokens=10
    ):
        pass
    client.chat.completions.stream(model="m", messages=messages, temperature="hot")  # pyright: ignore[reportArgumentType]
    client.chat.completions.stream(model="m", messages=messages, temprature=0.2)  # pyright: ignore[reportCallIssue]
    await client.chat.completions.parse(model="m", messages=messages, seed=1, timeout=5.0)
    await client.chat.completions.parse(model="m", messages=messages, seed="one")  # pyright: ignore[reportArgumentType]
    tools = [function_tool(_lookup)]
    client.chat.completions.run_tools(
        model="m", messages=messages, tools=tools, response_format={"type": "json_object"}
    )
    client.chat.completions.run_tools(model="m", messages=messages, tools=tools, n="2")  # pyright: ignore[reportArgumentType]
    client.responses.stream(model="gpt-4o", input="hi", max_output_tokens=16)
    client.responses.stream(model="gpt-4o", input="hi", max_output_tokens="16")  # pyright: ignore[reportArgumentType]
    await client.responses.parse(model="gpt-4o", input="hi", extra_headers={"X-A": "1"})


def _check_sync(client: OpenAI) -> None:
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
    with client.chat.completions.stream(model="m", messages=messages, top_p=0.5):
        pass
    client.chat.completions.stream(model="m", messages=messages, top_p=[0.5])  # pyright: ignore[reportArgumentType]
    client.chat.completions.parse(model="m", messages=messages, user="u1")
    client.chat.completions.parse(model="m", messages=messages, usr="u1")  # pyright: ignore[reportCallIssue]
    client.responses.parse(model="gpt-4o", input="hi", store=False)
    client.responses.parse(model="gpt-4o", input="hi", store="no")  # pyright: ignore[reportArgumentType]


def test_pyright_checks_helper_keywords() -> None:
    assert_pyright_passes(__file__)
