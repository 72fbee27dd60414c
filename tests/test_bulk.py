"""The bulk runner against the fake server: formats, per-item errors, progress, resume after
a SIGKILL and after Ctrl-C (real subprocesses), the blocking twin."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

import openai_async
from openai_async import AsyncOpenAI, OpenAI
from openai_async._constants import RETRY_COUNT_HEADER
from openai_async.lib.bulk import (
    BulkInputError,
    BulkProgress,
    ResultsFile,
    bulk,
    bulk_sync,
    check_requests_file,
)
from openai_async.lib.limiter import RateLimit
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
    path.write_bytes(b"".join(json.dumps(line).encode() + b"\n" for line in lines))
    return path


def read_results(path: Path) -> list[dict[str, Any]]:
    data = path.read_bytes()
    assert data == b"" or data.endswith(b"\n"), "the file ends with a partial line"
    return [json.loads(line) for line in data.splitlines()]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


async def test_iterable_in_batch_format_out(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.chat.reply("answer one")
    out = tmp_path / "out.jsonl"
    requests = [chat_line(f"req-{i}", f"question {i}") for i in range(12)]
    seen: list[tuple[int, int]] = []
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        summary = await bulk(
            client,
            requests,
            out,
            concurrency=4,
            progress=lambda p: seen.append((p.done, p.tokens)),
        )
    assert (summary.succeeded, summary.failed, summary.skipped, summary.total) == (12, 0, 0, 12)
    assert summary.tokens > 0 and summary.remaining == 0
    assert [done for done, _ in seen] == list(range(1, 13))

    sent = fake.requests_to("POST /chat/completions")
    assert sorted(json.loads(r.body)["messages"][0]["content"] for r in sent) == sorted(
        f"question {i}" for i in range(12)
    )
    assert all(r.path == "/v1/chat/completions" for r in sent)

    results = read_results(out)
    assert sorted(r["custom_id"] for r in results) == sorted(f"req-{i}" for i in range(12))
    for record in results:
        assert set(record) == {"id", "custom_id", "response", "error"}
        assert record["id"].startswith("bulk_req_")
        assert record["error"] is None
        response = record["response"]
        assert response["status_code"] == 200
        assert response["request_id"].startswith("req_")
        assert response["body"]["object"] == "chat.completion"
        assert response["body"]["usage"]["total_tokens"] > 0
    contents = [r["response"]["body"]["choices"][0]["message"]["content"] for r in results]
    assert "answer one" in contents


async def test_per_item_errors_are_recorded_and_the_job_goes_on(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    fake.faults.add("POST /chat/completions", "status", status=400)
    fake.faults.add("POST /chat/completions", "drop", at=0)
    out = tmp_path / "out.jsonl"
    requests = [chat_line(f"r{i}") for i in range(6)]
    async with AsyncOpenAI(base_url=fake.url, api_key="k", max_retries=0) as client:
        summary = await bulk(client, requests, out, concurrency=1)
    assert (summary.succeeded, summary.failed) == (4, 2)
    results = {r["custom_id"]: r for r in read_results(out)}
    assert len(results) == 6
    rejected = results["r0"]
    assert rejected["response"]["status_code"] == 400
    assert rejected["response"]["body"]["error"]["type"] == "invalid_request_error"
    assert rejected["error"] is None
    dropped = results["r1"]
    assert dropped["response"] is None
    assert dropped["error"]["code"] == "connection_error"
    assert all(results[f"r{i}"]["response"]["status_code"] == 200 for i in range(2, 6))


async def test_retries_use_the_client_policy(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.faults.add("POST /chat/completions", "status", status=500, times=2)
    out = tmp_path / "out.jsonl"

    async def no_wait(delay: float) -> None:
        return None

    async with AsyncOpenAI(base_url=fake.url, api_key="k", max_retries=2, _sleep=no_wait) as c:
        summary = await bulk(c, [chat_line("only")], out)
    assert summary.succeeded == 1
    assert len(fake.requests_to("POST /chat/completions")) == 3
    retried = fake.requests_to("POST /chat/completions")[2]
    assert retried.headers[RETRY_COUNT_HEADER] == "2"


async def test_file_input_is_checked_before_anything_is_sent(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    good = json.dumps(chat_line("a"))
    source.write_text(f"{good}\n\n{json.dumps(chat_line('b'))}\n{{not json\n")
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        with pytest.raises(BulkInputError) as caught:
            await bulk(client, source, tmp_path / "out.jsonl")
    assert caught.value.where == f"{source}:4"
    assert "not valid JSON" in caught.value.problem
    assert fake.requests == []


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ({"method": "POST", "url": "/v1/x", "body": {}}, "custom_id"),
        ({"custom_id": "a", "method": "POST", "url": "/v1/x", "body": [1]}, "body must be"),
        ({"custom_id": "a", "method": "FETCH", "url": "/v1/x", "body": {}}, "method 'FETCH'"),
        ({"custom_id": "a", "method": "POST", "url": "v1/x", "body": {}}, "must be a path"),
        ({"custom_id": "", "method": "POST", "url": "/v1/x", "body": {}}, "custom_id is empty"),
        ({"custom_id": 7, "method": "POST", "url": "/v1/x", "body": {}}, "Expected `str`"),
    ],
)
def test_malformed_lines_name_file_line_and_problem(
    tmp_path: Path, line: dict[str, Any], problem: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [chat_line("ok"), line])
    with pytest.raises(BulkInputError, match=problem) as caught:
        check_requests_file(source)
    assert str(caught.value).startswith(f"{source}:2: ")


def test_repeated_ids_and_bad_items_are_refused(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [chat_line("same"), chat_line("same")])
    with pytest.raises(BulkInputError, match="'same' appears more than once"):
        check_requests_file(source)


async def test_iterable_items_are_checked_as_they_come(fake: FakeOpenAI, tmp_path: Path) -> None:
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        with pytest.raises(BulkInputError, match="item 2: url must be a string"):
            await bulk(
                client, [chat_line("a"), {"custom_id": "b", "method": "POST"}], tmp_path / "o"
            )


async def test_resume_skips_written_ids_and_cuts_a_partial_line(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [chat_line(f"id-{i}") for i in range(10)])
    out = tmp_path / "out.jsonl"
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        await bulk(client, [chat_line(f"id-{i}") for i in range(4)], out)
        with out.open("ab") as handle:
            handle.write(b'{"id": "bulk_req_x", "custom_id": "id-7", "respo')
        summary = await bulk(client, source, out, concurrency=3)
    assert (summary.succeeded, summary.skipped, summary.total) == (6, 4, 10)
    results = read_results(out)
    assert Counter(r["custom_id"] for r in results) == Counter(f"id-{i}" for i in range(10))
    assert len(fake.requests_to("POST /chat/completions")) == 10


def test_a_foreign_file_is_not_taken_for_results(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text('{"custom_id": "a"}\nnot a result\n')
    with pytest.raises(BulkInputError, match=r"out.jsonl:2: not a result line"):
        ResultsFile(out)


async def test_limiter_of_the_client_applies(fake: FakeOpenAI, tmp_path: Path) -> None:
    limit = RateLimit(max_in_flight=2)
    peak = 0

    def watch(progress: BulkProgress) -> None:
        nonlocal peak
        peak = max(peak, limit.in_flight)

    async with AsyncOpenAI(base_url=fake.url, api_key="k", rate_limit=limit) as client:
        summary = await bulk(
            client,
            [chat_line(f"x{i}") for i in range(20)],
            tmp_path / "o",
            concurrency=8,
            progress=watch,
        )
    assert summary.succeeded == 20
    assert 1 <= peak <= 2


async def test_progress_bar(
    fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as client:
        await bulk(client, [chat_line(f"p{i}") for i in range(5)], tmp_path / "o", progress=True)
    err = capsys.readouterr().err
    assert "5/5" in err and "req" in err


def test_bad_concurrency(tmp_path: Path) -> None:
    import asyncio

    client = AsyncOpenAI(base_url="http://127.0.0.1:9", api_key="k")
    with pytest.raises(ValueError, match="concurrency"):
        asyncio.run(bulk(client, [], tmp_path / "o", concurrency=0))


@pytest.fixture
def fake_thread() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def test_blocking_twin(fake_thread: FakeOpenAI, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with OpenAI(base_url=fake_thread.url, api_key="k") as client:
        summary = bulk_sync(client, [chat_line(f"s{i}") for i in range(7)], out, concurrency=3)
    assert summary.succeeded == 7
    assert sorted(r["custom_id"] for r in read_results(out)) == sorted(f"s{i}" for i in range(7))
    assert openai_async.bulk is bulk
    assert openai_async.bulk_sync is bulk_sync


# -- real processes ----------------------------------------------------------------------------


def _cli(fake: FakeOpenAI, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OPENAI_BASE_URL": fake.url,
        "OPENAI_API_KEY": "k",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "openai_async", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for_lines(path: Path, count: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        if process.poll() is not None:
            raise AssertionError(f"the run ended early: {process.communicate()}")
        time.sleep(0.01)
    raise AssertionError("no progress")


def _slow_job(fake: FakeOpenAI, tmp_path: Path, n: int) -> tuple[Path, Path]:
    fake.faults.add("POST /chat/completions", "stall", delay=0.01, times=10 * n)
    source = write_jsonl(tmp_path / "in.jsonl", [chat_line(f"k{i}") for i in range(n)])
    return source, tmp_path / "out.jsonl"


def test_sigkill_mid_run_then_rerun_gives_each_id_once(
    fake_thread: FakeOpenAI, tmp_path: Path
) -> None:
    source, out = _slow_job(fake_thread, tmp_path, 150)
    process = _cli(fake_thread, "bulk", str(source), "-o", str(out), "--concurrency", "4")
    _wait_for_lines(out, 20, process)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    written = read_results(out) if out.read_bytes().endswith(b"\n") else None
    assert written is None or len(written) < 150

    rerun = _cli(fake_thread, "bulk", str(source), "-o", str(out), "--concurrency", "8")
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    results = read_results(out)
    assert Counter(r["custom_id"] for r in results) == Counter(f"k{i}" for i in range(150))
    assert all(r["response"]["status_code"] == 200 for r in results)
    assert b"already in" in err


def test_ctrl_c_stops_cleanly_and_the_rerun_finishes(
    fake_thread: FakeOpenAI, tmp_path: Path
) -> None:
    source, out = _slow_job(fake_thread, tmp_path, 150)
    process = _cli(fake_thread, "bulk", str(source), "-o", str(out), "--concurrency", "4")
    _wait_for_lines(out, 10, process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert b"interrupted" in err and b"resume" in err
    partial = read_results(out)  # complete lines only
    assert 10 <= len(partial) < 150

    rerun = _cli(fake_thread, "bulk", str(source), "-o", str(out))
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"{len(partial)} already in".encode() in err
    results = read_results(out)
    assert Counter(r["custom_id"] for r in results) == Counter(f"k{i}" for i in range(150))
