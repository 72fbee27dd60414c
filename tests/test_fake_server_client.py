"""The fake server driven through AsyncOpenAI: typed results, streams, retries and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from openai_async import AsyncOpenAI, RateLimitError
from openai_async.testing import FakeOpenAI
from openai_async.types.chat import ChatCompletionMessageParam

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "ping"}]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def client(fake: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=fake.url, api_key="test", _sleep=_no_sleep) as c:
        yield c


async def _no_sleep(_seconds: float) -> None:
    return None


async def test_chat_and_stream_through_the_client(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.chat.reply("pong")
    completion = await client.chat.completions.create(model="gpt-4o", messages=USER)
    assert completion.choices[0].message.content == "pong"
    assert fake.last_request.json()["messages"] == USER
    assert fake.last_request.headers["Authorization"] == "Bearer test"
    stream = await client.chat.completions.create(model="gpt-4o", messages=USER, stream=True)
    pieces = [
        c.choices[0].delta.content async for c in stream if c.choices and c.choices[0].delta.content
    ]
    assert "".join(pieces) == "You said: ping"


async def test_429_is_retried_then_exhausted(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    fake.faults.add("POST /chat/completions", "status", status=429, retry_after_ms=5)
    completion = await client.chat.completions.create(model="gpt-4o", messages=USER)
    assert completion.choices[0].message.content == "You said: ping"
    assert len(fake.requests) == 2
    fake.faults.add("POST /chat/completions", "status", error="insufficient_quota", times=5)
    with pytest.raises(RateLimitError) as caught:
        await client.chat.completions.create(model="gpt-4o", messages=USER)
    assert caught.value.status_code == 429
    assert caught.value.code == "insufficient_quota"
