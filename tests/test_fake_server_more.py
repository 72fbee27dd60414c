"""The fake server through the real clients: every route it serves, driven by AsyncOpenAI and by
OpenAI; /videos (status over polls, content, remix); the openai-poll-after-ms header on
long-running objects; files that stay ``uploaded`` for a few polls."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from openai_async import AsyncOpenAI, BadRequestError, NotFoundError, OpenAI
from openai_async.testing import FakeOpenAI
from openai_async.testing._routes.videos import content_bytes

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # /videos is deprecated

USER = [{"role": "user", "content": "hi"}]
LINE = {"custom_id": "one", "method": "POST", "url": "/v1/chat/completions"}
BATCH_INPUT = json.dumps({**LINE, "body": {"model": "gpt-4o", "messages": USER}}).encode()


class Sleeps:
    """The client's sleep, recording the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(polls=2) as server:
        yield server


@pytest.fixture
async def client(fake: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=fake.url, api_key="k", max_retries=0) as c:
        yield c


def served(fake: FakeOpenAI) -> set[str]:
    """Every HTTP route of the fake (the realtime WebSocket is tested on its own)."""
    return {k for k in fake.backend.router.keys if "/realtime" not in k}


# -- every route through AsyncOpenAI ----------------------------------------------------------


async def _async_models_and_models(client: AsyncOpenAI) -> None:
    chat = await client.chat.completions.create(model="gpt-4o", messages=USER)  # type: ignore[arg-type]
    assert chat.choices[0].message.content == "You said: hi"
    response = await client.responses.create(model="gpt-4o", input="hi")
    assert (await client.responses.retrieve(response.id)).output_text == response.output_text
    await client.responses.delete(response.id)
    vectors = await client.embeddings.create(
        model="text-embedding-3-small", input=["a"], dimensions=4
    )
    assert len(vectors.data[0].embedding) == 4
    assert "gpt-4o" in [m.id async for m in client.models.list()]
    assert (await client.models.retrieve("gpt-4o")).owned_by == "system"
    assert (await client.models.delete("ft:gpt-4o-mini:fake-org::abc123")).deleted


async def _async_files_and_uploads(client: AsyncOpenAI) -> str:
    created = await client.files.create(file=("in.jsonl", BATCH_INPUT), purpose="batch")
    assert [f.id async for f in client.files.list()] == [created.id]
    assert (await client.files.retrieve(created.id)).status == "processed"
    assert (await client.files.content(created.id)).content == BATCH_INPUT
    upload = await client.uploads.create(
        bytes=4, filename="u.txt", mime_type="text/plain", purpose="assistants"
    )
    part = await client.uploads.parts.create(upload.id, data=b"abcd")
    done = await client.uploads.complete(upload.id, part_ids=[part.id])
    assert done.status == "completed" and done.file is not None and done.file.bytes == 4
    other = await client.uploads.create(
        bytes=1, filename="x.txt", mime_type="text/plain", purpose="assistants"
    )
    assert (await client.uploads.cancel(other.id)).status == "cancelled"
    assert (await client.files.delete(done.file.id)).deleted
    return created.id


async def _async_vector_stores(client: AsyncOpenAI, file_id: str) -> None:
    store = await client.vector_stores.create(name="docs")
    store = await client.vector_stores.update(store.id, name="kb")
    assert [s.name async for s in client.vector_stores.list()] == ["kb"]
    attached = await client.vector_stores.files.create(store.id, file_id=file_id)
    assert attached.status == "in_progress"
    assert [f.id async for f in client.vector_stores.files.list(store.id)] == [file_id]
    polled = await client.vector_stores.files.retrieve(file_id, vector_store_id=store.id)
    assert polled.status == "completed"
    assert (await client.vector_stores.retrieve(store.id)).file_counts.completed == 1
    assert (await client.vector_stores.files.delete(file_id, vector_store_id=store.id)).deleted
    batch = await client.vector_stores.file_batches.create(store.id, file_ids=[file_id])
    batch = await client.vector_stores.file_batches.retrieve(batch.id, vector_store_id=store.id)
    files = client.vector_stores.file_batches.list_files(batch.id, vector_store_id=store.id)
    assert [f.id async for f in files] == [file_id]
    cancelled = await client.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)
    assert cancelled.status == "cancelled"
    assert (await client.vector_stores.delete(store.id)).deleted


