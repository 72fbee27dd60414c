"""Streamed bodies (``with_streaming_response``): bytes re-cut to exact sizes, lines, text, and
the blocking twin moving a whole batch per portal hop; early exits and broken bodies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web

from openai_async import APIConnectionError, AsyncOpenAI, OpenAI
from openai_async._sync import _response as sync_response
from tests.server import TestServer
from tests.sync_helpers import acquired as sync_acquired
from tests.sync_helpers import blocking_client

KEY = "sk-test-streamed-body"
JSONL = b"".join(b'{"custom_id": "req-%d", "ok": true}\n' % i for i in range(20_000))


def acquired(client: AsyncOpenAI) -> int:
    session = client._store.current()
    assert session is not None and session.connector is not None
    return len(session.connector._acquired)


OCTETS = {"content-type": "application/octet-stream"}
JSONL_TYPE = {"content-type": "application/jsonl"}


def cut_short(head: bytes, promised: int) -> Any:
    """A handler promising ``promised`` bytes, sending ``head``, then dropping the connection."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "application/jsonl"})
        response.content_length = promised
        await response.prepare(request)
        await response.write(head)
        assert request.transport is not None
        request.transport.close()
        return response

    return handler


@pytest.fixture
def client(sync_server: TestServer) -> Iterator[OpenAI]:
    with blocking_client(sync_server.url, KEY) as client:
        yield client


# -- async ---------------------------------------------------------------------------------------


async def test_iter_bytes_cuts_exact_pieces_across_network_reads(server: TestServer) -> None:
    body = bytes(range(256)) * 4
    server.sse([body[:7], body[7:500], body[500:501], body[501:]], headers=OCTETS)
    async with AsyncOpenAI(api_key=KEY, base_url=server.url) as client:
        async with client.files.with_streaming_response.content("file-abc") as response:
            pieces = [piece async for piece in response.iter_bytes(100)]
        assert acquired(client) == 0
    assert [len(p) for p in pieces] == [100] * 10 + [24]
    assert b"".join(pieces) == body
    assert server.last.method == "GET"
    assert server.last.path == "/files/file-abc/content"


async def test_line_batches_hold_every_line_of_a_read(server: TestServer) -> None:
    server.sse([JSONL[:100_000], JSONL[100_000:]], headers=JSONL_TYPE)
    async with (
        AsyncOpenAI(api_key=KEY, base_url=server.url) as client,
        client.files.with_streaming_response.content("file-out") as response,
    ):
        batches = [batch async for batch in response.iter_line_batches()]
    lines = [line for batch in batches for line in batch]
    assert lines == JSONL.decode().splitlines()
    assert all(batches) and len(batches) < len(lines) // 50


async def test_leaving_iter_lines_early_drops_the_connection_at_once(server: TestServer) -> None:
    server.sse([JSONL[:1000], JSONL[1000:]], headers=JSONL_TYPE)
    async with (
        AsyncOpenAI(api_key=KEY, base_url=server.url) as client,
        client.files.with_streaming_response.content("file-out") as response,
    ):
        lines = response.iter_lines()
        assert await anext(lines) == '{"custom_id": "req-0", "ok": true}'
        await lines.aclose()  # type: ignore[attr-defined]
        assert response.http_response.closed
        assert acquired(client) == 0


async def test_a_body_cut_short_raises_after_the_lines_before_it(server: TestServer) -> None:
    head = JSONL[:3000]
    server.add(cut_short(head, promised=len(JSONL)))
    got: list[str] = []
    async with AsyncOpenAI(api_key=KEY, base_url=server.url, max_retries=0) as client:
        async with client.files.with_streaming_response.content("file-out") as response:
            with pytest.raises(APIConnectionError):
                async for line in response.iter_lines():
                    got.append(line)
        assert acquired(client) == 0
    assert got == head.decode().splitlines()[: len(got)]
    assert len(got) >= head.count(b"\n") - 1


async def test_a_negative_chunk_size_is_refused(server: TestServer) -> None:
    server.sse([b"abc"], headers=OCTETS)
    async with (
        AsyncOpenAI(api_key=KEY, base_url=server.url) as client,
        client.files.with_streaming_response.content("file-abc") as response,
    ):
        with pytest.raises(ValueError, match="chunk_size must be a positive number"):
            await anext(response.iter_bytes(-1))


# -- blocking ------------------------------------------------------------------------------------


def test_blocking_iter_lines_moves_a_batch_per_portal_hop(
    sync_server: TestServer, client: OpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops = 0
    real = sync_response._next_batch  # pyright: ignore[reportPrivateUsage]

    async def counted(batches: Any) -> list[Any]:
        nonlocal hops
        hops += 1
        return await real(batches)

    monkeypatch.setattr(sync_response, "_next_batch", counted)
    sync_server.sse([JSONL[:50_000], JSONL[50_000:]], headers=JSONL_TYPE)
    with client.files.with_streaming_response.content("file-out") as response:
        lines = list(response.iter_lines())
    assert lines == JSONL.decode().splitlines()
    assert hops < len(lines) // 50
    assert sync_acquired(client) == 0
    assert sync_server.last.path == "/files/file-out/content"
    assert sync_server.last.headers["Authorization"] == f"Bearer {KEY}"


def test_blocking_iter_bytes_and_text_cut_exact_pieces(
    sync_server: TestServer, client: OpenAI
) -> None:
    text = "é" * 300  # two bytes each: a 7-byte cut splits characters
    body = text.encode()
    sync_server.sse([body[:11], body[11:]], headers=OCTETS)
    sync_server.sse([body[:11], body[11:]], headers={"content-type": "text/plain; charset=utf-8"})
    with client.files.with_streaming_response.content("file-a") as response:
        pieces = list(response.iter_bytes(7))
    assert b"".join(pieces) == body
    assert {len(p) for p in pieces[:-1]} == {7} and 0 < len(pieces[-1]) <= 7
    with client.files.with_streaming_response.content("file-b") as response:
        assert "".join(response.iter_text(7)) == text
    assert sync_acquired(client) == 0


def test_blocking_break_out_of_iter_lines_drops_the_connection(
    sync_server: TestServer, client: OpenAI
) -> None:
    sync_server.sse([JSONL[:1000], JSONL[1000:]], headers=JSONL_TYPE)
    with client.files.with_streaming_response.content("file-out") as response:
        for line in response.iter_lines():
            assert line == '{"custom_id": "req-0", "ok": true}'
            break
        assert sync_acquired(client) == 0


def test_blocking_body_cut_short_raises_after_the_lines_before_it(
    sync_server: TestServer, client: OpenAI
) -> None:
    head = JSONL[:3000]
    sync_server.add(cut_short(head, promised=len(JSONL)))
    got: list[str] = []
    with (
        client.files.with_streaming_response.content("file-out") as response,
        pytest.raises(APIConnectionError),
    ):
        for line in response.iter_lines():
            got.append(line)
    assert got == head.decode().splitlines()[: len(got)]
    assert sync_acquired(client) == 0
