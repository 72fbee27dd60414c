"""Pytest fixtures for the fake OpenAI server.

Registered through the ``pytest11`` entry point, so installing openai_async is enough:

- ``fake_openai``: a started ``FakeOpenAI`` on the test's event loop (async tests).
- ``fake_openai_sync``: a started ``FakeOpenAI`` running in its own thread (blocking tests).

Without the entry point, enable it with ``-p openai_async.testing.pytest_plugin``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar, cast

import pytest

from ._server import FakeOpenAI

_F = TypeVar("_F", bound=Callable[..., Any])


def _async_fixture(fn: _F) -> _F:
    """pytest-asyncio's fixture decorator when installed (it works in its strict mode too)."""
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - e.g. anyio's plugin runs plain async fixtures
        return cast(_F, pytest.fixture(fn))
    return cast(_F, pytest_asyncio.fixture(fn))


__all__ = ["fake_openai", "fake_openai_sync"]


@_async_fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    """A fake OpenAI server on the running event loop; ``fake_openai.url`` is the base URL."""
    async with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def fake_openai_sync() -> Iterator[FakeOpenAI]:
    """A fake OpenAI server in a background thread, for blocking clients."""
    with FakeOpenAI() as fake:
        yield fake