async def _async_assistants(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    assistant = await client.beta.assistants.create(model="gpt-4o", name="helper")
    assert [a.id async for a in client.beta.assistants.list()] == [assistant.id]
    assert (await client.beta.assistants.retrieve(assistant.id)).name == "helper"
    thread = await client.beta.threads.create()
    thread = await client.beta.threads.update(thread.id, metadata={"k": "v"})
    assert (await client.beta.threads.retrieve(thread.id)).metadata == {"k": "v"}
    message = await client.beta.threads.messages.create(thread.id, role="user", content="hi")
    fake.runs.tool_call("lookup", {"q": "hi"}, call_id="call_1")
    run = await client.beta.threads.runs.create(thread.id, assistant_id=assistant.id)
    while run.status in ("queued", "in_progress"):
        run = await client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert run.status == "requires_action"
    run = await client.beta.threads.runs.submit_tool_outputs(
        run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": "call_1", "output": "42"}]
    )
    while run.status in ("queued", "in_progress"):
        run = await client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert run.status == "completed"
    assert [r.id async for r in client.beta.threads.runs.list(thread.id)] == [run.id]
    steps = [s async for s in client.beta.threads.runs.steps.list(run.id, thread_id=thread.id)]
    step = await client.beta.threads.runs.steps.retrieve(
        steps[0].id, thread_id=thread.id, run_id=run.id
    )
    assert step.id == steps[0].id
    texts = [m.role async for m in client.beta.threads.messages.list(thread.id, order="asc")]
    assert texts == ["user", "assistant"]
    again = await client.beta.threads.messages.retrieve(message.id, thread_id=thread.id)
    assert again.id == message.id
    other = await client.beta.threads.create_and_run(assistant_id=assistant.id)
    cancelled = await client.beta.threads.runs.cancel(other.id, thread_id=other.thread_id)
    assert cancelled.status == "cancelling"
    assert (await client.beta.threads.delete(thread.id)).deleted
    assert (await client.beta.assistants.delete(assistant.id)).deleted


async def _async_batches(client: AsyncOpenAI, file_id: str) -> None:
    batch = await client.batches.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    while batch.status not in ("completed", "failed"):
        batch = await client.batches.retrieve(batch.id)
    assert batch.status == "completed" and batch.output_file_id is not None
    output = await client.files.content(batch.output_file_id)
    assert json.loads(output.content)["custom_id"] == "one"
    other = await client.batches.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert (await client.batches.cancel(other.id)).status == "cancelling"
    assert {b.id async for b in client.batches.list()} == {batch.id, other.id}


async def _async_videos(client: AsyncOpenAI) -> None:
    video = await client.videos.create(prompt="a cat", seconds="8")
    while video.status != "completed":
        video = await client.videos.retrieve(video.id)
    remix = await client.videos.remix(video.id, prompt="a dog")
    assert remix.remixed_from_video_id == video.id and remix.seconds == "8"
    assert [v.id async for v in client.videos.list()] == [remix.id, video.id]
    content = await client.videos.download_content(video.id)
    assert content.content[4:8] == b"ftyp"
    assert (await client.videos.delete(remix.id)).deleted


async def test_every_route_through_the_async_client(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    await _async_models_and_models(client)
    file_id = await _async_files_and_uploads(client)
    await _async_vector_stores(client, file_id)
    await _async_assistants(client, fake)
    await _async_batches(client, file_id)
    await _async_videos(client)
    assert {r.route for r in fake.requests} == served(fake)


# -- every route through OpenAI (blocking) ----------------------------------------------------


def _sync_models_and_models(client: OpenAI) -> None:
    chat = client.chat.completions.create(model="gpt-4o", messages=USER)  # type: ignore[arg-type]
    assert chat.choices[0].message.content == "You said: hi"
    response = client.responses.create(model="gpt-4o", input="hi")
    assert client.responses.retrieve(response.id).id == response.id
    client.responses.delete(response.id)
    vectors = client.embeddings.create(model="text-embedding-3-small", input="a", dimensions=3)
    assert len(vectors.data[0].embedding) == 3
    assert "gpt-4o" in [m.id for m in client.models.list()]
    assert client.models.retrieve("o4-mini").id == "o4-mini"
    assert client.models.delete("ft:gpt-4o-mini:fake-org::abc123").deleted


def _sync_files_and_uploads(client: OpenAI) -> str:
    created = client.files.create(file=("in.jsonl", BATCH_INPUT), purpose="batch")
    assert [f.id for f in client.files.list(purpose="batch")] == [created.id]
    assert client.files.retrieve(created.id).bytes == len(BATCH_INPUT)
    assert client.files.content(created.id).content == BATCH_INPUT
    upload = client.uploads.create(
        bytes=2, filename="u.txt", mime_type="text/plain", purpose="batch"
    )
    first = client.uploads.parts.create(upload.id, data=b"a")
    second = client.uploads.parts.create(upload.id, data=b"b")
    done = client.uploads.complete(upload.id, part_ids=[second.id, first.id])
    assert done.file is not None
    assert client.files.content(done.file.id).content == b"ba"
    other = client.uploads.create(
        bytes=1, filename="x.txt", mime_type="text/plain", purpose="batch"
    )
    assert client.uploads.cancel(other.id).status == "cancelled"
    assert client.files.delete(done.file.id).deleted
    return created.id


def _sync_vector_stores(client: OpenAI, file_id: str) -> None:
    store = client.vector_stores.create(name="docs", file_ids=[file_id])
    assert store.file_counts.in_progress == 1
    store = client.vector_stores.update(store.id, metadata={"team": "a"})
    assert [s.id for s in client.vector_stores.list()] == [store.id]
    assert client.vector_stores.retrieve(store.id).status == "in_progress"
    assert client.vector_stores.retrieve(store.id).status == "completed"
    assert [f.status for f in client.vector_stores.files.list(store.id)] == ["completed"]
    assert client.vector_stores.files.delete(file_id, vector_store_id=store.id).deleted
    attached = client.vector_stores.files.create(store.id, file_id=file_id)
    assert client.vector_stores.files.retrieve(attached.id, vector_store_id=store.id).id == file_id
    batch = client.vector_stores.file_batches.create(store.id, file_ids=[file_id])
    while batch.status == "in_progress":
        batch = client.vector_stores.file_batches.retrieve(batch.id, vector_store_id=store.id)
    assert batch.status == "completed"
    files = client.vector_stores.file_batches.list_files(batch.id, vector_store_id=store.id)
    assert [f.id for f in files] == [file_id]
    assert client.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id).id
    assert client.vector_stores.delete(store.id).deleted


def _sync_assistants(client: OpenAI, fake: FakeOpenAI) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o")
    assert [a.id for a in client.beta.assistants.list()] == [assistant.id]
    assert client.beta.assistants.retrieve(assistant.id).model == "gpt-4o"
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "hello"}])
    assert client.beta.threads.update(thread.id, metadata={"a": "b"}).metadata == {"a": "b"}
    assert client.beta.threads.retrieve(thread.id).id == thread.id
    client.beta.threads.messages.create(thread.id, role="user", content="more")
    fake.runs.tool_call("lookup", call_id="call_s")
    run = client.beta.threads.runs.create(thread.id, assistant_id=assistant.id)
    while run.status in ("queued", "in_progress"):
        run = client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    run = client.beta.threads.runs.submit_tool_outputs(
        run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": "call_s", "output": "ok"}]
    )
    while run.status in ("queued", "in_progress"):
        run = client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert run.status == "completed"
    assert [r.status for r in client.beta.threads.runs.list(thread.id)] == ["completed"]
    steps = list(client.beta.threads.runs.steps.list(run.id, thread_id=thread.id))
    assert client.beta.threads.runs.steps.retrieve(
        steps[-1].id, thread_id=thread.id, run_id=run.id
    ).type in ("tool_calls", "message_creation")
    messages = list(client.beta.threads.messages.list(thread.id))
    assert messages[0].role == "assistant"
    assert client.beta.threads.messages.retrieve(messages[0].id, thread_id=thread.id).id
    other = client.beta.threads.create_and_run(assistant_id=assistant.id)
    assert client.beta.threads.runs.cancel(other.id, thread_id=other.thread_id).id == other.id
    assert client.beta.threads.delete(thread.id).deleted
    assert client.beta.assistants.delete(assistant.id).deleted


