"""Logging: what is logged, OPENAI_LOG, and that secrets never reach a log line or a repr."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web

from openai_async import AsyncAzureOpenAI, AsyncOpenAI, AuthenticationError
from openai_async._logging import logger, redact, setup_logging
from tests.server import TestServer

KEY = "sk-test-logging-SECRET-0123456789"
AZURE_KEY = "0123456789abcdef0123456789abcdef"


async def no_sleep(_: float) -> None:
    return None


async def test_requests_responses_and_retries_are_logged(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.json({"error": {"message": "busy"}}, status=503, headers={"x-request-id": "req_1"})
    server.json({"ok": True}, headers={"x-request-id": "req_2"})
    with caplog.at_level(logging.DEBUG, logger="openai_async"):
        async with AsyncOpenAI(api_key=KEY, base_url=server.url, _sleep=no_sleep) as client:
            await client.post("/chat/completions", body={"model": "m"})
    lines = [r.getMessage() for r in caplog.records if r.name == "openai_async"]
    assert "request POST /chat/completions (retry 0)" in lines
    assert "response POST /chat/completions -> 503 (request id req_1)" in lines
    assert any(
        line.startswith("retrying POST /chat/completions in ") and "status 503" in line
        for line in lines
    )
    assert "response POST /chat/completions -> 200 (request id req_2)" in lines


async def test_a_connection_retry_names_the_transport_error(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    async def drop(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.abort()
        raise asyncio.CancelledError

    server.add(drop)
    server.json({"ok": True})
    with caplog.at_level(logging.INFO, logger="openai_async"):
        async with AsyncOpenAI(api_key=KEY, base_url=server.url, _sleep=no_sleep) as client:
            assert await client.post("/chat/completions", body={"model": "m"}) == {"ok": True}
    retries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("retrying")]
    assert len(retries) == 1
    assert retries[0].endswith("after APIConnectionError (ServerDisconnectedError)"), retries
    assert [r.path for r in server.requests] == ["/chat/completions"] * 2


async def test_retry_after_above_cap_decision_is_logged(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.json({"error": {"message": "later"}}, status=429, headers={"retry-after": "500"})
    with caplog.at_level(logging.INFO, logger="openai_async"):
        async with AsyncOpenAI(api_key=KEY, base_url=server.url) as client:
            with pytest.raises(Exception):  # noqa: B017 - the type is tested elsewhere
                await client.get("/later")
    assert any("above the 120.0 s cap" in r.getMessage() for r in caplog.records)


async def test_keys_never_appear_in_logs_reprs_or_errors(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.json({"error": {"message": f"bad key {KEY}"}}, status=401)
    server.json({"error": {"message": f"bad key {AZURE_KEY}"}}, status=401)
    with caplog.at_level(logging.DEBUG):
        client = AsyncOpenAI(api_key=KEY, base_url=server.url)
        azure = AsyncAzureOpenAI(api_key=AZURE_KEY, api_version="v1", base_url=server.url)
        texts = [repr(client), repr(azure)]
        for each in (client, azure):
            with pytest.raises(AuthenticationError) as caught:
                await each.get("/auth")
            texts += [str(caught.value), repr(caught.value), caught.value.message]
            await each.aclose()
        logger.debug("headers %s", {"Authorization": f"Bearer {KEY}", "api-key": AZURE_KEY})
    texts += [r.getMessage() for r in caplog.records]
    texts.append(caplog.text)
    assert server.requests[0].headers["Authorization"] == f"Bearer {KEY}"
    assert server.requests[1].headers["api-key"] == AZURE_KEY
    for text in texts:
        assert KEY not in text
        assert AZURE_KEY not in text


def test_redact_patterns() -> None:
    assert redact("Authorization: Bearer abc.def") == "Authorization: Bearer <redacted>"
    assert redact("token=Bearer xyz123") == "token=Bearer <redacted>"
    assert redact("{'api-key': 'hello-world'}") == "{'api-key': '<redacted>'}"
    assert redact("key sk-proj-abcdEFGH_1234 used") == "key <redacted> used"
    assert redact("nothing secret here") == "nothing secret here"


def test_openai_log_env_installs_a_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_LOG", "debug")
    before = list(logger.handlers)
    level = logger.level
    try:
        setup_logging()
        setup_logging()  # idempotent
        added = [h for h in logger.handlers if h not in before]
        assert len(added) == 1
        assert logger.level == logging.DEBUG
        assert any(type(f).__name__ == "RedactingFilter" for f in added[0].filters)
    finally:
        for handler in logger.handlers[:]:
            if handler not in before:
                logger.removeHandler(handler)
        logger.setLevel(level)
