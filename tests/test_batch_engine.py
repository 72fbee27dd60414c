"""The Batch API engine end to end against the fake server's files and batches."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from openai_async import AsyncOpenAI
from openai_async.lib.batch_engine import BatchJob, BatchJobStatus
from openai_async.testing import FakeOpenAI
from openai_async.testing._script import text_of
from openai_async.testing._types import ApiError


def chat_line(custom_id: str, text: str, model: str = "gpt-4o-mini") -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": text}]},
    }


def embed_line(custom_id: str, text: str) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {"model": "text-embedding-3-small", "input": text},
    }


def read_results(path: Path) -> list[dict[str, Any]]:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    return [json.loads(line) for line in data.splitlines()]


class Naps:
    """The job's sleep: records intervals, optionally runs a hook on the n-th nap."""

    def __init__(self) -> None:
        self.taken: list[float] = []
        self.hook: Any = None

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)
        if self.hook is not None:
            await self.hook(len(self.taken))


class Stop(Exception):
    pass


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(polls=2) as server:
        yield server


@pytest.fixture
async def client(fake: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=fake.url, api_key="k") as c:
        yield c


def _requests() -> list[dict[str, Any]]:
    return [
        *(chat_line(f"chat-{i}", f"question {i}") for i in range(5)),
        *(chat_line(f"big-{i}", f"hard question {i}", model="gpt-4o") for i in range(2)),
        *(embed_line(f"emb-{i}", f"text {i}") for i in range(3)),
    ]


