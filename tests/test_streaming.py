"""AsyncStream over real loopback responses: decoding, errors, batches, connection release."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from typing import Any, Union

import aiohttp
import msgspec
import pytest
from aiohttp import web

from openai_async import AsyncOpenAI, Timeout
from openai_async._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
)
from openai_async._models import BaseModel, UnknownObject
from openai_async._streaming import AsyncStream
from tests.server import TestServer

KEY = "sk-test-streaming-0123456789"


class Chunk(BaseModel):
    id: str
    delta: str | None = None
    index: int = 0


class RunCreated(BaseModel, tag_field="event", tag="thread.run.created"):
    data: dict[str, Any]


class MessageDelta(BaseModel, tag_field="event", tag="thread.message.delta"):
    data: dict[str, Any]


AssistantEvent = Union[RunCreated, MessageDelta]


def chunk(i: int, delta: str = "x") -> bytes:
    return b"data: " + msgspec.json.encode({"id": f"c{i}", "delta": delta, "index": i}) + b"\n\n"


DONE = b"data: [DONE]\n\n"


def acquired(client: AsyncOpenAI) -> int:
    session = client._store.current()
    assert session is not None and session.connector is not None
    return len(session.connector._acquired)


def session_acquired(session: aiohttp.ClientSession) -> int:
    assert session.connector is not None
    return len(session.connector._acquired)


async def open_stream(
    session: aiohttp.ClientSession, server: TestServer, cast_to: Any = Chunk
) -> AsyncStream[Any]:
    response = await session.get(f"{server.url}/stream")
    return AsyncStream(cast_to=cast_to, response=response)


def slow_stream(first: list[bytes], started: asyncio.Event, finished: asyncio.Event) -> Any:
    """A handler that sends ``first`` then waits until the client goes away."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        for part in first:
            await response.write(part)
        started.set()
        try:
            await asyncio.sleep(30)
        finally:
            finished.set()
        return response

    return handler


# -- decoding over a plain aiohttp session --------------------------------------------------------


async def test_events_split_across_writes_decode_in_order(server: TestServer) -> None:
    body = chunk(0, "é世") + chunk(1) + b": ping\n\n" + chunk(2, "🎉") + DONE
    # Cut everywhere, including inside multi-byte characters and between CR and LF.
    server.sse([body[i : i + 7] for i in range(0, len(body), 7)], delay=0.001)
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server)
        items = [item async for item in stream]
        assert items == [
            Chunk(id="c0", delta="é世", index=0),
            Chunk(id="c1", delta="x", index=1),
            Chunk(id="c2", delta="🎉", index=2),
        ]
        assert stream.closed
        assert session_acquired(session) == 0


async def test_crlf_stream_and_data_after_done_is_ignored(server: TestServer) -> None:
    body = chunk(0).replace(b"\n", b"\r\n") + b"data: [DONE]\r\n\r\n" + chunk(9)
    server.sse([body])
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server)
        assert [item.id async for item in stream] == ["c0"]
        assert stream.closed


async def test_end_of_body_without_done_ends_the_stream(server: TestServer) -> None:
    server.sse([chunk(0), chunk(1), b'data: {"id": "cut'])
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server)
        assert [item.id async for item in stream] == ["c0", "c1"]
        assert stream.closed
        assert session_acquired(session) == 0


async def test_lenient_decoding_per_event(server: TestServer) -> None:
    server.sse([b'data: {"id": null, "index": "two", "new_field": 1}\n\n', DONE])
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server)
        items = [item async for item in stream]
        assert items == [Chunk(id=None, index="two")]  # type: ignore[arg-type]


async def test_thread_events_are_wrapped_with_their_event_name(server: TestServer) -> None:
    server.sse(
        [
            b'event: thread.run.created\ndata: {"id": "run_1"}\n\n',
            b'event: thread.message.delta\ndata: {"id": "msg_1", "delta": {}}\n\n',
            b'event: thread.future.thing\ndata: {"id": "f"}\n\n',
            b"event: done\ndata: [DONE]\n\n",
        ]
    )
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server, AssistantEvent)
        items = [item async for item in stream]
    assert items[0] == RunCreated(data={"id": "run_1"})
    assert items[1] == MessageDelta(data={"id": "msg_1", "delta": {}})
    assert isinstance(items[2], UnknownObject)
    assert items[2] == {"event": "thread.future.thing", "data": {"id": "f"}}


