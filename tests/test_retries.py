"""Retries: which failures retry, how long we wait (injected sleep), Retry-After, budgets."""

from __future__ import annotations

import email.utils
import socket
import time

import pytest

from openai_async import (
    APIConnectionError,
    AsyncOpenAI,
    BadRequestError,
    InsufficientQuotaError,
    InternalServerError,
    RateLimitError,
)
from openai_async._response import to_raw_response_wrapper
from openai_async._retry import RetryPolicy, backoff_delay, retry_after
from tests.server import TestServer

KEY = "sk-test-retries-0123456789"
ERROR = {"error": {"message": "try again", "type": "server_error"}}


class Sleeps:
    """An injected sleep that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def client_for(server: TestServer, sleeps: Sleeps, **options: object) -> AsyncOpenAI:
    return AsyncOpenAI(api_key=KEY, base_url=server.url, _sleep=sleeps, **options)  # type: ignore[arg-type]


def retry_counts(server: TestServer) -> list[str]:
    return [r.headers["OpenAI-Async-Retry-Count"] for r in server.requests]


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503])
async def test_retryable_statuses_then_success(server: TestServer, status: int) -> None:
    sleeps = Sleeps()
    server.json(ERROR, status=status, times=2)
    server.json({"ok": 1}, headers={"x-request-id": "req_final"})
    async with client_for(server, sleeps) as client:
        raw = await to_raw_response_wrapper(client.post)("/r", body={"a": 1})
        assert raw.retries_taken == 2
        assert raw.request_id == "req_final"
        assert await raw.parse() == {"ok": 1}
    assert retry_counts(server) == ["0", "1", "2"]
    assert [r.body for r in server.requests] == [b'{"a":1}'] * 3
    assert len(sleeps.delays) == 2
    assert 0.375 <= sleeps.delays[0] <= 0.5
    assert 0.75 <= sleeps.delays[1] <= 1.0
    assert server.accepts == 1  # error bodies were read, the connection went back to the pool


async def test_budget_exhausted_raises_the_last_error(server: TestServer) -> None:
    sleeps = Sleeps()
    server.json(ERROR, status=500, times=4, headers={"x-request-id": "req_last"})
    async with client_for(server, sleeps, max_retries=3) as client:
        with pytest.raises(InternalServerError) as caught:
            await client.get("/always-failing")
    assert caught.value.request_id == "req_last"
    assert retry_counts(server) == ["0", "1", "2", "3"]
    assert len(sleeps.delays) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_other_4xx_are_not_retried(server: TestServer, status: int) -> None:
    sleeps = Sleeps()
    server.json(ERROR, status=status)
    async with client_for(server, sleeps) as client:
        with pytest.raises(Exception) as caught:
            await client.get("/no")
    assert getattr(caught.value, "status_code", None) == status
    assert len(server.requests) == 1
    assert sleeps.delays == []


async def test_insufficient_quota_is_never_retried(server: TestServer) -> None:
    sleeps = Sleeps()
    server.json(
        {"error": {"message": "quota", "code": "insufficient_quota"}},
        status=429,
        headers={"x-should-retry": "true"},
    )
    async with client_for(server, sleeps) as client:
        with pytest.raises(InsufficientQuotaError):
            await client.get("/quota")
    assert len(server.requests) == 1


async def test_x_should_retry_overrides_both_ways(server: TestServer) -> None:
    sleeps = Sleeps()
    server.json(ERROR, status=400, headers={"x-should-retry": "true"})
    server.json({"ok": True})
    server.json(ERROR, status=503, headers={"x-should-retry": "false"})
    async with client_for(server, sleeps) as client:
        assert await client.get("/forced") == {"ok": True}
        with pytest.raises(InternalServerError):
            await client.get("/forbidden")
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
    ],
)
async def test_retry_after_headers_set_the_delay(
    server: TestServer, headers: dict[str, str], expected: float
) -> None:
    sleeps = Sleeps()
    server.json(ERROR, status=429, headers=headers)
    server.json({"ok": True})
    async with client_for(server, sleeps) as client:
        assert await client.get("/wait") == {"ok": True}
    assert sleeps.delays == [expected]


async def test_retry_after_http_date(server: TestServer) -> None:
    sleeps = Sleeps()
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    server.json(ERROR, status=503, headers={"retry-after": when})
    server.json({"ok": True})
    async with client_for(server, sleeps) as client:
        assert await client.get("/date") == {"ok": True}
    assert 27.0 <= sleeps.delays[0] <= 31.0


async def test_retry_after_above_the_cap_raises_at_once(server: TestServer) -> None:
    sleeps = Sleeps()
    server.json(ERROR, status=429, headers={"retry-after": "121"})
    server.json(ERROR, status=429, headers={"retry-after": "30"})
    async with client_for(server, sleeps) as client:
        with pytest.raises(RateLimitError):
            await client.get("/long")
        with pytest.raises(RateLimitError):
            await client.with_options(max_retry_delay=10.0).get("/capped")
    assert len(server.requests) == 2
    assert sleeps.delays == []


async def test_max_retries_zero_and_per_copy_budget(server: TestServer) -> None:
    sleeps = Sleeps()
    server.json(ERROR, status=500, times=2)
    server.json({"ok": True})
    async with client_for(server, sleeps, max_retries=0) as client:
        with pytest.raises(InternalServerError):
            await client.get("/once")
        assert await client.with_options(max_retries=1).get("/twice") == {"ok": True}
    assert retry_counts(server) == ["0", "0", "1"]


async def test_connection_errors_are_retried() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    client = AsyncOpenAI(api_key=KEY, base_url=f"http://127.0.0.1:{port}", _sleep=sleeps)
    async with client:
        with pytest.raises(APIConnectionError):
            await client.get("/down")
    assert len(sleeps.delays) == 2


async def test_bad_request_is_raised_without_sleeping(server: TestServer) -> None:
    sleeps = Sleeps()
    server.json({"error": {"message": "bad"}}, status=400)
    async with client_for(server, sleeps) as client:
        with pytest.raises(BadRequestError):
            await client.post("/bad", body={})
    assert sleeps.delays == []


def test_backoff_doubles_to_eight_seconds_with_jitter() -> None:
    for retries_done, base in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        for _ in range(50):
            assert base * 0.75 <= backoff_delay(retries_done) <= base


def test_retry_after_parsing() -> None:
    assert retry_after({"retry-after-ms": "abc", "retry-after": "2"}) == 2.0
    assert retry_after({"retry-after": "not a date"}) is None
    assert retry_after({}) is None
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert retry_after({"retry-after": date}, now=1445412470.0) == 10.0
    policy = RetryPolicy(2, 120.0, None)
    assert policy.delay(None, 0) <= 0.5
