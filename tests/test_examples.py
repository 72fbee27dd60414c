"""The examples in ``examples/`` run against the fake server and do what they say.

Scripts run as ``python examples/X.py`` in a subprocess, with ``OPENAI_BASE_URL`` /
``OPENAI_API_KEY`` pointing at a fake server in this process; the FastAPI app runs under a real
uvicorn on loopback, and a real HTTP client reads its SSE relay (and walks away from it).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from openai_async.testing import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _env(fake: FakeOpenAI | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI_"))}
    env["PYTHONPATH"] = str(ROOT)
    if fake is not None:
        env["OPENAI_BASE_URL"] = fake.url
        env["OPENAI_API_KEY"] = "sk-example-test"
    return env


def _run(name: str, fake: FakeOpenAI | None, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        cwd=ROOT,
        env=_env(fake),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


# -- blocking scripts -----------------------------------------------------------------------------


def test_blocking_script_runs_and_retries_a_429() -> None:
    with FakeOpenAI() as fake:
        fake.faults.add("POST /chat/completions", "status", status=429, retry_after_ms=5)
        out = _run("blocking_script.py", fake)
    assert out.splitlines() == [
        "answer: You said: What is a haiku?",
        "streamed: You said: Write one about tea.",
        "models: gpt-4o, gpt-4o-mini, gpt-4.1",
        "error: 404 Error code: 404 - The model 'no-such-model' does not exist.",
    ]
    routes = [r.route for r in fake.requests]
    assert routes == [
        "POST /chat/completions",
        "POST /chat/completions",
        "POST /chat/completions",
        "GET /models",
        "GET /models/{model}",
    ]
    first, retry, streamed = fake.requests[:3]
    assert first.headers["OpenAI-Async-Retry-Count"] == "0"
    assert retry.headers["OpenAI-Async-Retry-Count"] == "1"
    assert retry.headers["Authorization"] == "Bearer sk-example-test"
    assert streamed.json()["stream"] is True
    assert streamed.headers["Accept"] == "text/event-stream"


def test_thread_pool_fans_out_over_one_client() -> None:
    with FakeOpenAI() as fake:
        out = _run("thread_pool.py", fake)
    lines = out.splitlines()
    assert lines[0] == "apple: You said: Define apple in five words."
    assert lines[-1] == "8 answers from one client"
    assert len(lines) == 9
    asked = sorted(r.json()["messages"][0]["content"] for r in fake.requests)
    assert len(asked) == 8
    assert asked[0] == "Define apple in five words."
    assert {r.route for r in fake.requests} == {"POST /chat/completions"}


def test_scripts_start_the_fake_server_without_a_key() -> None:
    out = _run("thread_pool.py", None)
    assert out.startswith("No OPENAI_API_KEY: using the built-in fake server.\n")
    assert "8 answers from one client" in out


def test_a_failing_script_reports_the_error() -> None:
    with FakeOpenAI() as fake:
        fake.faults.add("POST /chat/completions", "status", status=401)
        result = subprocess.run(
            [sys.executable, str(EXAMPLES / "blocking_script.py")],
            cwd=ROOT,
            env=_env(fake),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 1
    assert "AuthenticationError: Error code: 401" in result.stderr
    assert len(fake.requests) == 1  # a 401 is not retried


def test_bulk_job_answers_every_prompt_and_resumes(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    with FakeOpenAI() as fake:
        first = _run("bulk_job.py", fake, str(results))
        sent = [r.json() for r in fake.requests if r.path.endswith("/chat/completions")]
        again = _run("bulk_job.py", fake, str(results))
        resent = [r for r in fake.requests if r.path.endswith("/chat/completions")]
    assert "8 answered, 0 failed, 0 skipped" in first
    assert "city-0: You said: One fact about Lisbon." in first
    prompts = sorted(body["messages"][0]["content"] for body in sent)
    assert prompts[0] == "One fact about Accra." and len(prompts) == 8
    assert "0 answered, 0 failed, 8 skipped" in again
    assert len(resent) == 8  # the second run sent nothing
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    assert sorted(line["custom_id"] for line in lines) == [f"city-{i}" for i in range(8)]
    assert all(line["response"]["status_code"] == 200 for line in lines)


def test_tool_runner_calls_the_function_and_answers() -> None:
    with FakeOpenAI() as fake:
        fake.chat.tool_call("get_weather", {"city": "Oslo"}, call_id="call_1")
        out = _run("tool_runner.py", fake)
    assert out.splitlines() == [
        'tool call: get_weather({"city": "Oslo"})',
        "answer: The tool returned: light snow, -3 C",
        "requests: 2",
    ]
    first, second = (r.json() for r in fake.requests_to("POST /chat/completions"))
    tool = first["tools"][0]
    assert tool["function"]["name"] == "get_weather"
    assert tool["function"]["strict"] is True
    assert tool["function"]["parameters"]["required"] == ["city"]
    assert second["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "light snow, -3 C",
    }


def test_structured_outputs_parse_into_the_struct() -> None:
    with FakeOpenAI() as fake:
        fake.chat.reply(
            '{"guest": "Ada Lovelace", "party_size": 4, "day": "Friday", "time": "19:30",'
            ' "restaurant": "Luigi\'s"}'
        )
        out = _run("structured_outputs.py", fake)
    assert out.splitlines() == [
        "Ada Lovelace, 4 people, Friday 19:30",
        "restaurant: Luigi's",
    ]
    sent = fake.last_request.json()["response_format"]
    assert sent["type"] == "json_schema"
    assert sent["json_schema"]["name"] == "Booking"
    assert sent["json_schema"]["strict"] is True


def test_structured_outputs_report_a_refusal() -> None:
    with FakeOpenAI() as fake:
        fake.chat.refusal("I cannot help with that.")
        out = _run("structured_outputs.py", fake)
    assert out == "refused: I cannot help with that.\n"


# -- the FastAPI relay ------------------------------------------------------------------------------


class WatchedFake(FakeOpenAI):
    """A fake that notes, per request, whether its handler finished or was cut short."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.outcomes: list[str] = []
        self.handled = asyncio.Event()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            response = await super()._handle(request)
        except BaseException as exc:
            self.outcomes.append(f"cut short: {type(exc).__name__}")
            self.handled.set()
            raise
        self.outcomes.append("finished")
        self.handled.set()
        return response


