"""Raw and streamed responses, binary results, and the default parsed results of ``finish``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import msgspec
import pytest
from aiohttp import web

from openai_async import AsyncOpenAI
from openai_async._exceptions import APIResponseValidationError
from openai_async._models import BaseModel
from openai_async._response import (
    AsyncAPIResponse,
    AsyncStreamedResponse,
    BinaryResponseContent,
    response_mode,
    to_raw_response_wrapper,
    to_streamed_response_wrapper,
)
from openai_async._streaming import AsyncStream
from tests.server import TestServer

KEY = "sk-test-raw-0123456789"

COMPLETION = {"id": "c1", "model": "m", "extra_field": {"nested": [1]}}


class Completion(BaseModel):
    id: str
    model: str


class Chunk(BaseModel):
    id: str


async def no_sleep(delay: float) -> None:
    return None


def client_for(server: TestServer, **options: Any) -> AsyncOpenAI:
    return AsyncOpenAI(api_key=KEY, base_url=server.url, _sleep=no_sleep, **options)


def acquired(client: AsyncOpenAI) -> int:
    session = client._store.current()
    assert session is not None and session.connector is not None
    return len(session.connector._acquired)


class Resource:
    """Stands in for a generated resource: each method is one ``_request``."""

    def __init__(self, client: AsyncOpenAI) -> None:
        self._client = client

    async def create(self, *, model: str, stream: bool = False) -> Any:
        return await self._client._request(
            "POST",
            "/chat/completions",
            cast_to=Completion,
            body={"model": model, "stream": stream},
            stream=stream,
            stream_type=Chunk,
        )

    async def content(self, file_id: str) -> BinaryResponseContent:
        result: BinaryResponseContent = await self._client._request(
            "GET", f"/files/{file_id}/content", cast_to=BinaryResponseContent
        )
        return result


def gated_body(gate: asyncio.Event, parts: list[bytes], content_type: str) -> Any:
    """A handler that sends headers at once, and the body only once ``gate`` is set."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"content-type": content_type, "x-request-id": "req_gated"}
        )
        await response.prepare(request)
        await gate.wait()
        for part in parts:
            await response.write(part)
        await response.write_eof()
        return response

    return handler


# -- default (parsed) results ---------------------------------------------------------------------


async def test_parsed_result_carries_request_id_and_raw_json(server: TestServer) -> None:
    server.json(COMPLETION, headers={"x-request-id": "req_42"})
    async with client_for(server) as client:
        result = await Resource(client).create(model="m")
        assert result == Completion(id="c1", model="m")
        assert result._request_id == "req_42"
        assert result.to_dict()["extra_field"] == {"nested": [1]}
        assert msgspec.json.decode(result.raw_json()) == COMPLETION
        assert acquired(client) == 0
    assert server.last.json() == {"model": "m", "stream": False}


async def test_text_none_and_untyped_targets(server: TestServer) -> None:
    server.raw("plain é".encode(), headers={"content-type": "text/plain"})
    server.raw(b"", status=204)
    server.json([1, {"a": None}])
    async with client_for(server) as client:
        assert await client.get("/t", cast_to=str) == "plain é"
        assert await client.delete("/d", cast_to=type(None)) is None
        assert await client.get("/j") == [1, {"a": None}]


async def test_malformed_json_raises_validation_error_with_the_response_info(
    server: TestServer,
) -> None:
    server.raw(b"<html>proxy</html>", headers={"x-request-id": "req_html"})
    async with client_for(server) as client:
        with pytest.raises(APIResponseValidationError) as info:
            await client.get("/x", cast_to=Completion)
        assert info.value.status_code == 200
        assert info.value.request_id == "req_html"
        assert acquired(client) == 0


async def test_binary_result(server: TestServer, tmp_path: Path) -> None:
    audio = bytes(range(256)) * 4
    server.raw(audio, headers={"content-type": "audio/mpeg"})
    async with client_for(server) as client:
        result = await Resource(client).content("file-1")
    assert isinstance(result, BinaryResponseContent)
    assert result.content == audio
    assert result.read() == audio
    assert await result.aread() == audio
    assert b"".join(result.iter_bytes(100)) == audio
    assert [len(p) for p in result.iter_bytes(400)] == [400, 400, 224]
    assert [p async for p in result.aiter_bytes()] == [audio]
    result.write_to_file(tmp_path / "a.mp3")
    assert (tmp_path / "a.mp3").read_bytes() == audio
    await result.astream_to_file(tmp_path / "b.mp3")
    assert (tmp_path / "b.mp3").read_bytes() == audio
    assert server.last.path == "/files/file-1/content"
    assert repr(result) == "<BinaryResponseContent 1024 bytes>"


async def test_binary_text_and_json_helpers(server: TestServer) -> None:
    server.raw(
        '{"k": "ü"}'.encode("latin-1"),
        headers={"content-type": "application/json; charset=latin-1"},
    )
    async with client_for(server) as client:
        result = await client.get("/f", cast_to=BinaryResponseContent)
    assert result.encoding == "latin-1"
    assert result.text == '{"k": "ü"}'
    assert BinaryResponseContent(b'{"k": 1}').json() == {"k": 1}