async def test_named_events_other_than_thread_decode_their_data(server: TestServer) -> None:
    server.sse([b'event: response.delta\ndata: {"id": "r", "delta": "d"}\n\n', DONE])
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server)
        assert [item async for item in stream] == [Chunk(id="r", delta="d")]


# -- errors ---------------------------------------------------------------------------------------


async def test_error_payload_raises_after_the_events_before_it(server: TestServer) -> None:
    error = {"error": {"message": "model overloaded", "type": "server_error", "code": "busy"}}
    server.sse([chunk(0) + b"data: " + msgspec.json.encode(error) + b"\n\n" + chunk(1), DONE])
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server)
        seen: list[str] = []
        with pytest.raises(APIError) as info:
            async for item in stream:
                seen.append(item.id)
        assert seen == ["c0"]
        assert info.value.message == "model overloaded"
        assert info.value.code == "busy"
        assert info.value.type == "server_error"
        assert stream.closed
        assert session_acquired(session) == 0


async def test_null_error_field_is_not_an_error(server: TestServer) -> None:
    server.sse([b'data: {"id": "c0", "error": null}\n\n', DONE])
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server)
        assert [item.id async for item in stream] == ["c0"]


async def test_error_event_raises(server: TestServer) -> None:
    server.sse([chunk(0), b'event: error\ndata: {"message": "bad thing", "code": "e1"}\n\n'])
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server)
        iterator = aiter(stream)
        assert (await anext(iterator)).id == "c0"
        with pytest.raises(APIError) as info:
            await anext(iterator)
        assert info.value.message == "bad thing"
        assert info.value.code == "e1"
        with pytest.raises(StopAsyncIteration):
            await anext(iterator)


async def test_error_event_with_text_payload(server: TestServer) -> None:
    server.sse([b"event: error\ndata: upstream exploded\n\n"])
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server)
        with pytest.raises(APIError, match="upstream exploded"):
            await anext(stream)


async def test_malformed_json_event_raises_validation_error(server: TestServer) -> None:
    server.sse([chunk(0), b"data: {not json}\n\n", DONE], headers={"x-request-id": "req_s"})
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server)
        with pytest.raises(APIResponseValidationError) as info:
            async for _ in stream:
                pass
        assert info.value.status_code == 200
        assert info.value.request_id == "req_s"
        assert session_acquired(session) == 0


# -- batches (the blocking twin's pull interface) ---------------------------------------------


async def test_next_batch_hands_over_buffered_events(server: TestServer) -> None:
    server.sse([b"".join(chunk(i) for i in range(5)), chunk(5) + DONE])
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server)
        batches: list[list[str]] = []
        while batch := await stream.next_batch(3):
            assert 1 <= len(batch) <= 3
            batches.append([item.id for item in batch])
        assert [i for b in batches for i in b] == [f"c{i}" for i in range(6)]
        assert await stream.next_batch() == []
        assert stream.closed
        assert session_acquired(session) == 0


async def test_next_batch_raises_after_handing_over_earlier_events(server: TestServer) -> None:
    server.sse([chunk(0) + b'data: {"error": {"message": "boom"}}\n\n'])
    async with aiohttp.ClientSession() as session:
        stream = await open_stream(session, server)
        assert [item.id for item in await stream.next_batch()] == ["c0"]
        with pytest.raises(APIError, match="boom"):
            await stream.next_batch()
        assert await stream.next_batch() == []


# -- connection release through the client --------------------------------------------------------


async def test_two_streams_read_to_the_end_share_one_connection(server: TestServer) -> None:
    server.sse([chunk(0), chunk(1), DONE])
    server.sse([chunk(2), DONE])
    async with AsyncOpenAI(api_key=KEY, base_url=server.url, connection_limit=1) as client:
        first = await client.post(
            "/chat/completions", body={"stream": True}, stream=True, stream_type=Chunk
        )
        assert isinstance(first, AsyncStream)
        assert [item.id async for item in first] == ["c0", "c1"]
        assert acquired(client) == 0
        second = await client.post("/chat/completions", stream=True, stream_type=Chunk)
        assert [item.id async for item in second] == ["c2"]
        assert acquired(client) == 0
    assert server.accepts == 1
    assert server.requests[0].json() == {"stream": True}