def _load_app() -> ModuleType:
    pytest.importorskip("fastapi", reason="the FastAPI example needs fastapi and uvicorn")
    pytest.importorskip("uvicorn", reason="the FastAPI example needs fastapi and uvicorn")
    spec = importlib.util.spec_from_file_location(
        "example_fastapi_sse", EXAMPLES / "fastapi_sse.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@asynccontextmanager
async def _serve(app: Any) -> AsyncIterator[str]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(1000):
            if server.started or task.done():
                break
            await asyncio.sleep(0.005)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
        sock.close()


@pytest.fixture
async def relay(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[WatchedFake, str, Any]]:
    module = _load_app()
    async with WatchedFake(event_delay=0.005) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-example-test")
        async with _serve(module.app) as url:
            yield fake, url, module.app


def _events(body: str) -> list[tuple[str, str]]:
    events: list[tuple[str, str]] = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], fields["data"]))
    return events


async def test_relay_streams_the_answer_as_sse(relay: tuple[WatchedFake, str, Any]) -> None:
    fake, url, app = relay
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}/chat", params={"q": "hello there"}) as response:
            assert response.status == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            body = await response.text()
        client = app.state.openai
        async with session.get(f"{url}/chat", params={"q": "again"}) as response:
            await response.read()
        assert app.state.openai is client  # one client for the whole app
    events = _events(body)
    assert events[-1] == ("done", "{}")
    text = "".join(json.loads(data) for kind, data in events if kind == "text")
    assert text == "You said: hello there"
    sent = fake.requests_to("POST /chat/completions")
    assert len(sent) == 2
    assert sent[0].json() == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hello there"}],
        "stream": True,
    }
    assert fake.outcomes == ["finished", "finished"]


async def test_a_browser_that_leaves_cancels_the_upstream_stream(
    relay: tuple[WatchedFake, str, Any],
) -> None:
    fake, url, _app = relay
    long_answer = " ".join(f"word{n}" for n in range(2000))  # ~10 s of events if all were sent
    fake.chat.reply(long_answer)
    async with aiohttp.ClientSession() as session:
        response = await session.get(f"{url}/chat", params={"q": "tell me everything"})
        first = await response.content.readuntil(b"\n\n")
        assert first.startswith(b"event: text")
        response.close()  # the browser goes away mid-stream
    await asyncio.wait_for(fake.handled.wait(), 30)
    assert len(fake.outcomes) == 1
    assert fake.outcomes[0].startswith("cut short"), fake.outcomes


async def test_an_upstream_error_before_the_stream_is_a_502(
    relay: tuple[WatchedFake, str, Any],
) -> None:
    fake, url, _app = relay
    fake.faults.add("POST /chat/completions", "status", status=401)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{url}/chat", params={"q": "hi"}) as response,
    ):
        assert response.status == 502
        payload = await response.json()
    assert payload["upstream_status"] == 401
    assert "The API key was rejected." in payload["error"]
    assert len(fake.requests) == 1


async def test_an_error_event_mid_stream_is_relayed(relay: tuple[WatchedFake, str, Any]) -> None:
    fake, url, _app = relay
    fake.faults.add("POST /chat/completions", "error_event", at=3)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{url}/chat", params={"q": "one two three four five"}) as response,
    ):
        assert response.status == 200
        body = await response.text()
    events = _events(body)
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "error"
    assert "done" not in kinds
    assert 0 < kinds.count("text") < 6
