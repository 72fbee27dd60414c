"""``python -m openai_async demo``: a short tour of the client.

Without ``OPENAI_API_KEY`` it starts the built-in fake server (``openai_async.testing``) and
runs every step against it; with a key it runs the same steps against the real API (steps that
need scripted server behaviour, such as the forced 429, are skipped there).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from openai_async import AsyncOpenAI, OpenAI

from ._server import FakeOpenAI

__all__ = ["HELP", "configure", "run"]

HELP = "tour the client (uses a built-in fake server without a key)"

CHAT_MODEL = "gpt-4o-mini"
EMBEDDING_MODEL = "text-embedding-3-small"


@dataclass
class Demo:
    """What every step needs: where to send requests, and the fake when there is one."""

    base_url: str | None
    api_key: str
    fake: FakeOpenAI | None

    def client(self) -> AsyncOpenAI:
        return AsyncOpenAI(base_url=self.base_url, api_key=self.api_key)


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(number: int, title: str) -> None:
    say()
    say(f"{number}. {title}")


async def chat_step(demo: Demo, client: AsyncOpenAI) -> None:
    completion = await client.chat.completions.create(
        model=CHAT_MODEL, messages=[{"role": "user", "content": "Say hello in five words."}]
    )
    say(f"   assistant: {completion.choices[0].message.content}")
    say(f"   request id: {getattr(completion, '_request_id', None)}")


async def stream_step(demo: Demo, client: AsyncOpenAI) -> None:
    if demo.fake is not None:
        demo.fake.chat.reply("Streams arrive token by token, as the model writes them.")
    stream = await client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "Describe streaming in one sentence."}],
        stream=True,
    )
    print("   assistant: ", end="", flush=True)
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            print(chunk.choices[0].delta.content, end="", flush=True)
    say()


def get_time(city: str) -> str:
    """The local time in ``city`` (the demo's tool; it always says noon)."""
    say(f"   tool called: get_time(city={city!r}) -> 12:00")
    return "12:00"


async def tool_step(demo: Demo, client: AsyncOpenAI) -> None:
    """The tool runner: the model asks for a tool, the runner calls it and sends the result."""
    from openai_async.lib.tools import function_tool

    if demo.fake is not None:
        demo.fake.chat.tool_call("get_time", {"city": "Paris"})

    def show_call(call: Any) -> None:
        say(f"   model asked for: {call.function.name}({call.function.arguments})")

    runner = client.chat.completions.run_tools(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "What time is it in Paris?"}],
        tools=[function_tool(get_time)],
        on_tool_call=show_call,
    )
    say(f"   assistant: {await runner.final_content()}")


async def embeddings_step(demo: Demo, client: AsyncOpenAI) -> None:
    result = await client.embeddings.create(model=EMBEDDING_MODEL, input="a sentence to embed")
    vector = result.data[0].embedding
    head = ", ".join(f"{v:.4f}" for v in vector[:3])
    say(f"   {len(vector)} dimensions: [{head}, ...]")


async def pagination_step(demo: Demo, client: AsyncOpenAI) -> None:
    if demo.fake is not None:
        for index in range(5):
            await client.files.create(
                file=(f"notes-{index}.txt", b"some notes"), purpose="assistants"
            )
    names = [f.filename async for f in client.files.list(limit=2)]
    pages = len(demo.fake.requests_to("GET /files")) if demo.fake is not None else None
    say(f"   {len(names)} files: {', '.join(names[:8])}")
    if pages is not None:
        say(f"   fetched in {pages} pages of up to 2")


async def retry_step(demo: Demo, client: AsyncOpenAI) -> None:
    if demo.fake is None:
        say("   skipped: a forced 429 needs the fake server")
        return
    demo.fake.faults.add("POST /chat/completions", "status", status=429, retry_after_ms=50)
    log = logging.getLogger("openai_async")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("   log: %(message)s"))
    log.addHandler(handler)
    level = log.level
    log.setLevel(logging.INFO)
    try:
        completion = await client.chat.completions.create(
            model=CHAT_MODEL, messages=[{"role": "user", "content": "Try again, please."}]
        )
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    say(f"   after the retry: {completion.choices[0].message.content}")


Step = Callable[[Demo, AsyncOpenAI], Awaitable[None]]

BEFORE_BLOCKING: list[tuple[str, Step]] = [
    ("A chat completion", chat_step),
    ("A streamed answer, token by token", stream_step),
]
AFTER_BLOCKING: list[tuple[str, Step]] = [
    ("The tool runner: a model-requested function call", tool_step),
    ("Embeddings", embeddings_step),
    ("Auto-pagination over files", pagination_step),
    ("A 429 answered with retry-after-ms, retried by the client", retry_step),
]


async def run_async_steps(demo: Demo, steps: list[tuple[str, Step]], first: int) -> None:
    async with demo.client() as client:
        for offset, (title, step) in enumerate(steps):
            heading(first + offset, title)
            await step(demo, client)


def blocking_step(demo: Demo, number: int) -> None:
    heading(number, "The blocking client (no async in the caller)")
    with OpenAI(base_url=demo.base_url, api_key=demo.api_key) as client:
        completion = client.chat.completions.create(
            model=CHAT_MODEL, messages=[{"role": "user", "content": "Hello from blocking code"}]
        )
    say(f"   assistant: {completion.choices[0].message.content}")


def tour(demo: Demo) -> None:
    asyncio.run(run_async_steps(demo, BEFORE_BLOCKING, 1))
    blocking_step(demo, len(BEFORE_BLOCKING) + 1)
    asyncio.run(run_async_steps(demo, AFTER_BLOCKING, len(BEFORE_BLOCKING) + 2))
    say()
    say("Done.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--delay",
        type=float,
        default=0.03,
        help="seconds between streamed tokens from the fake server (default 0.03)",
    )


def run(args: argparse.Namespace) -> int:
    api_key = os.environ.get("OPENAI_API_KEY")
    if api_key:
        say("OPENAI_API_KEY is set: running the demo against the real OpenAI API.")
        tour(Demo(base_url=os.environ.get("OPENAI_BASE_URL"), api_key=api_key, fake=None))
        return 0
    say("No OPENAI_API_KEY: using the built-in fake server (openai_async.testing.FakeOpenAI).")
    with FakeOpenAI(event_delay=float(args.delay)) as fake:
        say(f"Fake server at {fake.url}")
        tour(Demo(base_url=fake.url, api_key="fake-key", fake=fake))
    return 0
