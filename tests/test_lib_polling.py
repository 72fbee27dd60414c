"""Pollers against the fake server (status progressing over polls) and the recording server
(the openai-poll-after-ms header, the default 1 s, the overall timeout). No real sleeps: the
client's sleep is replaced by one that records the waits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from openai_async import AsyncOpenAI, OpenAI, PollingTimeoutError
from openai_async.testing import FakeOpenAI
from tests.server import TestServer

BETA = {"OpenAI-Beta": "assistants=v2"}


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(polls=3) as server:
        yield server


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_run_create_and_poll_then_submit_tool_outputs_and_poll(fake: FakeOpenAI) -> None:
    sleeps = Sleeps()
    async with AsyncOpenAI(base_url=fake.url, api_key="k", _sleep=sleeps) as client:
        fake.runs.tool_call("get_weather", {"city": "Rome"}, call_id="call_w")
        assistant = await client.beta.assistants.create(model="gpt-4o", extra_headers=BETA)
        thread = await client.beta.threads.create(extra_headers=BETA)
        run = await client.beta.threads.runs.create_and_poll(
            thread.id, assistant_id=assistant.id, poll_interval_ms=250, instructions="be brief"
        )
        assert run.status == "requires_action"
        assert fake.requests_to("POST /threads/{thread_id}/runs")[0].json() == {
            "assistant_id": assistant.id,
            "instructions": "be brief",
        }
        polls = fake.requests_to("GET /threads/{thread_id}/runs/{run_id}")
        assert len(polls) == 3 and all(r.headers["OpenAI-Beta"] == "assistants=v2" for r in polls)
        assert sleeps.waits == [0.25, 0.25]
        done = await client.beta.threads.runs.submit_tool_outputs_and_poll(
            tool_outputs=[{"tool_call_id": "call_w", "output": "24C"}],
            run_id=run.id,
            thread_id=thread.id,
            poll_interval_ms=0,
        )
        assert done.status == "completed"
        last = await client.beta.threads.create_and_run_poll(
            assistant_id=assistant.id, poll_interval_ms=0
        )
        assert last.status == "completed" and last.thread_id != thread.id


async def test_vector_store_file_and_batch_pollers(fake: FakeOpenAI) -> None:
    sleeps = Sleeps()
    async with AsyncOpenAI(base_url=fake.url, api_key="k", _sleep=sleeps) as client:
        store = await client.vector_stores.create(name="docs")
        first = await client.files.create(file=("a.txt", b"alpha"), purpose="assistants")
        attached = await client.vector_stores.files.create_and_poll(
            first.id, vector_store_id=store.id, attributes={"lang": "en"}
        )
        assert attached.status == "completed" and attached.attributes == {"lang": "en"}
        assert sleeps.waits == [1.0, 1.0]  # no interval, no header: 1 s
        second = await client.files.create(file=("b.txt", b"beta"), purpose="assistants")
        batch = await client.vector_stores.file_batches.create_and_poll(
            store.id, file_ids=[second.id], poll_interval_ms=5
        )
        assert batch.status == "completed" and batch.file_counts.completed == 1
        assert sleeps.waits[-2:] == [0.005, 0.005]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_poll_after_header_and_overall_timeout(server: TestServer) -> None:
    sleeps = Sleeps()
    video = {"id": "video_1", "object": "video", "status": "queued", "model": "sora-2"}
    server.json(video, headers={"openai-poll-after-ms": "1500"})
    server.json({**video, "status": "in_progress"}, headers={"openai-poll-after-ms": "20"})
    server.json({**video, "status": "completed"})
    async with AsyncOpenAI(base_url=server.url, api_key="k", _sleep=sleeps) as client:
        result = await client.videos.poll("video_1")
        assert result.status == "completed"
        assert sleeps.waits == [1.5, 0.02]
        assert [r.path for r in server.requests] == ["/videos/video_1"] * 3
        server.json({**video, "status": "in_progress"}, times=2)
        ticks = iter([0.0, 0.1, 0.6])
        from openai_async.lib.polling import poll_until, status_in

        with pytest.raises(PollingTimeoutError) as caught:
            await poll_until(
                client,
                lambda: client.videos.with_raw_response.retrieve("video_1"),
                status_in(frozenset({"completed"})),
                poll_interval_ms=400,
                max_wait_seconds=0.8,
                clock=lambda: next(ticks),
            )
        assert caught.value.last.status == "in_progress"
        assert sleeps.waits[-1] == 0.4 and caught.value.waited == 0.6


async def test_failed_status_ends_a_poll_and_errors_propagate(server: TestServer) -> None:
    from openai_async import NotFoundError

    server.json(
        {
            "id": "file-1",
            "object": "file",
            "bytes": 1,
            "created_at": 0,
            "filename": "a",
            "purpose": "batch",
            "status": "error",
        }
    )
    server.json({"error": {"message": "gone", "type": "invalid_request_error"}}, status=404)
    async with AsyncOpenAI(base_url=server.url, api_key="k", max_retries=0) as client:
        failed = await client.files.wait_for_processing("file-1", poll_interval=0.0)
        assert failed.status == "error"
        with pytest.raises(NotFoundError):
            await client.files.wait_for_processing("file-2")


def test_blocking_pollers() -> None:
    with FakeOpenAI(polls=2) as fake, OpenAI(base_url=fake.url, api_key="k") as client:
        store = client.vector_stores.create(name="docs")
        uploaded = client.files.create(file=("a.txt", b"alpha"), purpose="assistants")
        result = client.vector_stores.files.create_and_poll(
            uploaded.id, vector_store_id=store.id, poll_interval_ms=1
        )
        assert result.status == "completed"
        assert client.files.wait_for_processing(uploaded.id, poll_interval=0.001).status == (
            "processed"
        )