async def test_end_to_end_split_upload_poll_merge(
    fake: FakeOpenAI, client: AsyncOpenAI, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    naps = Naps()
    seen: list[BatchJobStatus] = []
    job = BatchJob(
        client,
        out,
        max_requests_per_file=3,
        poll_interval=2.0,
        max_poll_interval=3.0,
        sleep=naps,
        progress=seen.append,
    )
    summary = await job.run(_requests())

    # chat/gpt-4o-mini: 5 -> 3 + 2; chat/gpt-4o: 2; embeddings: 3  => 4 files and 4 batches
    uploads = fake.requests_to("POST /files")
    assert len(uploads) == 4
    assert all(b'name="purpose"\r\n\r\nbatch' in r.body for r in uploads)
    created = [json.loads(r.body) for r in fake.requests_to("POST /batches")]
    assert sorted(c["endpoint"] for c in created) == [
        "/v1/chat/completions",
        "/v1/chat/completions",
        "/v1/chat/completions",
        "/v1/embeddings",
    ]
    assert all(c["completion_window"] == "24h" for c in created)
    inputs = [fake.backend.files[c["input_file_id"]].content for c in created]
    for content in inputs:
        lines = [json.loads(x) for x in content.splitlines()]
        assert len(lines) <= 3
        assert len({(x["url"], x["body"]["model"]) for x in lines}) == 1  # one model per batch

    results = read_results(out)
    assert Counter(r["custom_id"] for r in results) == Counter(r["custom_id"] for r in _requests())
    for record in results:
        assert set(record) >= {"id", "custom_id", "response", "error"}
        assert record["response"]["status_code"] == 200
    by_id = {r["custom_id"]: r for r in results}
    chat = by_id["chat-3"]["response"]["body"]
    assert chat["choices"][0]["message"]["content"] == "You said: question 3"
    assert by_id["emb-1"]["response"]["body"]["object"] == "list"
    assert (summary.succeeded, summary.failed, summary.total) == (10, 0, 10)
    assert summary.tokens > 0

    assert naps.taken == [2.0, 3.0]  # grows by half, capped
    assert seen[-1].finished == seen[-1].batches == 4
    assert seen[-1].completed == 10
    assert not job.directory.exists()
    assert job.state_path.exists()
    assert {b.status for b in await job.status()} == {"completed"}


async def test_file_size_limit_splits_files(
    fake: FakeOpenAI, client: AsyncOpenAI, tmp_path: Path
) -> None:
    requests = [chat_line(f"c{i}", "x" * 200) for i in range(6)]
    one_line = len(json.dumps(requests[0], separators=(",", ":")).encode()) + 1
    job = BatchJob(
        client, tmp_path / "out.jsonl", max_bytes_per_file=2 * one_line + 10, sleep=Naps()
    )
    await job.run(requests)
    sizes = [len(f.content) for f in fake.backend.files.values() if f.meta["purpose"] == "batch"]
    assert len(sizes) == 3
    assert all(size <= 2 * one_line + 10 for size in sizes)


async def test_an_interrupted_job_resumes_polling_without_resubmitting(
    fake: FakeOpenAI, client: AsyncOpenAI, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    naps = Naps()

    async def stop(n: int) -> None:
        raise Stop

    naps.hook = stop
    with pytest.raises(Stop):
        await BatchJob(client, out, max_requests_per_file=4, sleep=naps).run(_requests())
    uploads, creates = len(fake.requests_to("POST /files")), len(fake.requests_to("POST /batches"))
    assert creates == 4
    state = json.loads((tmp_path / "out.jsonl.batch.json").read_text())
    assert all(c["batch_id"] for c in state["chunks"])

    summary = await BatchJob(client, out, sleep=Naps()).run()
    assert len(fake.requests_to("POST /files")) == uploads
    assert len(fake.requests_to("POST /batches")) == creates
    assert summary.succeeded == 10
    assert Counter(r["custom_id"] for r in read_results(out)) == Counter(
        r["custom_id"] for r in _requests()
    )


async def test_a_batch_created_but_not_saved_is_found_again(
    fake: FakeOpenAI, client: AsyncOpenAI, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"

    async def stop(n: int) -> None:
        raise Stop

    naps = Naps()
    naps.hook = stop
    with pytest.raises(Stop):
        await BatchJob(client, out, sleep=naps).run([chat_line("a", "hi"), chat_line("b", "yo")])
    state_path = tmp_path / "out.jsonl.batch.json"
    state = json.loads(state_path.read_text())
    state["chunks"][0]["batch_id"] = None  # as if killed right after the create call
    state_path.write_text(json.dumps(state))

    summary = await BatchJob(client, out, sleep=Naps()).run()
    assert len(fake.requests_to("POST /batches")) == 1
    assert summary.succeeded == 2


async def test_merged_results_are_not_written_twice(
    fake: FakeOpenAI, client: AsyncOpenAI, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    await BatchJob(client, out, sleep=Naps()).run([chat_line("a", "hi"), chat_line("b", "yo")])
    state_path = tmp_path / "out.jsonl.batch.json"
    state = json.loads(state_path.read_text())
    state["chunks"][0]["merged"] = False  # as if killed while writing the results
    state_path.write_text(json.dumps(state))
    (tmp_path / "out.jsonl.batch").mkdir()
    (tmp_path / "out.jsonl.batch" / "chunk-0001.jsonl").write_text(
        json.dumps(chat_line("a", "hi")) + "\n" + json.dumps(chat_line("b", "yo")) + "\n"
    )
    summary = await BatchJob(client, out, sleep=Naps()).run()
    assert summary.succeeded == 0 and summary.skipped == 2
    assert sorted(r["custom_id"] for r in read_results(out)) == ["a", "b"]


def _flaky(failures: dict[str, int]) -> Any:
    """A chat responder failing the first ``failures[text]`` times it sees ``text``."""

    def respond(body: dict[str, Any]) -> str:
        text = text_of(body["messages"][-1]["content"])
        if failures.get(text, 0) > 0:
            failures[text] -= 1
            raise ApiError(500, "The server had an error.", type="server_error")
        return f"ok: {text}"

    return respond


async def test_failed_items_are_resubmitted_up_to_n_times(
    fake: FakeOpenAI, client: AsyncOpenAI, tmp_path: Path
) -> None:
    fake.chat.always(_flaky({"flaky": 1, "broken": 5}))
    out = tmp_path / "out.jsonl"
    requests = [chat_line("fine", "fine"), chat_line("flaky", "flaky"), chat_line("bad", "broken")]
    summary = await BatchJob(client, out, resubmit=2, sleep=Naps()).run(requests)

    assert len(fake.requests_to("POST /batches")) == 3  # the first, then two resubmissions
    resent = [json.loads(r.body)["input_file_id"] for r in fake.requests_to("POST /batches")]
    second = [
        json.loads(x)["custom_id"] for x in fake.backend.files[resent[1]].content.splitlines()
    ]
    third = [json.loads(x)["custom_id"] for x in fake.backend.files[resent[2]].content.splitlines()]
    assert sorted(second) == ["bad", "flaky"] and third == ["bad"]

    by_id = {r["custom_id"]: r for r in read_results(out)}
    assert len(read_results(out)) == 3
    assert by_id["fine"]["response"]["status_code"] == 200
    flaky = by_id["flaky"]["response"]
    assert flaky["status_code"] == 200
    assert flaky["body"]["choices"][0]["message"]["content"] == "ok: flaky"
    assert by_id["bad"]["response"]["status_code"] == 500
    assert by_id["bad"]["response"]["body"]["error"]["type"] == "server_error"
    assert (summary.succeeded, summary.failed) == (2, 1)


async def test_without_resubmit_failures_are_written_at_once(
    fake: FakeOpenAI, client: AsyncOpenAI, tmp_path: Path
) -> None:
    fake.chat.always(_flaky({"flaky": 1}))
    out = tmp_path / "out.jsonl"
    summary = await BatchJob(client, out, sleep=Naps()).run([chat_line("flaky", "flaky")])
    assert (summary.succeeded, summary.failed) == (0, 1)
    assert read_results(out)[0]["response"]["status_code"] == 500


async def test_cancel_marks_unanswered_requests(
    fake: FakeOpenAI, client: AsyncOpenAI, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    naps = Naps()
    job = BatchJob(client, out, sleep=naps)
    cancelled: list[str] = []

    async def cancel_once(n: int) -> None:
        if n == 1:
            cancelled.extend(b.id for b in await job.cancel())

    naps.hook = cancel_once
    summary = await job.run([chat_line("a", "hi"), chat_line("b", "yo")])
    assert len(cancelled) == 1
    assert fake.requests_to("POST /batches/{batch_id}/cancel")
    results = read_results(out)
    assert [r["response"] for r in results] == [None, None]
    assert {r["error"]["code"] for r in results} == {"batch_cancelled"}
    assert summary.failed == 2


async def test_run_without_requests_or_state_is_refused(
    client: AsyncOpenAI, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="pass the requests"):
        await BatchJob(client, tmp_path / "out.jsonl").run()
