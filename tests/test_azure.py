"""Azure: endpoint and deployment URLs, api-version, the three auth modes, model routing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiohttp import web

from openai_async import AsyncAzureOpenAI, OpenAIError
from tests.server import Handler, TestServer

KEY = "azure-key-0123456789abcdef"
ENV = (
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_AD_TOKEN",
    "AZURE_OPENAI_ENDPOINT",
    "OPENAI_API_VERSION",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    yield


async def no_sleep(_: float) -> None:
    return None


async def test_api_key_header_version_query_and_model_routing(server: TestServer) -> None:
    server.json({}, times=3)
    client = AsyncAzureOpenAI(azure_endpoint=server.url + "/", api_key=KEY, api_version="2024-10")
    async with client:
        assert client.base_url == server.url + "/openai"
        await client.post("/chat/completions", body={"model": "my-gpt", "messages": []})
        await client.post("/files", body={"purpose": "x"}, query={"limit": 1})
        await client.post(
            "/audio/transcriptions", body={"model": "whisper dep"}, files={"file": b"x"}
        )
    chat, files, audio = server.requests
    assert chat.path == "/openai/deployments/my-gpt/chat/completions"
    assert chat.query["api-version"] == "2024-10"
    assert chat.headers["api-key"] == KEY
    assert "Authorization" not in chat.headers
    assert files.path == "/openai/files"
    assert dict(files.query) == {"api-version": "2024-10", "limit": "1"}
    assert audio.raw_path.startswith("/openai/deployments/whisper%20dep/audio/transcriptions?")


async def test_configured_deployment_is_in_the_base_url(server: TestServer) -> None:
    server.json({})
    client = AsyncAzureOpenAI(
        azure_endpoint=server.url, azure_deployment="dep1", api_key=KEY, api_version="v"
    )
    async with client:
        await client.post("/embeddings", body={"model": "other"})
    assert server.last.path == "/openai/deployments/dep1/embeddings"


async def test_environment_configuration(
    server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.url)
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-01")
    server.json({})
    async with AsyncAzureOpenAI() as client:
        await client.get("/models")
    assert server.last.path == "/openai/models"
    assert server.last.query["api-version"] == "2025-01"
    assert server.last.headers["api-key"] == KEY


async def test_ad_token_and_providers_are_bearer(server: TestServer) -> None:
    calls: list[str] = []

    def sync_provider() -> str:
        calls.append("sync")
        return f"token-{len(calls)}"

    async def async_provider() -> str:
        calls.append("async")
        return f"token-{len(calls)}"

    server.json({})
    server.json({"error": {"message": "x"}}, status=500)
    server.json({})
    server.json({})
    common = {"azure_endpoint": server.url, "api_version": "v", "_sleep": no_sleep}
    async with AsyncAzureOpenAI(azure_ad_token="static-token", **common) as static:  # type: ignore[arg-type]
        await static.get("/a")
    async with AsyncAzureOpenAI(azure_ad_token_provider=sync_provider, **common) as synced:  # type: ignore[arg-type]
        await synced.get("/b")
    async with AsyncAzureOpenAI(azure_ad_token_provider=async_provider, **common) as asynced:  # type: ignore[arg-type]
        await asynced.get("/c")
    assert [r.headers["Authorization"] for r in server.requests] == [
        "Bearer static-token",
        "Bearer token-1",
        "Bearer token-2",
        "Bearer token-3",
    ]
    assert calls == ["sync", "sync", "async"]
    assert all("api-key" not in r.headers for r in server.requests)


def test_auth_must_be_exactly_one_mode() -> None:
    with pytest.raises(OpenAIError, match="only one of"):
        AsyncAzureOpenAI(
            azure_endpoint="http://e", api_version="v", api_key=KEY, azure_ad_token="t"
        )
    with pytest.raises(OpenAIError, match="AZURE_OPENAI_API_KEY"):
        AsyncAzureOpenAI(azure_endpoint="http://e", api_version="v")
    with pytest.raises(OpenAIError, match="OPENAI_API_VERSION"):
        AsyncAzureOpenAI(azure_endpoint="http://e", api_key=KEY)
    with pytest.raises(OpenAIError, match="AZURE_OPENAI_ENDPOINT"):
        AsyncAzureOpenAI(api_key=KEY, api_version="v")


async def test_with_options_switches_auth_mode_and_keeps_the_rest(server: TestServer) -> None:
    server.json({}, times=2)
    client = AsyncAzureOpenAI(azure_endpoint=server.url, api_key=KEY, api_version="v9")
    switched = client.with_options(azure_ad_token="tok")
    assert switched._store is client._store
    await client.get("/one")
    await switched.get("/two")
    first, second = server.requests
    assert first.headers["api-key"] == KEY
    assert second.headers["Authorization"] == "Bearer tok"
    assert "api-key" not in second.headers
    assert second.query["api-version"] == "v9"
    assert KEY not in repr(client)
    await client.aclose()


def redirect_to(location: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=307, headers={"Location": location})

    return handler


async def test_api_key_is_not_sent_across_origins_on_a_redirect(server: TestServer) -> None:
    other = await TestServer().start()
    try:
        other.json({"ok": True})
        server.add(redirect_to(f"{other.url}/elsewhere"))
        client = AsyncAzureOpenAI(azure_endpoint=server.url, api_key=KEY, api_version="v")
        async with client:
            assert await client.post("/files", body={"a": 1}) == {"ok": True}
        assert server.last.headers["api-key"] == KEY
        assert other.last.path == "/elsewhere"
        assert "api-key" not in other.last.headers
        assert other.last.body == b'{"a":1}'
    finally:
        await other.stop()


async def test_api_key_follows_a_same_origin_redirect(server: TestServer) -> None:
    server.add(redirect_to(f"{server.url}/openai/moved"))
    server.json({"ok": True})
    client = AsyncAzureOpenAI(azure_endpoint=server.url, api_key=KEY, api_version="v")
    async with client:
        assert await client.post("/files", body={}) == {"ok": True}
    assert [r.path for r in server.requests] == ["/openai/files", "/openai/moved"]
    assert server.last.headers["api-key"] == KEY
