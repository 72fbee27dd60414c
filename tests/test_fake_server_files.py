"""Files (real multipart), uploads, vector stores, batches, embeddings and models on the fake
server, driven with a plain aiohttp session."""

from __future__ import annotations

import base64
import json
import math
import struct
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from openai_async.testing import FakeOpenAI


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(polls=2) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, method: str, url: str, status: int = 200, **kw: Any
) -> Any:
    async with http.request(method, url, **kw) as resp:
        assert resp.status == status, await resp.text()
        return await resp.json()


async def upload(
    http: aiohttp.ClientSession,
    fake: FakeOpenAI,
    name: str,
    data: bytes,
    purpose: str = "assistants",
) -> Any:
    form = aiohttp.FormData()
    form.add_field("purpose", purpose)
    form.add_field("file", data, filename=name, content_type="application/jsonl")
    return await call(http, "POST", f"{fake.url}/files", data=form)


# -- files ------------------------------------------------------------------------------------


async def test_file_upload_is_parsed_as_multipart_and_stored(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    meta = await upload(http, fake, "notes.txt", b"line one\nline two\n")
    assert meta["object"] == "file" and meta["id"].startswith("file-")
    assert (meta["filename"], meta["bytes"], meta["purpose"], meta["status"]) == (
        "notes.txt",
        18,
        "assistants",
        "processed",
    )
    sent = fake.last_request
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="notes.txt"' in sent.body
    assert await call(http, "GET", f"{fake.url}/files/{meta['id']}") == meta
    async with http.get(f"{fake.url}/files/{meta['id']}/content") as resp:
        assert resp.status == 200
        assert resp.headers["content-type"] == "application/octet-stream"
        assert await resp.read() == b"line one\nline two\n"
    assert await call(http, "DELETE", f"{fake.url}/files/{meta['id']}") == {
        "id": meta["id"],
        "object": "file",
        "deleted": True,
    }
    error = await call(http, "GET", f"{fake.url}/files/{meta['id']}", status=404)
    assert error["error"]["param"] == "file_id"


async def test_file_upload_without_purpose_or_not_multipart_is_a_400(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("file", b"x", filename="x.txt")
    error = await call(http, "POST", f"{fake.url}/files", status=400, data=form)
    assert error["error"]["param"] == "purpose"
    error = await call(http, "POST", f"{fake.url}/files", status=400, json={"purpose": "x"})
    assert "multipart" in error["error"]["message"]


async def test_file_list_cursor_pages(fake: FakeOpenAI, http: aiohttp.ClientSession) -> None:
    ids = [(await upload(http, fake, f"f{i}.txt", b"x" * i))["id"] for i in range(5)]
    await upload(http, fake, "other.jsonl", b"{}", purpose="batch")
    page = await call(http, "GET", f"{fake.url}/files?purpose=assistants&limit=2&order=asc")
    assert [f["id"] for f in page["data"]] == ids[:2]
    assert (page["object"], page["first_id"], page["last_id"], page["has_more"]) == (
        "list",
        ids[0],
        ids[1],
        True,
    )
    page = await call(
        http, "GET", f"{fake.url}/files?purpose=assistants&limit=2&order=asc&after={ids[3]}"
    )
    assert [f["id"] for f in page["data"]] == [ids[4]] and page["has_more"] is False
    newest = await call(http, "GET", f"{fake.url}/files")
    assert newest["data"][0]["filename"] == "other.jsonl" and len(newest["data"]) == 6
    error = await call(http, "GET", f"{fake.url}/files?limit=zero", status=400)
    assert error["error"]["param"] == "limit"


# -- uploads ----------------------------------------------------------------------------------


async def add_part(http: aiohttp.ClientSession, url: str, data: bytes) -> str:
    form = aiohttp.FormData()
    form.add_field("data", data, filename="blob")
    return (await call(http, "POST", url, data=form))["id"]


async def test_upload_parts_complete_into_a_file(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    created = await call(
        http,
        "POST",
        f"{fake.url}/uploads",
        json={
            "bytes": 10,
            "filename": "big.bin",
            "mime_type": "application/octet-stream",
            "purpose": "batch",
        },
    )
    assert (created["object"], created["status"], created["file"]) == ("upload", "pending", None)
    parts_url = f"{fake.url}/uploads/{created['id']}/parts"
    first = await add_part(http, parts_url, b"01234")
    second = await add_part(http, parts_url, b"56789")
    assert first.startswith("part_")
    short = await call(
        http,
        "POST",
        f"{fake.url}/uploads/{created['id']}/complete",
        status=400,
        json={"part_ids": [first]},
    )
    assert short["error"]["param"] == "bytes"
    done = await call(
        http,
        "POST",
        f"{fake.url}/uploads/{created['id']}/complete",
        json={"part_ids": [second, first]},
    )
    assert done["status"] == "completed" and done["file"]["bytes"] == 10
    async with http.get(f"{fake.url}/files/{done['file']['id']}/content") as resp:
        assert await resp.read() == b"5678901234"
    again = await call(http, "POST", parts_url, status=400, data=b"")
    assert again["error"]["param"] == "upload_id"


async def test_upload_create_requires_fields(fake: FakeOpenAI, http: aiohttp.ClientSession) -> None:
    error = await call(
        http, "POST", f"{fake.url}/uploads", status=400, json={"bytes": "10", "filename": "f"}
    )
    assert error["error"]["param"] == "bytes" and error["error"]["code"] == "invalid_type"


# -- vector stores ----------------------------------------------------------------------------


async def test_vector_store_files_complete_after_polls(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    file_id = (await upload(http, fake, "a.txt", b"hello"))["id"]
    store = await call(
        http, "POST", f"{fake.url}/vector_stores", json={"name": "kb", "file_ids": [file_id]}
    )
    assert store["object"] == "vector_store" and store["status"] == "in_progress"
    assert store["file_counts"] == {
        "in_progress": 1,
        "completed": 0,
        "failed": 0,
        "cancelled": 0,
        "total": 1,
    }
    url = f"{fake.url}/vector_stores/{store['id']}/files/{file_id}"
    statuses = [(await call(http, "GET", url))["status"] for _ in range(2)]
    assert statuses == ["in_progress", "completed"]
    store = await call(http, "GET", f"{fake.url}/vector_stores/{store['id']}")
    assert store["status"] == "completed" and store["usage_bytes"] == 5
    deleted = await call(http, "DELETE", url)
    assert deleted == {"id": file_id, "object": "vector_store.file.deleted", "deleted": True}
    missing = await call(
        http,
        "POST",
        f"{fake.url}/vector_stores/{store['id']}/files",
        status=404,
        json={"file_id": "file-nope"},
    )
    assert missing["error"]["param"] == "file_id"


async def test_vector_store_file_batch_progresses(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    ids = [(await upload(http, fake, f"{i}.txt", b"abc"))["id"] for i in range(3)]
    store = await call(http, "POST", f"{fake.url}/vector_stores", json={"name": "kb"})
    assert store["status"] == "completed" and store["file_counts"]["total"] == 0
    base = f"{fake.url}/vector_stores/{store['id']}/file_batches"
    batch = await call(http, "POST", base, json={"file_ids": ids})
    assert (batch["object"], batch["status"], batch["file_counts"]["in_progress"]) == (
        "vector_store.files_batch",
        "in_progress",
        3,
    )
    polled = [await call(http, "GET", f"{base}/{batch['id']}") for _ in range(2)]
    assert [b["status"] for b in polled] == ["in_progress", "completed"]
    assert polled[-1]["file_counts"]["completed"] == 3
    listed = await call(http, "GET", f"{base}/{batch['id']}/files?order=asc")
    assert [f["id"] for f in listed["data"]] == ids
    assert {f["status"] for f in listed["data"]} == {"completed"}


# -- batches ----------------------------------------------------------------------------------


def jsonl(*lines: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


async def test_batch_answers_each_line_and_writes_output_and_error_files(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    fake.chat.reply("first answer")
    good = {"model": "gpt-4o", "messages": [{"role": "user", "content": "two"}]}
    data = jsonl(
        {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": good},
        {"custom_id": "b", "method": "POST", "url": "/v1/chat/completions", "body": good},
        {
            "custom_id": "c",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o"},
        },
    )
    input_id = (await upload(http, fake, "in.jsonl", data, purpose="batch"))["id"]
    batch = await call(
        http,
        "POST",
        f"{fake.url}/batches",
        json={
            "input_file_id": input_id,
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
        },
    )
    assert (batch["object"], batch["status"]) == ("batch", "validating")
    polls = [await call(http, "GET", f"{fake.url}/batches/{batch['id']}") for _ in range(3)]
    assert [p["status"] for p in polls] == ["in_progress", "in_progress", "completed"]
    done = polls[-1]
    assert done["request_counts"] == {"total": 3, "completed": 2, "failed": 1}
    async with http.get(f"{fake.url}/files/{done['output_file_id']}/content") as resp:
        out = [json.loads(line) for line in (await resp.read()).splitlines()]
    assert [o["custom_id"] for o in out] == ["a", "b"]
    assert out[0]["response"]["status_code"] == 200
    assert out[0]["response"]["body"]["choices"][0]["message"]["content"] == "first answer"
    assert out[1]["response"]["body"]["choices"][0]["message"]["content"] == "You said: two"
    async with http.get(f"{fake.url}/files/{done['error_file_id']}/content") as resp:
        [err] = [json.loads(line) for line in (await resp.read()).splitlines()]
    assert err["custom_id"] == "c" and err["response"]["status_code"] == 400
    assert err["response"]["body"]["error"]["param"] == "messages"
    listed = await call(http, "GET", f"{fake.url}/batches")
    assert listed["data"][0]["id"] == batch["id"]


async def test_batch_with_invalid_lines_fails_validation(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    data = b'{"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {}}\nnot json\n'
    input_id = (await upload(http, fake, "in.jsonl", data, purpose="batch"))["id"]
    batch = await call(
        http,
        "POST",
        f"{fake.url}/batches",
        json={
            "input_file_id": input_id,
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
        },
    )
    failed = await call(http, "GET", f"{fake.url}/batches/{batch['id']}")
    assert failed["status"] == "failed"
    assert [(e["line"], e["param"]) for e in failed["errors"]["data"]] == [
        (1, "url"),
        (2, "custom_id"),
    ]


async def test_batch_cancel_and_unknown_input(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    body = {
        "input_file_id": "file-none",
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
    }
    assert (await call(http, "POST", f"{fake.url}/batches", status=404, json=body))["error"][
        "param"
    ] == "input_file_id"
    body["input_file_id"] = (await upload(http, fake, "in.jsonl", b"{}\n", purpose="batch"))["id"]
    batch = await call(http, "POST", f"{fake.url}/batches", json=body)
    assert (await call(http, "POST", f"{fake.url}/batches/{batch['id']}/cancel"))[
        "status"
    ] == "cancelling"
    assert (await call(http, "GET", f"{fake.url}/batches/{batch['id']}"))["status"] == "cancelled"


# -- embeddings and models --------------------------------------------------------------------


async def test_embeddings_are_deterministic_unit_vectors(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.url}/embeddings"
    first = await call(
        http, "POST", url, json={"model": "text-embedding-3-small", "input": ["cat", "dog"]}
    )
    again = await call(http, "POST", url, json={"model": "text-embedding-3-small", "input": "cat"})
    assert first["object"] == "list" and first["model"] == "text-embedding-3-small"
    cat, dog = (d["embedding"] for d in first["data"])
    assert [d["index"] for d in first["data"]] == [0, 1]
    assert len(cat) == 1536 and cat == again["data"][0]["embedding"] and cat != dog
    assert math.isclose(math.sqrt(sum(v * v for v in cat)), 1.0, rel_tol=1e-5)
    assert first["usage"]["prompt_tokens"] == first["usage"]["total_tokens"] > 0
    large = await call(http, "POST", url, json={"model": "text-embedding-3-large", "input": "cat"})
    assert len(large["data"][0]["embedding"]) == 3072


async def test_embeddings_base64_and_dimensions(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.url}/embeddings"
    plain = await call(http, "POST", url, json={"model": "m", "input": "cat", "dimensions": 8})
    packed = await call(
        http,
        "POST",
        url,
        json={"model": "m", "input": "cat", "dimensions": 8, "encoding_format": "base64"},
    )
    raw = base64.b64decode(packed["data"][0]["embedding"])
    assert len(raw) == 32
    assert list(struct.unpack("<8f", raw)) == plain["data"][0]["embedding"]
    bad = await call(
        http, "POST", url, status=400, json={"model": "m", "input": "cat", "encoding_format": "hex"}
    )
    assert bad["error"]["param"] == "encoding_format"


async def test_models_list_retrieve_delete(fake: FakeOpenAI, http: aiohttp.ClientSession) -> None:
    listed = await call(http, "GET", f"{fake.url}/models")
    assert listed["object"] == "list" and {"gpt-4o", "text-embedding-3-small"} <= {
        m["id"] for m in listed["data"]
    }
    name = "ft:gpt-4o-mini:fake-org::abc123"
    assert (await call(http, "GET", f"{fake.url}/models/{name}"))["owned_by"] == "fake-org"
    assert await call(http, "DELETE", f"{fake.url}/models/{name}") == {
        "id": name,
        "object": "model",
        "deleted": True,
    }
    missing = await call(http, "GET", f"{fake.url}/models/{name}", status=404)
    assert missing["error"]["code"] == "model_not_found"
