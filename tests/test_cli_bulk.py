"""``python -m openai_async bulk`` and ``batch`` in subprocesses against the fake server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openai_async.testing import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent


def chat_line(custom_id: str, text: str = "hi") -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]},
    }


def write_jsonl(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def read_results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def cli(
    fake: FakeOpenAI | None, *args: str, key: str | None = "k"
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = str(ROOT)
    if fake is not None:
        env["OPENAI_BASE_URL"] = fake.url
    if key is not None:
        env["OPENAI_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "openai_async", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bulk_runs_a_file(fake: FakeOpenAI, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [chat_line(f"a{i}", f"q{i}") for i in range(9)])
    out = tmp_path / "out.jsonl"
    done = cli(fake, "bulk", str(source), "-o", str(out), "--concurrency", "3", "--rpm", "60000")
    assert done.returncode == 0, done.stderr
    assert "9 succeeded, 0 failed, 0 already in" in done.stderr
    results = read_results(out)
    assert sorted(r["custom_id"] for r in results) == sorted(f"a{i}" for i in range(9))
    assert {r["response"]["body"]["choices"][0]["message"]["content"] for r in results} == {
        f"You said: q{i}" for i in range(9)
    }
    assert len(fake.requests_to("POST /chat/completions")) == 9
    assert fake.last_request.headers["Authorization"] == "Bearer k"


def test_bulk_exit_code_when_some_requests_fail(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.faults.add("POST /chat/completions", "status", status=404)
    source = write_jsonl(tmp_path / "in.jsonl", [chat_line("x"), chat_line("y")])
    out = tmp_path / "out.jsonl"
    done = cli(fake, "bulk", str(source), "-o", str(out), "--concurrency", "1")
    assert done.returncode == 3, done.stderr
    assert "1 succeeded, 1 failed" in done.stderr
    statuses = sorted(r["response"]["status_code"] for r in read_results(out))
    assert statuses == [200, 404]


@pytest.mark.parametrize("command", ["bulk", "batch"])
def test_a_malformed_line_is_reported_before_anything_is_sent(
    fake: FakeOpenAI, tmp_path: Path, command: str
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps(chat_line("ok"))
        + "\n"
        + json.dumps({"custom_id": "bad", "method": "POST", "body": {}})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    done = cli(fake, command, str(source), "-o", str(out))
    assert done.returncode == 2
    assert f"{source}:2:" in done.stderr
    assert "url" in done.stderr and "malformed input line" in done.stderr
    assert fake.requests == []
    assert not out.exists() or out.read_bytes() == b""


def test_missing_input_file_and_missing_key(fake: FakeOpenAI, tmp_path: Path) -> None:
    missing = cli(fake, "bulk", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o"))
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr
    source = write_jsonl(tmp_path / "in.jsonl", [chat_line("a")])
    no_key = cli(fake, "bulk", str(source), "-o", str(tmp_path / "o"), key=None)
    assert no_key.returncode == 1
    assert "OPENAI_API_KEY" in no_key.stderr
    assert fake.requests == []


def test_help_and_bad_arguments() -> None:
    shown = cli(None, "bulk", "--help")
    assert shown.returncode == 0
    for option in ("--concurrency", "--rpm", "--tpm", "-o OUT.jsonl", "exit status"):
        assert option in shown.stdout
    batch = cli(None, "batch", "--help")
    assert batch.returncode == 0
    assert "batch status -o OUT.jsonl" in batch.stdout and "--resubmit" in batch.stdout
    bad = cli(None, "bulk", "in.jsonl", "-o", "out.jsonl", "--concurrency", "0")
    assert bad.returncode == 2
    assert "must be at least 1" in bad.stderr
    missing_output = cli(None, "bulk", "in.jsonl")
    assert missing_output.returncode == 2


def test_batch_run_status_and_cancel(fake: FakeOpenAI, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [chat_line(f"b{i}", f"q{i}") for i in range(4)])
    out = tmp_path / "out.jsonl"
    none_yet = cli(fake, "batch", "status", "-o", str(out))
    assert none_yet.returncode == 2
    assert "no batch job" in none_yet.stderr

    done = cli(fake, "batch", str(source), "-o", str(out), "--poll-interval", "0.01")
    assert done.returncode == 0, done.stderr
    assert "1/1 batches finished" in done.stderr
    assert "4 succeeded, 0 failed" in done.stderr
    results = read_results(out)
    assert sorted(r["custom_id"] for r in results) == [f"b{i}" for i in range(4)]
    assert len(fake.requests_to("POST /batches")) == 1

    status = cli(fake, "batch", "status", "-o", str(out))
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("batch_")
    assert "\tcompleted\t/v1/chat/completions\tdone 4/4\tfailed 0" in status.stdout

    again = cli(fake, "batch", str(source), "-o", str(out))
    assert again.returncode == 0
    assert "resuming" in again.stderr
    assert len(fake.requests_to("POST /batches")) == 1

    cancel = cli(fake, "batch", "cancel", "-o", str(out))
    assert cancel.returncode == 0
    assert cancel.stdout == ""  # nothing left running


def test_batch_interrupted_then_cancelled_then_resumed(fake: FakeOpenAI, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [chat_line("c1"), chat_line("c2")])
    out = tmp_path / "out.jsonl"
    state = tmp_path / "out.jsonl.batch.json"
    env = {**os.environ, "OPENAI_BASE_URL": fake.url, "OPENAI_API_KEY": "k"}
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "openai_async",
            "batch",
            str(source),
            "-o",
            str(out),
            "--poll-interval",
            "60",
        ],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (state.exists() and '"batch_id": "batch_' in state.read_text()):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "the batches keep running" in err

    cancel = cli(fake, "batch", "cancel", "-o", str(out))
    assert cancel.returncode == 0, cancel.stderr
    assert "\tcancelling" in cancel.stdout

    resumed = cli(fake, "batch", str(source), "-o", str(out), "--poll-interval", "0.01")
    assert resumed.returncode == 3, resumed.stderr
    assert "0 succeeded, 2 failed" in resumed.stderr
    assert {r["error"]["code"] for r in read_results(out)} == {"batch_cancelled"}
    assert len(fake.requests_to("POST /batches")) == 1