# -- with_raw_response -----------------------------------------------------------------------------


async def test_raw_response_exposes_metadata_and_parses_once(server: TestServer) -> None:
    server.json({"error": {"message": "later"}}, status=500)
    server.json(COMPLETION, headers={"x-request-id": "req_raw", "x-custom": "v"})
    async with client_for(server, max_retries=1) as client:
        raw = await to_raw_response_wrapper(Resource(client).create)(model="m")
        assert isinstance(raw, AsyncAPIResponse)
        assert raw.status_code == 200
        assert raw.headers["X-Custom"] == "v"
        assert raw.request_id == "req_raw"
        assert raw.retries_taken == 1
        assert raw.http_response.status == 200
        assert raw.method == "POST"
        assert raw.url.endswith("/chat/completions")
        assert acquired(client) == 0  # the body was read eagerly
        parsed = await raw.parse()
        assert parsed == Completion(id="c1", model="m")
        assert parsed._request_id == "req_raw"
        assert await raw.parse() is parsed
        assert await raw.parse(to=object) == COMPLETION
        assert await raw.json() == COMPLETION
        assert msgspec.json.decode(await raw.read()) == COMPLETION
        assert msgspec.json.decode(await raw.text()) == COMPLETION
        assert "AsyncAPIResponse [200]" in repr(raw)
        # The mode was only set for that call.
        assert response_mode.get() == "parsed"
        server.json(COMPLETION)
        assert isinstance(await Resource(client).create(model="m"), Completion)


async def test_raw_response_of_a_stream_parses_to_the_stream(server: TestServer) -> None:
    server.sse([b'data: {"id": "a"}\n\n', b'data: {"id": "b"}\n\ndata: [DONE]\n\n'])
    async with client_for(server) as client:
        raw = await to_raw_response_wrapper(Resource(client).create)(model="m", stream=True)
        assert raw.request_id == "req_stream"
        assert raw.headers["content-type"] == "text/event-stream"
        stream = await raw.parse()
        assert isinstance(stream, AsyncStream)
        assert await raw.parse() is stream
        assert [c.id async for c in stream] == ["a", "b"]
        assert acquired(client) == 0


async def test_low_level_verb_with_raw_response_cast(server: TestServer) -> None:
    server.json(COMPLETION, headers={"x-request-id": "req_ll"})
    async with client_for(server) as client:
        raw = await client.get("/x", cast_to=AsyncAPIResponse[Completion])
        assert isinstance(raw, AsyncAPIResponse)
        assert raw.request_id == "req_ll"
        assert await raw.parse() == Completion(id="c1", model="m")


# -- with_streaming_response -------------------------------------------------------------------


async def test_streamed_response_reads_the_body_only_when_asked(server: TestServer) -> None:
    gate = asyncio.Event()
    body = msgspec.json.encode(COMPLETION)
    server.add(gated_body(gate, [body[:5], body[5:]], "application/json"))
    async with client_for(server) as client:
        wrapped = to_streamed_response_wrapper(Resource(client).create)
        async with wrapped(model="m") as response:
            # Headers are here while the server still holds the body back.
            assert isinstance(response, AsyncStreamedResponse)
            assert response.request_id == "req_gated"
            assert acquired(client) == 1
            gate.set()
            parsed = await response.parse()
            assert parsed == Completion(id="c1", model="m")
            assert await response.json() == COMPLETION
        assert acquired(client) == 0
        assert response_mode.get() == "parsed"


async def test_streamed_response_iterates_lines_and_text(server: TestServer) -> None:
    parts = [b"first l", b"ine\r", b"\nsecond \xc3", b"\xa9\rthird\n", b"\nlast"]
    server.sse(parts, headers={"content-type": "text/plain; charset=utf-8"})
    server.sse(parts, headers={"content-type": "text/plain; charset=utf-8"})
    async with client_for(server) as client:
        async with await client.get("/l", cast_to=AsyncStreamedResponse[str]) as response:
            lines = [line async for line in response.iter_lines()]
        assert lines == ["first line", "second é", "third", "", "last"]
        async with await client.get("/l", cast_to=AsyncStreamedResponse[str]) as response:
            text = "".join([t async for t in response.iter_text(3)])
        assert text == "first line\r\nsecond é\rthird\n\nlast"
        assert acquired(client) == 0


async def test_streamed_response_bytes_and_file(server: TestServer, tmp_path: Path) -> None:
    data = b"0123456789" * 10
    server.sse([data[:33], data[33:]], headers={"content-type": "application/octet-stream"})
    server.sse([data], headers={"content-type": "application/octet-stream"})
    async with client_for(server) as client:
        wrapped = to_streamed_response_wrapper(Resource(client).content)
        async with wrapped("f1") as response:
            pieces = [p async for p in response.iter_bytes(25)]
        assert pieces == [data[i : i + 25] for i in range(0, 100, 25)]
        async with wrapped("f2") as response:
            await response.stream_to_file(tmp_path / "out.bin")
            with pytest.raises(RuntimeError, match="already consumed"):
                await response.read()
            with pytest.raises(RuntimeError, match="already consumed"):
                await anext(response.iter_bytes())
        assert (tmp_path / "out.bin").read_bytes() == data
        server.raw(data, headers={"content-type": "application/octet-stream"})
        async with wrapped("f3") as response:
            binary = await response.parse()
            assert isinstance(binary, BinaryResponseContent) and binary.content == data
            # Once the body is read, iteration replays it from memory.
            assert [p async for p in response.iter_bytes()] == [data]
        assert acquired(client) == 0


