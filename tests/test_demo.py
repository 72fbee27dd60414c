"""``python -m openai_async demo`` in a subprocess: with no key it tours the client against the
built-in fake server; with a key it says it uses the real API (pointed here at a fake)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from openai_async.testing import FakeOpenAI

ROOT = Path(__file__).resolve().parents[1]


def run_demo(env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI_"))}
    env.update(PYTHONPATH=str(ROOT), **env_extra)
    return subprocess.run(
        [sys.executable, "-m", "openai_async", "demo", "--delay", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_demo_without_a_key_uses_the_fake_server() -> None:
    result = run_demo({})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("No OPENAI_API_KEY: using the built-in fake server")
    assert "assistant: You said: Say hello in five words." in out
    assert "assistant: Streams arrive token by token, as the model writes them.\n" in out
    assert "assistant: You said: Hello from blocking code" in out
    assert 'model asked for: get_time({"city": "Paris"})' in out
    assert "tool called: get_time(city='Paris') -> 12:00" in out
    assert "assistant: The tool returned: 12:00" in out
    assert "1536 dimensions: [" in out
    assert "5 files: notes-4.txt, notes-3.txt, notes-2.txt, notes-1.txt, notes-0.txt" in out
    assert "fetched in 3 pages of up to 2" in out
    assert "log: response POST /chat/completions -> 429" in out
    assert "log: retrying POST /chat/completions in 0.050 s (retry 1 of 2) after status 429" in out
    assert "after the retry: You said: Try again, please." in out
    assert out.rstrip().endswith("Done.")
    steps = [line for line in out.splitlines() if line[:2] in {f"{n}." for n in range(1, 10)}]
    assert len(steps) == 7


def test_demo_with_a_key_says_it_uses_the_real_api() -> None:
    with FakeOpenAI(api_key="sk-demo") as fake:
        result = run_demo({"OPENAI_API_KEY": "sk-demo", "OPENAI_BASE_URL": fake.url})
        routes = [r.route for r in fake.requests]
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "OPENAI_API_KEY is set: running the demo against the real OpenAI API."
    )
    assert "skipped: a forced 429 needs the fake server" in result.stdout
    assert all(r.headers["Authorization"] == "Bearer sk-demo" for r in fake.requests)
    # chat, stream, blocking, tool runner (an unscripted model answers without calling the tool)
    assert routes.count("POST /chat/completions") == 4
    assert "POST /embeddings" in routes and "GET /files" in routes
    assert "POST /files" not in routes  # nothing is uploaded to a real account
