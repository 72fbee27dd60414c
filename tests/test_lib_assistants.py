"""Assistants run streams against the fake server: hooks, snapshots, final run and messages,
tool-call round trips, direct iteration, errors, and the blocking twin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from openai_async import (
    AssistantEventHandler,
    AsyncAssistantEventHandler,
    AsyncOpenAI,
    BadRequestError,
    OpenAI,
)
from openai_async.testing import FakeOpenAI
from openai_async.types.shared.submit_tool_outputs_run_request_param import (
    SubmitToolOutputsRunRequestToolOutputParam,
)

BETA = {"OpenAI-Beta": "assistants=v2"}


class Recorder(AsyncAssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[Any, ...]] = []

    async def on_text_created(self, text: Any) -> None:
        self.log.append(("text_created", text.value))

    async def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.log.append(("text_delta", delta.value, snapshot.value))

    async def on_text_done(self, text: Any) -> None:
        self.log.append(("text_done", text.value))

    async def on_message_done(self, message: Any) -> None:
        self.log.append(("message_done", message.status))

    async def on_run_step_done(self, run_step: Any) -> None:
        self.log.append(("step_done", run_step.type))

    async def on_tool_call_created(self, tool_call: Any) -> None:
        self.log.append(("tool_created", tool_call.id))

    async def on_tool_call_done(self, tool_call: Any) -> None:
        self.log.append(("tool_done", tool_call.function.name, tool_call.function.arguments))

    async def on_end(self) -> None:
        self.log.append(("end",))

    async def on_exception(self, exception: Exception) -> None:
        self.log.append(("exception", type(exception).__name__))


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def client(fake: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=fake.url, api_key="test", max_retries=0) as c:
        yield c


async def setup(client: AsyncOpenAI) -> tuple[str, str]:
    assistant = await client.beta.assistants.create(model="gpt-4o", extra_headers=BETA)
    thread = await client.beta.threads.create(
        messages=[{"role": "user", "content": "hi"}], extra_headers=BETA
    )
    return assistant.id, thread.id


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_handler_hooks_snapshots_and_final_results(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    assistant_id, thread_id = await setup(client)
    fake.runs.reply("Sunny and warm")
    async with client.beta.threads.runs.stream(
        thread_id, assistant_id=assistant_id, event_handler=Recorder(), temperature=0.5
    ) as stream:
        await stream.until_done()
        run = await stream.get_final_run()
        messages = await stream.get_final_messages()
    sent = fake.last_request
    assert sent.path == f"/v1/threads/{thread_id}/runs"
    assert sent.headers["OpenAI-Beta"] == "assistants=v2"
    assert sent.headers["Accept"] == "text/event-stream"
    assert sent.json() == {"assistant_id": assistant_id, "stream": True, "temperature": 0.5}
    assert stream.log == [
        ("text_created", "Sunny"),
        ("text_delta", "Sunny", "Sunny"),
        ("text_delta", " and", "Sunny and"),
        ("text_delta", " warm", "Sunny and warm"),
        ("text_done", "Sunny and warm"),
        ("message_done", "completed"),
        ("step_done", "message_creation"),
        ("end",),
    ]
    assert run.status == "completed" and run.thread_id == thread_id
    assert [m.content[0].text.value for m in messages] == ["Sunny and warm"]  # type: ignore[union-attr]
    assert stream.current_run is run


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_tool_round_trip_with_submit_tool_outputs_stream(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake.runs.tool_call("lookup", {"q": "rome"}, call_id="call_1")
    assistant = await client.beta.assistants.create(model="gpt-4o", extra_headers=BETA)
    async with client.beta.threads.create_and_run_stream(
        assistant_id=assistant.id,
        thread={"messages": [{"role": "user", "content": "hi"}]},
        event_handler=Recorder(),
    ) as stream:
        run = await stream.get_final_run()
    assert stream.log == [
        ("tool_created", "call_1"),
        ("tool_done", "lookup", '{"q": "rome"}'),
        ("end",),
    ]
    assert run.status == "requires_action"
    async with client.beta.threads.runs.submit_tool_outputs_stream(
        tool_outputs=[{"tool_call_id": "call_1", "output": "22C"}],
        run_id=run.id,
        thread_id=run.thread_id,
    ) as after:
        names = [event.event async for event in after]
    body = fake.last_request.json()
    assert body == {"tool_outputs": [{"tool_call_id": "call_1", "output": "22C"}], "stream": True}
    assert names[0] == "thread.run.queued" and names[-1] == "thread.run.completed"
    assert after.current_message_snapshot is not None
    assert (await after.get_final_messages())[0].content[0].text.value == (  # type: ignore[union-attr]
        "The tool returned: 22C"
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_stream_error_calls_on_exception_and_raises(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    from openai_async import APIError

    assistant_id, thread_id = await setup(client)
    fake.faults.add("POST /threads/{thread_id}/runs", "error_event", at=3)
    handler = Recorder()
    with pytest.raises(APIError):
        async with client.beta.threads.runs.stream(
            thread_id, assistant_id=assistant_id, event_handler=handler
        ) as stream:
            await stream.until_done()
    assert handler.log[-1][0] == "exception" and ("end",) not in handler.log
    assert handler.current_run is not None and handler.current_run.status == "in_progress"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_a_handler_serves_one_stream(client: AsyncOpenAI) -> None:
    from openai_async import OpenAIError

    assistant_id, thread_id = await setup(client)
    handler = AsyncAssistantEventHandler()
    async with client.beta.threads.runs.stream(
        thread_id, assistant_id=assistant_id, event_handler=handler
    ) as stream:
        await stream.until_done()
    with pytest.raises(OpenAIError):
        async with client.beta.threads.runs.stream(
            thread_id, assistant_id=assistant_id, event_handler=handler
        ):
            pass
    with pytest.raises(OpenAIError):
        await AsyncAssistantEventHandler().until_done()


class SyncRecorder(AssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.ended = False

    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.text.append(delta.value)

    def on_end(self) -> None:
        self.ended = True


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_blocking_stream_with_a_handler() -> None:
    with FakeOpenAI() as fake, OpenAI(base_url=fake.url, api_key="test") as client:
        fake.runs.reply("one two three")
        assistant = client.beta.assistants.create(model="gpt-4o", extra_headers=BETA)
        thread = client.beta.threads.create(extra_headers=BETA)
        with client.beta.threads.runs.stream(
            thread.id, assistant_id=assistant.id, event_handler=SyncRecorder()
        ) as stream:
            run = stream.get_final_run()
        assert "".join(stream.text) == "one two three" and stream.ended
        assert run.status == "completed"
        with client.beta.threads.runs.stream(thread.id, assistant_id=assistant.id) as plain:
            assert "".join(plain.text_deltas()) == "Hello from the fake OpenAI server."
        assert fake.last_request.headers["OpenAI-Beta"] == "assistants=v2"


# -- create_and_run_stream / submit_tool_outputs_stream, on both clients --------------------

THREAD = {"messages": [{"role": "user", "content": "weather in rome?"}]}
OUTPUTS: list[SubmitToolOutputsRunRequestToolOutputParam] = [
    {"tool_call_id": "call_1", "output": "22C"}
]


def delta_entry(kind: str, delta: Any, snapshot: Any) -> tuple[Any, ...]:
    """What a delta hook saw: the inner delta's type and the snapshot's id."""
    return (kind, type(delta), snapshot.id)


class AsyncDeltaRecorder(Recorder):
    async def on_run_step_created(self, run_step: Any) -> None:
        self.log.append(("step_created", run_step.id))

    async def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
        self.log.append(delta_entry("step_delta", delta, snapshot))

    async def on_message_delta(self, delta: Any, snapshot: Any) -> None:
        self.log.append(delta_entry("message_delta", delta, snapshot))


class SyncDeltaRecorder(AssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[Any, ...]] = []

    def on_run_step_created(self, run_step: Any) -> None:
        self.log.append(("step_created", run_step.id))

    def on_run_step_delta(self, delta: Any, snapshot: Any) -> None:
        self.log.append(delta_entry("step_delta", delta, snapshot))

    def on_message_delta(self, delta: Any, snapshot: Any) -> None:
        self.log.append(delta_entry("message_delta", delta, snapshot))

    def on_tool_call_done(self, tool_call: Any) -> None:
        self.log.append(("tool_done", tool_call.function.name, tool_call.function.arguments))

    def on_text_done(self, text: Any) -> None:
        self.log.append(("text_done", text.value))

    def on_end(self) -> None:
        self.log.append(("end",))


def check_create_and_run(fake: FakeOpenAI, assistant_id: str, log: list[Any], run: Any) -> None:
    from openai_async.types.beta.threads.runs import RunStepDelta

    sent = fake.last_request
    assert (sent.method, sent.path) == ("POST", "/v1/threads/runs")
    assert sent.headers["OpenAI-Beta"] == "assistants=v2"
    assert sent.headers["Accept"] == "text/event-stream"
    assert sent.json() == {
        "assistant_id": assistant_id,
        "thread": THREAD,
        "stream": True,
        "temperature": 0.5,
    }
    step_id = log[0][1]
    assert [entry for entry in log if entry[0] != "tool_created"] == [
        ("step_created", step_id),
        ("step_delta", RunStepDelta, step_id),
        ("tool_done", "lookup", '{"q": "rome"}'),
        ("end",),
    ]
    assert run.status == "requires_action" and run.assistant_id == assistant_id
    assert [call.id for call in run.required_action.submit_tool_outputs.tool_calls] == ["call_1"]


def check_submit(fake: FakeOpenAI, run: Any, names: list[str], log: list[Any], final: Any) -> None:
    from openai_async.types.beta.threads import MessageDelta

    sent = fake.last_request
    assert (sent.method, sent.path) == (
        "POST",
        f"/v1/threads/{run.thread_id}/runs/{run.id}/submit_tool_outputs",
    )
    assert sent.headers["OpenAI-Beta"] == "assistants=v2"
    assert sent.json() == {"tool_outputs": OUTPUTS, "stream": True}
    assert names[0] == "thread.run.queued" and names[-1] == "thread.run.completed"
    assert "thread.message.delta" in names and "thread.run.step.completed" in names
    message_deltas = [entry for entry in log if entry[0] == "message_delta"]
    assert message_deltas and all(entry[1] is MessageDelta for entry in message_deltas)
    assert ("text_done", "The tool returned: 22C") in log and log[-1] == ("end",)
    assert final.id == run.id and final.status == "completed"
    assert final.usage is not None and final.usage.total_tokens > 0


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_async_create_and_run_stream_then_submit_tool_outputs_stream(
    fake: FakeOpenAI, client: AsyncOpenAI
) -> None:
    fake.runs.tool_call("lookup", {"q": "rome"}, call_id="call_1")
    assistant = await client.beta.assistants.create(model="gpt-4o", extra_headers=BETA)
    async with client.beta.threads.create_and_run_stream(
        assistant_id=assistant.id,
        thread=THREAD,
        temperature=0.5,
        event_handler=AsyncDeltaRecorder(),
    ) as stream:
        run = await stream.get_final_run()
    check_create_and_run(fake, assistant.id, stream.log, run)
    async with client.beta.threads.runs.submit_tool_outputs_stream(
        tool_outputs=OUTPUTS,
        run_id=run.id,
        thread_id=run.thread_id,
        event_handler=AsyncDeltaRecorder(),
    ) as after:
        names = [event.event async for event in after]
        final = await after.get_final_run()
    check_submit(fake, run, names, after.log, final)
    with pytest.raises(BadRequestError) as failed:
        async with client.beta.threads.runs.submit_tool_outputs_stream(
            tool_outputs=OUTPUTS, run_id=run.id, thread_id=run.thread_id
        ):
            pass
    assert failed.value.status_code == 400 and failed.value.param == "run_id"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_blocking_create_and_run_stream_then_submit_tool_outputs_stream() -> None:
    with FakeOpenAI() as fake, OpenAI(base_url=fake.url, api_key="test", max_retries=0) as client:
        fake.runs.tool_call("lookup", {"q": "rome"}, call_id="call_1")
        assistant = client.beta.assistants.create(model="gpt-4o", extra_headers=BETA)
        with client.beta.threads.create_and_run_stream(
            assistant_id=assistant.id,
            thread=THREAD,
            temperature=0.5,
            event_handler=SyncDeltaRecorder(),
        ) as stream:
            run = stream.get_final_run()
        check_create_and_run(fake, assistant.id, stream.log, run)
        with client.beta.threads.runs.submit_tool_outputs_stream(
            tool_outputs=OUTPUTS,
            run_id=run.id,
            thread_id=run.thread_id,
            event_handler=SyncDeltaRecorder(),
        ) as after:
            names = [event.event for event in after]
            final = after.get_final_run()
        check_submit(fake, run, names, after.log, final)
        with (
            pytest.raises(BadRequestError) as failed,
            client.beta.threads.runs.submit_tool_outputs_stream(
                tool_outputs=OUTPUTS, run_id=run.id, thread_id=run.thread_id
            ),
        ):
            pass
        assert failed.value.status_code == 400 and failed.value.param == "run_id"
