"""Blocking ``Stream[T]``: iteration, batching across the portal, early exit, errors."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator

import pytest

from openai_async import APIError, OpenAI
from openai_async._streaming import AsyncStream
from openai_async._sync._streaming import Stream
from openai_async.types.chat.chat_completion_chunk import ChatCompletionChunk
from tests.server import TestServer
from tests.sync_helpers import acquired, blocking_client, sse_events

KEY = "sk-stream-test"


@pytest.fixture
def client(sync_server: TestServer) -> Iterator[OpenAI]:
    with blocking_client(sync_server.url, KEY) as client:
        yield client


def open_stream(client: OpenAI) -> Stream[object]:
    stream: Stream[object] = client.post(
        "/chat/completions",
        body={"model": "m", "stream": True},
        stream=True,
        stream_type=object,
    )
    return stream


def chunk(n: int) -> bytes:
    return json.dumps({"n": n}).encode()


def completion_chunk(text: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-test",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
        }
    ).encode()


class CountingStream:
    """Forwards to a real ``AsyncStream`` and counts portal hops (``next_batch`` awaits)."""

    def __init__(self, inner: AsyncStream[object]) -> None:
        self.inner = inner
        self.hops = 0

    @property
    def closed(self) -> bool:
        return self.inner.closed

    async def next_batch(self) -> list[object]:
        self.hops += 1
        return await self.inner.next_batch()

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_for_loop_yields_every_event_then_returns_the_connection(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.sse([sse_events(chunk(1), chunk(2), done=False), sse_events(chunk(3))])
    stream = open_stream(client)
    assert isinstance(stream, Stream)
    assert [event for event in stream] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert sync_server.last.method == "POST"
    assert sync_server.last.path == "/chat/completions"
    assert sync_server.last.json() == {"model": "m", "stream": True}
    assert sync_server.last.headers["Authorization"] == f"Bearer {KEY}"
    assert stream._async.closed
    assert acquired(client) == 0


def test_stream_read_to_the_end_pools_its_connection(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.sse([sse_events(chunk(1))])
    sync_server.sse([sse_events(chunk(2))])
    assert list(open_stream(client)) == [{"n": 1}]
    assert list(open_stream(client)) == [{"n": 2}]
    assert sync_server.accepts == 1


def test_events_cross_the_portal_in_batches(sync_server: TestServer, client: OpenAI) -> None:
    count = 300
    sync_server.sse([sse_events(*(chunk(i) for i in range(count)))])
    stream = open_stream(client)
    counting = CountingStream(stream._async)
    stream._async = counting  # type: ignore[assignment]
    assert list(stream) == [{"n": i} for i in range(count)]
    # One hop per batch, plus the one that finds the end; far fewer than one per event.
    assert counting.hops <= count // 10
    assert acquired(client) == 0


def test_next_serves_the_buffered_batch_one_event_at_a_time(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.sse([sse_events(chunk(1), chunk(2), chunk(3))])
    stream = open_stream(client)
    assert next(stream) == {"n": 1}
    assert next(stream) == {"n": 2}
    # A for loop continues from where next() stopped.
    assert list(stream) == [{"n": 3}]
    with pytest.raises(StopIteration):
        next(stream)


def test_break_releases_the_connection(sync_server: TestServer, client: OpenAI) -> None:
    # The server keeps the stream open after the first events: only a close ends it.
    sync_server.sse(
        [sse_events(chunk(1), chunk(2), done=False)] + [b": keep-alive\n\n"] * 50, delay=0.02
    )
    stream = open_stream(client)
    for event in stream:
        assert event == {"n": 1}
        break
    assert stream._async.closed
    assert acquired(client) == 0


def test_with_block_releases_the_connection(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.sse([sse_events(chunk(1), done=False)] + [b": keep-alive\n\n"] * 50, delay=0.02)
    with open_stream(client) as stream:
        assert next(stream) == {"n": 1}
    assert stream._async.closed
    assert acquired(client) == 0
    stream.close()  # idempotent


def test_close_mid_stream_releases_the_connection_and_ends_iteration(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.sse([sse_events(chunk(1), done=False)] + [b": keep-alive\n\n"] * 50, delay=0.02)
    stream = open_stream(client)
    assert next(stream) == {"n": 1}
    stream.close()
    assert acquired(client) == 0
    assert list(stream) == []


def test_dropping_an_unfinished_stream_releases_the_connection(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.sse([sse_events(chunk(1), done=False)] + [b": keep-alive\n\n"] * 50, delay=0.02)
    stream = open_stream(client)
    assert next(stream) == {"n": 1}
    async_stream = stream._async
    del stream
    gc.collect()
    assert acquired(client) == 0
    assert async_stream.closed


def test_close_on_the_portal_thread_does_not_wait_on_itself(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.sse([sse_events(chunk(1), done=False)] + [b": keep-alive\n\n"] * 50, delay=0.02)
    stream = open_stream(client)
    assert next(stream) == {"n": 1}
    client._portal.portal.call(stream.close)  # runs on the portal's loop thread
    assert acquired(client) == 0
    assert stream._async.closed


def test_error_event_raises_after_the_events_before_it(
    sync_server: TestServer, client: OpenAI
) -> None:
    error = b'{"error": {"message": "overloaded", "type": "server_error", "code": "busy"}}'
    sync_server.sse([sse_events(chunk(1), error, done=False)])
    received: list[object] = []
    with pytest.raises(APIError) as info:
        for event in open_stream(client):
            received.append(event)
    assert received == [{"n": 1}]
    assert info.value.message == "overloaded"
    assert info.value.code == "busy"
    assert acquired(client) == 0


def test_stream_on_the_portal_of_a_copy(sync_server: TestServer, client: OpenAI) -> None:
    sync_server.sse([sse_events(chunk(7))])
    copy = client.with_options(default_headers={"X-Copy": "1"})
    assert list(open_stream(copy)) == [{"n": 7}]
    assert sync_server.last.headers["X-Copy"] == "1"
    assert acquired(client) == 0


def test_chat_completions_stream_yields_typed_chunks(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.sse([sse_events(completion_chunk("Hel"), completion_chunk("lo"))])
    stream = client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    assert isinstance(stream, Stream)
    chunks = list(stream)
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello"
    assert sync_server.last.path == "/chat/completions"
    assert sync_server.last.json() == {
        "model": "gpt-test",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
    }
    assert acquired(client) == 0


def test_streaming_response_of_a_stream_parses_to_a_stream(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.sse(
        [sse_events(completion_chunk("a"), completion_chunk("b"))],
        headers={"x-request-id": "req_sse"},
    )
    wrapped = client.chat.completions.with_streaming_response.create
    with wrapped(model="m", messages=[], stream=True) as response:
        assert response.request_id == "req_sse"
        assert response.headers["content-type"].startswith("text/event-stream")
        events = response.parse()
        assert isinstance(events, Stream)
        assert [e.choices[0].delta.content for e in events] == ["a", "b"]
    assert acquired(client) == 0