async def test_breaking_out_of_the_loop_releases_the_connection(server: TestServer) -> None:
    started, finished = asyncio.Event(), asyncio.Event()
    server.add(slow_stream([chunk(0), chunk(1)], started, finished))
    async with AsyncOpenAI(api_key=KEY, base_url=server.url) as client:
        stream = await client.post("/s", stream=True, stream_type=Chunk)
        async for item in stream:
            assert item.id == "c0"
            assert acquired(client) == 1
            break
        assert acquired(client) == 0
        assert stream.closed
        await asyncio.wait_for(finished.wait(), 5)


async def test_aclose_and_async_with_release_the_connection(server: TestServer) -> None:
    for _ in range(2):
        server.add(slow_stream([chunk(0)], asyncio.Event(), asyncio.Event()))
    async with AsyncOpenAI(api_key=KEY, base_url=server.url) as client:
        stream = await client.post("/s", stream=True, stream_type=Chunk)
        assert (await anext(stream)).id == "c0"
        await stream.aclose()
        await stream.aclose()  # idempotent
        assert acquired(client) == 0
        with pytest.raises(StopAsyncIteration):
            await anext(stream)

        async with await client.post("/s", stream=True, stream_type=Chunk) as stream:
            assert (await anext(stream)).id == "c0"
            assert acquired(client) == 1
        assert acquired(client) == 0


async def test_cancelling_the_consuming_task_releases_the_connection(server: TestServer) -> None:
    started, finished = asyncio.Event(), asyncio.Event()
    server.add(slow_stream([chunk(0)], started, finished))
    async with AsyncOpenAI(api_key=KEY, base_url=server.url) as client:
        got: list[str] = []
        first_item = asyncio.Event()

        async def consume() -> None:
            stream = await client.post("/s", stream=True, stream_type=Chunk)
            async for item in stream:
                got.append(item.id)
                first_item.set()

        task = asyncio.create_task(consume())
        await first_item.wait()
        assert got == ["c0"]
        assert acquired(client) == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert acquired(client) == 0
        await asyncio.wait_for(finished.wait(), 5)


async def test_returning_from_inside_the_loop_releases_the_connection(server: TestServer) -> None:
    server.add(slow_stream([chunk(0), chunk(1)], asyncio.Event(), asyncio.Event()))
    async with AsyncOpenAI(api_key=KEY, base_url=server.url) as client:
        stream = await client.post("/s", stream=True, stream_type=Chunk)

        async def first(source: AsyncIterator[Chunk]) -> Chunk:
            async for item in source:
                return item
            raise AssertionError("empty")

        assert (await first(stream)).id == "c0"
        gc.collect()
        assert acquired(client) == 0
        assert repr(stream) == "<AsyncStream of Chunk>"


# -- transport failures in the middle of a stream ---------------------------------------------


async def test_connection_lost_mid_stream_raises_api_connection_error(server: TestServer) -> None:
    async def cut(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        await response.write(chunk(0))
        await asyncio.sleep(0.01)
        assert request.transport is not None
        request.transport.close()  # no terminating chunk: the body is incomplete
        return response

    server.add(cut)
    async with AsyncOpenAI(api_key=KEY, base_url=server.url, max_retries=0) as client:
        stream = await client.post("/s", stream=True, stream_type=Chunk)
        seen: list[str] = []
        with pytest.raises(APIConnectionError) as info:
            async for item in stream:
                seen.append(item.id)
        assert seen == ["c0"]
        assert not isinstance(info.value, APITimeoutError)
        assert isinstance(info.value.__cause__, aiohttp.ClientError)
        assert stream.closed
        assert acquired(client) == 0


async def test_silence_longer_than_the_read_timeout_raises_api_timeout_error(
    server: TestServer,
) -> None:
    server.add(slow_stream([chunk(0)], asyncio.Event(), asyncio.Event()))
    async with AsyncOpenAI(api_key=KEY, base_url=server.url, max_retries=0) as client:
        stream = await client.post(
            "/s", stream=True, stream_type=Chunk, timeout=Timeout(total=None, read=0.03)
        )
        assert (await stream.next_batch()) == [Chunk(id="c0", delta="x", index=0)]
        with pytest.raises(APITimeoutError):
            await stream.next_batch()
        assert stream.closed
        assert acquired(client) == 0
