"""Assistants and Threads calls carry the ``OpenAI-Beta: assistants=v2`` header by themselves."""

from __future__ import annotations

import pytest

from openai_async import AsyncOpenAI, OpenAI
from tests.server import TestServer

THREAD = {"id": "thread_1", "object": "thread", "created_at": 1, "metadata": {}}
PAGE = {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}


async def test_async_calls_send_the_beta_header(server: TestServer) -> None:
    server.json(THREAD)
    server.json(PAGE)
    server.json(PAGE)
    async with AsyncOpenAI(api_key="k", base_url=server.url) as client:
        thread = await client.beta.threads.create()
        await client.beta.threads.messages.list("thread_1")
        with pytest.warns(DeprecationWarning):
            await client.beta.assistants.list(extra_headers={"OpenAI-Beta": "assistants=v3"})
    assert thread.id == "thread_1"
    assert [r.path for r in server.requests] == [
        "/threads",
        "/threads/thread_1/messages",
        "/assistants",
    ]
    beta = [r.headers.getall("OpenAI-Beta") for r in server.requests]
    assert beta == [["assistants=v2"], ["assistants=v2"], ["assistants=v3"]]


def test_blocking_calls_send_the_beta_header(sync_server: TestServer) -> None:
    sync_server.json(THREAD)
    with OpenAI(api_key="k", base_url=sync_server.url) as client:
        assert client.beta.threads.retrieve("thread_1").id == "thread_1"
    assert sync_server.last.path == "/threads/thread_1"
    assert sync_server.last.headers["OpenAI-Beta"] == "assistants=v2"
