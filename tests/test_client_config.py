"""Client construction, environment variables, copies and lifecycle, over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import aiohttp
import pytest

from openai_async import AsyncOpenAI, OpenAIError, Timeout, omit
from tests.server import TestServer

KEY = "sk-test-config-0123456789"
ENV = ("OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_BASE_URL")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    yield


def acquired(client: AsyncOpenAI) -> int:
    session = client._store.current()
    assert session is not None and session.connector is not None
    return len(session.connector._acquired)


async def test_missing_key_names_the_variable() -> None:
    with pytest.raises(OpenAIError, match="OPENAI_API_KEY"):
        AsyncOpenAI()


async def test_environment_supplies_key_org_project_and_base_url(
    server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-env")
    monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/env/v1/")
    server.json({"ok": True})
    async with AsyncOpenAI() as client:
        assert client.base_url == server.url + "/env/v1"
        assert await client.get("/models") == {"ok": True}
    sent = server.last
    assert sent.method == "GET"
    assert sent.path == "/env/v1/models"
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.headers["OpenAI-Organization"] == "org-env"
    assert sent.headers["OpenAI-Project"] == "proj-env"


async def test_arguments_beat_environment(
    server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-should-not-be-used")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    server.json({})
    async with AsyncOpenAI(api_key=KEY, organization="org-arg", base_url=server.url) as client:
        await client.get("/x")
    assert server.last.headers["Authorization"] == f"Bearer {KEY}"
    assert server.last.headers["OpenAI-Organization"] == "org-arg"
    assert "OpenAI-Project" not in server.last.headers


async def test_default_headers_and_query_with_per_call_overrides(server: TestServer) -> None:
    server.json({}, times=2)
    client = AsyncOpenAI(
        api_key=KEY,
        base_url=server.url,
        organization="org-1",
        default_headers={"X-Team": "a", "X-Other": "b"},
        default_query={"tenant": "t1", "keep": "k"},
    )
    async with client:
        await client.get("/q")
        await client.get(
            "/q",
            extra_headers={"x-team": "override", "OpenAI-Organization": omit},
            extra_query={"tenant": "t2"},
        )
    first, second = server.requests
    assert first.headers["X-Team"] == "a"
    assert dict(first.query) == {"tenant": "t1", "keep": "k"}
    assert second.headers["X-Team"] == "override"
    assert second.headers["X-Other"] == "b"
    assert "OpenAI-Organization" not in second.headers
    assert dict(second.query) == {"tenant": "t2", "keep": "k"}


async def test_sync_and_async_key_providers_are_called_before_every_attempt(
    server: TestServer,
) -> None:
    calls: list[int] = []

    def sync_key() -> str:
        calls.append(len(calls))
        return f"sk-rotating-{len(calls)}"

    async def async_key() -> str:
        calls.append(len(calls))
        return f"sk-rotating-{len(calls)}"

    async def no_sleep(_: float) -> None:
        return None

    for provider in (sync_key, async_key):
        calls.clear()
        server.requests.clear()
        server.json({"error": {"message": "busy"}}, status=503)
        server.json({"done": True})
        async with AsyncOpenAI(api_key=provider, base_url=server.url, _sleep=no_sleep) as client:
            assert await client.post("/r", body={}) == {"done": True}
        assert [r.headers["Authorization"] for r in server.requests] == [
            "Bearer sk-rotating-1",
            "Bearer sk-rotating-2",
        ]
        assert len(calls) == 2


async def test_with_options_shares_the_pool_and_keeps_settings(server: TestServer) -> None:
    server.json({}, times=3)
    parent = AsyncOpenAI(
        api_key=KEY, base_url=server.url, default_headers={"X-A": "1"}, max_retries=5
    )
    child = parent.with_options(timeout=3.0, default_headers={"X-B": "2"})
    other = parent.copy(connection_limit=3)
    assert child._store is parent._store
    assert other._store is not parent._store
    assert child.max_retries == 5
    assert child.timeout == 3.0
    assert child.default_headers == {"X-A": "1", "X-B": "2"}
    await parent.get("/a")
    await child.get("/b")
    assert server.accepts == 1  # one pooled connection served both clients
    assert server.requests[1].headers["X-A"] == "1"
    assert server.requests[1].headers["X-B"] == "2"
    await other.get("/c")
    assert server.accepts == 2
    assert acquired(parent) == 0
    await other.aclose()
    await parent.aclose()
    assert parent._store.current() is None


async def test_repr_hides_the_key() -> None:
    client = AsyncOpenAI(api_key=KEY, base_url="http://127.0.0.1:9", timeout=Timeout(total=9))
    text = repr(client)
    assert KEY not in text
    assert "http://127.0.0.1:9" in text


async def test_user_session_is_used_and_never_closed(server: TestServer) -> None:
    server.json({"n": 1})
    async with aiohttp.ClientSession() as session:
        async with AsyncOpenAI(api_key=KEY, base_url=server.url, session=session) as client:
            assert await client.get("/s") == {"n": 1}
        assert not session.closed
        assert server.last.headers["Authorization"] == f"Bearer {KEY}"


async def test_user_connector_is_shared_and_never_closed(server: TestServer) -> None:
    server.json({}, times=2)
    connector = aiohttp.TCPConnector(limit=4)
    try:
        async with AsyncOpenAI(api_key=KEY, base_url=server.url, connector=connector) as client:
            await client.get("/c1")
            await client.get("/c2")
            assert client._store.pool_size == 4
        assert not connector.closed
        assert server.accepts == 1
    finally:
        await connector.close()


MODULE_CLIENT = AsyncOpenAI(api_key=KEY, base_url="http://127.0.0.1:1")  # built before any loop


async def test_client_built_at_import_time_serves_requests(server: TestServer) -> None:
    client = MODULE_CLIENT.with_options(base_url=server.url)
    server.json({"import": "time"})
    assert await client.get("/i") == {"import": "time"}
    await client.aclose()


def test_same_client_in_two_asyncio_runs() -> None:
    client = AsyncOpenAI(api_key=KEY, base_url="http://placeholder")

    async def one_call(tag: str) -> object:
        srv = await TestServer().start()
        try:
            srv.json({"tag": tag})
            return await client.with_options(base_url=srv.url).get("/run")
        finally:
            await srv.stop()

    assert asyncio.run(one_call("first")) == {"tag": "first"}
    assert asyncio.run(one_call("second")) == {"tag": "second"}
    assert len(client._store._sessions) == 1


async def test_get_api_list_crosses_cursor_pages(server: TestServer) -> None:
    from openai_async._pagination import AsyncCursorPage

    server.json({"object": "list", "data": [{"id": "a"}, {"id": "b"}], "has_more": True})
    server.json({"object": "list", "data": [{"id": "c"}], "has_more": False})
    async with AsyncOpenAI(api_key=KEY, base_url=server.url) as client:
        pages = client.get_api_list(
            "/items", page=AsyncCursorPage[object], query={"limit": 2}, headers={"X-Op": "1"}
        )
        items = [item async for item in pages]
    assert items == [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    assert [dict(r.query) for r in server.requests] == [
        {"limit": "2"},
        {"limit": "2", "after": "b"},
    ]
    assert server.requests[0].headers["X-Op"] == "1"
