"""The Responses stream helper: the API's events, with text and function-argument snapshots.

Every event of ``POST /responses`` with ``stream: true`` comes through with its own type. Three
are handed over as subclasses that carry more: ``response.output_text.delta`` and
``response.function_call_arguments.delta`` get ``snapshot`` (the text so far of that part or
call), and ``response.output_text.done`` gets ``parsed`` when a ``text_format`` type was given.
``get_final_response()`` returns the ``response.completed`` (or ``incomplete`` / ``failed``)
response as a ``ParsedResponse``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, cast

from ...types.responses.response import Response
from ...types.responses.response_completed_event import ResponseCompletedEvent
from ...types.responses.response_created_event import ResponseCreatedEvent
from ...types.responses.response_failed_event import ResponseFailedEvent
from ...types.responses.response_function_call_arguments_delta_event import (
    ResponseFunctionCallArgumentsDeltaEvent as _ArgumentsDelta,
)
from ...types.responses.response_in_progress_event import ResponseInProgressEvent
from ...types.responses.response_incomplete_event import ResponseIncompleteEvent
from ...types.responses.response_text_delta_event import ResponseTextDeltaEvent as _TextDelta
from ...types.responses.response_text_done_event import ResponseTextDoneEvent as _TextDone
from ..parsing import ParsedResponse, is_type_format, parse_json, parse_response, struct_fields
from ._base import AsyncHelperStream, AsyncStreamManager, HelperStream, StreamManager

__all__ = [
    "AsyncResponseStream",
    "AsyncResponseStreamManager",
    "ResponseFunctionCallArgumentsDeltaEvent",
    "ResponseStream",
    "ResponseStreamManager",
    "ResponseStreamState",
    "ResponseTextDeltaEvent",
    "ResponseTextDoneEvent",
]


class ResponseTextDeltaEvent(_TextDelta, kw_only=True):
    """``response.output_text.delta`` with ``snapshot``: the part's text so far."""

    snapshot: str


class ResponseTextDoneEvent(_TextDone, kw_only=True):
    """``response.output_text.done`` with ``parsed`` (when a ``text_format`` type was given)."""

    parsed: Any = None


class ResponseFunctionCallArgumentsDeltaEvent(_ArgumentsDelta, kw_only=True):
    """``response.function_call_arguments.delta`` with ``snapshot``: the arguments so far."""

    snapshot: str


_FINAL = (ResponseCompletedEvent, ResponseIncompleteEvent, ResponseFailedEvent)
_PROGRESS = (ResponseCreatedEvent, ResponseInProgressEvent)


class ResponseStreamState:
    """Responses events in, helper events out; keeps the snapshots and the final response."""

    __slots__ = ("_arguments", "_final", "_format", "_latest", "_texts", "_tools")

    def __init__(self, *, text_format: Any = None, tools: Iterable[Any] | None = None) -> None:
        self._format = text_format if is_type_format(text_format) else None
        self._tools = list(tools or ())
        self._texts: dict[tuple[str, int], str] = {}
        self._arguments: dict[str, str] = {}
        self._latest: Response | None = None
        self._final: Response | None = None

    @property
    def snapshot(self) -> Response | None:
        """The latest response object the stream carried (created / in progress / final)."""
        return self._latest

    def handle(self, event: Any, events: list[Any]) -> None:
        """Append the helper event(s) for ``event`` to ``events``."""
        kind: object = event.__class__
        if kind is _TextDelta:
            key = (event.item_id, event.content_index)
            text = self._texts[key] = self._texts.get(key, "") + event.delta
            events.append(ResponseTextDeltaEvent(**struct_fields(event), snapshot=text))
        elif kind is _ArgumentsDelta:
            text = self._arguments[event.item_id] = (
                self._arguments.get(event.item_id, "") + event.delta
            )
            events.append(
                ResponseFunctionCallArgumentsDeltaEvent(**struct_fields(event), snapshot=text)
            )
        elif kind is _TextDone:
            parsed = parse_json(self._format, event.text) if self._format is not None else None
            events.append(ResponseTextDoneEvent(**struct_fields(event), parsed=parsed))
        else:
            if isinstance(event, _PROGRESS):
                self._latest = event.response
            elif isinstance(event, _FINAL):
                self._latest = self._final = event.response
            events.append(event)

    def final_response(self) -> ParsedResponse[Any]:
        """The final response, parsed (raises when the stream ended before it)."""
        if self._final is None:
            raise RuntimeError("the stream ended before the final response event")
        return parse_response(self._final, self._format, self._tools)


class AsyncResponseStream(AsyncHelperStream[Any]):
    """``async for event in stream``; ``get_final_response()``, ``until_done()``, ``on()``."""

    __slots__ = ()

    _text_delta = "response.output_text.delta"

    @property
    def state(self) -> ResponseStreamState:
        """The accumulator behind the events."""
        state: ResponseStreamState = self._state
        return state

    @property
    def current_response_snapshot(self) -> Response | None:
        """The latest response object the stream carried."""
        return self.state.snapshot

    async def get_final_response(self) -> ParsedResponse[Any]:
        """Read to the end and return the final response."""
        await self.until_done()
        return self.state.final_response()


class ResponseStream(HelperStream[Any]):
    """The blocking face of ``AsyncResponseStream`` (events cross the portal in batches)."""

    __slots__ = ()

    @property
    def current_response_snapshot(self) -> Response | None:
        """The latest response object the stream carried."""
        return cast("AsyncResponseStream", self._async).current_response_snapshot

    def get_final_response(self) -> ParsedResponse[Any]:
        """Read to the end and return the final response."""
        self.until_done()
        return cast("AsyncResponseStream", self._async).state.final_response()


AsyncResponseStreamManager = AsyncStreamManager[AsyncResponseStream]
ResponseStreamManager = StreamManager[ResponseStream]


async def open_response_stream(
    create: Callable[..., Awaitable[Any]],
    params: dict[str, Any],
    text_format: Any,
    tools: Iterable[Any] | None,
) -> AsyncResponseStream:
    """Send the streaming request and wrap its events (runs on the async client's loop)."""
    raw = await create(**params, stream=True)
    return AsyncResponseStream(raw, ResponseStreamState(text_format=text_format, tools=tools))
