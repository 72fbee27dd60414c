"""The whole API surface: every spec operation is a method on both clients, named as officially.

The wire tests drive generated methods against the recording loopback server and check what
was sent (method, path, query, headers, body bytes) and what the caller got back.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen.method_names import METHODS
from openai_async import AsyncOpenAI, OpenAI
from openai_async._response import BinaryResponseContent
from openai_async._streaming import AsyncStream
from openai_async.types.chat import ChatCompletion, ChatCompletionChunk
from openai_async.types.file_object import FileObject
from tests.server import TestServer

SHARED = Path(__file__).resolve().parents[2] / "shared"
VERBS = ("get", "post", "put", "patch", "delete")


def _spec_routes() -> set[str]:
    with (SHARED / "openapi" / "openapi.yaml").open("rb") as handle:
        spec: dict[str, Any] = yaml.load(handle, Loader=yaml.CSafeLoader)
    return {
        f"{verb.upper()} {path}"
        for path, item in spec["paths"].items()
        for verb in VERBS
        if verb in item
    }


def _official() -> list[dict[str, Any]]:
    data = json.loads((SHARED / "naming" / "official-python-surface.json").read_text())
    methods: list[dict[str, Any]] = data["methods"]
    return methods


def _resolve(client: object, dotted: str) -> Any:
    target: Any = client
    for part in dotted.split("."):
        target = getattr(target, part)
    return target


@pytest.fixture
def async_client() -> Iterator[AsyncOpenAI]:
    yield AsyncOpenAI(api_key="sk-test", base_url="http://127.0.0.1:9")


@pytest.fixture
def sync_client() -> Iterator[OpenAI]:
    client = OpenAI(api_key="sk-test", base_url="http://127.0.0.1:9")
    try:
        yield client
    finally:
        client.close()


def test_naming_table_covers_every_operation() -> None:
    routes = _spec_routes()
    assert len(routes) == 288
    assert {row.route for row in METHODS} == routes
    assert len({row.method for row in METHODS}) == len(METHODS)


def test_official_names_match() -> None:
    official = {(m["route"], m["method"].removeprefix("client.")) for m in _official()}
    ours = {(row.route, row.method) for row in METHODS}
    assert official <= ours
    assert len(ours - official) == 13


def test_every_method_reachable_on_both_clients(
    async_client: AsyncOpenAI, sync_client: OpenAI
) -> None:
    for row in METHODS:
        for client in (async_client, sync_client):
            method = _resolve(client, row.method)
            assert callable(method), row.method
            for mode in ("with_raw_response", "with_streaming_response"):
                *resource, name = row.method.split(".")
                wrapper = _resolve(_resolve(client, ".".join(resource)), mode)
                assert callable(getattr(wrapper, name)), f"{row.method} {mode}"


def test_positional_path_argument_matches_official() -> None:
    import inspect

    client = AsyncOpenAI(api_key="sk-test", base_url="http://127.0.0.1:9")
    for entry in _official():
        method = _resolve(client, entry["method"].removeprefix("client."))
        params = list(inspect.signature(method).parameters.values())
        positional = [p.name for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
        expected = entry["args"].split(",")[0].strip()
        expected = "" if expected.startswith("*") else expected
        assert positional == ([expected] if expected else []), entry["method"]


# -- over the wire ------------------------------------------------------------------------------


@pytest.fixture
async def client(server: TestServer) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(api_key="sk-test", base_url=server.url, max_retries=0) as api:
        yield api


COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-test",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "logprobs": None,
            "message": {"role": "assistant", "content": "hi", "refusal": None},
        }
    ],
}


def _chunk(text: str) -> bytes:
    payload = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def _file(file_id: str) -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": 3,
        "created_at": 1,
        "filename": "a.txt",
        "purpose": "assistants",
        "status": "processed",
    }


async def test_create_sends_given_params_only(server: TestServer, client: AsyncOpenAI) -> None:
    server.json(COMPLETION)
    result = await client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi"}], temperature=None
    )
    assert isinstance(result, ChatCompletion)
    assert result.choices[0].message.content == "hi"
    sent = server.last
    assert (sent.method, sent.path) == ("POST", "/chat/completions")
    assert sent.json() == {
        "model": "gpt-test",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": None,
    }


async def test_create_stream_returns_chunks(server: TestServer, client: AsyncOpenAI) -> None:
    server.sse([_chunk("a"), _chunk("b"), b"data: [DONE]\n\n"])
    stream = await client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "x"}], stream=True
    )
    assert isinstance(stream, AsyncStream)
    chunks = [chunk async for chunk in stream]
    assert all(isinstance(chunk, ChatCompletionChunk) for chunk in chunks)
    assert [chunk.choices[0].delta.content for chunk in chunks] == ["a", "b"]
    assert server.last.json()["stream"] is True


async def test_list_pages_across_cursor(server: TestServer, client: AsyncOpenAI) -> None:
    server.json({"object": "list", "data": [_file("f1")], "has_more": True})
    server.json({"object": "list", "data": [_file("f2")], "has_more": False})
    ids = [item.id async for item in client.files.list(limit=1)]
    assert ids == ["f1", "f2"]
    first, second = server.requests
    assert first.path == "/files" and first.query.get("limit") == "1"
    assert second.query.get("after") == "f1"


async def test_path_params_are_encoded_and_checked(server: TestServer, client: AsyncOpenAI) -> None:
    server.json(_file("a/b"))
    result = await client.files.retrieve("a/b")
    assert isinstance(result, FileObject)
    assert server.last.raw_path == "/files/a%2Fb"
    with pytest.raises(ValueError, match="file_id"):
        await client.files.retrieve("")
    assert len(server.requests) == 1


async def test_beta_route_sends_fixed_query_and_header(
    server: TestServer, client: AsyncOpenAI
) -> None:
    server.raw(b"", status=200)
    result = await client.beta.responses.delete("resp_1", betas=["responses_multi_agent=v1"])
    assert result is None
    sent = server.last
    assert (sent.method, sent.path) == ("DELETE", "/responses/resp_1")
    assert sent.query.get("beta") == "true"
    assert sent.headers["openai-beta"] == "responses_multi_agent=v1"


async def test_multipart_upload(server: TestServer, client: AsyncOpenAI) -> None:
    server.json(_file("file-1"))
    result = await client.files.create(file=("a.txt", b"abc", "text/plain"), purpose="assistants")
    assert result.id == "file-1"
    sent = server.last
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert b'name="purpose"' in sent.body and b"assistants" in sent.body
    assert b'filename="a.txt"' in sent.body and b"abc" in sent.body


async def test_binary_result(server: TestServer, client: AsyncOpenAI) -> None:
    server.raw(b"\x00\x01bytes", headers={"content-type": "application/octet-stream"})
    result = await client.files.content("file-1")
    assert isinstance(result, BinaryResponseContent)
    assert result.content == b"\x00\x01bytes"
    assert server.last.path == "/files/file-1/content"


async def test_deprecated_method_warns(server: TestServer, client: AsyncOpenAI) -> None:
    server.json({"object": "list", "data": [], "has_more": False})
    with pytest.warns(DeprecationWarning, match="list is deprecated"):
        page = await client.beta.assistants.list()
    assert page.data == []


async def test_raw_response_parses_to_same_type(server: TestServer, client: AsyncOpenAI) -> None:
    server.json(_file("f9"))
    raw = await client.files.with_raw_response.retrieve("f9")
    parsed = await raw.parse()
    assert isinstance(parsed, FileObject) and parsed.id == "f9"


def test_blocking_twin(sync_server: TestServer) -> None:
    sync_server.json(COMPLETION)
    sync_server.sse([_chunk("x"), _chunk("y"), b"data: [DONE]\n\n"])
    sync_server.json({"object": "list", "data": [_file("f1")], "has_more": False})
    with OpenAI(api_key="sk-test", base_url=sync_server.url, max_retries=0) as api:
        completion = api.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x"}]
        )
        assert isinstance(completion, ChatCompletion)
        stream = api.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x"}], stream=True
        )
        assert [c.choices[0].delta.content for c in stream] == ["x", "y"]
        assert [f.id for f in api.files.list()] == ["f1"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(ValueError):
                api.beta.assistants.retrieve("")
        assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    assert [r.path for r in sync_server.requests] == ["/chat/completions"] * 2 + ["/files"]
