"""Plain data passed between the fake server's HTTP layer and its route handlers.

Handlers never see aiohttp: they take a ``Call`` (the request as data) and return a ``Reply``
(the answer as data). That keeps them pure enough to be reused inside the server itself (the
batch engine answers each JSONL line through the same handlers) and lets the wire layer apply
faults to any answer uniformly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

__all__ = ["JSON", "ApiError", "Call", "RecordedRequest", "Reply"]

JSON = dict[str, Any]


def encode(obj: object) -> bytes:
    """JSON bytes of ``obj`` (compact)."""
    return msgspec.json.encode(obj)


class ApiError(Exception):
    """Raised by a handler to answer with the API's error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code

    def body(self) -> JSON:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def not_found(kind: str, ident: str, param: str | None = None) -> ApiError:
    return ApiError(404, f"No {kind} found with id '{ident}'.", param=param)


@dataclass(eq=False)
class Call:
    """One request, as the route handler sees it."""

    method: str
    path: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    _json: JSON | None = field(default=None, repr=False)

    def json(self) -> JSON:
        """The body as a JSON object; a 400 in the API's shape when it is not one."""
        if self._json is None:
            try:
                data: object = msgspec.json.decode(self.body) if self.body else {}
            except msgspec.DecodeError:
                raise ApiError(400, "The request body is not valid JSON.") from None
            if not isinstance(data, dict):
                raise ApiError(400, "The request body must be a JSON object.")
            self._json = _as_json(data)  # pyright: ignore[reportUnknownArgumentType]
        return self._json

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def _as_json(data: dict[Any, Any]) -> JSON:
    result: JSON = data
    return result


@dataclass
class Reply:
    """An answer: a JSON/binary body, or a list of SSE events.

    ``error_event(n)`` builds the stream's in-band error event for the fault that replaces the
    events from index ``n`` on.
    """

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict[str, str])
    events: list[bytes] | None = None
    error_event: Callable[[int], bytes] | None = None

    @property
    def is_stream(self) -> bool:
        return self.events is not None


def json_reply(obj: object, status: int = 200) -> Reply:
    return Reply(status=status, body=encode(obj))


def error_reply(error: ApiError) -> Reply:
    return Reply(status=error.status, body=encode(error.body()))


def sse_reply(events: list[bytes], error_event: Callable[[int], bytes]) -> Reply:
    return Reply(content_type="text/event-stream", events=events, error_event=error_event)


def sse_event(data: object, event: str | None = None) -> bytes:
    """One SSE event: an optional ``event:`` line and one ``data:`` line of JSON."""
    payload = data if isinstance(data, bytes) else encode(data)
    if event is None:
        return b"data: " + payload + b"\n\n"
    return b"event: " + event.encode() + b"\ndata: " + payload + b"\n\n"


@dataclass
class RecordedRequest:
    """A request the fake server received, kept for assertions."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    route: str | None = None

    def json(self) -> Any:
        """The body decoded as JSON."""
        return msgspec.json.decode(self.body)