async def test_leaving_a_streamed_response_unread_drops_the_connection(
    server: TestServer,
) -> None:
    gate = asyncio.Event()
    server.add(gated_body(gate, [b"never read"], "text/plain"))
    async with client_for(server) as client:
        async with to_streamed_response_wrapper(Resource(client).content)("f") as response:
            assert response.status_code == 200
            assert acquired(client) == 1
        assert acquired(client) == 0
        gate.set()


async def test_streamed_response_of_an_sse_call(server: TestServer) -> None:
    server.sse([b'data: {"id": "s1"}\n\n', b"data: [DONE]\n\n"])
    async with client_for(server) as client:
        wrapped = to_streamed_response_wrapper(Resource(client).create)
        async with wrapped(model="m", stream=True) as response:
            stream = await response.parse()
            assert [c.id async for c in stream] == ["s1"]
        assert acquired(client) == 0
    assert server.last.json() == {"model": "m", "stream": True}


async def test_errors_surface_from_streamed_response_enter(server: TestServer) -> None:
    server.json({"error": {"message": "nope", "type": "invalid_request_error"}}, status=400)
    async with client_for(server) as client:
        wrapped = to_streamed_response_wrapper(Resource(client).create)
        from openai_async._exceptions import BadRequestError

        with pytest.raises(BadRequestError, match="nope"):
            async with wrapped(model="m"):
                raise AssertionError("not entered")
        assert acquired(client) == 0
        assert response_mode.get() == "parsed"


# -- through generated resources ----------------------------------------------------------------

CHAT = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-test",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "hi", "refusal": None},
            "finish_reason": "stop",
            "logprobs": None,
        }
    ],
}


async def test_generated_with_raw_response_and_streaming_response(server: TestServer) -> None:
    from openai_async.types.chat import ChatCompletion, ChatCompletionChunk

    server.json(CHAT, headers={"x-request-id": "req_chat"})
    chunk = {**CHAT, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}}]}
    server.sse([b"data: " + msgspec.json.encode(chunk) + b"\n\n", b"data: [DONE]\n\n"])
    async with client_for(server) as client:
        raw = await client.chat.completions.with_raw_response.create(
            model="gpt-test", messages=[{"role": "user", "content": "hello"}]
        )
        assert raw.request_id == "req_chat"
        completion = await raw.parse()
        assert isinstance(completion, ChatCompletion)
        assert completion.choices[0].message.content == "hi"
        async with client.chat.completions.with_streaming_response.create(
            model="gpt-test", messages=[{"role": "user", "content": "hello"}], stream=True
        ) as response:
            stream = await response.parse()
            chunks = [c async for c in stream]
        assert len(chunks) == 1 and isinstance(chunks[0], ChatCompletionChunk)
        assert acquired(client) == 0
    assert server.requests[1].json()["stream"] is True


async def test_generated_list_and_binary_content(server: TestServer, tmp_path: Path) -> None:
    from openai_async.types import Model

    model = {"id": "m1", "object": "model", "created": 1, "owned_by": "me"}
    server.json({"object": "list", "data": [model]}, headers={"x-request-id": "req_models"})
    server.json({"object": "list", "data": [model]}, headers={"x-request-id": "req_models"})
    server.raw(b"\x00binary\xff", headers={"content-type": "application/octet-stream"})
    async with client_for(server) as client:
        assert [m.id async for m in client.models.list()] == ["m1"]
        raw = await client.models.with_raw_response.list()
        assert raw.request_id == "req_models"
        page = await raw.parse()
        assert isinstance(page.data[0], Model)
        assert not page.has_next_page()
        content = await client.files.content("file-9")
        content.write_to_file(tmp_path / "f.bin")
    assert (tmp_path / "f.bin").read_bytes() == b"\x00binary\xff"
    assert server.last.path == "/files/file-9/content"


async def test_streamed_body_cut_short_raises_api_connection_error(server: TestServer) -> None:
    from openai_async._exceptions import APIConnectionError

    async def cut(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "application/octet-stream"})
        response.content_length = 1000
        await response.prepare(request)
        await response.write(b"only part")
        await asyncio.sleep(0.01)
        assert request.transport is not None
        request.transport.close()
        return response

    server.add(cut)
    server.add(cut)
    async with client_for(server, max_retries=0) as client:
        wrapped = to_streamed_response_wrapper(Resource(client).content)
        async with wrapped("f") as response:
            with pytest.raises(APIConnectionError):
                await response.read()
        async with wrapped("f") as response:
            with pytest.raises(APIConnectionError):
                async for _ in response.iter_bytes():
                    pass
        assert acquired(client) == 0