def _sync_batches_and_videos(client: OpenAI, file_id: str) -> None:
    batch = client.batches.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert client.batches.cancel(batch.id).status == "cancelling"
    assert client.batches.retrieve(batch.id).status == "cancelled"
    assert [b.id for b in client.batches.list()] == [batch.id]
    video = client.videos.create(prompt="waves", size="1280x720")
    assert video.status == "queued" and video.size == "1280x720"
    assert client.videos.retrieve(video.id).status == "in_progress"
    assert client.videos.retrieve(video.id).status == "completed"
    thumb = client.videos.download_content(video.id, variant="thumbnail")
    assert thumb.content[:4] == b"RIFF" and thumb.content[8:12] == b"WEBP"
    remix = client.videos.remix(video.id, prompt="storm")
    assert [v.prompt for v in client.videos.list(order="asc")] == ["waves", "storm"]
    assert client.videos.delete(remix.id).deleted


def test_every_route_through_the_blocking_client() -> None:
    with FakeOpenAI(polls=2) as fake, OpenAI(base_url=fake.url, api_key="k") as client:
        _sync_models_and_models(client)
        file_id = _sync_files_and_uploads(client)
        _sync_vector_stores(client, file_id)
        _sync_assistants(client, fake)
        _sync_batches_and_videos(client, file_id)
        assert {r.route for r in fake.requests} == served(fake)


