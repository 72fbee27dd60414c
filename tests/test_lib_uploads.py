"""Uploads: to_file forms, vector-store uploads with progress, and chunked uploads whose parts
are streamed from disk (peak memory stays far below the part size)."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from openai_async import AsyncOpenAI, OpenAI, to_file
from openai_async.testing import FakeOpenAI


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(polls=1) as server:
        yield server


async def chunks() -> AsyncIterator[bytes]:
    yield b"streamed "
    yield b"bytes"


async def test_to_file_forms_upload_the_same_bytes(fake: FakeOpenAI, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"from disk")
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        from_path = await client.files.create(file=to_file(str(path)), purpose="assistants")
        from_iter = await client.files.create(
            file=to_file(chunks(), "s.txt", "text/plain"), purpose="assistants"
        )
        url = f"{fake.url}/files/{from_path.id}/content"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            relayed = await client.files.create(
                file=to_file(response, "copy.txt"), purpose="assistants"
            )
    assert (from_path.filename, from_path.bytes) == ("notes.txt", 9)
    assert (from_iter.filename, from_iter.bytes) == ("s.txt", 14)
    assert relayed.filename == "copy.txt" and relayed.bytes == 9
    assert fake.backend.files[relayed.id].content == b"from disk"
    with pytest.raises(TypeError, match="to_file"):
        to_file(12)  # type: ignore[arg-type]


async def test_batch_upload_with_progress_and_concurrency(fake: FakeOpenAI) -> None:
    seen: list[tuple[int, int]] = []
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        store = await client.vector_stores.create(name="docs")
        batch = await client.vector_stores.file_batches.upload_and_poll(
            store.id,
            files=[(f"f{i}.txt", f"file {i}".encode()) for i in range(6)],
            max_concurrency=2,
            progress=lambda done, total: seen.append((done, total)),
            poll_interval_ms=0,
        )
        single = await client.vector_stores.files.upload_and_poll(
            vector_store_id=store.id, file=("one.txt", b"one"), poll_interval_ms=0
        )
    assert batch.status == "completed" and batch.file_counts.total == 6
    assert seen == [(i, 6) for i in range(1, 7)]
    created = fake.requests_to("POST /vector_stores/{vector_store_id}/file_batches")[0].json()
    assert len(created["file_ids"]) == 6
    assert single.status == "completed"
    with pytest.raises(ValueError, match="max_concurrency"):
        async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
            await client.vector_stores.file_batches.upload_and_poll(
                store.id, files=[], max_concurrency=0
            )


async def test_chunked_upload_against_the_fake(fake: FakeOpenAI, tmp_path: Path) -> None:
    data = os.urandom(250_000)
    path = tmp_path / "big.jsonl"
    path.write_bytes(data)
    parts: list[tuple[int, int]] = []
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        upload = await client.uploads.upload_file_chunked(
            file=path,
            mime_type="text/jsonl",
            purpose="batch",
            part_size=100_000,
            on_part=lambda n, total: parts.append((n, total)),
        )
    assert upload.status == "completed" and upload.file is not None
    assert fake.backend.files[upload.file.id].content == data
    assert parts == [(1, 3), (2, 3), (3, 3)]
    created = fake.requests_to("POST /uploads")[0].json()
    assert created == {
        "bytes": 250_000,
        "filename": "big.jsonl",
        "mime_type": "text/jsonl",
        "purpose": "batch",
    }


# This test's own server reads each part with aiohttp's multipart reader, which calls aiohttp's
# deprecated StreamReader.unread_data() itself (not client code).
@pytest.mark.filterwarnings("ignore:unread_data:DeprecationWarning")
async def test_parts_stream_from_disk_with_flat_memory(tmp_path: Path) -> None:
    """A server that hashes each part as it arrives (it keeps nothing), so the peak of traced
    memory is the client's alone."""
    part_size = 4 * 1024 * 1024
    path = tmp_path / "huge.bin"
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(10):
            block = os.urandom(1024 * 1024)
            digest.update(block)
            out.write(block)
    seen = hashlib.sha256()
    part_ids: list[str] = []
    upload = {
        "id": "upload_1",
        "object": "upload",
        "bytes": 10 * 1024 * 1024,
        "created_at": 0,
        "filename": "huge.bin",
        "purpose": "batch",
        "status": "pending",
        "expires_at": 1,
    }

    async def create(request: web.Request) -> web.StreamResponse:
        assert (await request.json())["bytes"] == 10 * 1024 * 1024
        return web.json_response(upload)

    async def add_part(request: web.Request) -> web.StreamResponse:
        reader = await request.multipart()
        field = await reader.next()
        assert isinstance(field, aiohttp.BodyPartReader) and field.name == "data"
        while chunk := await field.read_chunk(64 * 1024):
            seen.update(chunk)
        part_ids.append(f"part_{len(part_ids) + 1}")
        return web.json_response(
            {"id": part_ids[-1], "object": "upload.part", "created_at": 0, "upload_id": "upload_1"}
        )

    async def complete(request: web.Request) -> web.StreamResponse:
        assert (await request.json()) == {"part_ids": part_ids}
        return web.json_response({**upload, "status": "completed"})

    app = web.Application()
    app.router.add_post("/uploads", create)
    app.router.add_post("/uploads/upload_1/parts", add_part)
    app.router.add_post("/uploads/upload_1/complete", complete)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with AsyncOpenAI(base_url=f"http://127.0.0.1:{port}", api_key="k") as client:
            tracemalloc.start()
            try:
                result = await client.uploads.upload_file_chunked(
                    file=str(path),
                    mime_type="application/octet-stream",
                    purpose="batch",
                    part_size=part_size,
                )
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    finally:
        await runner.cleanup()
    assert result.status == "completed"
    assert part_ids == ["part_1", "part_2", "part_3"]
    assert seen.digest() == digest.digest()
    assert peak < part_size // 4, peak


def test_blocking_chunked_upload_of_bytes() -> None:
    with FakeOpenAI() as fake, OpenAI(base_url=fake.url, api_key="k") as client:
        upload = client.uploads.upload_file_chunked(
            file=b"abcdefghij",
            filename="x.txt",
            mime_type="text/plain",
            purpose="batch",
            part_size=4,
        )
        assert (
            upload.file is not None and fake.backend.files[upload.file.id].content == b"abcdefghij"
        )
        assert len(fake.requests_to("POST /uploads/{upload_id}/parts")) == 3
        with pytest.raises(TypeError, match="filename"):
            client.uploads.upload_file_chunked(file=b"x", mime_type="text/plain", purpose="batch")
