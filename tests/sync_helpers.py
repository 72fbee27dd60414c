"""Helpers of the blocking-client tests: look at the async side from the test thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from openai_async import OpenAI


@contextmanager
def blocking_client(base_url: str, api_key: str) -> Iterator[OpenAI]:
    """A blocking client without retries that must leave no thread behind once closed."""
    baseline = threading.active_count()
    with OpenAI(api_key=api_key, base_url=base_url, max_retries=0) as client:
        yield client
    assert threading.active_count() == baseline


async def _acquired(client: OpenAI) -> int:
    session = client._async_client._store.current()
    if session is None or session.connector is None:
        return 0
    return len(session.connector._acquired)  # pyright: ignore[reportPrivateUsage]


def acquired(client: OpenAI) -> int:
    """Connections the client's pool has handed out and not got back (on its portal loop)."""
    return client._portal.run(_acquired, client)


def sse_events(*payloads: bytes, done: bool = True) -> bytes:
    """One body of ``data:`` events, ending with ``[DONE]`` unless ``done`` is false."""
    body = b"".join(b"data: " + payload + b"\n\n" for payload in payloads)
    return body + (b"data: [DONE]\n\n" if done else b"")