# -- videos ------------------------------------------------------------------------------------


async def test_video_status_moves_over_polls_and_content_is_an_mp4(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    video = await client.videos.create(prompt="a red fox", model="sora-2-pro", seconds="4")
    sent = fake.last_request
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert b'name="prompt"' in sent.body and b"a red fox" in sent.body
    assert (video.status, video.progress, video.model, video.size) == (
        "queued",
        0,
        "sora-2-pro",
        "720x1280",
    )
    with pytest.raises(BadRequestError) as early:
        await client.videos.download_content(video.id)
    assert early.value.param == "video_id"
    seen = [(await client.videos.retrieve(video.id)) for _ in range(3)]
    assert [(v.status, v.progress) for v in seen] == [
        ("in_progress", 50),
        ("completed", 100),
        ("completed", 100),
    ]
    assert seen[1].completed_at is not None and seen[1].expires_at is not None
    content = await client.videos.download_content(video.id)
    assert content.content == content_bytes(seen[1].to_dict(), "video")
    assert content.content[:4] == (8 + 24).to_bytes(4, "big") and content.content[36:40] == b"mdat"
    raw = await client.videos.with_raw_response.download_content(video.id, variant="spritesheet")
    assert raw.headers["content-type"] == "image/webp"
    with pytest.raises(BadRequestError) as bad_variant:
        await client.get(f"/videos/{video.id}/content?variant=gif", cast_to=bytes)
    assert bad_variant.value.param == "variant"


async def test_video_remix_needs_a_completed_source_and_delete_removes_it(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    video = await client.videos.create(prompt="one", input_reference=("ref.png", b"\x89PNG"))
    assert b'filename="ref.png"' in fake.last_request.body
    with pytest.raises(BadRequestError):
        await client.videos.remix(video.id, prompt="two")
    done = await client.videos.poll(video.id, poll_interval_ms=0)
    assert done.status == "completed"
    remix = await client.videos.remix(video.id, prompt="two")
    assert (remix.status, remix.prompt, remix.remixed_from_video_id) == ("queued", "two", video.id)
    page = await client.videos.list(limit=1)
    assert [v.id for v in page.data] == [remix.id] and page.has_next_page()
    assert [v.id async for v in client.videos.list(limit=1)] == [remix.id, video.id]
    deleted = await client.videos.delete(video.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (video.id, "video.deleted", True)
    with pytest.raises(NotFoundError):
        await client.videos.retrieve(video.id)


def test_videos_through_the_blocking_client_with_the_poller() -> None:
    with (
        FakeOpenAI(polls=3, poll_after_ms=1) as fake,
        OpenAI(base_url=fake.url, api_key="k") as client,
    ):
        video = client.videos.create_and_poll(prompt="sunrise")
        assert video.status == "completed" and video.progress == 100
        assert len(fake.requests_to("GET /videos/{video_id}")) == 3
        assert client.videos.download_content(video.id).content[4:8] == b"ftyp"


# -- openai-poll-after-ms ----------------------------------------------------------------------


async def test_poll_after_header_on_long_running_objects_only(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    video = await client.videos.with_raw_response.create(prompt="x")
    assert "openai-poll-after-ms" not in video.headers  # off by default
    fake.poll_after_ms = 25
    assert fake.backend.poll_after_ms == 25
    source = await client.files.with_raw_response.create(
        file=("a.jsonl", BATCH_INPUT), purpose="batch"
    )
    file_id = (await source.parse()).id
    batch = await client.batches.with_raw_response.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    store = await client.vector_stores.create()
    attached = await client.vector_stores.files.with_raw_response.create(store.id, file_id=file_id)
    answers = [
        source,
        batch,
        attached,
        await client.batches.with_raw_response.retrieve((await batch.parse()).id),
        await client.videos.with_raw_response.retrieve((await video.parse()).id),
        await client.vector_stores.file_batches.with_raw_response.create(
            store.id, file_ids=[file_id]
        ),
        await client.files.with_raw_response.retrieve(file_id),
    ]
    assert [a.headers["openai-poll-after-ms"] for a in answers] == ["25"] * len(answers)
    listed = await client.batches.with_raw_response.list()
    chat = await client.chat.completions.with_raw_response.create(model="m", messages=USER)  # type: ignore[arg-type]
    assert (
        "openai-poll-after-ms" not in listed.headers and "openai-poll-after-ms" not in chat.headers
    )
    with pytest.raises(NotFoundError) as missing:
        await client.videos.retrieve("video_nope")
    assert "openai-poll-after-ms" not in missing.value.headers


async def test_pollers_follow_the_header(fake: FakeOpenAI) -> None:
    sleeps = Sleeps()
    fake.poll_after_ms = 40
    async with AsyncOpenAI(base_url=fake.url, api_key="k", _sleep=sleeps) as client:
        assistant = await client.beta.assistants.create(model="gpt-4o")
        run = await client.beta.threads.create_and_run_poll(assistant_id=assistant.id)
        assert run.status == "completed"
        video = await client.videos.create_and_poll(prompt="p")
        assert video.status == "completed"
    assert sleeps.waits == [0.04, 0.04]  # one wait between the two polls of each
    runs = fake.requests_to("GET /threads/{thread_id}/runs/{run_id}")
    assert len(runs) == 2 and len(fake.requests_to("GET /videos/{video_id}")) == 2


# -- files: uploaded -> processed ---------------------------------------------------------------


async def test_files_stay_uploaded_for_the_set_number_of_polls(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    immediate = await client.files.create(file=("a.txt", b"a"), purpose="assistants")
    assert immediate.status == "processed"
    fake.file_polls = 2
    slow = await client.files.create(file=("b.txt", b"b"), purpose="assistants")
    assert slow.status == "uploaded"
    statuses = [(await client.files.retrieve(slow.id)).status for _ in range(3)]
    assert statuses == ["uploaded", "processed", "processed"]
    assert (await client.files.retrieve(immediate.id)).status == "processed"


async def test_wait_for_processing_and_uploads_honour_file_polls() -> None:
    sleeps = Sleeps()
    async with (
        FakeOpenAI(file_polls=3) as fake,
        AsyncOpenAI(base_url=fake.url, api_key="k", _sleep=sleeps) as client,
    ):
        created = await client.files.create(file=("c.txt", b"c"), purpose="assistants")
        done = await client.files.wait_for_processing(created.id, poll_interval=0.01)
        assert done.status == "processed"
        assert sleeps.waits == [0.01, 0.01]
        upload = await client.uploads.create(
            bytes=1, filename="u.txt", mime_type="text/plain", purpose="assistants"
        )
        part = await client.uploads.parts.create(upload.id, data=b"u")
        completed = await client.uploads.complete(upload.id, part_ids=[part.id])
        assert completed.file is not None and completed.file.status == "uploaded"


def test_file_polls_on_the_blocking_client() -> None:
    with FakeOpenAI(file_polls=1) as fake, OpenAI(base_url=fake.url, api_key="k") as client:
        created = client.files.create(file=("d.txt", b"d"), purpose="batch")
        assert created.status == "uploaded"
        assert client.files.retrieve(created.id).status == "processed"
        fake.file_polls = 0
        assert client.files.create(file=("e.txt", b"e"), purpose="batch").status == "processed"
