"""The chat completion stream helper: typed events with snapshots, on both clients.

``ChatCompletionStreamState`` turns chunks into events and keeps one live snapshot (a
``ParsedChatCompletion`` updated in place: ``ChunkEvent.snapshot`` is that object).
``AsyncChatCompletionStream`` feeds it from an ``AsyncStream[ChatCompletionChunk]``; the
blocking ``ChatCompletionStream`` pulls the same events across the portal in batches (see
``_base``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Literal, TypeAlias, Union, cast

import msgspec

from ...types.chat.chat_completion import ChatCompletionChoiceLogprobs
from ...types.chat.chat_completion_chunk import ChatCompletionChunk, ChatCompletionChunkChoice
from ...types.chat.chat_completion_token_logprob import ChatCompletionTokenLogprob
from ..parsing import (
    ContentFilterFinishReasonError,
    LengthFinishReasonError,
    ParsedChatCompletion,
    ParsedChatCompletionMessage,
    ParsedChoice,
    ParsedFunction,
    ParsedFunctionToolCall,
    is_type_format,
    parse_json,
    parse_tool_arguments,
    tool_argument_types,
)
from ._base import AsyncHelperStream, AsyncStreamManager, HelperStream, StreamManager

__all__ = [
    "AsyncChatCompletionStream",
    "AsyncChatCompletionStreamManager",
    "ChatCompletionStream",
    "ChatCompletionStreamEvent",
    "ChatCompletionStreamManager",
    "ChatCompletionStreamState",
    "ChunkEvent",
    "ContentDeltaEvent",
    "ContentDoneEvent",
    "FunctionToolCallArgumentsDeltaEvent",
    "FunctionToolCallArgumentsDoneEvent",
    "LogprobsContentDeltaEvent",
    "LogprobsContentDoneEvent",
    "LogprobsRefusalDeltaEvent",
    "LogprobsRefusalDoneEvent",
    "RefusalDeltaEvent",
    "RefusalDoneEvent",
]


# -- events --------------------------------------------------------------------------------------


class ChunkEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A chunk as received, with the live snapshot of the whole completion."""

    type: Literal["chunk"] = "chunk"
    chunk: ChatCompletionChunk
    snapshot: ParsedChatCompletion[Any]


class ContentDeltaEvent(msgspec.Struct, frozen=True, kw_only=True):
    """New content text; ``snapshot`` is the content so far."""

    type: Literal["content.delta"] = "content.delta"
    delta: str
    snapshot: str


class ContentDoneEvent(msgspec.Struct, frozen=True, kw_only=True):
    """The content is complete; ``parsed`` is set when a response format type was given."""

    type: Literal["content.done"] = "content.done"
    content: str
    parsed: Any = None


class RefusalDeltaEvent(msgspec.Struct, frozen=True, kw_only=True):
    """New refusal text; ``snapshot`` is the refusal so far."""

    type: Literal["refusal.delta"] = "refusal.delta"
    delta: str
    snapshot: str


class RefusalDoneEvent(msgspec.Struct, frozen=True, kw_only=True):
    """The refusal is complete."""

    type: Literal["refusal.done"] = "refusal.done"
    refusal: str


class FunctionToolCallArgumentsDeltaEvent(msgspec.Struct, frozen=True, kw_only=True):
    """New argument text of tool call ``index``; ``arguments`` is the text so far."""

    type: Literal["tool_calls.function.arguments.delta"] = "tool_calls.function.arguments.delta"
    name: str
    index: int
    arguments: str
    arguments_delta: str


class FunctionToolCallArgumentsDoneEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Tool call ``index`` is complete; ``parsed_arguments`` is set for strict tools."""

    type: Literal["tool_calls.function.arguments.done"] = "tool_calls.function.arguments.done"
    name: str
    index: int
    arguments: str
    parsed_arguments: Any = None


class LogprobsContentDeltaEvent(msgspec.Struct, frozen=True, kw_only=True):
    """New content token logprobs; ``snapshot`` holds all of them so far."""

    type: Literal["logprobs.content.delta"] = "logprobs.content.delta"
    content: list[ChatCompletionTokenLogprob]
    snapshot: list[ChatCompletionTokenLogprob]


class LogprobsContentDoneEvent(msgspec.Struct, frozen=True, kw_only=True):
    """All content token logprobs."""

    type: Literal["logprobs.content.done"] = "logprobs.content.done"
    content: list[ChatCompletionTokenLogprob]


class LogprobsRefusalDeltaEvent(msgspec.Struct, frozen=True, kw_only=True):
    """New refusal token logprobs; ``snapshot`` holds all of them so far."""

    type: Literal["logprobs.refusal.delta"] = "logprobs.refusal.delta"
    refusal: list[ChatCompletionTokenLogprob]
    snapshot: list[ChatCompletionTokenLogprob]


class LogprobsRefusalDoneEvent(msgspec.Struct, frozen=True, kw_only=True):
    """All refusal token logprobs."""

    type: Literal["logprobs.refusal.done"] = "logprobs.refusal.done"
    refusal: list[ChatCompletionTokenLogprob]


ChatCompletionStreamEvent: TypeAlias = Union[
    ChunkEvent,
    ContentDeltaEvent,
    ContentDoneEvent,
    RefusalDeltaEvent,
    RefusalDoneEvent,
    FunctionToolCallArgumentsDeltaEvent,
    FunctionToolCallArgumentsDoneEvent,
    LogprobsContentDeltaEvent,
    LogprobsContentDoneEvent,
    LogprobsRefusalDeltaEvent,
    LogprobsRefusalDoneEvent,
]


# -- state -----------------------------------------------------------------------------------------


class _ChoiceState:
    """What is known about one choice while its chunks arrive."""

    __slots__ = ("choice", "content_logprobs", "open_tool", "refusal_logprobs")

    def __init__(self, choice: ParsedChoice[Any]) -> None:
        self.choice = choice
        self.content_logprobs: list[ChatCompletionTokenLogprob] = []
        self.refusal_logprobs: list[ChatCompletionTokenLogprob] = []
        self.open_tool: int | None = None  # index of the tool call still receiving arguments


class ChatCompletionStreamState:
    """Chunks in, events out; ``snapshot`` is the completion assembled so far.

    ``response_format`` (a type) parses the content when it is done; ``tools`` with strict
    definitions (``function_tool`` or ``strict: true``) parse their calls' arguments.
    """

    __slots__ = ("_choices", "_format", "_lenient", "_snapshot", "_tool_types")

    def __init__(
        self,
        *,
        response_format: Any = None,
        tools: Iterable[Any] | None = None,
        lenient: bool = False,
    ) -> None:
        self._format = response_format if is_type_format(response_format) else None
        self._lenient = lenient  # unparseable tool arguments give None instead of raising
        self._tool_types = tool_argument_types(tools)
        self._snapshot: ParsedChatCompletion[Any] | None = None
        self._choices: dict[int, _ChoiceState] = {}

    @property
    def snapshot(self) -> ParsedChatCompletion[Any] | None:
        """The live snapshot (``None`` before the first chunk)."""
        return self._snapshot

    def final_completion(self) -> ParsedChatCompletion[Any]:
        """The assembled completion (raises when no chunk arrived)."""
        if self._snapshot is None:
            raise RuntimeError("the stream ended before its first chunk")
        return self._snapshot

    def handle(self, chunk: ChatCompletionChunk, events: list[Any]) -> None:
        """Update the snapshot with ``chunk`` and append its events to ``events``."""
        snapshot = self._snapshot
        if snapshot is None:
            snapshot = self._snapshot = _empty_completion(chunk)
        if chunk.usage is not None:
            snapshot.usage = chunk.usage
        if chunk.system_fingerprint is not None:
            snapshot.system_fingerprint = chunk.system_fingerprint
        events.append(ChunkEvent(chunk=chunk, snapshot=snapshot))
        for choice in chunk.choices:
            self._choice(choice, events)

    def _state(self, index: int) -> _ChoiceState:
        state = self._choices.get(index)
        if state is None:
            message = ParsedChatCompletionMessage[Any](content=None, refusal=None, role="assistant")
            choice = ParsedChoice[Any](
                index=index,
                message=message,
                logprobs=None,
                finish_reason=cast("str", None),  # set when the choice ends
            )
            state = self._choices[index] = _ChoiceState(choice)
            cast("ParsedChatCompletion[Any]", self._snapshot).choices.append(choice)
        return state

    def _choice(self, chunk_choice: ChatCompletionChunkChoice, events: list[Any]) -> None:
        state = self._state(chunk_choice.index)
        message = state.choice.message
        delta = chunk_choice.delta
        if delta.role:
            message.role = delta.role
        if delta.content:
            message.content = (message.content or "") + delta.content
            events.append(ContentDeltaEvent(delta=delta.content, snapshot=message.content))
        if delta.refusal:
            message.refusal = (message.refusal or "") + delta.refusal
            events.append(RefusalDeltaEvent(delta=delta.refusal, snapshot=message.refusal))
        if delta.tool_calls:
            self._tool_deltas(state, delta.tool_calls, events)
        if chunk_choice.logprobs is not None:
            self._logprobs(state, chunk_choice, events)
        if chunk_choice.finish_reason:
            self._finish(state, chunk_choice.finish_reason, events)

    def _tool_deltas(self, state: _ChoiceState, deltas: Iterable[Any], events: list[Any]) -> None:
        message = state.choice.message
        calls = cast("list[ParsedFunctionToolCall] | None", message.tool_calls)
        for delta in deltas:
            index: int = delta.index
            if calls is None:
                calls = []
                message.tool_calls = cast("Any", calls)
            if index >= len(calls):
                if state.open_tool is not None:
                    self._tool_done(state, state.open_tool, events)
                function = ParsedFunction(name="", arguments="")
                calls.append(ParsedFunctionToolCall(id=delta.id or "", function=function))
                state.open_tool = index
            call = calls[index]
            if delta.id:
                call.id = delta.id
            piece = delta.function
            if piece is None:
                continue
            if piece.name:
                call.function.name += piece.name
            if piece.arguments:
                call.function.arguments += piece.arguments
                events.append(
                    FunctionToolCallArgumentsDeltaEvent(
                        name=call.function.name,
                        index=index,
                        arguments=call.function.arguments,
                        arguments_delta=piece.arguments,
                    )
                )

    def _tool_done(self, state: _ChoiceState, index: int, events: list[Any]) -> None:
        calls = cast("list[ParsedFunctionToolCall]", state.choice.message.tool_calls)
        function = calls[index].function
        parsed = parse_tool_arguments(
            self._tool_types, function.name, function.arguments, lenient=self._lenient
        )
        function.parsed_arguments = parsed
        state.open_tool = None
        events.append(
            FunctionToolCallArgumentsDoneEvent(
                name=function.name,
                index=index,
                arguments=function.arguments,
                parsed_arguments=parsed,
            )
        )

    def _logprobs(
        self, state: _ChoiceState, chunk_choice: ChatCompletionChunkChoice, events: list[Any]
    ) -> None:
        logprobs = chunk_choice.logprobs
        if logprobs is None:
            return
        choice = state.choice
        if choice.logprobs is None:
            choice.logprobs = ChatCompletionChoiceLogprobs(content=None, refusal=None)
        if logprobs.content:
            state.content_logprobs.extend(logprobs.content)
            choice.logprobs.content = state.content_logprobs
            events.append(
                LogprobsContentDeltaEvent(
                    content=logprobs.content, snapshot=list(state.content_logprobs)
                )
            )
        if logprobs.refusal:
            state.refusal_logprobs.extend(logprobs.refusal)
            choice.logprobs.refusal = state.refusal_logprobs
            events.append(
                LogprobsRefusalDeltaEvent(
                    refusal=logprobs.refusal, snapshot=list(state.refusal_logprobs)
                )
            )

    def _finish(self, state: _ChoiceState, finish_reason: str, events: list[Any]) -> None:
        choice = state.choice
        choice.finish_reason = finish_reason
        message = choice.message
        if self._format is not None:
            completion = cast("ParsedChatCompletion[Any]", self._snapshot)
            if finish_reason == "length":
                raise LengthFinishReasonError(completion=completion)
            if finish_reason == "content_filter":
                raise ContentFilterFinishReasonError(completion=completion)
        if message.content is not None:
            if self._format is not None and not message.refusal:
                message.parsed = parse_json(self._format, message.content)
            events.append(ContentDoneEvent(content=message.content, parsed=message.parsed))
        if message.refusal is not None:
            events.append(RefusalDoneEvent(refusal=message.refusal))
        if state.open_tool is not None:
            self._tool_done(state, state.open_tool, events)
        if state.content_logprobs:
            events.append(LogprobsContentDoneEvent(content=list(state.content_logprobs)))
        if state.refusal_logprobs:
            events.append(LogprobsRefusalDoneEvent(refusal=list(state.refusal_logprobs)))


def _empty_completion(chunk: ChatCompletionChunk) -> ParsedChatCompletion[Any]:
    return ParsedChatCompletion[Any](
        id=chunk.id,
        choices=[],
        created=chunk.created,
        model=chunk.model,
        object="chat.completion",
        service_tier=chunk.service_tier,
        system_fingerprint=chunk.system_fingerprint,
        usage=chunk.usage,
    )


# -- streams -------------------------------------------------------------------------------------


class AsyncChatCompletionStream(AsyncHelperStream[ChatCompletionStreamEvent]):
    """``async for event in stream``; ``get_final_completion()``, ``until_done()``, ``on()``.

    Leaving the ``async with`` block of ``client.chat.completions.stream(...)`` (or ``aclose()``)
    drops the connection when the stream was not read to its end.
    """

    __slots__ = ()

    _text_delta = "content.delta"

    @property
    def state(self) -> ChatCompletionStreamState:
        """The accumulator behind the events."""
        state: ChatCompletionStreamState = self._state
        return state

    @property
    def current_completion_snapshot(self) -> ParsedChatCompletion[Any] | None:
        """The completion assembled so far."""
        return self.state.snapshot

    async def get_final_completion(self) -> ParsedChatCompletion[Any]:
        """Read to the end and return the assembled completion."""
        await self.until_done()
        return self.state.final_completion()


class ChatCompletionStream(HelperStream[ChatCompletionStreamEvent]):
    """The blocking face of ``AsyncChatCompletionStream`` (events cross the portal in batches)."""

    __slots__ = ()

    @property
    def current_completion_snapshot(self) -> ParsedChatCompletion[Any] | None:
        """The completion assembled so far."""
        return cast("AsyncChatCompletionStream", self._async).current_completion_snapshot

    def get_final_completion(self) -> ParsedChatCompletion[Any]:
        """Read to the end and return the assembled completion."""
        self.until_done()
        return cast("AsyncChatCompletionStream", self._async).state.final_completion()


AsyncChatCompletionStreamManager = AsyncStreamManager[AsyncChatCompletionStream]
ChatCompletionStreamManager = StreamManager[ChatCompletionStream]


async def open_chat_stream(
    create: Callable[..., Awaitable[Any]],
    params: dict[str, Any],
    response_format: Any,
    tools: Iterable[Any] | None,
    lenient: bool = False,
) -> AsyncChatCompletionStream:
    """Send the streaming request and wrap its chunks (runs on the async client's loop)."""
    raw = await create(**params, stream=True)
    state = ChatCompletionStreamState(response_format=response_format, tools=tools, lenient=lenient)
    return AsyncChatCompletionStream(raw, state)
