"""A fake OpenAI API server for tests, examples and the demo (aiohttp, in-memory, loopback).

    async with FakeOpenAI() as fake:
        client = AsyncOpenAI(base_url=fake.url, api_key="test")
        fake.chat.reply("Hi!")
        fake.faults.add("POST /chat/completions", "status", status=429, retry_after_ms=10)

Blocking code: ``with FakeOpenAI() as fake:`` (the server runs in a thread). Pytest fixtures
``fake_openai`` (async) and ``fake_openai_sync`` come with the ``openai_async.testing.pytest_plugin``
plugin. This package is never imported by ``import openai_async``.
"""

from __future__ import annotations

from ._faults import Fault, FaultKind, Faults
from ._script import Answer, Script, ToolCall
from ._server import FakeOpenAI, RateLimits
from ._types import RecordedRequest

__all__ = [
    "Answer",
    "FakeOpenAI",
    "Fault",
    "FaultKind",
    "Faults",
    "RateLimits",
    "RecordedRequest",
    "Script",
    "ToolCall",
]
