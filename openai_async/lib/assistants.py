"""Assistants run streams with event handlers, on both clients through one code path.

``RunState`` is the whole logic: it takes the run stream's events one at a time, keeps the
current run, message and run-step snapshots (deltas merged in), and says which handler hooks
the event triggers. ``AsyncAssistantEventHandler`` awaits those hooks while it iterates an
``AsyncStream``; ``AssistantEventHandler`` calls them while it iterates the blocking ``Stream``
(which moves events across the portal in batches). Subclass either and override the hooks::

    class Printer(AsyncAssistantEventHandler):
        async def on_text_delta(self, delta, snapshot):
            print(delta.value, end="")

    async with client.beta.threads.runs.stream(thread_id, assistant_id=a, event_handler=Printer()) as s:
        await s.until_done()
        run = await s.get_final_run()

A handler is also an iterator of the events themselves (``async for event in s``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Generic, TypeAlias, TypeVar, cast

import msgspec
from typing_extensions import Self

from .._decode import lenient_decode
from .._exceptions import OpenAIError

if TYPE_CHECKING:
    from .._streaming import AsyncStream
    from .._sync._streaming import Stream
    from ..types.beta.assistant_stream_event import AssistantStreamEvent
    from ..types.beta.threads.image_file import ImageFileImageFile
    from ..types.beta.threads.message import Message
    from ..types.beta.threads.message_delta import MessageDelta
    from ..types.beta.threads.message_delta_event import MessageDeltaEvent
    from ..types.beta.threads.run import Run
    from ..types.beta.threads.runs.run_step import RunStep
    from ..types.beta.threads.runs.run_step_delta import RunStepDelta
    from ..types.beta.threads.runs.run_step_delta_event import RunStepDeltaEvent
    from ..types.beta.threads.text import TextText
    from ..types.beta.threads.text_delta import TextDeltaText

# A run step's tool call (code interpreter, file search or function) and its delta.
ToolCall: TypeAlias = Any
ToolCallDelta: TypeAlias = Any

__all__ = [
    "AssistantEventHandler",
    "AssistantStreamManager",
    "AsyncAssistantEventHandler",
    "AsyncAssistantStreamManager",
    "RunState",
]

Hook: TypeAlias = "tuple[str, tuple[Any, ...]]"
_H = TypeVar("_H")

# Keys whose string values are identities, replaced rather than joined when deltas merge.
_REPLACED: Final = frozenset({"id", "index", "type", "object", "status", "role"})
_STEP_DONE: Final = frozenset(
    {
        "thread.run.step.completed",
        "thread.run.step.failed",
        "thread.run.step.cancelled",
        "thread.run.step.expired",
    }
)
_MESSAGE_DONE: Final = frozenset({"thread.message.completed", "thread.message.incomplete"})


def merge(snapshot: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    """Fold ``delta`` into ``snapshot`` in place: text is appended, nested objects merged,
    list items carrying an ``index`` merged into that position; ``None`` never erases."""
    for key, value in delta.items():
        if value is None:
            continue
        current = snapshot.get(key)
        if current is None:
            snapshot[key] = value
        elif isinstance(current, str) and isinstance(value, str) and key not in _REPLACED:
            snapshot[key] = current + value
        elif isinstance(current, dict) and isinstance(value, dict):
            merge(cast("dict[str, Any]", current), cast("dict[str, Any]", value))
        elif isinstance(current, list) and isinstance(value, list):
            _merge_list(cast("list[Any]", current), cast("list[Any]", value))  # type: ignore[redundant-cast]
        else:
            snapshot[key] = value
    return snapshot


def _merge_list(snapshot: list[Any], delta: list[Any]) -> None:
    for item in delta:
        index: object = (
            cast("dict[str, Any]", item).get("index") if isinstance(item, dict) else None
        )
        if not isinstance(index, int):
            snapshot.append(item)
            continue
        while len(snapshot) <= index:
            snapshot.append({})
        slot = snapshot[index]
        if isinstance(slot, dict):
            merge(cast("dict[str, Any]", slot), cast("dict[str, Any]", item))
        else:
            snapshot[index] = item


def _convert(tp: type[_H] | None, data: dict[str, Any]) -> _H:
    assert tp is not None
    try:
        return msgspec.convert(data, tp)
    except msgspec.ValidationError:
        converted: _H = lenient_decode(tp, msgspec.json.encode(data))
        return converted


def _builtins(obj: object) -> dict[str, Any]:
    return cast("dict[str, Any]", msgspec.to_builtins(obj))


class RunState:
    """The snapshots of one run stream, and the hooks each event calls (no I/O)."""

    __slots__ = (
        "_message_data",
        "_message_type",
        "_open_text",
        "_open_tool",
        "_seen_content",
        "_seen_tools",
        "_step_data",
        "_step_type",
        "event",
        "message",
        "messages",
        "run",
        "step",
        "steps",
    )

    def __init__(self) -> None:
        self.event: AssistantStreamEvent | None = None
        self.run: Run | None = None
        self.message: Message | None = None
        self.step: RunStep | None = None
        self.messages: list[Message] = []
        self.steps: list[RunStep] = []
        self._message_data: dict[str, Any] = {}
        self._step_data: dict[str, Any] = {}
        self._message_type: type[Message] | None = None
        self._step_type: type[RunStep] | None = None
        self._seen_content: set[int] = set()
        self._seen_tools: set[int] = set()
        self._open_text: int | None = None
        self._open_tool: int | None = None

    def feed(self, event: AssistantStreamEvent) -> list[Hook]:
        """Update the snapshots with ``event``; the hooks to call, in order."""
        self.event = event
        hooks: list[Hook] = [("on_event", (event,))]
        name = event.event
        data: Any = event.data
        if name.startswith("thread.run.step."):
            self._step_event(name, data, hooks)
        elif name.startswith("thread.message."):
            self._message_event(name, data, hooks)
        elif name.startswith("thread.run."):
            self.run = data
            if name == "thread.run.requires_action":
                self._close_tool(hooks)
        return hooks

    # -- messages --------------------------------------------------------------------------

    def _message_event(self, name: str, data: Any, hooks: list[Hook]) -> None:
        if name == "thread.message.delta":
            self._message_delta(data, hooks)
            return
        message: Message = data
        if name == "thread.message.created":
            self._start_message(message)
            hooks.append(("on_message_created", (message,)))
        elif name in _MESSAGE_DONE:
            if self._open_text is not None and self._open_text < len(message.content):
                block: Any = message.content[self._open_text]
                if block.type == "text":
                    hooks.append(("on_text_done", (block.text,)))
            self._open_text = None
            self.message = message
            self.messages.append(message)
            hooks.append(("on_message_done", (message,)))
        else:
            self.message = message

    def _start_message(self, message: Message) -> None:
        self.message = message
        self._message_type = type(message)
        self._message_data = _builtins(message)
        self._seen_content = set()
        self._open_text = None

    def _message_delta(self, event: MessageDeltaEvent, hooks: list[Hook]) -> None:
        if self._message_data.get("id") != event.id:
            return  # a delta for a message this stream never announced: nothing to merge into
        delta = event.delta
        parts = delta.content or []
        merge(self._message_data, _builtins(delta))
        snapshot: Message = _convert(self._message_type, self._message_data)
        self.message = snapshot
        hooks.append(("on_message_delta", (delta, snapshot)))
        for part in parts:
            index = part.index
            block: Any = snapshot.content[index] if index < len(snapshot.content) else None
            if block is None:
                continue
            if index not in self._seen_content:
                self._seen_content.add(index)
                if self._open_text is not None and self._open_text != index:
                    previous: Any = snapshot.content[self._open_text]
                    hooks.append(("on_text_done", (previous.text,)))
                    self._open_text = None
                if block.type == "text":
                    self._open_text = index
                    hooks.append(("on_text_created", (block.text,)))
                elif block.type == "image_file":
                    hooks.append(("on_image_file_done", (block.image_file,)))
            if block.type == "text" and part.type == "text" and part.text is not None:
                hooks.append(("on_text_delta", (part.text, block.text)))

    # -- run steps -------------------------------------------------------------------------

    def _step_event(self, name: str, data: Any, hooks: list[Hook]) -> None:
        if name == "thread.run.step.delta":
            self._step_delta(data, hooks)
            return
        step: RunStep = data
        if name == "thread.run.step.created":
            self.step = step
            self._step_type = type(step)
            self._step_data = _builtins(step)
            self._seen_tools = set()
            self._open_tool = None
            hooks.append(("on_run_step_created", (step,)))
        elif name in _STEP_DONE:
            self.step = step
            self._close_tool(hooks)
            self.steps.append(step)
            hooks.append(("on_run_step_done", (step,)))
        else:
            self.step = step

    def _step_delta(self, event: RunStepDeltaEvent, hooks: list[Hook]) -> None:
        if self._step_data.get("id") != event.id:
            return  # a delta for a step this stream never announced: nothing to merge into
        delta = event.delta
        details: Any = delta.step_details
        if details is not None:
            merge(self._step_data, {"step_details": _builtins(details)})
        snapshot: RunStep = _convert(self._step_type, self._step_data)
        self.step = snapshot
        hooks.append(("on_run_step_delta", (delta, snapshot)))
        if details is None or details.type != "tool_calls" or not details.tool_calls:
            return
        calls: list[Any] = getattr(snapshot.step_details, "tool_calls", [])
        for part in details.tool_calls:
            index: int = part.index
            if index >= len(calls):
                continue
            if index not in self._seen_tools:
                self._seen_tools.add(index)
                self._close_tool(hooks)
                self._open_tool = index
                hooks.append(("on_tool_call_created", (calls[index],)))
            hooks.append(("on_tool_call_delta", (part, calls[index])))

    def _close_tool(self, hooks: list[Hook]) -> None:
        index, self._open_tool = self._open_tool, None
        if index is None or self.step is None:
            return
        calls: list[Any] = getattr(self.step.step_details, "tool_calls", [])
        if index < len(calls):
            hooks.append(("on_tool_call_done", (calls[index],)))


class _Hooks:
    """The hook names and the snapshot accessors shared by both handlers."""

    _state: RunState

    @property
    def current_event(self) -> AssistantStreamEvent | None:
        """The last event received."""
        return self._state.event

    @property
    def current_run(self) -> Run | None:
        """The run as of the last run event."""
        return self._state.run

    @property
    def current_message_snapshot(self) -> Message | None:
        """The message being streamed, deltas merged in."""
        return self._state.message

    @property
    def current_run_step_snapshot(self) -> RunStep | None:
        """The run step being streamed, deltas merged in."""
        return self._state.step

    def _final_run(self) -> Run:
        run = self._state.run
        if run is None:
            raise OpenAIError("the stream ended without a run event")
        return run


class AsyncAssistantEventHandler(_Hooks):
    """Handles one run stream on ``AsyncOpenAI``; override the ``on_*`` coroutines you need.

    Every hook is called after the snapshots are updated; an exception a hook raises stops
    the stream and reaches the caller.
    """

    def __init__(self) -> None:
        self._state = RunState()
        self._stream: AsyncStream[AssistantStreamEvent] | None = None
        self._ended = False

    # -- hooks (all optional) --------------------------------------------------------------

    async def on_event(self, event: AssistantStreamEvent) -> None:
        """Every event, before the more specific hooks."""

    async def on_run_step_created(self, run_step: RunStep) -> None:
        """A run step started."""

    async def on_run_step_delta(self, delta: RunStepDelta, snapshot: RunStep) -> None:
        """A run step changed by ``delta`` (the event's ``delta``); ``snapshot`` has every
        delta so far merged in."""

    async def on_run_step_done(self, run_step: RunStep) -> None:
        """A run step completed, failed, was cancelled or expired."""

    async def on_tool_call_created(self, tool_call: ToolCall) -> None:
        """A tool call appeared in a run step."""

    async def on_tool_call_delta(self, delta: ToolCallDelta, snapshot: ToolCall) -> None:
        """A tool call grew; ``snapshot`` is the call so far."""

    async def on_tool_call_done(self, tool_call: ToolCall) -> None:
        """A tool call is complete (its step ended, the run needs its output, or the next
        call started)."""

    async def on_message_created(self, message: Message) -> None:
        """The assistant started a message."""

    async def on_message_delta(self, delta: MessageDelta, snapshot: Message) -> None:
        """A message grew by ``delta`` (the event's ``delta``); ``snapshot`` is the message so
        far."""

    async def on_message_done(self, message: Message) -> None:
        """A message is complete (or incomplete for good)."""

    async def on_text_created(self, text: TextText) -> None:
        """A text part of a message started."""

    async def on_text_delta(self, delta: TextDeltaText, snapshot: TextText) -> None:
        """A text part grew by ``delta.value``; ``snapshot.value`` is the text so far."""

    async def on_text_done(self, text: TextText) -> None:
        """A text part is complete."""

    async def on_image_file_done(self, image_file: ImageFileImageFile) -> None:
        """An image file part arrived in a message."""

    async def on_end(self) -> None:
        """The stream ended normally."""

    async def on_exception(self, exception: Exception) -> None:
        """The stream failed with ``exception`` (raised to the caller right after)."""

    # -- iteration -------------------------------------------------------------------------

    def _bind(self, stream: AsyncStream[AssistantStreamEvent]) -> None:
        if self._stream is not None:
            raise OpenAIError("an event handler serves one stream; create a new handler")
        self._stream = stream

    def _require_stream(self) -> AsyncStream[AssistantStreamEvent]:
        if self._stream is None:
            raise OpenAIError("the handler is not attached to a stream yet (use `async with`)")
        return self._stream

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> AssistantStreamEvent:
        stream = self._require_stream()
        try:
            event = await stream.__anext__()
        except StopAsyncIteration:
            if not self._ended:
                self._ended = True
                await self.on_end()
            raise
        except Exception as exc:
            await self.on_exception(exc)
            raise
        for name, args in self._state.feed(event):
            await getattr(self, name)(*args)
        return event

    async def until_done(self) -> None:
        """Consume the stream to its end, calling the hooks."""
        async for _ in self:
            continue

    async def get_final_run(self) -> Run:
        """The run as the stream left it (the stream is consumed first)."""
        await self.until_done()
        return self._final_run()

    async def get_final_messages(self) -> list[Message]:
        """The messages completed during the stream."""
        await self.until_done()
        return list(self._state.messages)

    async def get_final_run_steps(self) -> list[RunStep]:
        """The run steps that ended during the stream."""
        await self.until_done()
        return list(self._state.steps)

    async def text_deltas(self) -> AsyncIterator[str]:
        """Only the text pieces, as they arrive."""
        async for event in self:
            if event.event == "thread.message.delta":
                for part in event.data.delta.content or []:
                    if part.type == "text" and part.text is not None and part.text.value:
                        yield part.text.value

    async def close(self) -> None:
        """Drop the connection early."""
        if self._stream is not None:
            await self._stream.aclose()


class AssistantEventHandler(_Hooks):
    """Handles one run stream on the blocking ``OpenAI``; override the ``on_*`` methods.

    Hooks run in the caller's thread; events cross from the client's portal in batches.
    """

    def __init__(self) -> None:
        self._state = RunState()
        self._stream: Stream[AssistantStreamEvent] | None = None
        self._ended = False

    # -- hooks (all optional) --------------------------------------------------------------

    def on_event(self, event: AssistantStreamEvent) -> None:
        """Every event, before the more specific hooks."""

    def on_run_step_created(self, run_step: RunStep) -> None:
        """A run step started."""

    def on_run_step_delta(self, delta: RunStepDelta, snapshot: RunStep) -> None:
        """A run step changed by ``delta`` (the event's ``delta``); ``snapshot`` has every
        delta so far merged in."""

    def on_run_step_done(self, run_step: RunStep) -> None:
        """A run step completed, failed, was cancelled or expired."""

    def on_tool_call_created(self, tool_call: ToolCall) -> None:
        """A tool call appeared in a run step."""

    def on_tool_call_delta(self, delta: ToolCallDelta, snapshot: ToolCall) -> None:
        """A tool call grew; ``snapshot`` is the call so far."""

    def on_tool_call_done(self, tool_call: ToolCall) -> None:
        """A tool call is complete."""

    def on_message_created(self, message: Message) -> None:
        """The assistant started a message."""

    def on_message_delta(self, delta: MessageDelta, snapshot: Message) -> None:
        """A message grew by ``delta`` (the event's ``delta``); ``snapshot`` is the message so
        far."""

    def on_message_done(self, message: Message) -> None:
        """A message is complete (or incomplete for good)."""

    def on_text_created(self, text: TextText) -> None:
        """A text part of a message started."""

    def on_text_delta(self, delta: TextDeltaText, snapshot: TextText) -> None:
        """A text part grew by ``delta.value``; ``snapshot.value`` is the text so far."""

    def on_text_done(self, text: TextText) -> None:
        """A text part is complete."""

    def on_image_file_done(self, image_file: ImageFileImageFile) -> None:
        """An image file part arrived in a message."""

    def on_end(self) -> None:
        """The stream ended normally."""

    def on_exception(self, exception: Exception) -> None:
        """The stream failed with ``exception`` (raised to the caller right after)."""

    # -- iteration -------------------------------------------------------------------------

    def _bind(self, stream: Stream[AssistantStreamEvent]) -> None:
        if self._stream is not None:
            raise OpenAIError("an event handler serves one stream; create a new handler")
        self._stream = stream

    def _require_stream(self) -> Stream[AssistantStreamEvent]:
        if self._stream is None:
            raise OpenAIError("the handler is not attached to a stream yet (use `with`)")
        return self._stream

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> AssistantStreamEvent:
        stream = self._require_stream()
        try:
            event = next(stream)
        except StopIteration:
            if not self._ended:
                self._ended = True
                self.on_end()
            raise
        except Exception as exc:
            self.on_exception(exc)
            raise
        for name, args in self._state.feed(event):
            getattr(self, name)(*args)
        return event

    def until_done(self) -> None:
        """Consume the stream to its end, calling the hooks."""
        for _ in self:
            continue

    def get_final_run(self) -> Run:
        """The run as the stream left it (the stream is consumed first)."""
        self.until_done()
        return self._final_run()

    def get_final_messages(self) -> list[Message]:
        """The messages completed during the stream."""
        self.until_done()
        return list(self._state.messages)

    def get_final_run_steps(self) -> list[RunStep]:
        """The run steps that ended during the stream."""
        self.until_done()
        return list(self._state.steps)

    def text_deltas(self) -> Iterator[str]:
        """Only the text pieces, as they arrive."""
        for event in self:
            if event.event == "thread.message.delta":
                for part in event.data.delta.content or []:
                    if part.type == "text" and part.text is not None and part.text.value:
                        yield part.text.value

    def close(self) -> None:
        """Drop the connection early."""
        if self._stream is not None:
            self._stream.close()


_AH = TypeVar("_AH", bound=AsyncAssistantEventHandler)
_SH = TypeVar("_SH", bound=AssistantEventHandler)


class AsyncAssistantStreamManager(Generic[_AH]):
    """``async with`` starts the run stream and gives the handler bound to it."""

    __slots__ = ("_handler", "_request")

    def __init__(
        self,
        request: Callable[[], Awaitable[AsyncStream[AssistantStreamEvent]]],
        handler: _AH,
    ) -> None:
        self._request = request
        self._handler = handler

    async def __aenter__(self) -> _AH:
        self._handler._bind(await self._request())  # pyright: ignore[reportPrivateUsage]
        return self._handler

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._handler.close()


class AssistantStreamManager(Generic[_SH]):
    """``with`` starts the run stream and gives the handler bound to it."""

    __slots__ = ("_handler", "_request")

    def __init__(self, request: Callable[[], Stream[AssistantStreamEvent]], handler: _SH) -> None:
        self._request = request
        self._handler = handler

    def __enter__(self) -> _SH:
        self._handler._bind(self._request())  # pyright: ignore[reportPrivateUsage]
        return self._handler

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._handler.close()
