"""Multipart uploads: every file form, form fields in bracket style, streaming, retries."""

from __future__ import annotations

import email.parser
import email.policy
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from openai_async import AsyncOpenAI, InternalServerError
from tests.server import RecordedRequest, TestServer

KEY = "sk-test-multipart-0123456789"


async def no_sleep(_: float) -> None:
    return None


def client_for(server: TestServer, **options: object) -> AsyncOpenAI:
    return AsyncOpenAI(api_key=KEY, base_url=server.url, _sleep=no_sleep, **options)  # type: ignore[arg-type]


def parts_of(request: RecordedRequest) -> list[tuple[str, str | None, str, bytes]]:
    """(name, filename, content type, bytes) of each part, parsed by the stdlib email parser."""
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    parts: list[tuple[str, str | None, str, bytes]] = []
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        parts.append((str(name), part.get_filename(), part.get_content_type(), payload))
    return parts


async def test_every_file_form_and_bracketed_fields(server: TestServer, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"from a path")
    server.json({"id": "file-1"})
    async with client_for(server) as client:
        result = await client.post(
            "/uploads",
            body={
                "purpose": "assistants",
                "include": ["a", "b"],
                "chunking": {"size": 10, "auto": True},
                "skip": None,
            },
            files={
                "raw": b"raw bytes",
                "path": path,
                "obj": io.BytesIO(b"file object"),
                "named": ("speech.mp3", b"ID3", "audio/custom"),
                "guessed": ("data.json", b"{}"),
                "many": [b"one", ("two.png", b"two")],
            },
        )
    assert result == {"id": "file-1"}
    sent = server.last
    assert sent.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert parts_of(sent) == [
        ("purpose", None, "text/plain", b"assistants"),
        ("include[]", None, "text/plain", b"a"),
        ("include[]", None, "text/plain", b"b"),
        ("chunking[size]", None, "text/plain", b"10"),
        ("chunking[auto]", None, "text/plain", b"true"),
        ("raw", "upload", "application/octet-stream", b"raw bytes"),
        ("path", "notes.txt", "text/plain", b"from a path"),
        ("obj", "upload", "application/octet-stream", b"file object"),
        ("named", "speech.mp3", "audio/custom", b"ID3"),
        ("guessed", "data.json", "application/json", b"{}"),
        ("many[]", "upload", "application/octet-stream", b"one"),
        ("many[]", "two.png", "image/png", b"two"),
    ]


async def test_async_iterable_is_streamed_not_read_whole(server: TestServer) -> None:
    produced: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for index in range(4):
            produced.append(index)
            yield bytes([65 + index]) * 1000

    server.json({"ok": True})
    async with client_for(server) as client:
        await client.post(
            "/stream-up", body={"purpose": "x"}, files={"file": ("big.bin", chunks())}
        )
    sent = server.last
    assert produced == [0, 1, 2, 3]
    assert sent.headers.get("Transfer-Encoding") == "chunked"  # sent as produced, size unknown
    assert "Content-Length" not in sent.headers
    assert parts_of(sent)[1] == (
        "file",
        "big.bin",
        "application/octet-stream",
        b"A" * 1000 + b"B" * 1000 + b"C" * 1000 + b"D" * 1000,
    )


async def test_file_object_and_path_are_resent_on_retry(server: TestServer, tmp_path: Path) -> None:
    path = tmp_path / "again.txt"
    path.write_bytes(b"path body")
    handle = io.BytesIO(b"skip:object body")
    handle.seek(5)
    server.json({"error": {"message": "x"}}, status=500)
    server.json({"ok": True})
    async with client_for(server) as client:
        await client.post("/retry-up", files={"a": handle, "b": path})
    first, second = server.requests
    assert parts_of(first) == parts_of(second)
    assert [p[3] for p in parts_of(second)] == [b"object body", b"path body"]


async def test_async_iterable_upload_is_not_retried(server: TestServer) -> None:
    async def once() -> AsyncIterator[bytes]:
        yield b"only once"

    server.json({"error": {"message": "x"}}, status=500)
    async with client_for(server) as client:
        with pytest.raises(InternalServerError):
            await client.post("/no-retry", files={"file": once()})
    assert len(server.requests) == 1


async def test_bad_file_value_is_a_type_error(server: TestServer) -> None:
    async with client_for(server) as client:
        with pytest.raises(TypeError, match="'file'"):
            await client.post("/bad", files={"file": 12345})  # type: ignore[dict-item]
    assert server.requests == []


async def test_multipart_operation_without_files_is_still_multipart(server: TestServer) -> None:
    server.json({"id": "video_1"})
    async with client_for(server) as client:
        await client.post(
            "/videos/video_1/remix", body={"prompt": "again", "size": ["a"]}, files={}
        )
    request = server.last
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert parts_of(request) == [
        ("prompt", None, "text/plain", b"again"),
        ("size[]", None, "text/plain", b"a"),
    ]


async def test_any_iterable_of_files_is_sent_as_a_list(server: TestServer) -> None:
    server.json({"id": "batch"})
    files = (content for content in (b"one", b"two"))
    async with client_for(server) as client:
        await client.post("/x", body={}, files={"files": files})
    names = [(name, payload) for name, _, _, payload in parts_of(server.last)]
    assert names == [("files[]", b"one"), ("files[]", b"two")]
