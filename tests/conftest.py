"""Fixtures shared by the whole suite: the recording test server, async and threaded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.server import TestServer, ThreadedTestServer


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    srv = await TestServer().start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
def sync_server() -> Iterator[TestServer]:
    threaded = ThreadedTestServer()
    srv = threaded.start()
    try:
        yield srv
    finally:
        threaded.stop()
