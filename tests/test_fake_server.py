"""The fake OpenAI server's shell: lifecycle (async, thread, pytest plugin), routing at the root
and under /v1, headers, recording, request validation and API-key checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from importlib.metadata import entry_points
from pathlib import Path

import aiohttp
import pytest

from openai_async.testing import FakeOpenAI

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]}


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_serves_under_v1_and_at_the_root(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    assert fake.url.startswith("http://127.0.0.1:") and fake.url.endswith("/v1")
    root = fake.url.removesuffix("/v1")
    for base in (fake.url, root):
        async with http.post(f"{base}/chat/completions", json=CHAT) as resp:
            assert resp.status == 200
            assert (await resp.json())["object"] == "chat.completion"
    assert [r.path for r in fake.requests] == ["/v1/chat/completions", "/chat/completions"]
    assert {r.route for r in fake.requests} == {"POST /chat/completions"}


async def test_headers_carry_request_id_rate_limits_and_timing(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    seen: list[str] = []
    remaining: list[int] = []
    for _ in range(2):
        async with http.post(f"{fake.url}/chat/completions", json=CHAT) as resp:
            seen.append(resp.headers["x-request-id"])
            remaining.append(int(resp.headers["x-ratelimit-remaining-requests"]))
            assert resp.headers["x-ratelimit-limit-requests"] == "10000"
            assert int(resp.headers["x-ratelimit-limit-tokens"]) > int(
                resp.headers["x-ratelimit-remaining-tokens"]
            )
            assert resp.headers["x-ratelimit-reset-requests"].endswith(("ms", "s"))
            assert resp.headers["x-ratelimit-reset-tokens"].endswith(("ms", "s"))
            assert int(resp.headers["openai-processing-ms"]) >= 0
            assert resp.headers["content-type"].startswith("application/json")
    assert seen[0].startswith("req_") and seen[0] != seen[1]
    assert remaining == [9999, 9998]


async def test_records_method_path_query_headers_and_body(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    async with http.get(
        f"{fake.url}/files?limit=2&order=asc", headers={"Authorization": "Bearer sk-test"}
    ) as resp:
        assert resp.status == 200
    async with http.post(f"{fake.url}/chat/completions", data=json.dumps(CHAT).encode()) as resp:
        assert resp.status == 200
    first, second = fake.requests
    assert (first.method, first.path, first.route) == ("GET", "/v1/files", "GET /files")
    assert dict(first.query) == {"limit": "2", "order": "asc"}
    assert first.headers["Authorization"] == "Bearer sk-test"
    assert first.body == b""
    assert second.body == json.dumps(CHAT).encode()
    assert second.json() == CHAT
    assert fake.last_request is second
    assert fake.requests_to("POST /chat/completions") == [second]


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"messages": [{"role": "user", "content": "x"}]}, "model", "missing_required_parameter"),
        ({"model": 4, "messages": [{"role": "user", "content": "x"}]}, "model", "invalid_type"),
        ({"model": "m", "messages": []}, "messages", "empty_array"),
        (
            {"model": "m", "messages": [{"content": "x"}]},
            "messages[0].role",
            "missing_required_parameter",
        ),
        ({"model": "m", "messages": ["hi"]}, "messages[0]", "invalid_type"),
        (
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "n": "2"},
            "n",
            "invalid_type",
        ),
    ],
)
async def test_invalid_requests_get_the_api_400_naming_the_field(
    fake: FakeOpenAI, http: aiohttp.ClientSession, body: dict[str, object], param: str, code: str
) -> None:
    async with http.post(f"{fake.url}/chat/completions", json=body) as resp:
        assert resp.status == 400
        error = (await resp.json())["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["code"] == code
    assert param in error["message"]


async def test_bad_json_body_and_unknown_route(
    fake: FakeOpenAI, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        f"{fake.url}/chat/completions", data=b"{nope", headers={"content-type": "application/json"}
    ) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"]["type"] == "invalid_request_error"
    async with http.get(f"{fake.url}/no/such/route") as resp:
        assert resp.status == 404
        error = (await resp.json())["error"]
        assert error["message"] == "Invalid URL (GET /v1/no/such/route)"
    assert fake.requests[-1].route is None


async def test_api_key_is_checked_when_configured(http: aiohttp.ClientSession) -> None:
    async with FakeOpenAI(api_key="sk-right") as fake:
        url = f"{fake.url}/models"
        async with http.get(url, headers={"Authorization": "Bearer sk-wrong"}) as resp:
            assert resp.status == 401
            assert (await resp.json())["error"]["code"] == "invalid_api_key"
        async with http.get(url, headers={"Authorization": "Bearer sk-right"}) as resp:
            assert resp.status == 200


async def test_injected_clock_sets_timestamps(http: aiohttp.ClientSession) -> None:
    async with FakeOpenAI(clock=lambda: 1_234_567.9) as fake:
        data = await (await http.post(f"{fake.url}/chat/completions", json=CHAT)).json()
    assert data["created"] == 1_234_567


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


def test_blocking_form_runs_in_a_thread() -> None:
    with FakeOpenAI() as fake:
        assert _get_json(f"{fake.url}/models/gpt-4o") == {
            "id": "gpt-4o",
            "object": "model",
            "created": 1_700_000_000,
            "owned_by": "system",
        }
        fake.chat.reply("scripted from the test thread")
        request = urllib.request.Request(
            f"{fake.url}/chat/completions",
            data=json.dumps(CHAT).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            answer = json.loads(resp.read())
        assert answer["choices"][0]["message"]["content"] == "scripted from the test thread"
        url = fake.url
    with pytest.raises(urllib.error.URLError):
        _get_json(f"{url}/models")


def test_start_in_thread_and_close() -> None:
    fake = FakeOpenAI.start_in_thread(polls=1)
    try:
        assert _get_json(f"{fake.url}/models")
        assert fake.requests[0].path == "/v1/models"
    finally:
        fake.close()
    fake.close()  # closing twice is harmless


def _plugin_args() -> list[str]:
    installed = any(
        ep.value == "openai_async.testing.pytest_plugin" for ep in entry_points(group="pytest11")
    )
    return [] if installed else ["-p", "openai_async.testing.pytest_plugin"]


def test_pytest_plugin_fixtures_work_in_a_users_suite(tmp_path: Path) -> None:
    test_file = tmp_path / "test_user_app.py"
    test_file.write_text(
        textwrap.dedent(
            """
            import json, urllib.request
            import aiohttp
            import pytest

            @pytest.mark.asyncio
            async def test_async(fake_openai):
                fake_openai.chat.reply("from the fixture")
                body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
                async with aiohttp.ClientSession() as s:
                    async with s.post(fake_openai.url + "/chat/completions", json=body) as r:
                        data = await r.json()
                assert data["choices"][0]["message"]["content"] == "from the fixture"

            def test_sync(fake_openai_sync):
                with urllib.request.urlopen(fake_openai_sync.url + "/models") as r:
                    assert json.loads(r.read())["object"] == "list"
                assert fake_openai_sync.requests[0].route == "GET /models"
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *_plugin_args(),
            "-o",
            "asyncio_mode=strict",
            str(test_file),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
