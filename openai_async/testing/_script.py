"""Scripted model answers: queue a reply, a tool call, a refusal or a function of the request.

Each model-backed route (chat completions, responses, assistant runs) owns one ``Script``.
Queued answers are used once, in order; when the queue is empty the script's default
responder answers (deterministically, from the request).
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from ._types import JSON

__all__ = [
    "Answer",
    "Responder",
    "Script",
    "ToolCall",
    "count_tokens",
    "json_list",
    "json_obj",
    "split_tokens",
    "text_of",
]


@dataclass
class ToolCall:
    name: str
    arguments: str = "{}"
    id: str | None = None


@dataclass
class Answer:
    """What the fake model says: text, tool calls, or a refusal."""

    text: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list[ToolCall])
    refusal: str | None = None
    stop_reason: str | None = None
    """The ``finish_reason`` to report (``"length"``, ``"content_filter"``); derived when unset."""
    logprobs: bool = False
    """Send per-token logprobs even when the request did not ask for them."""

    @property
    def finish_reason(self) -> str:
        if self.stop_reason is not None:
            return self.stop_reason
        return "tool_calls" if self.tool_calls else "stop"


Responder = Callable[[JSON], Union[Answer, str]]

_TOKEN = re.compile(r"\s*\S+|\s+")


def split_tokens(text: str) -> list[str]:
    """Word-sized pieces (leading spaces kept) whose concatenation is ``text``."""
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    """A rough, deterministic token count (about four characters per token)."""
    return max(1, (len(text) + 3) // 4) if text else 0


def _as_answer(value: Answer | str) -> Answer:
    return Answer(text=value) if isinstance(value, str) else value


def _arguments(arguments: str | Mapping[str, Any]) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


class Script:
    def __init__(self, default: Responder) -> None:
        self.default: Responder = default
        self._queue: deque[Responder] = deque()

    def reply(self, text: str, *, finish_reason: str | None = None, logprobs: bool = False) -> None:
        """The next call answers with ``text`` (cut short when ``finish_reason`` says so)."""
        answer = Answer(text=text, stop_reason=finish_reason, logprobs=logprobs)
        self._queue.append(lambda _request: answer)

    def tool_call(
        self, name: str, arguments: str | Mapping[str, Any] = "{}", *, call_id: str | None = None
    ) -> None:
        """The next call asks for one function call."""
        self.tool_calls(ToolCall(name, _arguments(arguments), call_id))

    def tool_calls(self, *calls: ToolCall) -> None:
        """The next call asks for these function calls (parallel tool calls)."""
        answer = Answer(tool_calls=list(calls))
        self._queue.append(lambda _request: answer)

    def refusal(self, text: str) -> None:
        """The next call refuses with ``text``."""
        answer = Answer(refusal=text)
        self._queue.append(lambda _request: answer)

    def respond(self, fn: Responder) -> None:
        """The next call is answered by ``fn(request_json)`` (an ``Answer`` or a string)."""
        self._queue.append(fn)

    def always(self, fn: Responder) -> None:
        """Every call without a queued answer is answered by ``fn(request_json)``."""
        self.default = fn

    def clear(self) -> None:
        self._queue.clear()

    def next(self, request: JSON) -> Answer:
        """The answer for this request (queued first, then the default)."""
        try:
            responder = self._queue.popleft()
        except IndexError:
            responder = self.default
        return _as_answer(responder(request))


def text_of(content: Any) -> str:
    """The plain text of a message ``content`` (a string or a list of typed parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces: list[str] = []
        for part in json_list(content):
            value: Any = json_obj(part).get("text")
            if isinstance(value, dict):
                value = json_obj(value).get("value")
            if isinstance(value, str):
                pieces.append(value)
        return " ".join(pieces)
    return ""


def json_list(value: Any) -> list[Any]:
    """``value`` when it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []  # pyright: ignore[reportUnknownVariableType]


def json_obj(value: Any) -> JSON:
    """``value`` when it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}  # pyright: ignore[reportUnknownVariableType]
