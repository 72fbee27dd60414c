"""What goes over the wire: URL, query string, headers and JSON body bytes."""

from __future__ import annotations

import json
import platform

import msgspec
import pytest

from openai_async import NOT_GIVEN, AsyncOpenAI, __version__
from tests.server import TestServer

KEY = "sk-test-building-0123456789"


class Point(msgspec.Struct):
    x: int
    y: int


def client_for(server: TestServer, **options: object) -> AsyncOpenAI:
    return AsyncOpenAI(api_key=KEY, base_url=server.url + "/v1", **options)  # type: ignore[arg-type]


async def test_base_join_absolute_url_and_path_query(server: TestServer) -> None:
    server.json({}, times=3)
    async with client_for(server) as client:
        await client.get("/files")
        await client.get(server.url + "/elsewhere?x=1", query={"y": 2})
        await client.get("files/abc%2Fdef?include=a", query={"limit": 5})
    plain, absolute, with_query = server.requests
    assert plain.path == "/v1/files"
    assert absolute.raw_path == "/elsewhere?x=1&y=2"
    assert with_query.raw_path == "/v1/files/abc%2Fdef?include=a&limit=5"


async def test_query_encoding(server: TestServer) -> None:
    server.json({})
    async with client_for(server) as client:
        await client.get(
            "/list",
            query={
                "after": NOT_GIVEN,
                "order": "desc",
                "stream": True,
                "flag": False,
                "include": ["a", "b c"],
                "metadata": {"k": "v", "n": 1},
                "skip": None,
            },
        )
    sent = server.last
    assert sent.query.getall("include[]") == ["a", "b c"]
    assert sent.query["order"] == "desc"
    assert sent.query["stream"] == "true"
    assert sent.query["flag"] == "false"
    assert sent.query["metadata[k]"] == "v"
    assert sent.query["metadata[n]"] == "1"
    assert "after" not in sent.query
    assert "skip" not in sent.query


async def test_json_body_drops_not_given_keeps_null_and_encodes_structs(
    server: TestServer,
) -> None:
    server.json({"id": "x"})
    async with client_for(server) as client:
        result = await client.post(
            "/chat/completions",
            body={
                "model": "gpt-x",
                "temperature": NOT_GIVEN,
                "user": None,
                "point": Point(1, 2),
                "nested": {"list": [1, {"a": "b"}]},
            },
            extra_body={"model": "gpt-override", "extra": 1},
        )
    assert result == {"id": "x"}
    sent = server.last
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == {
        "model": "gpt-override",
        "user": None,
        "point": {"x": 1, "y": 2},
        "nested": {"list": [1, {"a": "b"}]},
        "extra": 1,
    }


async def test_get_without_body_sends_no_content_type(server: TestServer) -> None:
    server.json({})
    async with client_for(server) as client:
        await client.get("/models")
    assert server.last.body == b""
    assert "Content-Type" not in server.last.headers


async def test_standard_headers(server: TestServer) -> None:
    server.json({})
    async with client_for(server) as client:
        await client.post("/x", body={"a": 1})
    headers = server.last.headers
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert headers["Accept"] == "application/json"
    assert headers["OpenAI-Async-Retry-Count"] == "0"
    agent = headers["User-Agent"]
    assert agent.startswith(f"openai_async/{__version__} Python/{platform.python_version()} ")
    assert agent.endswith(platform.system())


async def test_stream_requests_ask_for_an_event_stream(server: TestServer) -> None:
    server.sse([b'data: {"n": 1}\n\n', b"data: [DONE]\n\n"])
    async with client_for(server) as client:
        stream = await client.post("/chat/completions", body={"stream": True}, stream=True)
        assert [event async for event in stream] == [{"n": 1}]
    assert server.last.headers["Accept"] == "text/event-stream"


async def test_header_precedence_operation_then_extra(server: TestServer) -> None:
    server.json({})
    async with client_for(server, default_headers={"OpenAI-Beta": "default"}) as client:
        await client._request(
            "POST",
            "/threads",
            cast_to=object,
            body={},
            headers={"OpenAI-Beta": "assistants=v2", "X-Op": "op"},
            extra_headers={"x-op": "extra"},
        )
    assert server.last.headers["OpenAI-Beta"] == "assistants=v2"
    assert server.last.headers.getall("X-Op") == ["extra"]


@pytest.mark.parametrize(
    ("options", "call_headers"),
    [
        ({"api_key": "sk-pasted-with-newline\n"}, None),
        ({"api_key": KEY, "default_headers": {"X-Bad": "a\rb"}}, None),
        ({"api_key": KEY}, {"X-Bad": "evil\r\nInjected: 1"}),
    ],
)
async def test_cr_or_lf_in_a_header_raises_before_sending(
    server: TestServer, options: dict[str, object], call_headers: dict[str, str] | None
) -> None:
    with pytest.raises(ValueError, match="line break") as caught:
        client = AsyncOpenAI(base_url=server.url, **options)  # type: ignore[arg-type]
        await client.get("/never", extra_headers=call_headers)
    assert "newline\n" not in str(caught.value)
    assert "evil" not in str(caught.value)
    assert "pasted" not in str(caught.value)
    assert server.requests == []


async def test_key_provider_with_newline_raises_before_sending(server: TestServer) -> None:
    async with AsyncOpenAI(api_key=lambda: "sk-bad\n", base_url=server.url) as client:
        with pytest.raises(ValueError, match="Authorization") as caught:
            await client.get("/never")
    assert "sk-bad" not in str(caught.value)
    assert server.requests == []


async def test_verbs_send_their_method(server: TestServer) -> None:
    server.json({}, times=5)
    async with client_for(server) as client:
        await client.get("/v")
        await client.post("/v", body={"a": 1})
        await client.put("/v", body={"a": 1})
        await client.patch("/v", body={"a": 1})
        await client.delete("/v")
    assert [r.method for r in server.requests] == ["GET", "POST", "PUT", "PATCH", "DELETE"]


async def test_text_and_none_results(server: TestServer) -> None:
    server.raw(b"plain text", headers={"content-type": "text/plain"})
    server.raw(b"", status=204)
    async with client_for(server) as client:
        assert await client.get("/text", cast_to=str) == "plain text"
        assert await client.delete("/gone", cast_to=type(None)) is None
