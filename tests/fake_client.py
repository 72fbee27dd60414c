"""Fixtures of the helper tests that talk to the fake server: ``fake`` (a ``FakeOpenAI``) and
``client`` (an ``AsyncOpenAI`` pointed at it). A test module takes them with
``pytest_plugins = ["tests.fake_client"]``; nothing else should import this module (pytest
rewrites the asserts of a plugin only when it is imported as one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from openai_async import AsyncOpenAI
from openai_async.testing import FakeOpenAI


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def client(fake: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=fake.url, api_key="test") as c:
        yield c
