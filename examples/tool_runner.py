"""Let the model call your Python functions until it has an answer (the tool runner).

``function_tool(fn)`` turns a typed function into a strict tool: its JSON schema comes from the
signature, and the model's arguments are parsed into those types before the call.
``run_tools`` asks the model, runs the functions it calls (concurrently when it calls several),
sends the results back, and repeats until the model answers in text.

Run it with ``python examples/tool_runner.py``; it reads ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL``, and without a key it starts the built-in fake server, scripted to call
the tool once.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from openai_async import AsyncOpenAI
from openai_async.lib.tools import function_tool

MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
FORECASTS = {"oslo": "light snow, -3 C", "lisbon": "sunny, 19 C"}


async def get_weather(city: str) -> str:
    """Today's weather in a city."""
    return FORECASTS.get(city.lower(), "no forecast for that city")


def show_call(call: Any) -> None:
    print(f"tool call: {call.function.name}({call.function.arguments})")


async def main() -> None:
    async with AsyncOpenAI() as client:
        runner = client.chat.completions.run_tools(
            model=MODEL,
            messages=[{"role": "user", "content": "What should I wear in Oslo today?"}],
            tools=[function_tool(get_weather)],
            on_tool_call=show_call,
        )
        answer = await runner.final_content()
        print("answer:", answer)
        print("requests:", len(runner.completions))


if __name__ == "__main__":
    if os.environ.get("OPENAI_API_KEY"):
        asyncio.run(main())
    else:
        from openai_async.testing import FakeOpenAI

        with FakeOpenAI() as fake:
            fake.chat.tool_call("get_weather", {"city": "Oslo"})
            os.environ.update(OPENAI_BASE_URL=fake.url, OPENAI_API_KEY="fake-key")
            print("No OPENAI_API_KEY: using the built-in fake server, scripted to call the tool.")
            asyncio.run(main())
