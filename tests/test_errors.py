"""Status codes and transport failures become the typed exceptions, with their fields."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from aiohttp import web

from openai_async import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AsyncOpenAI,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsufficientQuotaError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from openai_async._exceptions import error_from_event
from tests.server import TestServer

KEY = "sk-test-errors-0123456789"


def client_for(server: TestServer) -> AsyncOpenAI:
    return AsyncOpenAI(api_key=KEY, base_url=server.url, max_retries=0)


def acquired(client: AsyncOpenAI) -> int:
    session = client._store.current()
    assert session is not None and session.connector is not None
    return len(session.connector._acquired)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
    ],
)
async def test_status_maps_to_class_with_fields(
    server: TestServer, status: int, cls: type[APIStatusError]
) -> None:
    error = {
        "message": "Bad thing",
        "type": "invalid_request_error",
        "param": "model",
        "code": "c1",
    }
    server.json({"error": error}, status=status, headers={"x-request-id": "req_err"})
    client = client_for(server)
    with pytest.raises(APIStatusError) as caught:
        await client.post("/x", body={"model": "m"})
    exc = caught.value
    assert type(exc) is cls
    assert exc.status_code == status
    assert exc.request_id == "req_err"
    assert exc.headers["x-request-id"] == "req_err"
    assert exc.body == {"error": error}
    assert (exc.message, exc.type, exc.param, exc.code) == (
        f"Error code: {status} - Bad thing",
        "invalid_request_error",
        "model",
        "c1",
    )
    assert str(exc) == exc.message
    assert acquired(client) == 0
    await client.aclose()


async def test_insufficient_quota_is_its_own_rate_limit_error(server: TestServer) -> None:
    server.json(
        {"error": {"message": "quota", "type": "insufficient_quota", "code": "insufficient_quota"}},
        status=429,
    )
    async with client_for(server) as client:
        with pytest.raises(InsufficientQuotaError) as caught:
            await client.get("/q")
    assert isinstance(caught.value, RateLimitError)
    assert caught.value.code == "insufficient_quota"


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            b"<html><head><style>p{}</style></head><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
            "Error code: 502 - 502 Bad Gateway",
        ),
        (b"upstream connect error", "text/plain", "Error code: 502 - upstream connect error"),
        (b'{"detail": "not here"}', "application/json", 'Error code: 502 - {"detail": "not here"}'),
        (b"", "text/plain", "Error code: 502"),
    ],
)
async def test_non_openai_bodies_give_readable_messages(
    server: TestServer, body: bytes, content_type: str, expected: str
) -> None:
    server.raw(body, status=502, headers={"content-type": content_type})
    async with client_for(server) as client:
        with pytest.raises(InternalServerError) as caught:
            await client.get("/gw")
    assert caught.value.message == expected
    assert caught.value.code is None
    assert caught.value.request_id is None


async def test_connection_refused_is_connection_error_with_cause() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with AsyncOpenAI(api_key=KEY, base_url=f"http://127.0.0.1:{port}", max_retries=0) as c:
        with pytest.raises(APIConnectionError) as caught:
            await c.get("/nothing-listens")
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectionError)
    assert caught.value.status_code is None


async def test_body_cut_short_is_connection_error(server: TestServer) -> None:
    async def cut(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "100"})
        await response.prepare(request)
        await response.write(b'{"partial"')
        assert request.transport is not None
        request.transport.close()
        return response

    server.add(cut)
    async with client_for(server) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.post("/cut", body={})
        assert acquired(client) == 0
    assert isinstance(caught.value.__cause__, aiohttp.ClientError)


def test_error_from_stream_event_shapes() -> None:
    nested = error_from_event(
        {"error": {"message": "overloaded", "type": "server_error", "code": "x", "param": None}}
    )
    assert type(nested) is APIError
    assert (nested.message, nested.type, nested.code, nested.param) == (
        "overloaded",
        "server_error",
        "x",
        None,
    )
    flat = error_from_event({"type": "error", "code": "rate", "message": "slow down"})
    assert (flat.message, flat.code) == ("slow down", "rate")
    odd = error_from_event({"weird": 1})
    assert "weird" in odd.message
    assert odd.body == {"weird": 1}


async def test_error_text_never_holds_the_key(server: TestServer) -> None:
    server.json({"error": {"message": f"Incorrect API key provided: {KEY}"}}, status=401)
    async with client_for(server) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get("/auth")
    assert KEY not in str(caught.value)
    assert KEY not in caught.value.message
